import type { Stage } from "../core/fields.ts";

/**
 * The answers of the report routes (`GET /v1/reports/...`), as the dashboard and BI tools read
 * them. Money is in the configured currency's major units (numbers with the currency's decimals),
 * like the 360 view's `lifetimeSpend`; percentages are 0–100 with one decimal, `null` where the
 * denominator is 0. Days are UTC calendar days `YYYY-MM-DD`, periods include both ends.
 */

export interface Period {
  from: string;
  to: string;
}

/** `GET /v1/reports/funnel?from=&to=` (default: the 30 days up to today). */
export interface FunnelReport {
  asOf: string;
  period: Period;
  /** Every contact that exists now (erased ones are gone). */
  total: number;
  /** All six stages, in lifecycle order. */
  stages: {
    stage: Stage;
    /** Now. */
    count: number;
    /** count ÷ total × 100. */
    percent: number | null;
    /** At the start of the period's first day. */
    atStart: number;
    /** Moves into the stage during the period (new contacts count as entering `lead`). */
    entered: number;
  }[];
  /**
   * lead→customer, customer→loyal, loyal→advocate: `moved` = moves during the period out of `from`
   * into `to` or a stage after it in the funnel; `eligible` = in `from` at the start + entered
   * `from` during the period; `rate` = moved ÷ eligible × 100.
   */
  conversions: { from: Stage; to: Stage; moved: number; eligible: number; rate: number | null }[];
  /** Contacts created during the period. */
  newContacts: number;
}

/** `GET /v1/reports/retention?from=&to=` (default: the 30 days up to today). */
export interface RetentionReport {
  asOf: string;
  period: Period;
  /**
   * Churn rate for the period = customers churned during it ÷ active customers at its start × 100,
   * active = stage customer, loyal, advocate or at_risk (bought, not churned).
   */
  churn: { churned: number; activeAtStart: number; rate: number | null };
  /** The same, per calendar month, for the 12 months up to `to`'s month. */
  trend: { month: string; churned: number; activeAtStart: number; rate: number | null }[];
  /**
   * Monthly cohorts by first purchase (the 12 months up to `to`'s month): `size` customers made
   * their first purchase in `cohort`; `retained[k-1]` = those whose last activity is at least k
   * calendar months after that first purchase month, k = 1..12, only months already begun.
   */
  cohorts: { cohort: string; size: number; retained: { month: number; count: number; share: number | null }[] }[];
}

/** `GET /v1/reports/revenue?from=&to=&interval=day|month` (default: the 12 months up to today, by month). */
export interface RevenueReport {
  asOf: string;
  period: Period;
  interval: "day" | "month";
  currency: string;
  /** One row per day or month of the period, zeros included. */
  rows: { period: string; purchases: number; revenue: number; newContacts: number; newCustomers: number }[];
  totals: { purchases: number; revenue: number; newContacts: number; newCustomers: number };
}

/** `GET /v1/reports/campaigns`: lifetime figures per campaign (every campaign, zeros included). */
export interface CampaignsReport {
  asOf: string;
  campaigns: {
    id: string;
    name: string;
    kind: "transactional" | "marketing";
    /** Emails handed to SES. */
    sent: number;
    /** Unique messages with each outcome (a message opened five times counts once). */
    delivered: number;
    opened: number;
    clicked: number;
    bounced: number;
    complained: number;
    /** Unsubscribes through this campaign's links. */
    unsubscribed: number;
    /** delivered÷sent, opened÷delivered, clicked÷delivered, unsubscribed÷delivered, × 100. */
    rates: { delivery: number | null; open: number | null; click: number | null; unsubscribe: number | null };
    /** Answers to this campaign's score links (the latest score per link). */
    feedback: {
      count: number;
      /** 9–10 */
      promoters: number;
      /** 7–8 */
      passives: number;
      /** 0–6 */
      detractors: number;
      /** %promoters − %detractors, −100..100, `null` with no answers. */
      nps: number | null;
      average: number | null;
    };
  }[];
}

export const SEGMENTS = ["champions", "loyal", "new", "potential", "at_risk", "hibernating"] as const;
export type Segment = (typeof SEGMENTS)[number];

/**
 * `GET /v1/reports/segments?at=`: RFM over customers with at least one purchase, as of `at`
 * (default now). Recency: calendar months since the month of the last purchase, 0 → 5, 1–2 → 4,
 * 3–5 → 3, 6–11 → 2, 12+ → 1. Frequency: orders 1 → 1, 2 → 2, 3–4 → 3, 5–9 → 4, 10+ → 5.
 * Monetary (lifetime spend, buckets about 6 % wide) by rank: 1 + ⌊5 × (customers with less ÷
 * customers)⌋. Segments, from the (R, F) grid: champions R≥4 F≥4; loyal R≥3 F≥3 (not
 * champions); new R≥4 F=1; at_risk R≤2 F≥3; hibernating R≤2 F≤2; potential: everyone else.
 */
export interface SegmentsReport {
  asOf: string;
  currency: string;
  customers: number;
  revenue: number;
  segments: {
    segment: Segment;
    count: number;
    /** count ÷ customers × 100 */
    share: number | null;
    revenue: number;
    /** revenue ÷ total revenue × 100 */
    revenueShare: number | null;
    /** revenue ÷ count */
    averageLifetimeValue: number | null;
  }[];
  /** How many customers have each score 1..5 (index 0 = score 1). */
  scores: { recency: number[]; frequency: number[]; monetary: number[] };
}
