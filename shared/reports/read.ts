import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { listCampaigns } from "../campaigns/store.ts";
import type { Deps } from "../core/deps.ts";
import { ValidationError } from "../core/errors.ts";
import type { Stage } from "../core/fields.ts";
import { STAGES } from "../core/fields.ts";
import { CAMPAIGN_PARTITION, COHORT_PARTITION, DAY_PARTITION, RFM_PARTITION, RFM_SPEND_KEY, STAGES_KEY } from "../entities/report.ts";
import { fromMinor } from "../core/money.ts";
import { COHORT_MONTHS, monthsBetween, SEND_OUTCOMES } from "./contributions.ts";
import type { PeriodQuery, RevenueQuery, SegmentsQuery } from "./schema.ts";
import type { CampaignsReport, FunnelReport, Period, RetentionReport, RevenueReport, Segment, SegmentsReport } from "./types.ts";
import { SEGMENTS } from "./types.ts";
import { queryAll } from "../aws/db.ts";

/**
 * The reports, computed from the counters (shared/reports/contributions.ts) with a handful of
 * reads: one GetItem and a Query over day items for the funnel; day and cohort Queries for
 * retention; one Query per campaign partition; one Query of the RFM partition. None reads a
 * customer, so the cost does not grow with the number of customers (`npm run bench` measures it).
 *
 * Every formula is a pure function of the counter items below the loaders, unit-tested on a
 * population whose figures are worked out by hand (test/reports-formulas.test.ts).
 */

type Attrs = Record<string, number>;
const DAY_MS = 86_400_000;
const MAX_PERIOD_DAYS = 3660;
const FUNNEL: Stage[] = ["lead", "customer", "loyal", "advocate"];
const ACTIVE: Stage[] = ["customer", "loyal", "advocate", "at_risk"];

// ---------- loaders ----------

async function getAttrs(deps: Deps, key: { PK: string; SK: string }): Promise<Attrs> {
  const result = await deps.db.send(new GetCommand({ TableName: deps.table, Key: key }));
  return numbers(result.Item);
}

/** Items of a counter partition with `from ≤ SK ≤ to` (either end open), as SK → attributes. */
async function range(deps: Deps, pk: string, from?: string, to?: string): Promise<Map<string, Attrs>> {
  const condition = from && to ? "PK = :pk AND SK BETWEEN :from AND :to" : from ? "PK = :pk AND SK >= :from" : to ? "PK = :pk AND SK <= :to" : "PK = :pk";
  const items = new Map<string, Attrs>();
  const query = {
    TableName: deps.table,
    KeyConditionExpression: condition,
    ExpressionAttributeValues: { ":pk": pk, ...(from ? { ":from": from } : {}), ...(to ? { ":to": to } : {}) },
  };
  for await (const item of queryAll(deps.db, query)) items.set(String(item.SK), numbers(item));
  return items;
}

function numbers(item: Record<string, unknown> | undefined): Attrs {
  const attrs: Attrs = {};
  for (const [k, v] of Object.entries(item ?? {})) if (typeof v === "number") attrs[k] = v;
  return attrs;
}

// ---------- periods ----------

export function resolvePeriod(query: { from?: string | undefined; to?: string | undefined }, now: Date, defaultDays: number): Period {
  const to = query.to ?? now.toISOString().slice(0, 10);
  const from = query.from ?? addDays(to, -(defaultDays - 1));
  if (from > to) throw ValidationError.field("from", "must not be after to");
  if (daysBetween(from, to) >= MAX_PERIOD_DAYS) throw ValidationError.field("from", `a period spans at most ${MAX_PERIOD_DAYS} days`);
  return { from, to };
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

function addMonths(month: string, n: number): string {
  const total = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + n;
  return `${String(Math.floor(total / 12)).padStart(4, "0")}-${String((total % 12) + 1).padStart(2, "0")}`;
}

function lastDayOfMonth(month: string): string {
  return addDays(`${addMonths(month, 1)}-01`, -1);
}

/** ratio × 100 with one decimal; null when there is nothing to divide by. */
export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1000) / 10;
}

// ---------- stage history ----------

