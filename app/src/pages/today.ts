import { ApiError, api } from "../api.ts";
import { h, replace } from "../dom.ts";
import * as f from "../format.ts";
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

/** Today: the signed-in person's open tasks due by the end of the day, overdue first, to complete or hand on. */
export async function todayPage(ctx: PageContext): Promise<void> {
  ctx.title("Today");
  const results = h("div", { class: "panel" });
  replace(ctx.main, pageHeading("Today", h("p", { class: "subtitle" }, "Your open tasks due today, overdue first.")), results);
  await loadInto(
    results,
    ctx,
    "Loading your tasks…",
    () => api<{ items: Task[] }>("/v1/tasks?assignee=me&due=today", { signal: ctx.signal }),
    (page) => [
      dataTable<Task>(
        "My tasks due today",
        [
          {
            heading: "Due",
            cell: (t) => h("span", t.overdue ? { class: "badge badge-no" } : null, t.overdue ? `Overdue: ${f.dateTime(t.dueAt)}` : f.dateTime(t.dueAt)),
          },
          { heading: "Task", cell: (t) => t.title },
          { heading: "Customer", cell: (t) => h("a", { href: `#/customers/${encodeURIComponent(t.customerId)}` }, "Open customer") },
          { heading: "Do", cell: (t) => taskActions(t, () => todayPage(ctx)) },
        ],
        page.items,
        { captionHidden: true, stack: true, empty: "Nothing due today. Tasks you create on a customer's page show here when they are due." },
      ),
    ],
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
