import { STAGES } from "../../../shared/core/fields.ts";
import { SEGMENTS } from "../../../shared/reports/types.ts";
import { ApiError, api, apiDownload, query } from "../api.ts";
import { h, replace } from "../dom.ts";
import * as f from "../format.ts";
import type { CustomerPage, CustomerSummary } from "../types.ts";
import type { PageContext } from "../ui.ts";
import { announce, dataTable, loadInto, pageHeading, stageBadge } from "../ui.ts";
import { customerName } from "./customers.ts";
import { SEGMENT_MEANING } from "./segments.ts";

const PAGE_SIZE = 25;

/** Cursors of the pages before the current one (the API pages forward only), per segment. */
const earlier = { segment: "", cursors: [] as string[] };

/**
 * The people of a lifecycle stage (from the overview's funnel) or of an RFM value segment (from
 * the segments page), most recently active first, a page at a time, and the whole list as a CSV
 * file. Stage and segment ids never share a word, so one page serves both.
 */
export async function segmentListPage(ctx: PageContext): Promise<void> {
  const segment = ctx.params.id ?? "";
  const isStage = (STAGES as readonly string[]).includes(segment);
  const isSegment = (SEGMENTS as readonly string[]).includes(segment);
  const title = isStage ? `Stage: ${f.label(segment)}` : `Segment: ${f.label(segment)}`;
  ctx.title(title);
  const back = isStage ? h("a", { href: "#/overview" }, "Overview") : h("a", { href: "#/segments" }, "Segments");
  if (!isStage && !isSegment) {
    replace(
      ctx.main,
      pageHeading("No such list"),
      h("p", null, "There is no stage or segment by this name. ", h("a", { href: "#/segments" }, "Go to the segments"), "."),
    );
    return;
  }
  const cursor = ctx.query.get("cursor") ?? "";
  if (earlier.segment !== segment || !cursor) Object.assign(earlier, { segment, cursors: [] });
  const page = cursor ? earlier.cursors.length + 1 : 1;

  const status = h("p", { class: "form-status", role: "status" });
  const exportButton = h(
    "button",
    {
      type: "button",
      class: "button",
      onclick: async () => {
        status.textContent = "Preparing the file…";
        try {
          await apiDownload(`/v1/exports/customers${query({ segment })}`, `customers-${segment}-${f.today()}.csv`);
          status.textContent = "The CSV file is downloading.";
        } catch (err) {
          status.textContent = err instanceof ApiError ? err.message : "The export failed. Try again.";
        }
      },
    },
    "Export CSV",
  );
  const results = h("div", { class: "panel" });
  replace(
    ctx.main,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, back),
    pageHeading(
      title,
      h(
        "p",
        { class: "subtitle" },
        isStage
          ? "Contacts in this lifecycle stage now, most recently active first."
          : `${SEGMENT_MEANING[segment] ?? ""}. Customers in this value segment now (by their purchases), most recently active first.`,
      ),
    ),
    h("div", { class: "toolbar" }, exportButton, status),
    results,
  );

  const data = await loadInto(
    results,
    ctx,
    "Loading the people…",
    () => api<CustomerPage>(`/v1/customers${query({ segment, limit: PAGE_SIZE, cursor })}`, { signal: ctx.signal }),
    (answer) => [
      h(
        "p",
        { class: "result-count" },
        answer.items.length === 0 ? "" : `Page ${page}: ${answer.items.length} ${answer.items.length === 1 ? "person" : "people"}.`,
      ),
      dataTable<CustomerSummary>(
        `People in ${title.toLowerCase()}`,
        [
          { heading: "Name", cell: (c) => h("a", { href: `#/customers/${encodeURIComponent(c.id)}` }, customerName(c)) },
          { heading: "Email", cell: (c) => c.email },
          { heading: "Stage", cell: (c) => stageBadge(c.stage) },
          { heading: "Last activity", cell: (c) => (c.lastActivityAt ? f.dateTime(c.lastActivityAt) : "") },
        ],
        answer.items,
        { captionHidden: true, stack: true, empty: "Nobody is in this list now." },
      ),
      (cursor || answer.nextCursor) &&
        h(
          "nav",
          { class: "pager", "aria-label": "Pages of people" },
          cursor &&
            h(
              "button",
              {
                type: "button",
                class: "button",
                onclick: () => {
                  const before = earlier.cursors.pop() ?? "";
                  location.hash = `#/segments/${encodeURIComponent(segment)}${query({ cursor: before })}`;
                },
              },
              earlier.cursors.length ? "Previous page" : "First page",
            ),
          answer.nextCursor &&
            h(
              "button",
              {
                type: "button",
                class: "button",
                onclick: () => {
                  earlier.cursors.push(cursor);
                  location.hash = `#/segments/${encodeURIComponent(segment)}${query({ cursor: answer.nextCursor })}`;
                },
              },
              "Next page",
            ),
        ),
    ],
  );
  if (data) announce(`${data.items.length} people shown, page ${page}.`);
}
