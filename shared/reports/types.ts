import type * as z from "zod/mini";
import type * as schema from "./schema.ts";

/**
 * The answers of the report routes (`GET /v1/reports/...`), typed from the zod schemas the route
 * table declares as their responses (shared/reports/schema.ts, where each figure is explained),
 * so the dashboard reads exactly what the API documents and the tests check it answers.
 */

export type Period = z.output<typeof schema.Period>;

/** `GET /v1/reports/funnel?from=&to=` (default: the 30 days up to today). */
export type FunnelReport = z.output<typeof schema.FunnelReport>;

/** `GET /v1/reports/retention?from=&to=` (default: the 30 days up to today). */
export type RetentionReport = z.output<typeof schema.RetentionReport>;

/** `GET /v1/reports/revenue?from=&to=&interval=day|month` (default: the 12 months up to today, by month). */
export type RevenueReport = z.output<typeof schema.RevenueReport>;

/** `GET /v1/reports/referrals?from=&to=&interval=&top=` (default: the 12 months up to today, by month). */
export type ReferralsReport = z.output<typeof schema.ReferralsReport>;

/** `GET /v1/reports/campaigns`: lifetime figures per campaign (every campaign, zeros included). */
export type CampaignsReport = z.output<typeof schema.CampaignsReport>;

export const SEGMENTS = ["champions", "regulars", "newcomers", "potential", "slipping", "hibernating"] as const;
export type Segment = (typeof SEGMENTS)[number];

/**
 * `GET /v1/reports/segments?at=`: RFM over customers with at least one purchase, as of `at`
 * (default now). Recency: calendar months since the month of the last purchase, 0 → 5, 1–2 → 4,
 * 3–5 → 3, 6–11 → 2, 12+ → 1. Frequency: orders 1 → 1, 2 → 2, 3–4 → 3, 5–9 → 4, 10+ → 5.
 * Monetary (lifetime spend, buckets about 6 % wide) by rank: 1 + ⌊5 × (customers with less ÷
 * customers)⌋. Segments, from the (R, F) grid: champions R≥4 F≥4; regulars R≥3 F≥3 (not
 * champions); newcomers R≥4 F=1; slipping R≤2 F≥3; hibernating R≤2 F≤2; potential: everyone else.
 * The names differ from the lifecycle stages (`loyal`, `at_risk`) on purpose, so no word means two things.
 */
export type SegmentsReport = z.output<typeof schema.SegmentsReport>;
