import { fromMinor } from "../core/money.ts";
import { monthsBetween } from "./dates.ts";
import { type Attrs, percent } from "./formulas.ts";
import type { Segment, SegmentsReport } from "./types.ts";
import { SEGMENTS } from "./types.ts";

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
  if (r >= 3 && f >= 3) return "regulars";
  if (r >= 4 && f === 1) return "newcomers";
  if (r <= 2 && f >= 3) return "slipping";
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