/** Moves into `stage` on one day (new contacts enter `lead`). */
function entries(day: Attrs, stage: Stage): number {
  let n = stage === "lead" ? (day.new ?? 0) : 0;
  for (const [attr, count] of Object.entries(day)) if (attr.startsWith("move#") && attr.split("#")[2] === stage) n += count;
  return n;
}

/**
 * Contacts per stage at the start of `day`: today's count minus every change from that day on
 * (days after today included: a sweep run "as of" a future instant dates its moves then).
 */
export function countsAtStart(now: Attrs, days: Map<string, Attrs>, day: string): Record<Stage, number> {
  return new StageHistory(now, days).atStart(day);
}

/**
 * The stage counts at the start of any day, from one pass over the day items: each day's net
 * change per stage is worked out once, then summed from the latest day back, so asking for
 * thirteen period starts costs no more than asking for one.
 */
class StageHistory {
  /** Days, oldest first, with the sum of net changes from that day on (inclusive). */
  private readonly from: { day: string; net: Record<Stage, number> }[] = [];
  private readonly now: Record<Stage, number>;

  constructor(now: Attrs, days: Map<string, Attrs>) {
    this.now = Object.fromEntries(STAGES.map((s) => [s, now[s] ?? 0])) as Record<Stage, number>;
    const sorted = [...days.keys()].sort();
    const running = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
    for (let i = sorted.length - 1; i >= 0; i--) {
      const attrs = days.get(sorted[i]!)!;
      const net = netChanges(attrs);
      for (const s of STAGES) running[s] += net[s];
      this.from.unshift({ day: sorted[i]!, net: { ...running } });
    }
  }

  atStart(day: string): Record<Stage, number> {
    // The first stored day on or after `day` carries every change from `day` on.
    const first = this.from.find((d) => d.day >= day);
    return Object.fromEntries(STAGES.map((s) => [s, this.now[s] - (first?.net[s] ?? 0)])) as Record<Stage, number>;
  }
}

/** How the number of contacts in each stage changed on one day: new contacts (into `lead`), moves in and out, erasures. */
function netChanges(day: Attrs): Record<Stage, number> {
  const net = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  net.lead += day.new ?? 0;
  for (const [attr, n] of Object.entries(day)) {
    if (attr.startsWith("move#")) {
      const [, from, to] = attr.split("#") as [string, Stage, Stage];
      if (to in net) net[to] += n;
      if (from in net) net[from] -= n;
    } else if (attr.startsWith("erased#")) {
      const stage = attr.slice(7) as Stage;
      if (stage in net) net[stage] -= n;
    }
  }
  return net;
}

function sumDays(days: Map<string, Attrs>, period: Period, f: (attrs: Attrs) => number): number {
  let total = 0;
  for (const [d, attrs] of days) if (d >= period.from && d <= period.to) total += f(attrs);
  return total;
}

// ---------- funnel ----------

export function funnelFrom(now: Attrs, days: Map<string, Attrs>, period: Period, asOf: string): FunnelReport {
  const total = STAGES.reduce((sum, s) => sum + (now[s] ?? 0), 0);
  const atStart = countsAtStart(now, days, period.from);
  const entered = (s: Stage) => sumDays(days, period, (a) => entries(a, s));
  const conversions = FUNNEL.slice(0, -1).map((from, i) => {
    const later = FUNNEL.slice(i + 1);
    const moved = sumDays(days, period, (a) => later.reduce((n, to) => n + (a[`move#${from}#${to}`] ?? 0), 0));
    const eligible = atStart[from] + entered(from);
    return { from, to: FUNNEL[i + 1]!, moved, eligible, rate: percent(moved, eligible) };
  });
  return {
    asOf,
    period,
    total,
    stages: STAGES.map((stage) => ({ stage, count: now[stage] ?? 0, percent: percent(now[stage] ?? 0, total), atStart: atStart[stage], entered: entered(stage) })),
    conversions,
    newContacts: sumDays(days, period, (a) => a.new ?? 0),
  };
}

export async function funnelReport(deps: Deps, query: PeriodQuery): Promise<FunnelReport> {
  const now = deps.clock.now();
  const period = resolvePeriod(query, now, 30);
  const [stages, days] = await Promise.all([getAttrs(deps, STAGES_KEY), range(deps, DAY_PARTITION, period.from)]);
  return funnelFrom(stages, days, period, now.toISOString());
}

