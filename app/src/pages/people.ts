import { ApiError, api } from "../api.ts";
import { h, replace } from "../dom.ts";
import * as f from "../format.ts";
import { apiForm } from "../forms.ts";
import { isOwner, me } from "../session.ts";
import type { PageContext } from "../ui.ts";
import { announce, dataTable, errorBox, loadInto, pageHeading, section } from "../ui.ts";

interface Person {
  id: string;
  email: string;
  name?: string;
  role: "owner" | "staff";
  createdAt: string;
}

interface PersonAdded {
  person: Person;
  invited: boolean;
  password?: string;
}

const ROLE_LABELS = { owner: "Owner", staff: "Staff" } as const;

/**
 * The team (owners only): who may sign in and with which role, inviting a teammate and removing
 * someone. On AWS the pool emails the invitation; on the local stack the API answers the new
 * person's password, which is shown here once and never again.
 */
export async function peoplePage(ctx: PageContext): Promise<void> {
  ctx.title("People");
  if (!isOwner()) {
    replace(ctx.main, pageHeading("People"), h("p", null, "Only an owner manages the people who may sign in. Ask an owner to add or remove someone."));
    return;
  }
  const list = h("div", { class: "panel" });
  const added = h("div", { "aria-live": "polite" });
  const load = () =>
    loadInto(
      list,
      ctx,
      "Loading people…",
      () => api<{ items: Person[] }>("/v1/people", { signal: ctx.signal }),
      (page) =>
        dataTable<Person>(
          "People who may sign in",
          [
            { heading: "Name", cell: (p) => p.name ?? "" },
            { heading: "Email", cell: (p) => p.email },
            { heading: "Role", cell: (p) => ROLE_LABELS[p.role] },
            { heading: "Added", cell: (p) => f.dateTime(p.createdAt) },
            { heading: "Remove", cell: (p) => removeButton(p, load) },
          ],
          page.items,
          { stack: true, empty: "Nobody signs in as a person yet: invite a teammate below." },
        ),
    );

  const email = h("input", { type: "email", autocomplete: "off", spellcheck: false, autocapitalize: "none" });
  const name = h("input", { type: "text", autocomplete: "off" });
  const role = h(
    "select",
    null,
    h("option", { value: "staff" }, "Staff: the day-to-day work"),
    h("option", { value: "owner" }, "Owner: also erasure, people and campaigns"),
  );
  const invite = apiForm("invite", "Invite", async () => {
    const answer = await api<PersonAdded>("/v1/people", {
      method: "POST",
      body: { email: email.value.trim(), role: role.value, ...(name.value.trim() ? { name: name.value.trim() } : {}) },
    });
    const who = answer.person.name ?? answer.person.email;
    replace(
      added,
      answer.password
        ? h(
            "div",
            { class: "notice" },
            h(
              "p",
              null,
              `${who} is added as ${ROLE_LABELS[answer.person.role].toLowerCase()}. Their password, shown this once (give it to them in person or over a channel you trust):`,
            ),
            h("p", null, h("code", { class: "one-time-secret", id: "new-password" }, answer.password)),
          )
        : h("p", { class: "notice" }, `${who} is invited: an email with a temporary password is on its way; they choose their own at first sign-in.`),
    );
    email.value = "";
    name.value = "";
    await load();
    return `Added ${who}.`;
  });
  invite.append(
    invite.field("email", "Email", email),
    invite.field("name", "Name", name, "Shown in the dashboard's header and on what they record."),
    invite.field("role", "Role", role),
  );

  replace(
    ctx.main,
    pageHeading("People", h("p", { class: "subtitle" }, "Who may sign in to this dashboard, and what they may do.")),
    list,
    section("Invite a teammate", {}, invite.element, added),
  );
  await load();
}

function removeButton(p: Person, reload: () => Promise<unknown>): HTMLElement {
  const who = p.name ?? p.email;
  const status = h("span", { role: "status" });
  const self = me();
  if (self?.type === "person" && self.id === p.id) return h("span", { class: "muted" }, "You");
  return h(
    "span",
    { class: "row-actions" },
    h(
      "button",
      {
        type: "button",
        class: "button button-quiet",
        "aria-label": `Remove ${who}`,
        onclick: async () => {
          if (!window.confirm(`Remove ${who}? They can no longer sign in.`)) return;
          try {
            await api(`/v1/people/${encodeURIComponent(p.id)}`, { method: "DELETE" });
            announce(`Removed ${who}.`);
            await reload();
          } catch (err) {
            replace(status, err instanceof ApiError ? err.message : errorBox(err));
          }
        },
      },
      "Remove",
    ),
    status,
  );
}
