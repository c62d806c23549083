import { stringify } from "csv-stringify/sync";

/**
 * Writing CSV: the one writer for every CSV the project writes (the customer export, the report
 * routes' `?format=csv` and `rapport reports --csv`, the import's error report). Every cell goes
 * through `neutralizeCell`, so no file Rapport writes runs a formula when opened.
 */

/** A cell a spreadsheet would run as a formula: starts with = + - @ (or tab/CR) and is not just a number or phone number. */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?[\d\s().\-/]*$/;
/** Text that `restoreCell` would take a `'` off: one or more quotes, then a formula start. */
const GUARDED = /^'+[=+\-@\t\r]/;

/**
 * Protects a cell against CSV injection (a name like `=HYPERLINK(...)` submitted through a public
 * form would run when the file is opened in a spreadsheet): such a cell gets a leading `'`, the
 * spreadsheet convention for "this is text". Numbers and phone numbers are left alone. Text that
 * already starts with quotes before a formula start gets one more, so `restoreCell` always gives
 * back exactly what was written: an export imports back unchanged.
 */
export function neutralizeCell(value: string): string {
  return (FORMULA_START.test(value) && !PLAIN_NUMBER.test(value)) || GUARDED.test(value) ? `'${value}` : value;
}

/** Removes the `'` that `neutralizeCell` (or a spreadsheet) put in front of a formula-like cell. */
export function restoreCell(value: string): string {
  return GUARDED.test(value) ? value.slice(1) : value;
}

/**
 * RFC 4180 with CRLF, as csv-stringify writes it. Also quoted: cells with a lone CR or LF
 * (csv-stringify quotes only cells that hold the whole record delimiter), with a semicolon or a
 * tab (so Excel in a semicolon locale, and a reader that guesses the delimiter, keep them whole),
 * and with leading or trailing spaces (which some readers trim).
 */
const OPTIONS = { record_delimiter: "\r\n", quoted_match: /[\r\n;\t]|^\s|\s$/ } as const;

/** One CSV record: each cell neutralized, quoted when it needs it, quotes doubled, CRLF at the end. */
export function csvLine(cells: readonly string[]): string {
  return stringify([cells.map(neutralizeCell)], OPTIONS);
}