// ---------- retention ----------

function churnFor(history: StageHistory, days: Map<string, Attrs>, period: Period) {
  const atStart = history.atStart(period.from);
  const activeAtStart = ACTIVE.reduce((n, s) => n + atStart[s], 0);
  const churned = sumDays(days, period, (a) => entries(a, "churned"));
  return { churned, activeAtStart, rate: percent(churned, activeAtStart) };
}

export function retentionFrom(now: Attrs, days: Map<string, Attrs>, cohorts: Map<string, Attrs>, period: Period, asOf: string): RetentionReport {
  const toMonth = period.to.slice(0, 7);
  const currentMonth = asOf.slice(0, 7);
  const history = new StageHistory(now, days);
  const trend = Array.from({ length: 12 }, (_, i) => {
    const month = addMonths(toMonth, i - 11);
    return { month, ...churnFor(history, days, { from: `${month}-01`, to: lastDayOfMonth(month) }) };
  });
  const cohortRows = Array.from({ length: 12 }, (_, i) => addMonths(toMonth, i - 11)).map((cohort) => {
    const attrs = cohorts.get(cohort) ?? {};
    const size = attrs.size ?? 0;
    const begun = Math.min(COHORT_MONTHS, Math.max(0, monthsBetween(cohort, currentMonth)));
    const retained = Array.from({ length: begun }, (_, k) => {
      const count = attrs[`r${k + 1}`] ?? 0;
      return { month: k + 1, count, share: percent(count, size) };
    });
    return { cohort, size, retained };
  });
  return { asOf, period, churn: churnFor(history, days, period), trend, cohorts: cohortRows };
}

export async function retentionReport(deps: Deps, query: PeriodQuery): Promise<RetentionReport> {
  const now = deps.clock.now();
  const period = resolvePeriod(query, now, 30);
  const trendStart = `${addMonths(period.to.slice(0, 7), -11)}-01`;
  const firstDay = period.from < trendStart ? period.from : trendStart;
  const [stages, days, cohorts] = await Promise.all([
    getAttrs(deps, STAGES_KEY),
    range(deps, DAY_PARTITION, firstDay),
    range(deps, COHORT_PARTITION, addMonths(period.to.slice(0, 7), -11), period.to.slice(0, 7)),
  ]);
  return retentionFrom(stages, days, cohorts, period, now.toISOString());
}

// ---------- revenue ----------

export function revenueFrom(days: Map<string, Attrs>, period: Period, interval: "day" | "month", currency: string, asOf: string): RevenueReport {
  const keys: string[] = [];
  if (interval === "day") for (let d = period.from; d <= period.to; d = addDays(d, 1)) keys.push(d);
  else for (let m = period.from.slice(0, 7); m <= period.to.slice(0, 7); m = addMonths(m, 1)) keys.push(m);
  const rows = new Map(keys.map((k) => [k, { period: k, purchases: 0, revenueMinor: 0, newContacts: 0, newCustomers: 0 }]));
  for (const [d, attrs] of days) {
    if (d < period.from || d > period.to) continue;
    const row = rows.get(interval === "day" ? d : d.slice(0, 7));
    if (!row) continue;
    row.purchases += attrs.purchases ?? 0;
    row.revenueMinor += attrs.revenue ?? 0;
    row.newContacts += attrs.new ?? 0;
    row.newCustomers += attrs.newCustomers ?? 0;
  }
  const out = [...rows.values()].map(({ revenueMinor, ...r }) => ({ ...r, revenue: fromMinor(revenueMinor, currency) }));
  const totalMinor = [...rows.values()].reduce((n, r) => n + r.revenueMinor, 0);
  return {
    asOf,
    period,
    interval,
    currency,
    rows: out,
    totals: {
      purchases: out.reduce((n, r) => n + r.purchases, 0),
      revenue: fromMinor(totalMinor, currency),
      newContacts: out.reduce((n, r) => n + r.newContacts, 0),
      newCustomers: out.reduce((n, r) => n + r.newCustomers, 0),
    },
  };
}

