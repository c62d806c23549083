import { FIELD_NAMES, FIELDS, type Field, type FieldSpec, type Op } from "../../../shared/segments/fields.ts";
import { ApiError, api, apiDownload, query } from "../api.ts";
import { h, replace, uid } from "../dom.ts";
import * as f from "../format.ts";
import { apiForm } from "../forms.ts";
import type { CustomerSummary } from "../types.ts";
import type { PageContext } from "../ui.ts";
import { announce, dataTable, loadInto, pageHeading, section, stageBadge } from "../ui.ts";

/** A saved segment as the API answers it (`GET /v1/segments`). */
interface SavedSegment {
  id: string;
  name: string;
  match: "all" | "any";
  conditions: Condition[];
  createdAt: string;
  updatedAt: string;
}
interface Condition {
  field: Field;
  op: Op;
  value: string | number | boolean;
}
interface Members {
  count: number;
  items: CustomerSummary[];
  nextCursor: string | null;
}

const OP_LABELS: Record<Op, string> = {
  eq: "is",
  neq: "is not",
  contains: "contains",
  gte: "is at least",
  lte: "is at most",
  before: "is before",
  after: "is after",
  within_days: "is within the last (days)",
};
/** What each field is called in the builder. */
const FIELD_LABELS: Record<Field, string> = {
  stage: "Lifecycle stage",
  tags: "Tags",
  rfmSegment: "RFM segment",
  lifetimeSpend: "Lifetime spend",
  orders: "Orders",
  firstPurchaseAt: "First purchase",
  lastPurchaseAt: "Last purchase",
  locale: "Locale",
  country: "Country",
  consent: "Marketing consent",
  emailStatus: "Email status",
  lastOpenedAt: "Last opened an email",
  lastClickedAt: "Last clicked in an email",
  sunset: "Sunset (marketing stopped, no opens or clicks)",
  interests: "Interests",
  leadScore: "Lead score",
};
const PAGE = 25;
/** Wait this long after the last change before asking for a new count, so typing does not send a request per key. */
const PREVIEW_DELAY_MS = 400;

/**
 * Saved segments: the list, a segment's members a page at a time with a CSV export, and a builder
 * whose live count follows the conditions as they change (`POST /v1/segments/preview`).
 */
export async function savedSegmentsPage(ctx: PageContext): Promise<void> {
  ctx.title("Saved segments");
  const list = h("div");
  const members = h("div", { id: "segment-members" });
  const membersSection = section("Members", { class: "segment-members" }, members);
  membersSection.hidden = true;
  const reload = () => loadList(ctx, list, (segment) => void openMembers(ctx, membersSection, members, segment));
  replace(
    ctx.main,
    pageHeading("Saved segments", h("p", { class: "subtitle" }, "Customers who meet your conditions, counted and listed as they are now.")),
    section("Saved segments", {}, list),
    membersSection,
    section("Build a segment", {}, builder(ctx, reload)),
  );
  await reload();
}

async function loadList(ctx: PageContext, target: HTMLElement, open: (segment: SavedSegment) => void): Promise<void> {
  await loadInto(
    target,
    ctx,
    "Loading segments…",
    () => api<{ items: SavedSegment[] }>("/v1/segments", { signal: ctx.signal }),
    (page) =>
      dataTable<SavedSegment>(
        "Saved segments",
        [
          { heading: "Name", cell: (s) => s.name },
          { heading: "Conditions", cell: (s) => describe(s) },
          {
            heading: "Members",
            cell: (s) => h("button", { type: "button", class: "button", onclick: () => open(s), "aria-label": `Open members of ${s.name}` }, "Open members"),
          },
        ],
        page.items,
        { captionHidden: true, stack: true, empty: "No saved segments yet. Build one below." },
      ),
  );
}

/** "tags contains vip and lifetime spend is at least 500". */
function describe(segment: Pick<SavedSegment, "match" | "conditions">): string {
  if (segment.conditions.length === 0) return segment.match === "all" ? "everyone" : "no one";
  const one = (c: Condition) => `${FIELD_LABELS[c.field] ?? c.field} ${OP_LABELS[c.op] ?? c.op} ${valueText(c)}`;
  return segment.conditions.map(one).join(segment.match === "all" ? " and " : " or ");
}

