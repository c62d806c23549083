import { csvLine } from "../core/csv.ts";
import type { CampaignsReport, FunnelReport, ReferralsReport, RetentionReport, RevenueReport, SegmentsReport } from "./types.ts";

/**
 * Each report as one CSV table (`?format=csv` on the route, `rapport reports ... --csv`), for
 * spreadsheets and BI tools. Columns are the JSON answer's fields; an empty cell is "no value"
 * (a rate with nothing to divide by).
 */

type Cell = string | number | null | undefined;

/** A report as one table: the header and the rows, cells as text ("" = no value). */
export interface ReportTable {
  header: string[];
  rows: string[][];
}

function table(header: string[], rows: Cell[][]): ReportTable {
  return { header, rows: rows.map((row) => row.map((c) => (c === null || c === undefined ? "" : String(c)))) };
}

export function toCsv(t: ReportTable): string {
  return [t.header, ...t.rows].map((row) => csvLine(row)).join("");
}

/** One row per stage; funnel stages also carry the conversion to the next stage. */
export function funnelTable(r: FunnelReport): ReportTable {
  return table(
    ["stage", "count", "percent", "at_start", "entered", "converts_to", "moved", "eligible", "conversion_rate"],
    r.stages.map((s) => {
      const c = r.conversions.find((x) => x.from === s.stage);
      return [s.stage, s.count, s.percent, s.atStart, s.entered, c?.to, c?.moved, c?.eligible, c?.rate];
    }),
  );
}

/** One row per month of the last twelve: churn that month, and the cohort that started in it. */
export function retentionTable(r: RetentionReport): ReportTable {
  const months = Array.from({ length: 12 }, (_, k) => `retained_${k + 1}m_percent`);
  return table(
    ["month", "churned", "active_at_start", "churn_rate", "cohort_size", ...months],
    r.trend.map((t) => {
      const cohort = r.cohorts.find((c) => c.cohort === t.month);
      return [t.month, t.churned, t.activeAtStart, t.rate, cohort?.size ?? 0, ...months.map((_, k) => cohort?.retained[k]?.share)];
    }),
  );
}

export function revenueTable(r: RevenueReport): ReportTable {
  return table(
    [r.interval, "purchases", `revenue_${r.currency}`, "new_contacts", "new_customers"],
    r.rows.map((row) => [row.period, row.purchases, row.revenue, row.newContacts, row.newCustomers]),
  );
}

/** One row per day or month; the top referrers are the JSON answer's (a second table would not fit one CSV). */
export function referralsTable(r: ReferralsReport): ReportTable {
  return table(
    [r.interval, "referred_leads", "conversions", `revenue_${r.currency}`],
    r.rows.map((row) => [row.period, row.referredLeads, row.conversions, row.revenue]),
  );
}

export function campaignsTable(r: CampaignsReport): ReportTable {
  return table(
    [
      "id",
      "name",
      "kind",
      "sent",
      "delivered",
      "opened",
      "clicked",
      "bounced",
      "complained",
      "unsubscribed",
      "delivery_rate",
      "open_rate",
      "click_rate",
      "unsubscribe_rate",
      "feedback",
      "promoters",
      "passives",
      "detractors",
      "nps",
      "average_score",
    ],
    r.campaigns.map((c) => [
      c.id,
      c.name,
      c.kind,
      c.sent,
      c.delivered,
      c.opened,
      c.clicked,
      c.bounced,
      c.complained,
      c.unsubscribed,
      c.rates.delivery,
      c.rates.open,
      c.rates.click,
      c.rates.unsubscribe,
      c.feedback.count,
      c.feedback.promoters,
      c.feedback.passives,
      c.feedback.detractors,
      c.feedback.nps,
      c.feedback.average,
    ]),
  );
}

export function segmentsTable(r: SegmentsReport): ReportTable {
  return table(
    ["segment", "customers", "share", `revenue_${r.currency}`, "revenue_share", `average_lifetime_value_${r.currency}`],
    r.segments.map((s) => [s.segment, s.count, s.share, s.revenue, s.revenueShare, s.averageLifetimeValue]),
  );
}