export async function revenueReport(deps: Deps, query: RevenueQuery): Promise<RevenueReport> {
  const now = deps.clock.now();
  const interval = query.interval ?? "month";
  const today = now.toISOString().slice(0, 10);
  const defaults = interval === "month" && !query.from ? { from: `${addMonths((query.to ?? today).slice(0, 7), -11)}-01` } : {};
  const period = resolvePeriod({ ...query, ...defaults }, now, 30);
  const days = await range(deps, DAY_PARTITION, period.from, period.to);
  return revenueFrom(days, period, interval, deps.config.currency, now.toISOString());
}

// ---------- campaigns ----------

type CampaignRow = CampaignsReport["campaigns"][number];

export function campaignRow(id: string, name: string, kind: CampaignRow["kind"], a: Attrs): CampaignRow {
  const scores = Array.from({ length: 11 }, (_, s) => a[`fb#${s}`] ?? 0);
  const count = scores.reduce((n, x) => n + x, 0);
  const promoters = scores[9]! + scores[10]!;
  const passives = scores[7]! + scores[8]!;
  const detractors = count - promoters - passives;
  const sum = scores.reduce((n, x, s) => n + x * s, 0);
  const outcome = Object.fromEntries(SEND_OUTCOMES.map((o) => [o, a[o] ?? 0])) as Record<(typeof SEND_OUTCOMES)[number], number>;
  const sent = a.sent ?? 0;
  const unsubscribed = a.unsubscribed ?? 0;
  return {
    id,
    name,
    kind,
    sent,
    ...outcome,
    unsubscribed,
    rates: {
      delivery: percent(outcome.delivered, sent),
      open: percent(outcome.opened, outcome.delivered),
      click: percent(outcome.clicked, outcome.delivered),
      unsubscribe: percent(unsubscribed, outcome.delivered),
    },
    feedback: {
      count,
      promoters,
      passives,
      detractors,
      nps: count === 0 ? null : Math.round(((promoters - detractors) / count) * 1000) / 10,
      average: count === 0 ? null : Math.round((sum / count) * 10) / 10,
    },
  };
}

export async function campaignsReport(deps: Deps): Promise<CampaignsReport> {
  const [campaigns, counters] = await Promise.all([listCampaigns(deps), range(deps, CAMPAIGN_PARTITION)]);
  const rows = campaigns.map((c) => campaignRow(c.id, c.name, c.kind, counters.get(c.id) ?? {}));
  // Counters of a campaign since deleted still show, under its id.
  for (const [id, attrs] of counters) if (!campaigns.some((c) => c.id === id)) rows.push(campaignRow(id, id, "marketing", attrs));
  return { asOf: deps.clock.now().toISOString(), campaigns: rows };
}

// ---------- segments (RFM) ----------

/**
 * One RFM cell: customers whose last purchase was in `month` with `orders` orders. Recency is kept
 * by month, so the RFM items stay a bounded handful (months × order counts) however many customers
 * there are: the report reads the same few kilobytes at 1,000 customers as at 1,000,000.
 */
export interface RfmCell {
  month: string;
  orders: number;
  customers: number;
  spendMinor: number;
}

/** RFM items (`YYYY-MM` → `n#F`, `m#F`) as cells, up to `lastMonth`. */
export function rfmCells(items: Map<string, Attrs>, lastMonth: string): RfmCell[] {
  const cells = new Map<string, RfmCell>();
  for (const [month, attrs] of items) {
    if (!/^\d{4}-\d{2}$/.test(month) || month > lastMonth) continue;
    for (const [attr, n] of Object.entries(attrs)) {
      const [kind, f] = attr.split("#");
      if ((kind !== "n" && kind !== "m") || !f) continue;
      const id = `${month}#${f}`;
      const cell = cells.get(id) ?? { month, orders: Number(f), customers: 0, spendMinor: 0 };
      if (kind === "n") cell.customers += n;
      else cell.spendMinor += n;
      cells.set(id, cell);
    }
  }
  return [...cells.values()].filter((c) => c.customers > 0);
}

/**
 * Scores 1–5 by rank: 1 + ⌊5 × (customers strictly below ÷ all)⌋. `values` are (value, customers)
 * pairs; a higher value is better.
 */
