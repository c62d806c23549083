import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { STAGES } from "../shared/core/fields.ts";
import { segmentFilter } from "../shared/customers/segment.ts";
import { customersCsv } from "../shared/customers/segment-csv.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";

/**
 * Admin: lists as CSV files (`GET /v1/exports/customers`). A function of its own because the CSV
 * writer (csv-stringify) would not fit the customers function's bundle budget.
 */
export function makeHandler(deps: Deps) {
  return httpFunction(
    "exports",
    {
      exportCustomers: async ({ query }) => {
        const { csv, nextCursor } = await customersCsv(deps, {
          ...(query.segment ? segmentFilter(query.segment, deps.clock.now()) : { stages: STAGES }),
          ...(query.tag ? { tag: query.tag } : {}),
          ...(query.cursor ? { cursor: query.cursor } : {}),
        });
        const tag = query.tag ? `-${query.tag.replace(/[^a-z0-9_-]/g, "_")}` : "";
        return {
          statusCode: 200,
          headers: {
            "content-type": "text/csv; charset=utf-8",
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
            "content-disposition": `attachment; filename="customers-${query.segment ?? "all"}${tag}-${deps.clock.now().toISOString().slice(0, 10)}.csv"`,
            // More than one file's worth: where the next file starts (`&cursor=`).
            ...(nextCursor ? { "x-next-cursor": nextCursor } : {}),
          },
          body: csv,
        };
      },
    },
    deps,
  );
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
