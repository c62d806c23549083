import { csvLine } from "../core/csv.ts";
import type { Deps } from "../core/deps.ts";
import { csvCells, EXPORT_COLUMNS } from "../import-export/export.ts";
import { customerItemsPage, type StagePageFilter } from "./list.ts";

/** Rows in one CSV answer: 10,000 customers are about 2 MB, well inside a Lambda answer's 6 MB. */
export const CSV_MAX_ROWS = 10_000;
const CSV_PAGE = 500;

/**
 * A list as CSV, in the columns of `rapport export` (so the file imports back with `rapport
 * import`), written by the project's one CSV writer. At most `CSV_MAX_ROWS` rows; when there are
 * more, `nextCursor` says where the next file starts (the same cursor as the JSON pages').
 */
export async function customersCsv(deps: Deps, filter: Omit<StagePageFilter, "limit">): Promise<{ csv: string; rows: number; nextCursor: string | null }> {
  let csv = csvLine(EXPORT_COLUMNS);
  let rows = 0;
  let cursor = filter.cursor;
  for (;;) {
    const page = await customerItemsPage(deps, { ...filter, cursor, limit: Math.min(CSV_PAGE, CSV_MAX_ROWS - rows) });
    for (const item of page.items) csv += csvLine(csvCells(item));
    rows += page.items.length;
    if (!page.nextCursor || rows >= CSV_MAX_ROWS) return { csv, rows, nextCursor: page.nextCursor };
    cursor = page.nextCursor;
  }
}
