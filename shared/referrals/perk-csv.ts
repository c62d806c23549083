import type { CsvRecord } from "../import-export/csv-read.ts";
import { PERK_CODE, type PerkInput } from "./perks.ts";

/** A row that could not become a perk code, by its line in the file. */
export interface PerkRowProblem {
  line: number;
  message: string;
}

/** The file has no `code` column: nothing can be imported. */
export class PerkFileError extends Error {
  override name = "PerkFileError";
}

/**
 * The codes of a perk file: a header row with a `code` column (any case) and optional
 * `description` and `expiresAt` (ISO 8601 date or time) columns, one code per row. Blank rows are
 * skipped; a row whose code is not 1-64 visible characters without spaces, or whose `expiresAt`
 * is not a date, is reported by line and left out, so one typo does not stop a thousand codes.
 *
 * @example perksFromCsv([{ line: 1, cells: ["code"] }, { line: 2, cells: ["SAVE10-A1"] }]) // { perks: [{ code: "SAVE10-A1" }], problems: [] }
 */
export function perksFromCsv(records: Iterable<CsvRecord>): { perks: PerkInput[]; problems: PerkRowProblem[] } {
  const perks: PerkInput[] = [];
  const problems: PerkRowProblem[] = [];
  let columns: { code: number; description: number; expiresAt: number } | undefined;
  for (const record of records) {
    if (!columns) {
      const names = record.cells.map((c) => c.trim().toLowerCase());
      const code = names.indexOf("code");
      if (code < 0) throw new PerkFileError(`line ${record.line}: the header needs a "code" column (found ${names.filter(Boolean).join(", ") || "nothing"})`);
      columns = { code, description: names.indexOf("description"), expiresAt: names.findIndex((n) => n === "expiresat" || n === "expires_at") };
      continue;
    }
    const cell = (i: number) => (i >= 0 ? (record.cells[i] ?? "").trim() : "");
    const code = cell(columns.code);
    if (record.cells.every((c) => c.trim() === "")) continue;
    if (!PERK_CODE.test(code)) {
      problems.push({ line: record.line, message: code ? "code must be 1-64 visible characters without spaces" : "code is empty" });
      continue;
    }
    const expires = cell(columns.expiresAt);
    const expiresMs = expires ? Date.parse(expires) : Number.NaN;
    if (expires && Number.isNaN(expiresMs)) {
      problems.push({ line: record.line, message: `expiresAt "${expires}" is not a date (use 2027-06-30 or 2027-06-30T23:59:59Z)` });
      continue;
    }
    const description = cell(columns.description).slice(0, 200);
    perks.push({ code, ...(description ? { description } : {}), ...(expires ? { expiresAt: new Date(expiresMs).toISOString() } : {}) });
  }
  if (!columns) throw new PerkFileError('the file is empty: it needs a header row with a "code" column');
  return { perks, problems };
}
