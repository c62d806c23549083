import { STAGES } from "../../../shared/core/fields.ts";
import { ApiError, api, query } from "../api.ts";
import { h, replace } from "../dom.ts";
import * as f from "../format.ts";
import type { CustomerPage, CustomerSummary } from "../types.ts";
import type { PageContext } from "../ui.ts";
import { announce, dataTable, loadInto, pageHeading, stageBadge } from "../ui.ts";

const PAGE_SIZE = 25;

/**
 * Cursors of the pages before the current one, for "Previous page" (the API pages forward only).
 * Kept per filter, in memory: a reload starts again from "First page".
 */
const earlier = { filter: "", cursors: [] as string[] };

export function customerName(c: { firstName?: string; lastName?: string; profile?: Record<string, string>; email: string }): string {
  const first = c.firstName ?? c.profile?.firstName;
  const last = c.lastName ?? c.profile?.lastName;
  return [first, last].filter(Boolean).join(" ") || c.email;
}

/**
 * Customers, most recently active first: find one by part of a name, company, email or phone
 * (`q`), or filter by stage and tag, a page at a time; or every scored customer by lead score,
 * highest first (the Score column's heading: `sort=leadScore`, which takes no filters).
 */
export async function customersPage(ctx: PageContext): Promise<void> {
  ctx.title("Customers");
  const byScore = ctx.query.get("sort") === "leadScore";
  const filter = byScore
    ? { sort: "leadScore" }
    : { q: ctx.query.get("q") ?? "", email: ctx.query.get("email") ?? "", stage: ctx.query.get("stage") ?? "", tag: ctx.query.get("tag") ?? "" };
  const cursor = ctx.query.get("cursor") ?? "";
  const filterKey = JSON.stringify(filter);
  if (earlier.filter !== filterKey) Object.assign(earlier, { filter: filterKey, cursors: [] });
  const page = cursor ? earlier.cursors.length + 1 : 1;
  if (!cursor) earlier.cursors = [];

  const emailError = h("p", { class: "field-error", id: "filter-q-error", hidden: true });
  const tagError = h("p", { class: "field-error", id: "filter-tag-error", hidden: true });
  const email = h("input", {
    id: "filter-q",
    name: "q",
    type: "search",
    value: filter.q || filter.email || "",
    autocomplete: "off",
    "aria-describedby": "filter-q-help filter-q-error",
  });
  const stage = h(
    "select",
    { id: "filter-stage", name: "stage" },
    h("option", { value: "" }, "Any stage"),
    STAGES.map((s) => h("option", { value: s, selected: s === filter.stage }, f.label(s))),
  );
  const tag = h("input", { id: "filter-tag", name: "tag", type: "text", value: filter.tag, autocomplete: "off", "aria-describedby": "filter-tag-error" });
  const form = h(
    "form",
    {
      class: "toolbar",
      role: "search",
      "aria-label": "Find customers",
      novalidate: true,
      onsubmit: (event: Event) => {
        event.preventDefault();
        location.hash = `#/customers${query({ q: email.value.trim(), stage: stage.value, tag: tag.value.trim() })}`;
      },
    },
    h(
      "div",
      { class: "field field-wide" },
      h("label", { for: "filter-q" }, "Search"),
      email,
      h("p", { class: "help", id: "filter-q-help" }, "Part of a name, company, email or phone"),
      emailError,
    ),
    h("div", { class: "field" }, h("label", { for: "filter-stage" }, "Stage"), stage),
    h("div", { class: "field" }, h("label", { for: "filter-tag" }, "Tag"), tag, tagError),
    h(
      "div",
      { class: "field field-action" },
      h("button", { type: "submit", class: "button button-primary" }, "Search"),
      (filter.q || filter.email || filter.stage || filter.tag || filter.sort) && h("a", { href: "#/customers", class: "button button-quiet" }, "Clear"),
    ),
  );
  const results = h("div", { class: "panel" });
  replace(ctx.main, pageHeading("Customers", h("a", { href: "#/customers/new", class: "button button-primary" }, "Add a contact")), form, results);

  const data = await loadInto(
    results,
    ctx,
    "Loading customers…",
    async () => {
      try {
        return await api<CustomerPage>(`/v1/customers${query({ ...filter, limit: PAGE_SIZE, cursor })}`, { signal: ctx.signal });
      } catch (err) {
        // A filter the API refuses is named next to its field.
        if (err instanceof ApiError) {
          for (const { field, message } of err.fields) {
            const [input, error] = field === "email" || field === "q" ? [email, emailError] : field === "tag" ? [tag, tagError] : [undefined, undefined];
            if (!input || !error) continue;
            error.textContent = `${field === "tag" ? "Tag" : "Search"} ${message}`;
            error.hidden = false;
            input.setAttribute("aria-invalid", "true");
          }
        }
        throw err;
      }
    },
    (answer) => list(answer, filter, cursor, page),
  );
  if (data) announce(`${data.items.length} customers shown, page ${page}.`);
}

