import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import type { HttpResult } from "../shared/http/http.ts";
import { json } from "../shared/http/http.ts";
import { perkSummary } from "../shared/referrals/perks.ts";
import type { ReportTable } from "../shared/reports/csv.ts";
import { campaignsTable, funnelTable, referralsTable, retentionTable, revenueTable, segmentsTable, toCsv } from "../shared/reports/csv.ts";
import { campaignsReport, funnelReport, referralsReport, retentionReport, revenueReport, segmentsReport } from "../shared/reports/read.ts";

/**
 * Admin: the reports (`GET /v1/reports/...`), read from the counters the stream consumer keeps
 * (functions/reports-stream.ts). JSON by default; `?format=csv` gives the same figures as one CSV
 * table for spreadsheets and BI tools. Also the perk pool's summary for owners (`GET /v1/perks`).
 */
export function makeHandler(deps: Deps) {
  return httpFunction(
    "reports",
    {
      funnelReport: async ({ query }) => answer(query.format, await funnelReport(deps, query), funnelTable, "funnel"),
      retentionReport: async ({ query }) => answer(query.format, await retentionReport(deps, query), retentionTable, "retention"),
      revenueReport: async ({ query }) => answer(query.format, await revenueReport(deps, query), revenueTable, "revenue"),
      campaignsReport: async ({ query }) => answer(query.format, await campaignsReport(deps), campaignsTable, "campaigns"),
      segmentsReport: async ({ query }) => answer(query.format, await segmentsReport(deps, query), segmentsTable, "segments"),
      referralsReport: async ({ query }) => answer(query.format, await referralsReport(deps, query), referralsTable, "referrals"),
      perkSummary: async () =>
        json(200, { ...(await perkSummary(deps)), ambassadorAfter: deps.config.referrals.ambassadorAfter }, { "cache-control": "no-store" }),
    },
    deps,
  );
}

function answer<R>(format: "json" | "csv" | undefined, report: R, asTable: (r: R) => ReportTable, name: string): HttpResult {
  // Reports change with every write; a proxy or browser must not serve yesterday's.
  const cache = { "cache-control": "no-store" };
  if (format !== "csv") return json(200, report, cache);
  return {
    statusCode: 200,
    headers: { ...cache, "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="rapport-${name}.csv"` },
    body: toCsv(asTable(report)),
  };
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
