import type { Stage } from "../core/fields.ts";
import { STAGES } from "../core/fields.ts";
import { fromMinor } from "../core/money.ts";
import { COHORT_MONTHS, SEND_OUTCOMES } from "./contributions.ts";
import { addDays, addMonths, lastDayOfMonth, monthsBetween } from "./dates.ts";
import type { CampaignsReport, FunnelReport, Period, RetentionReport, RevenueReport } from "./types.ts";

/**
 * The report formulas: pure functions of the counter items (shared/reports/contributions.ts),
 * which the loaders in ./read.ts fetch. Unit-tested on a population whose figures are worked
 * out by hand.
 */

/** A counter item's numeric attributes. */
export type Attrs = Record<string, number>;
const FUNNEL: Stage[] = ["lead", "customer", "loyal", "advocate"];
const ACTIVE: Stage[] = ["customer", "loyal", "advocate", "at_risk"];

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
export class StageHistory {
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
    stages: STAGES.map((stage) => ({
      stage,
      count: now[stage] ?? 0,
      percent: percent(now[stage] ?? 0, total),
      atStart: atStart[stage],
      entered: entered(stage),
    })),
    conversions,
    newContacts: sumDays(days, period, (a) => a.new ?? 0),
  };
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

// ---------- campaigns ----------

type CampaignRow = CampaignsReport["campaigns"][number];

export function campaignRow(id: string, name: string, kind: CampaignRow["kind"], a: Attrs, newsletter = false): CampaignRow {
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
    ...(newsletter ? { newsletter: true as const } : {}),
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
