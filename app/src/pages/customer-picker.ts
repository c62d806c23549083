import { ApiError, api, query } from "../api.ts";
import { h, replace } from "../dom.ts";
import type { CustomerPage } from "../types.ts";
import { customerName } from "./customers.ts";

/** A search box and a list of the customers it finds: whom a campaign's or a newsletter's preview is for. */
export interface CustomerPicker {
  search: HTMLInputElement;
  /** The chosen customer's id is its value ("" until someone is found and chosen). */
  found: HTMLSelectElement;
  /** Says what the search found (a live region). */
  status: HTMLElement;
  /** The labelled fields, for the page's toolbar: the search (with its help), Find, the list. */
  fields: HTMLElement[];
}

/** The picker; `prefix` keeps its element ids apart from another picker's on the same page. */
export function customerPicker(prefix: string): CustomerPicker {
  const search = h("input", { type: "search", id: `${prefix}-search`, autocomplete: "off", "aria-describedby": `${prefix}-search-help` });
  const found = h("select", { id: `${prefix}-customer`, disabled: true }, h("option", { value: "" }, "Search for a customer first"));
  const status = h("p", { class: "form-status", role: "status" });
  const find = async () => {
    const q = search.value.trim();
    if (!q) {
      status.textContent = "Type part of a name, company, email or phone.";
      search.focus();
      return;
    }
    status.textContent = "Searching…";
    try {
      const page = await api<CustomerPage>(`/v1/customers${query({ q, limit: 20 })}`);
      replace(
        found,
        page.items.length === 0
          ? h("option", { value: "" }, "Nobody found")
          : page.items.map((c) => h("option", { value: c.id }, `${customerName(c)} <${c.email}>`)),
      );
      found.disabled = page.items.length === 0;
      status.textContent = page.items.length === 0 ? `Nobody matches “${q}”.` : `${page.items.length} found: choose one under Customer to preview.`;
    } catch (err) {
      status.textContent = err instanceof ApiError ? err.message : "The search failed. Try again.";
    }
  };
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    void find();
  });
  const fields = [
    h(
      "div",
      { class: "field field-wide" },
      h("label", { for: `${prefix}-search` }, "Find a customer"),
      search,
      h("p", { class: "help", id: `${prefix}-search-help` }, "Part of a name, company, email or phone; press Enter"),
    ),
    h("div", { class: "field field-action" }, h("button", { type: "button", class: "button", onclick: () => void find() }, "Find")),
    h("div", { class: "field" }, h("label", { for: `${prefix}-customer` }, "Customer to preview"), found),
  ];
  return { search, found, status, fields };
}
