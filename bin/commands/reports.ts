import * as z from "zod/mini";
import type { Deps } from "../../shared/core/deps.ts";
import { ValidationError } from "../../shared/core/errors.ts";
import { rebuildSearchIndex } from "../../shared/customers/search.ts";
import type { ReportTable } from "../../shared/reports/csv.ts";
import { campaignsTable, funnelTable, referralsTable, retentionTable, revenueTable, segmentsTable, toCsv } from "../../shared/reports/csv.ts";
import { campaignsReport, funnelReport, referralsReport, retentionReport, revenueReport, segmentsReport } from "../../shared/reports/read.ts";
import { rebuildReports } from "../../shared/reports/rebuild.ts";
import { PeriodQuery, ReferralsQuery, RevenueQuery, SegmentsQuery } from "../../shared/reports/schema.ts";
import type { Command, CommandContext, OptionSpec } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { seconds, table } from "../format.ts";

/**
 * `rapport reports <name>`: the same reports as `GET /v1/reports/<name>`, read straight from the
 * table (local, or the deployed one with --stack): a table for the terminal, `--csv` for a
 * spreadsheet, `--json` for the API's answer. `rapport reports rebuild` recomputes the counters.
 */

const OUTPUT: Record<string, OptionSpec> = {
  csv: { type: "boolean", description: "print CSV (one table, header first) for a spreadsheet or BI tool" },
  json: { type: "boolean", description: "print the JSON answer of the API route" },
};
const PERIOD: Record<string, OptionSpec> = {
  from: { type: "string", value: "YYYY-MM-DD", description: "first day of the period (UTC)" },
  to: { type: "string", value: "YYYY-MM-DD", description: "last day of the period (default today)" },
};

function report<R>(
  name: string,
  summary: string,
  options: Record<string, OptionSpec>,
  schema: z.ZodMiniType,
  load: (deps: Deps, query: never) => Promise<R>,
  asTable: (r: R) => ReportTable,
): Command {
  return {
    name: `reports ${name}`,
    summary,
    options: { ...options, ...OUTPUT },
    async run(ctx) {
      const raw = Object.fromEntries(
        Object.keys(options)
          .map((k) => [k, ctx.values[k] as string | undefined])
          .filter(([, v]) => v !== undefined),
      );
      const parsed = z.safeParse(schema, raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new UsageError(`--${String(issue.path[0])} ${issue.message}`, `reports ${name}`);
      }
      const deps = await ctx.deps();
      let result: R;
      try {
        result = await load(deps, parsed.data as never);
      } catch (err) {
        if (err instanceof ValidationError) throw new UsageError(err.fields.map((f) => `--${f.field} ${f.message}`).join("; "), `reports ${name}`);
        throw err;
      }
      print(ctx, result, asTable(result));
    },
  };
}

function print(ctx: CommandContext, result: unknown, t: ReportTable): void {
  if (ctx.values.json) ctx.out(JSON.stringify(result, null, 2));
  else if (ctx.values.csv) process.stdout.write(toCsv(t));
  else for (const line of table(t.header, t.rows)) ctx.out(line);
}

export const reportCommands: Command[] = [
  report(
    "funnel",
    "Contacts per stage now and at the period's start, and conversion between stages over the period (default: last 30 days).",
    PERIOD,
    PeriodQuery,
    funnelReport,
    funnelTable,
  ),
  report(
    "retention",
    "Churn per month for the 12 months up to --to, and monthly cohorts by first purchase.",
    PERIOD,
    PeriodQuery,
    retentionReport,
    retentionTable,
  ),
  report(
    "revenue",
    "Purchases, revenue, new contacts and new customers per month (default: 12 months) or per day.",
    { ...PERIOD, interval: { type: "string", value: "day|month", description: "one row per day or per month (default month)" } },
    RevenueQuery,
    revenueReport,
    revenueTable,
  ),
  report(
    "campaigns",
    "Per campaign: sent, delivered, opened, clicked, bounced, complained, unsubscribed, feedback and NPS.",
    {},
    z.object({}),
    (deps) => campaignsReport(deps),
    campaignsTable,
  ),
  report(
    "segments",
    "RFM value segments: customers, revenue share and average lifetime value per segment.",
    { at: { type: "string", value: "ISO", description: "as of this instant (default now)" } },
    SegmentsQuery,
    segmentsReport,
    segmentsTable,
  ),
  report(
    "referrals",
    "Referred leads, their first purchases and revenue per month (default: 12 months) or per day; --json adds the top referrers.",
    {
      ...PERIOD,
      interval: { type: "string", value: "day|month", description: "one row per day or per month (default month)" },
      top: { type: "string", value: "N", description: "how many top referrers the JSON lists, 1-100 (default 10)" },
    },
    ReferralsQuery,
    referralsReport,
    referralsTable,
  ),
  {
    name: "reports rebuild",
    summary:
      "Recompute every report counter and the customer search index from the table's items (after an upgrade or a restore). Reads the whole table twice.",
    notes: ["Run it when the table is quiet: writes during the rebuild may be counted twice or not at all (run it again)."],
    async run(ctx) {
      const deps = await ctx.deps();
      const started = performance.now();
      let last = 0;
      const result = await rebuildReports(deps, ({ scanned }) => {
        if (process.stderr.isTTY && performance.now() - last > 250) {
          last = performance.now();
          ctx.stderr.write(`\rScanned ${scanned} items`);
        }
      });
      if (process.stderr.isTTY) ctx.stderr.write("\r\x1b[K");
      ctx.err(
        `Rebuilt report counters from ${result.scanned} items in ${seconds(performance.now() - started)}: ${result.written} counter items written, ${result.deleted} stale ones deleted.`,
      );
      const search = await rebuildSearchIndex(deps);
      ctx.err(`Rebuilt the search index: ${search.written} words written, ${search.deleted} stale ones deleted.`);
      ctx.out(JSON.stringify({ ...result, search }));
    },
  },
];
