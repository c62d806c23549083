/**
 * Writing CSV, shared by the CLI exports (local/) and the report routes (`?format=csv`).
 */

/** A cell a spreadsheet would run as a formula: starts with = + - @ (or tab/CR) and is not just a number or phone number. */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?[\d\s().\-/]*$/;

/**
 * Protects a cell against CSV injection (a name like `=HYPERLINK(...)` submitted through a public
 * form would run when the export is opened in a spreadsheet): such a cell gets a leading `'`,
 * the spreadsheet convention for "this is text". Numbers and phone numbers are left alone.
 * `restoreCell` undoes it, so an export imports back unchanged.
 */
export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** Removes the `'` that `neutralizeCell` (or a spreadsheet) put in front of a formula-like cell. */
export function restoreCell(value: string): string {
  return value.length > 1 && value[0] === "'" && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

const NEEDS_QUOTES = /[",\r\n;\t]|^\s|\s$/;

/** One CSV record, RFC 4180: fields quoted when they need it, quotes doubled, CRLF at the end. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map((c) => (NEEDS_QUOTES.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(",")}\r\n`;
}
