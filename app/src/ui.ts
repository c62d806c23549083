import type { Chart } from "chart.js";
import { ApiError, SignedOut } from "./api.ts";
import { type Child, h, replace, uid } from "./dom.ts";
import { label } from "./format.ts";

/** What a page's render function is handed by the router. */
export interface PageContext {
  main: HTMLElement;
  /** Path parameters, e.g. the customer id of `#/customers/cus_...`. */
  params: Record<string, string>;
  /** The query part of the hash route (`#/customers?stage=lead`). */
  query: URLSearchParams;
  /** Aborted when the reader navigates away: pending requests stop, late answers are dropped. */
  signal: AbortSignal;
  /** Charts drawn by the page, destroyed when it is left. */
  charts: Chart[];
  /** Sets the document title: "<title> · Rapport". */
  title(text: string): void;
}

/** The page's one h1; focused after navigation so screen readers announce the new page. */
export function pageHeading(text: string, ...extra: Child[]): HTMLElement {
  return h("div", { class: "page-head" }, h("h1", { tabindex: "-1", id: "page-title" }, text), extra);
}

/** A titled section of a page, labelled by its h2 (a landmark-free region: the h2 is the way in). */
export function section(title: string, options: { class?: string; level?: 2 | 3 } = {}, ...children: Child[]): HTMLElement {
  const id = uid("section");
  const heading = options.level === 3 ? h("h3", { id }, title) : h("h2", { id }, title);
  return h("section", { class: `panel ${options.class ?? ""}`.trim(), "aria-labelledby": id }, heading, children);
}

export function loading(text: string): HTMLElement {
  return h("p", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), text);
}

/** An error with what to do about it; `retry` adds a "Try again" button. */
export function errorBox(err: unknown, retry?: () => void): HTMLElement {
  const raw = err instanceof ApiError ? err.message : "Something went wrong while showing this. Try again.";
  const message = raw.charAt(0).toUpperCase() + raw.slice(1);
  const detail = err instanceof ApiError && err.status === 404 ? "It may have been deleted, or this part of the API is not deployed yet." : null;
  return h(
    "div",
    { class: "error", role: "alert" },
    h("p", { class: "error-title" }, message),
    detail && h("p", null, detail),
    retry && h("button", { type: "button", class: "button", onclick: retry }, "Try again"),
  );
}

/**
 * Fills `target` with a loading state, then with what `render` builds from `fetch`'s answer, or
 * with an error and a retry button. A sign-out (401) and a navigation away are not errors here.
 */
export async function loadInto<T>(
  target: HTMLElement,
  ctx: PageContext,
  text: string,
  fetch: () => Promise<T>,
  render: (data: T) => Child,
): Promise<T | undefined> {
  target.setAttribute("aria-busy", "true");
  replace(target, loading(text));
  try {
    const data = await fetch();
    if (ctx.signal.aborted) return undefined;
    replace(target, render(data));
    return data;
  } catch (err) {
    if (err instanceof SignedOut || ctx.signal.aborted || (err as Error).name === "AbortError") return undefined;
    if (!(err instanceof ApiError)) console.error(err);
    replace(
      target,
      errorBox(err, () => void loadInto(target, ctx, text, fetch, render)),
    );
    return undefined;
  } finally {
    target.removeAttribute("aria-busy");
  }
}

export interface Column<T> {
  heading: string;
  cell: (row: T) => Child;
  /** Right-aligned figures. */
  numeric?: boolean;
  /**
   * A column the list can be ordered by: its heading links to that order (`href`), and the
   * column the rows are in order of says so (`aria-sort`, highest or latest first).
   */
  sort?: { href: string; active: boolean };
}

/**
 * A data table in a horizontally scrollable region (phones): the region is focusable and named by
 * the caption, so it can be scrolled with the keyboard. Wide tables can `stack` instead.
 */
export function dataTable<T>(
  caption: string,
  columns: Column<T>[],
  rows: T[],
  options: { captionHidden?: boolean; empty?: string; stack?: boolean } = {},
): HTMLElement {
  const id = uid("table");
  if (rows.length === 0) return h("p", { class: "empty" }, options.empty ?? "Nothing to show.");
  return h(
    "div",
    // `stack`: on a phone each row becomes a card, every value under its column's name.
    { class: `table-scroll${options.stack ? " table-stack" : ""}`, role: "region", "aria-labelledby": id, tabindex: "0" },
    h(
      "table",
      { class: "data" },
      h("caption", { id, class: options.captionHidden ? "visually-hidden" : null }, caption),
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          columns.map((c) =>
            h(
              "th",
              { scope: "col", class: c.numeric ? "num" : null, "aria-sort": c.sort?.active ? "descending" : null },
              c.sort
                ? h(
                    "a",
                    { href: c.sort.href, class: "sort-link", "aria-current": c.sort.active ? "true" : null },
                    c.heading,
                    h("span", { "aria-hidden": "true" }, c.sort.active ? " ▼" : " ↕"),
                    h("span", { class: "visually-hidden" }, c.sort.active ? ", sorted highest first" : ", sort by this column"),
                  )
                : c.heading,
            ),
          ),
        ),
      ),
      h(
        "tbody",
        null,
        rows.map((row) =>
          h(
            "tr",
            null,
            columns.map((c, i) =>
              i === 0 ? h("th", { scope: "row" }, c.cell(row)) : h("td", { class: c.numeric ? "num" : null, "data-label": c.heading }, c.cell(row)),
            ),
          ),
        ),
      ),
    ),
  );
}

/** A definition list of label/value pairs; values that are absent are shown as "not set". */
export function facts(pairs: [string, Child][]): HTMLElement {
  return h(
    "dl",
    { class: "facts" },
    pairs.map(([term, value]) =>
      h(
        "div",
        null,
        h("dt", null, term),
        h("dd", null, value === undefined || value === null || value === "" ? h("span", { class: "muted" }, "not set") : value),
      ),
    ),
  );
}

/** Key figures in a row of cards. */
export function stats(items: { label: string; value: string; note?: string }[]): HTMLElement {
  return h(
    "dl",
    { class: "stats" },
    items.map((item) =>
      h(
        "div",
        { class: "stat" },
        h("dt", null, item.label),
        h("dd", null, h("span", { class: "stat-value" }, item.value), item.note && h("span", { class: "stat-note" }, item.note)),
      ),
    ),
  );
}

/** A lifecycle stage as a coloured label (the word carries the meaning, the colour helps). */
export function stageBadge(stage: string): HTMLElement {
  return h("span", { class: `badge stage-${stage.replace(/[^a-z_]/g, "")}` }, label(stage));
}

/** Says something to screen readers without moving focus (saved, page loaded, ...). */
export function announce(text: string): void {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A new text node after a tick, so the same message twice is announced twice.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}
