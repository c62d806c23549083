import { ApiError, api } from "../api.ts";
import { type Challenge, CognitoRefused, chooseNewPassword, isChallenge, passwordSignIn, type SignInConfig, signInConfig } from "../cognito.ts";
import { h, replace } from "../dom.ts";
import { keepMe, keepTokens, type Me, signIn, signOut, type Tokens, takeNotice } from "../session.ts";
import type { PageContext } from "../ui.ts";
import { pageHeading } from "../ui.ts";

/**
 * Sign in as a person (email and password, checked by the user pool itself) or, as the
 * alternative, with an admin API key. Where the deployment has no user pool, the key is the only
 * way. Whatever is kept stays in this tab's sessionStorage only.
 */
export async function signInPage(ctx: PageContext): Promise<void> {
  ctx.title("Sign in");
  const notice = takeNotice();
  const cfg = await signInConfig();
  if (ctx.signal.aborted) return;

  const goOn = () => {
    const next = ctx.query.get("next");
    location.hash = next?.startsWith("#/") && !next.startsWith("#/signin") ? next : "#/overview";
  };
  const keyForm = apiKeyForm(ctx, goOn);
  const body = h("div", { class: "signin-body" });
  replace(ctx.main, h("div", { class: "signin" }, pageHeading("Sign in to Rapport"), notice && h("p", { class: "notice", role: "alert" }, notice), body));
  if (!cfg) {
    replace(body, keyForm.form);
    keyForm.input.focus();
    return;
  }
  const person = personForm(ctx, cfg, goOn, (challenge, email) => {
    const chooser = newPasswordForm(ctx, cfg, email, challenge, goOn);
    replace(body, chooser.form);
    chooser.input.focus();
  });
  replace(
    body,
    person.form,
    h("details", { class: "action signin-alternative" }, h("summary", null, "Use an API key instead"), h("div", { class: "action-body" }, keyForm.form)),
  );
  person.input.focus();
}

/** A labelled field with its error line, described by both. */
function field(id: string, label: string, input: HTMLInputElement, help?: string) {
  const error = h("p", { class: "field-error", id: `${id}-error`, role: "alert", hidden: true });
  input.id = id;
  input.setAttribute("aria-describedby", [help ? `${id}-help` : "", `${id}-error`].filter(Boolean).join(" "));
  const element = h("div", { class: "field" }, h("label", { for: id }, label), input, help ? h("p", { class: "help", id: `${id}-help` }, help) : null, error);
  return {
    element,
    show(message: string) {
      error.textContent = message;
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
    },
    clear() {
      error.hidden = true;
      input.removeAttribute("aria-invalid");
    },
  };
}

/** Keeps the tokens, asks the API who they belong to (for the header and the role), goes on. */
async function finish(ctx: PageContext, tokens: Tokens, goOn: () => void): Promise<void> {
  keepTokens(tokens);
  try {
    keepMe(await api<Me>("/v1/me", { key: tokens.idToken, signal: ctx.signal }));
  } catch (err) {
    signOut();
    throw err;
  }
  goOn();
}

/** What to tell a person whose sign-in the pool refused, in words they can act on. */
function refusal(err: unknown, choosing = false): string {
  if (err instanceof CognitoRefused) {
    // cognito-local answers a wrong password with InvalidPasswordException; only a chosen one breaks the policy.
    if (err.type === "InvalidPasswordException" && !choosing) return "That email and password do not match. Check both and try again.";
    switch (err.type) {
      case "NotAuthorizedException":
      case "UserNotFoundException":
        return "That email and password do not match. Check both and try again.";
      case "PasswordResetRequiredException":
        return "Your password has to be reset. Ask an owner to add you again.";
      case "UserNotConfirmedException":
        return "Your account is not confirmed yet. Ask an owner.";
      case "TooManyRequestsException":
      case "LimitExceededException":
        return "Too many attempts. Wait a minute and try again.";
      case "InvalidPasswordException":
        return `That password is not allowed: ${err.message}`;
      default:
        return err.message;
    }
  }
  if (err instanceof ApiError && err.status === 401) return "You signed in, but you are not in this team's people list. Ask an owner to add you.";
  if (err instanceof ApiError) return err.message;
  return "Signing in did not work. Try again.";
}