function list(answer: CustomerPage, filter: Record<string, string | undefined>, cursor: string, page: number) {
  const filtered = Boolean(filter.q || filter.email || filter.stage || filter.tag);
  const byScore = filter.sort === "leadScore";
  const previous = () => {
    const before = earlier.cursors.pop() ?? "";
    location.hash = `#/customers${query({ ...filter, cursor: before })}`;
  };
  const next = () => {
    earlier.cursors.push(cursor);
    location.hash = `#/customers${query({ ...filter, cursor: answer.nextCursor })}`;
  };
  return [
    // The column headings order the list too, but a phone shows no headings (rows stack as cards).
    !filtered &&
      h(
        "nav",
        { class: "order-links", "aria-label": "Order of the list" },
        "Order: ",
        h("a", { href: "#/customers", "aria-current": byScore ? null : "true" }, "most recently active"),
        " · ",
        h("a", { href: "#/customers?sort=leadScore", "aria-current": byScore ? "true" : null }, "highest lead score"),
      ),
    h(
      "p",
      { class: "result-count" },
      answer.items.length === 0
        ? ""
        : `Page ${page}: ${answer.items.length} customer${answer.items.length === 1 ? "" : "s"}${
            filter.q ? ` matching “${filter.q}”` : byScore ? ", highest lead score first (customers with a score)" : ", most recently active first"
          }.`,
    ),
    dataTable<CustomerSummary>(
      "Customers",
      [
        { heading: "Name", cell: (c) => h("a", { href: `#/customers/${encodeURIComponent(c.id)}` }, customerName(c)) },
        { heading: "Email", cell: (c) => c.email },
        { heading: "Stage", cell: (c) => stageBadge(c.stage) },
        {
          heading: "Tags",
          cell: (c) =>
            c.tags.length
              ? h(
                  "span",
                  { class: "tags" },
                  c.tags.map((t) => h("span", { class: "tag" }, t)),
                )
              : "",
        },
        {
          heading: "Score",
          numeric: true,
          cell: (c) => (c.leadScore === undefined ? "" : f.count(Math.round(c.leadScore))),
          sort: { href: "#/customers?sort=leadScore", active: byScore },
        },
        filter.q
          ? { heading: "Company", cell: (c) => c.company ?? "" }
          : {
              heading: "Last activity",
              cell: (c) => (c.lastActivityAt ? f.dateTime(c.lastActivityAt) : ""),
              ...(filtered ? {} : { sort: { href: "#/customers", active: !byScore } }),
            },
      ],
      answer.items,
      {
        captionHidden: true,
        stack: true,
        empty: filtered
          ? "No customer matches these filters."
          : byScore
            ? "Nobody has a lead score yet: form posts, key page visits, email clicks, replies and purchases earn points."
            : "No customers yet. Leads posted to /v1/leads appear here.",
      },
    ),
    (cursor || answer.nextCursor) &&
      h(
        "nav",
        { class: "pager", "aria-label": "Pages of customers" },
        cursor && h("button", { type: "button", class: "button", onclick: previous }, earlier.cursors.length ? "Previous page" : "First page"),
        answer.nextCursor && h("button", { type: "button", class: "button", onclick: next }, "Next page"),
      ),
  ];
}
