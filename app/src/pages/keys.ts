import { ApiError, api } from "../api.ts";
import { h, replace } from "../dom.ts";
import * as f from "../format.ts";
import { apiForm } from "../forms.ts";
import { isOwner } from "../session.ts";
import type { PageContext } from "../ui.ts";
import { announce, dataTable, errorBox, loadInto, pageHeading, section } from "../ui.ts";

interface KeyInfo {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  revokedAt?: string;
}

const SCOPES: { id: string; label: string }[] = [
  { id: "leads:write", label: "Post leads (a website or script's form posts)" },
  { id: "admin", label: "Admin: everything an owner may do (integrations, exports)" },
];

/**
 * API keys (owners only): the keys integrations call the API with. A new key's secret is shown
 * once, with a copy button; Rapport keeps only its hash, so it cannot be shown again. Revoking
 * ends its access at once. The API has no record of when a key was last used, so neither has this page.
 */
export async function keysPage(ctx: PageContext): Promise<void> {
  ctx.title("API keys");
  if (!isOwner()) {
    replace(ctx.main, pageHeading("API keys"), h("p", null, "Only an owner manages API keys. Ask an owner for a key for your integration."));
    return;
  }
  const list = h("div", { class: "panel" });
  const created = h("div", { "aria-live": "polite" });
  const load = () =>
    loadInto(
      list,
      ctx,
      "Loading API keys…",
      () => api<{ items: KeyInfo[] }>("/v1/keys", { signal: ctx.signal }),
      (page) =>
        dataTable<KeyInfo>(
          "API keys",
          [
            { heading: "Name", cell: (k) => k.name || h("span", { class: "muted" }, "no name") },
            { heading: "Id", cell: (k) => h("code", null, k.id) },
            { heading: "Scopes", cell: (k) => k.scopes.join(", ") },
            { heading: "Created", cell: (k) => f.dateTime(k.createdAt) },
            { heading: "Status", cell: (k) => (k.revokedAt ? `Revoked ${f.dateTime(k.revokedAt)}` : "Active") },
            { heading: "Revoke", cell: (k) => (k.revokedAt ? "" : revokeButton(k, load)) },
          ],
          [...page.items].sort((a, b) => Number(Boolean(a.revokedAt)) - Number(Boolean(b.revokedAt)) || b.createdAt.localeCompare(a.createdAt)),
          { stack: true, empty: "No API keys yet: create one below for an integration." },
        ),
    );

  const name = h("input", { type: "text", autocomplete: "off", maxlength: 100 });
  const boxes = SCOPES.map((s) =>
    h("input", { type: "checkbox", id: `key-scope-${s.id.replace(/[^a-z]/g, "-")}`, value: s.id, checked: s.id === "leads:write" }),
  );
  const scopesError = h("p", { class: "field-error", id: "key-scopes-error", hidden: true });
  const form = apiForm("key", "Create key", async () => {
    scopesError.hidden = true;
    const scopes = boxes.filter((b) => b.checked).map((b) => b.value);
    try {
      const answer = await api<{ key: string; info: KeyInfo }>("/v1/keys", {
        method: "POST",
        body: { scopes, ...(name.value.trim() ? { name: name.value.trim() } : {}) },
      });
      showSecret(created, answer.key, answer.info);
    } catch (err) {
      const scopeProblem = err instanceof ApiError ? err.fields.find((x) => x.field === "scopes" || x.field.startsWith("scopes.")) : undefined;
      if (scopeProblem) {
        scopesError.textContent = `Scopes: ${scopeProblem.message}`;
        scopesError.hidden = false;
      }
      throw err;
    }
    name.value = "";
    await load();
    return "Key created. Copy it now: it is shown only once.";
  });
  form.append(
    form.field("name", "Name", name, "What uses it, e.g. “website form” or “shop sync”"),
    h(
      "fieldset",
      { class: "checks key-scopes", "aria-describedby": "key-scopes-error" },
      h("legend", null, "Scopes"),
      h(
        "div",
        { class: "check-row" },
        boxes.map((box, i) => h("div", { class: "field-check" }, box, h("label", { for: box.id }, SCOPES[i]!.label))),
      ),
      scopesError,
    ),
  );

  replace(
    ctx.main,
    pageHeading("API keys", h("p", { class: "subtitle" }, "Keys for integrations and scripts. People sign in with their own account instead.")),
    list,
    section("Create a key", {}, form.element, created),
  );
  await load();
}

/** The new key, once: a read-only field to select, a copy button and a warning. */
function showSecret(target: HTMLElement, key: string, info: KeyInfo): void {
  const field = h("input", { type: "text", id: "new-key", readonly: true, value: key, class: "mono one-time-secret", spellcheck: false });
  const copied = h("span", { role: "status" });
  replace(
    target,
    h(
      "div",
      { class: "notice" },
      h(
        "p",
        null,
        h("strong", null, "Copy this key now: it is shown only once. "),
        `Rapport keeps only its hash. Key “${info.name || info.id}” (${info.scopes.join(", ")}):`,
      ),
      h("label", { for: "new-key", class: "visually-hidden" }, "The new API key"),
      field,
      h(
        "p",
        null,
        h(
          "button",
          {
            type: "button",
            class: "button",
            onclick: async () => {
              field.select();
              try {
                await navigator.clipboard.writeText(key);
                copied.textContent = "Copied.";
              } catch {
                copied.textContent = "Copying was refused by the browser: the key is selected, copy it with Ctrl+C or ⌘C.";
              }
            },
          },
          "Copy key",
        ),
        " ",
        copied,
      ),
    ),
  );
  field.focus();
  field.select();
}

function revokeButton(k: KeyInfo, reload: () => Promise<unknown>): HTMLElement {
  const status = h("span", { role: "status" });
  return h(
    "span",
    { class: "row-actions" },
    h(
      "button",
      {
        type: "button",
        class: "button button-quiet",
        "aria-label": `Revoke ${k.name || k.id}`,
        onclick: async () => {
          if (!window.confirm(`Revoke the key “${k.name || k.id}”? Whatever uses it stops working at once.`)) return;
          try {
            await api(`/v1/keys/${encodeURIComponent(k.id)}`, { method: "DELETE" });
            announce(`Revoked ${k.name || k.id}.`);
            await reload();
          } catch (err) {
            replace(status, err instanceof ApiError ? err.message : errorBox(err));
          }
        },
      },
      "Revoke",
    ),
    status,
  );
}