function valueText(c: Condition): string {
  if (typeof c.value === "boolean") return c.value ? "yes" : "no";
  if (c.field === "stage" || c.field === "rfmSegment" || c.field === "emailStatus") return f.label(String(c.value));
  return String(c.value);
}

async function openMembers(ctx: PageContext, panel: HTMLElement, target: HTMLElement, segment: SavedSegment, cursor?: string): Promise<void> {
  panel.hidden = false;
  panel.querySelector("h2")!.textContent = `Members of ${segment.name}`;
  const data = await loadInto(
    target,
    ctx,
    "Evaluating the segment…",
    () => api<Members>(`/v1/segments/${encodeURIComponent(segment.id)}/members${query({ limit: PAGE, cursor })}`, { signal: ctx.signal }),
    (page) => [
      h(
        "div",
        { class: "row-actions" },
        h("p", { class: "segment-count" }, `${f.count(page.count)} ${page.count === 1 ? "customer" : "customers"}`),
        h(
          "button",
          {
            type: "button",
            class: "button",
            onclick: () =>
              apiDownload(`/v1/segments/${encodeURIComponent(segment.id)}/members?format=csv`, `segment-${segment.id}.csv`)
                .then(() => announce("The CSV file is downloaded."))
                .catch(() => announce("The CSV file could not be downloaded. Try again.")),
          },
          "Export CSV",
        ),
      ),
      memberTable(page.items, `Members of ${segment.name}`),
      h(
        "div",
        { class: "row-actions" },
        cursor && h("button", { type: "button", class: "button", onclick: () => void openMembers(ctx, panel, target, segment) }, "First page"),
        page.nextCursor &&
          h("button", { type: "button", class: "button", onclick: () => void openMembers(ctx, panel, target, segment, page.nextCursor!) }, "Next page"),
      ),
    ],
  );
  if (data) announce(`${segment.name}: ${f.count(data.count)} customers.`);
  panel.scrollIntoView({ block: "start" });
}

function memberTable(items: CustomerSummary[], caption: string): HTMLElement {
  return dataTable<CustomerSummary>(
    caption,
    [
      { heading: "Email", cell: (c) => h("a", { href: `#/customers/${encodeURIComponent(c.id)}` }, c.email) },
      { heading: "Name", cell: (c) => [c.firstName, c.lastName].filter(Boolean).join(" ") || h("span", { class: "muted" }, "not set") },
      { heading: "Stage", cell: (c) => stageBadge(c.stage) },
      { heading: "Last active", cell: (c) => f.date(c.lastActivityAt) },
    ],
    items,
    { captionHidden: true, stack: true, empty: "No customer meets these conditions now." },
  );
}

interface Row {
  element: HTMLElement;
  read(): Condition;
}

/** The builder: name, all/any, condition rows, a live count, Save. */
function builder(ctx: PageContext, saved: () => Promise<void>): HTMLElement {
  const rows: Row[] = [];
  const name = h("input", { type: "text", autocomplete: "off", maxlength: "100", required: true });
  const match = h("select", null, h("option", { value: "all" }, "all conditions"), h("option", { value: "any" }, "any condition"));
  const list = h("div", { class: "segment-conditions" });
  const count = h("p", { class: "segment-count", role: "status", "aria-live": "polite", id: "segment-live-count" }, "Add a condition to count its customers.");
  const definition = () => ({ match: match.value as "all" | "any", conditions: rows.map((r) => r.read()) });

  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const ask = ++asked;
      count.textContent = "Counting…";
      api<Members>("/v1/segments/preview", { method: "POST", body: definition(), signal: ctx.signal })
        .then((page) => {
          if (ask !== asked) return;
          count.textContent = `${f.count(page.count)} ${page.count === 1 ? "customer matches" : "customers match"} now`;
          count.dataset.count = String(page.count);
        })
        .catch((err: unknown) => {
          if (ask !== asked || ctx.signal.aborted) return;
          delete count.dataset.count;
          count.textContent =
            err instanceof ApiError && err.fields.length
              ? `Not counted yet: ${err.fields.map((x) => `${x.field.replace(/^conditions\.(\d+)\./, (_m, i) => `condition ${Number(i) + 1}, `)} ${x.message}`).join("; ")}`
              : "The count is not available right now.";
        });
    }, PREVIEW_DELAY_MS);
  };

  const addRow = () => {
    const row = conditionRow(rows.length + 1, refresh, () => {
      rows.splice(rows.indexOf(row), 1);
      row.element.remove();
      refresh();
    });
    rows.push(row);
    list.append(row.element);
    row.element.querySelector("select")?.focus();
    refresh();
  };
  match.addEventListener("change", refresh);

  const form = apiForm("segment", "Save segment", async () => {
    const created = await api<SavedSegment>("/v1/segments", { method: "POST", body: { name: name.value, ...definition() } });
    await saved();
    return `Saved “${created.name}”.`;
  });
  form.append(
    form.field("name", "Name", name),
    form.field("match", "Customers must meet", match),
    h("fieldset", { class: "segment-fieldset" }, h("legend", null, "Conditions"), list),
    h("p", { class: "segment-add" }, h("button", { type: "button", class: "button", onclick: addRow }, "Add condition")),
    count,
  );
  return form.element;
}

