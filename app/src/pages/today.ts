import { ApiError, api } from "../api.ts";
import { h, replace } from "../dom.ts";
import * as f from "../format.ts";
import { me } from "../session.ts";
import type { PageContext } from "../ui.ts";
import { announce, dataTable, errorBox, loadInto, pageHeading } from "../ui.ts";

export interface Task {
  id: string;
  customerId: string;
  title: string;
  notes?: string;
  dueAt: string;
  assignee: string;
  status: "open" | "done";
  overdue: boolean;
  completedAt?: string;
}

/**
 * Today: the signed-in person's open tasks due by the end of the day, overdue first, to complete
 * or hand on; and the alerts nobody in particular was given (no person to give them to when they
 * were raised), which everyone sees until someone takes one. Signed in with an API key, which has
 * no tasks of its own, only those.
 */
export async function todayPage(ctx: PageContext): Promise<void> {
  ctx.title("Today");
  const person = me()?.type !== "key";
  const mine = h("div", { class: "panel" });
  const unassigned = h("div", { class: "panel" });
  replace(
    ctx.main,
    pageHeading("Today", h("p", { class: "subtitle" }, person ? "Your open tasks due today, overdue first." : "Open tasks nobody has taken yet.")),
    person ? mine : "",
    unassigned,
  );
  const redraw = () => todayPage(ctx);
  await Promise.all([
    person
      ? loadInto(
          mine,
          ctx,
          "Loading your tasks…",
          () => api<{ items: Task[] }>("/v1/tasks?assignee=me&due=today", { signal: ctx.signal }),
          (page) => [
            taskTable(
              "My tasks due today",
              page.items,
              redraw,
              "Nothing due today. Tasks you create on a customer's page, and alerts about your customers, show here when they are due.",
            ),
          ],
        )
      : Promise.resolve(),
    loadInto(
      unassigned,
      ctx,
      "Loading unassigned tasks…",
      () => api<{ items: Task[] }>("/v1/tasks?assignee=unassigned&due=all", { signal: ctx.signal }),
      (page) => {
        // A person sees the shared list only when there is something on it.
        unassigned.hidden = person && page.items.length === 0;
        return [
          h("h2", null, "Unassigned"),
          taskTable("Unassigned tasks", page.items, redraw, "No unassigned tasks. Alerts go to the customer's owner, or the team's first owner."),
        ];
      },
    ),
  ]);
}

function taskTable(caption: string, items: Task[], after: () => Promise<void>, empty: string): HTMLElement {
  return dataTable<Task>(
    caption,
    [
      {
        heading: "Due",
        cell: (t) => h("span", t.overdue ? { class: "badge badge-no" } : null, t.overdue ? `Overdue: ${f.dateTime(t.dueAt)}` : f.dateTime(t.dueAt)),
      },
      { heading: "Task", cell: (t) => t.title },
      { heading: "Customer", cell: (t) => h("a", { href: `#/customers/${encodeURIComponent(t.customerId)}` }, "Open customer") },
      { heading: "Do", cell: (t) => taskActions(t, after) },
    ],
    items,
    { captionHidden: true, stack: true, empty },
  );
}

/** Complete and reassign buttons for one task; `after` redraws the list once it changed. */
export function taskActions(t: Task, after: () => Promise<void>): HTMLElement {
  const status = h("span", { role: "status" });
  const to = h("input", { type: "email", autocomplete: "off", placeholder: "teammate@…", "aria-label": `Reassign “${t.title}” to (email)` });
  const patch = (body: Record<string, unknown>, done: string) => async () => {
    try {
      await api(`/v1/tasks/${encodeURIComponent(t.id)}`, { method: "PATCH", body });
      announce(done);
      await after();
    } catch (err) {
      replace(status, err instanceof ApiError ? [err.message, ...err.fields.map((x) => ` ${x.field} ${x.message}`)].join("") : errorBox(err));
    }
  };
  return h(
    "span",
    { class: "row-actions" },
    t.status === "open"
      ? h(
          "button",
          {
            type: "button",
            class: "button button-primary",
            "aria-label": `Complete “${t.title}”`,
            onclick: patch({ status: "done" }, `Completed ${t.title}.`),
          },
          "Complete",
        )
      : h(
          "button",
          { type: "button", class: "button", "aria-label": `Reopen “${t.title}”`, onclick: patch({ status: "open" }, `Reopened ${t.title}.`) },
          "Reopen",
        ),
    " ",
    to,
    h(
      "button",
      {
        type: "button",
        class: "button button-quiet",
        "aria-label": `Reassign “${t.title}”`,
        onclick: () => patch({ assignee: to.value }, `Reassigned ${t.title}.`)(),
      },
      "Reassign",
    ),
    status,
  );
}
