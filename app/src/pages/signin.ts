import { api, ApiError } from "../api.ts";
import { h, replace } from "../dom.ts";
import { signIn, takeNotice } from "../session.ts";
import type { PageContext } from "../ui.ts";
import { pageHeading } from "../ui.ts";

/**
 * Sign in with an admin API key. The key is checked against the API before it is kept (in this
 * tab's sessionStorage only), so a typo is caught here rather than on the first page.
 */
export async function signInPage(ctx: PageContext): Promise<void> {
  ctx.title("Sign in");
  const notice = takeNotice();
  const error = h("p", { class: "field-error", id: "key-error", role: "alert", hidden: true });
  const input = h("input", {
    id: "api-key",
    name: "key",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    autocapitalize: "none",
    required: true,
    "aria-describedby": "key-help key-error",
  });
  const button = h("button", { type: "submit", class: "button button-primary" }, "Sign in");
  const form = h(
    "form",
    { class: "signin-form", novalidate: true, onsubmit: (event: Event) => void submit(event) },
    h("div", { class: "field" }, h("label", { for: "api-key" }, "Admin API key"), input, error),
    h(
      "p",
      { class: "help", id: "key-help" },
      "npm start prints one (and keeps it in .rapport/admin-key); on AWS create one with ",
      h("code", null, "npx rapport keys create --scope admin"),
      ". The key stays in this browser tab only and is forgotten when you close it.",
    ),
    button,
  );

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return showError("Enter your admin API key.");
    button.disabled = true;
    button.textContent = "Checking…";
    try {
      await api("/v1/customers?limit=1", { key, signal: ctx.signal });
      signIn(key);
      const next = ctx.query.get("next");
      location.hash = next && next.startsWith("#/") && !next.startsWith("#/signin") ? next : "#/overview";
    } catch (err) {
      if (ctx.signal.aborted) return;
      showError(
        err instanceof ApiError && err.status === 401
          ? "That key was not accepted: it is unknown or has been revoked."
          : err instanceof ApiError && err.status === 403
            ? "That key works, but lacks the admin scope the dashboard needs."
            : err instanceof ApiError
              ? err.message
              : "The key could not be checked. Try again.",
      );
    } finally {
      button.disabled = false;
      button.textContent = "Sign in";
    }
  }

  function showError(message: string): void {
    error.textContent = message;
    error.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }

  replace(
    ctx.main,
    h(
      "div",
      { class: "signin" },
      pageHeading("Sign in to Rapport"),
      notice && h("p", { class: "notice", role: "alert" }, notice),
      form,
    ),
  );
  input.focus();
}
