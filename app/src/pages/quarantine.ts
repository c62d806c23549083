import { ApiError, api, query } from "../api.ts";
import { h, replace } from "../dom.ts";
import * as f from "../format.ts";
import type { PageContext } from "../ui.ts";
import { announce, dataTable, errorBox, loadInto, pageHeading } from "../ui.ts";

interface Held {
  id: string;
  heldAt: string;
  reason: string;
  detail?: string;
  lead: Record<string, unknown>;
  context: { ip?: string; userAgent?: string; page?: string };
  expiresAt: string;
}

const REASONS: Record<string, string> = {
  captcha_missing: "No captcha answer",
  captcha_failed: "Captcha refused",
  captcha_unavailable: "Captcha service unreachable",
  too_fast: "Sent too fast for a person",
  no_timestamp: "Form without its time stamp",
  future_timestamp: "Time stamp in the future",
  origin_not_allowed: "From a site not on the allowed list",
};

/**
 * The quarantine: lead submissions held because they looked like bots, or came from a site not (yet)
 * allowed. Each can be released (it becomes a customer as if it had passed) or dropped.
 */
export async function quarantinePage(ctx: PageContext): Promise<void> {
  ctx.title("Held submissions");
  const cursor = ctx.query.get("cursor") ?? "";
  const results = h("div", { class: "panel" });
  replace(
    ctx.main,
    pageHeading(
      "Held submissions",
      h("p", { class: "subtitle" }, "Form posts kept aside for a person to look at. They are dropped by themselves after 30 days."),
    ),
    results,
  );
  const render = (page: { items: Held[]; nextCursor: string | null }) => [
    dataTable<Held>(
      "Held submissions, newest first",
      [
        { heading: "Held", cell: (x) => f.dateTime(x.heldAt) },
        { heading: "Email", cell: (x) => String(x.lead.email ?? "") },
        { heading: "Name", cell: (x) => [x.lead.firstName, x.lead.lastName].filter(Boolean).join(" ") },
        { heading: "Why", cell: (x) => [REASONS[x.reason] ?? f.label(x.reason), x.detail ? ` (${x.detail})` : ""].join("") },
        { heading: "Message", cell: (x) => String(x.lead.message ?? "") },
        { heading: "Page", cell: (x) => x.context.page ?? "" },
        { heading: "Decide", cell: (x) => decide(x, ctx) },
      ],
      page.items,
      {
        captionHidden: true,
        stack: true,
        empty: "Nothing is held. Submissions that look like bots, or come from a site not on the allowed list, would wait here.",
      },
    ),
    page.nextCursor &&
      h("nav", { class: "pager", "aria-label": "Pages" }, h("a", { class: "button", href: `#/quarantine${query({ cursor: page.nextCursor })}` }, "Next page")),
  ];
  await loadInto(
    results,
    ctx,
    "Loading held submissions…",
    () => api<{ items: Held[]; nextCursor: string | null }>(`/v1/quarantine${query({ cursor })}`, { signal: ctx.signal }),
    render,
  );
}

function decide(x: Held, ctx: PageContext): HTMLElement {
  const who = String(x.lead.email ?? "this submission");
  const status = h("span", { role: "status" });
  const act = (method: "POST" | "DELETE", path: string, done: string) => async () => {
    try {
      await api(path, { method });
      announce(done);
      await quarantinePage(ctx);
    } catch (err) {
      replace(status, err instanceof ApiError ? err.message : errorBox(err));
    }
  };
  return h(
    "span",
    { class: "row-actions" },
    h(
      "button",
      {
        type: "button",
        class: "button",
        "aria-label": `Release ${who}`,
        onclick: act("POST", `/v1/quarantine/${encodeURIComponent(x.id)}/release`, `Released ${who}: it is a customer now.`),
      },
      "Release",
    ),
    " ",
    h(
      "button",
      {
        type: "button",
        class: "button button-quiet",
        "aria-label": `Drop ${who}`,
        onclick: act("DELETE", `/v1/quarantine/${encodeURIComponent(x.id)}`, `Dropped ${who}.`),
      },
      "Drop",
    ),
    status,
  );
}