export function rankScores(values: { value: number; customers: number }[]): (value: number) => number {
  const total = values.reduce((n, v) => n + v.customers, 0);
  const sorted = [...values].sort((a, b) => a.value - b.value);
  const below = new Map<number, number>();
  let running = 0;
  for (const v of sorted) {
    if (!below.has(v.value)) below.set(v.value, running);
    running += v.customers;
  }
  return (value) => (total === 0 ? 0 : Math.min(5, 1 + Math.floor((5 * (below.get(value) ?? 0)) / total)));
}

/**
 * Recency and frequency scores on fixed steps, so a score means the same in a shop with twelve
 * buyers as in one with a million (ranking them would call the only buyer, who bought today,
 * "hibernating"): recency by calendar months since the month of the last purchase, 0 → 5,
 * 1–2 → 4, 3–5 → 3, 6–11 → 2, 12 or more → 1 (about 30, 90, 180 and 365 days); frequency by
 * orders, 1 → 1, 2 → 2, 3–4 → 3, 5–9 → 4, 10 or more → 5. Monetary has no universal scale (a
 * bakery is not a furniture shop), so it is ranked.
 */
export function recencyScore(monthsSince: number): number {
  return monthsSince <= 0 ? 5 : monthsSince <= 2 ? 4 : monthsSince <= 5 ? 3 : monthsSince <= 11 ? 2 : 1;
}

export function frequencyScore(orders: number): number {
  return orders >= 10 ? 5 : orders >= 5 ? 4 : orders >= 3 ? 3 : orders >= 2 ? 2 : 1;
}

export function segmentOf(r: number, f: number): Segment {
  if (r >= 4 && f >= 4) return "champions";
  if (r >= 3 && f >= 3) return "loyal";
  if (r >= 4 && f === 1) return "new";
  if (r <= 2 && f >= 3) return "at_risk";
  if (r <= 2 && f <= 2) return "hibernating";
  return "potential";
}

export function segmentsFrom(cells: RfmCell[], spendHistogram: Attrs, currency: string, asOf: string): SegmentsReport {
  const recency = (month: string) => recencyScore(monthsBetween(month, asOf.slice(0, 7)));
  const buckets = Object.entries(spendHistogram)
    .filter(([k]) => k.startsWith("n#"))
    .map(([k, n]) => ({ value: Number(k.slice(2)), customers: n }))
    .filter((b) => b.customers > 0);
  const monetary = rankScores(buckets);

  const customers = cells.reduce((n, c) => n + c.customers, 0);
  const revenueMinor = cells.reduce((n, c) => n + c.spendMinor, 0);
  const bySegment = new Map<Segment, { count: number; spendMinor: number }>(SEGMENTS.map((s) => [s, { count: 0, spendMinor: 0 }]));
  const scores = { recency: [0, 0, 0, 0, 0], frequency: [0, 0, 0, 0, 0], monetary: [0, 0, 0, 0, 0] };
  for (const c of cells) {
    const r = recency(c.month);
    const f = frequencyScore(c.orders);
    const s = bySegment.get(segmentOf(r, f))!;
    s.count += c.customers;
    s.spendMinor += c.spendMinor;
    scores.recency[r - 1]! += c.customers;
    scores.frequency[f - 1]! += c.customers;
  }
  for (const b of buckets) scores.monetary[monetary(b.value) - 1]! += b.customers;
  return {
    asOf,
    currency,
    customers,
    revenue: fromMinor(revenueMinor, currency),
    segments: SEGMENTS.map((segment) => {
      const s = bySegment.get(segment)!;
      return {
        segment,
        count: s.count,
        share: percent(s.count, customers),
        revenue: fromMinor(s.spendMinor, currency),
        revenueShare: percent(s.spendMinor, revenueMinor),
        averageLifetimeValue: s.count === 0 ? null : fromMinor(Math.round(s.spendMinor / s.count), currency),
      };
    }),
    scores,
  };
}

export async function segmentsReport(deps: Deps, query: SegmentsQuery): Promise<SegmentsReport> {
  const asOf = query.at ? new Date(query.at) : deps.clock.now();
  const items = await range(deps, RFM_PARTITION);
  return segmentsFrom(rfmCells(items, asOf.toISOString().slice(0, 7)), items.get(RFM_SPEND_KEY.SK) ?? {}, deps.config.currency, asOf.toISOString());
}