function personForm(ctx: PageContext, cfg: SignInConfig, goOn: () => void, onChallenge: (c: Challenge, email: string) => void) {
  const email = h("input", { name: "email", type: "email", autocomplete: "username", spellcheck: "false", autocapitalize: "none", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const emailField = field("signin-email", "Email", email);
  const passwordField = field("signin-password", "Password", password);
  const button = h("button", { type: "submit", class: "button button-primary" }, "Sign in");

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    emailField.clear();
    passwordField.clear();
    if (!email.value.trim()) return emailField.show("Enter your email address.");
    if (!password.value) return passwordField.show("Enter your password.");
    button.disabled = true;
    button.textContent = "Signing in…";
    try {
      const result = await passwordSignIn(cfg, email.value.trim(), password.value);
      if (ctx.signal.aborted) return;
      if (isChallenge(result)) {
        if (result.challenge === "NEW_PASSWORD_REQUIRED") return onChallenge(result, email.value.trim());
        return passwordField.show("This account needs a sign-in step the dashboard does not offer yet. Ask an owner.");
      }
      await finish(ctx, result, goOn);
    } catch (err) {
      if (ctx.signal.aborted) return;
      passwordField.show(refusal(err));
    } finally {
      button.disabled = false;
      button.textContent = "Sign in";
    }
  }

  const form = h(
    "form",
    { class: "signin-form", novalidate: true, "aria-label": "Sign in with your email", onsubmit: (event: Event) => void submit(event) },
    emailField.element,
    passwordField.element,
    button,
  );
  return { form, input: email };
}

function newPasswordForm(ctx: PageContext, cfg: SignInConfig, email: string, challenge: Challenge, goOn: () => void) {
  const password = h("input", { name: "new-password", type: "password", autocomplete: "new-password", required: true });
  const passwordField = field(
    "new-password",
    "New password",
    password,
    "At least the length your team set, with upper and lower case letters, a digit and a symbol.",
  );
  const button = h("button", { type: "submit", class: "button button-primary" }, "Set password and sign in");
  let session = challenge.session;

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    passwordField.clear();
    if (!password.value) return passwordField.show("Choose a password.");
    button.disabled = true;
    try {
      const result = await chooseNewPassword(cfg, email, session, password.value);
      if (ctx.signal.aborted) return;
      if (isChallenge(result)) {
        session = result.session;
        return passwordField.show("The sign-in service asked for another step the dashboard does not offer yet. Ask an owner.");
      }
      await finish(ctx, result, goOn);
    } catch (err) {
      if (ctx.signal.aborted) return;
      passwordField.show(refusal(err, true));
    } finally {
      button.disabled = false;
    }
  }

  const form = h(
    "form",
    { class: "signin-form", novalidate: true, "aria-labelledby": "new-password-title", onsubmit: (event: Event) => void submit(event) },
    h("h2", { id: "new-password-title" }, "Choose a new password"),
    h("p", null, "This is your first sign-in: choose the password you will use from now on."),
    passwordField.element,
    button,
  );
  return { form, input: password };
}

/** The admin API key form: the key is checked against the API before it is kept. */
function apiKeyForm(ctx: PageContext, goOn: () => void) {
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
    { class: "signin-form", novalidate: true, "aria-label": "Sign in with an API key", onsubmit: (event: Event) => void submit(event) },
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
      const who = await api<Me>("/v1/me", { key, signal: ctx.signal });
      signIn(key);
      keepMe(who);
      goOn();
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

  return { form, input };
}