/** One condition: field, operator (only those that make sense for the field) and a value input of the field's kind. */
function conditionRow(n: number, changed: () => void, remove: () => void): Row {
  const id = uid("cond");
  const field = h(
    "select",
    { id: `${id}-field`, "aria-label": `Condition ${n}: field` },
    FIELD_NAMES.map((name) => h("option", { value: name }, FIELD_LABELS[name])),
  );
  const op = h("select", { id: `${id}-op`, "aria-label": `Condition ${n}: operator` });
  const valueSlot = h("div", { class: "segment-value" });
  let value: HTMLInputElement | HTMLSelectElement = h("input", { type: "text" });

  const fillOps = () => {
    const spec: FieldSpec = FIELDS[field.value as Field];
    replace(
      op,
      spec.ops.map((o) => h("option", { value: o }, OP_LABELS[o])),
    );
  };
  const fillValue = () => {
    const spec: FieldSpec = FIELDS[field.value as Field];
    const label = `Condition ${n}: value`;
    if (op.value === "within_days") value = h("input", { type: "number", min: "1", max: "3660", step: "1", value: "30", "aria-label": `${label} (days)` });
    else if (spec.value.kind === "choice")
      value = h(
        "select",
        { "aria-label": label },
        spec.value.choices.map((c) => h("option", { value: c }, f.label(c))),
      );
    else if (spec.value.kind === "boolean")
      value = h("select", { "aria-label": label }, h("option", { value: "true" }, "yes"), h("option", { value: "false" }, "no"));
    else if (spec.value.kind === "date") value = h("input", { type: "date", "aria-label": label });
    else if (spec.value.kind === "number") value = h("input", { type: "number", step: "any", inputmode: "decimal", "aria-label": label });
    else value = h("input", { type: "text", autocomplete: "off", "aria-label": label });
    value.id = `${id}-value`;
    value.addEventListener("input", changed);
    value.addEventListener("change", changed);
    replace(valueSlot, value);
  };
  field.addEventListener("change", () => {
    fillOps();
    fillValue();
    changed();
  });
  op.addEventListener("change", () => {
    fillValue();
    changed();
  });
  fillOps();
  fillValue();

  const element = h(
    "div",
    { class: "segment-condition", role: "group", "aria-label": `Condition ${n}` },
    field,
    op,
    valueSlot,
    h("button", { type: "button", class: "button", onclick: remove, "aria-label": `Remove condition ${n}` }, "Remove"),
  );
  return {
    element,
    read() {
      const spec: FieldSpec = FIELDS[field.value as Field];
      const raw = value.value;
      const typed: string | number | boolean =
        op.value === "within_days" || spec.value.kind === "number" ? (raw === "" ? raw : Number(raw)) : spec.value.kind === "boolean" ? raw === "true" : raw;
      return { field: field.value as Field, op: op.value as Op, value: typed };
    },
  };
}
