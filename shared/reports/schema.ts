import * as z from "zod/mini";
import { Day, Instant } from "../core/dates.ts";
import { STAGES } from "../core/fields.ts";
import { SEGMENTS } from "./types.ts";

/**
 * Query parameters of the report routes (`GET /v1/reports/...`). Days are UTC calendar days; a
 * period includes both ends and spans at most ten years (the reports read one small counter item
 * per day of it).
 */
export { Day };

/** `csv` answers `text/csv` (one table per report) for spreadsheets and BI tools; JSON by default. */
const Format = z.optional(z.enum(["json", "csv"], { error: "must be json or csv" }));

export const PeriodQuery = z.object({
  from: z.optional(Day),
  to: z.optional(Day),
  format: Format,
});

export const FormatQuery = z.object({ format: Format });

export const RevenueQuery = z.object({
  from: z.optional(Day),
  to: z.optional(Day),
  interval: z.optional(z.enum(["day", "month"], { error: "must be day or month" })),
  format: Format,
});

export const SegmentsQuery = z.object({
  at: z.optional(Instant),
  format: Format,
});

export const ReferralsQuery = z.object({
  from: z.optional(Day),
  to: z.optional(Day),
  interval: z.optional(z.enum(["day", "month"], { error: "must be day or month" })),
  top: z.optional(z.string().check(z.regex(/^(100|[1-9]\d?)$/, { error: "must be 1 to 100" }))),
  format: Format,
});

export type PeriodQuery = z.infer<typeof PeriodQuery>;
export type ReferralsQuery = z.output<typeof ReferralsQuery>;
export type RevenueQuery = z.infer<typeof RevenueQuery>;
export type SegmentsQuery = z.infer<typeof SegmentsQuery>;
export type FormatQuery = z.infer<typeof FormatQuery>;

/*
 * The answers (JSON; `?format=csv` gives the same figures as one table, shared/reports/csv.ts),
 * as the dashboard and BI tools read them. Money is in the configured currency's major units
 * (numbers with the currency's decimals), like the 360 view's `lifetimeSpend`; percentages are
 * 0–100 with one decimal, `null` where the denominator is 0. Days are UTC calendar days
 * `YYYY-MM-DD`, periods include both ends. shared/reports/types.ts derives the types from these.
 */

const note = (description: string) => z.describe(description);
const percent = (description: string) => z.nullable(z.number()).check(note(description));
const StageName = z.enum(STAGES);

export const Period = z.object({ from: z.string(), to: z.string() });

export const FunnelReport = z.object({
  asOf: z.string(),
  period: Period,
  total: z.number().check(note("Every contact that exists now (erased ones are gone).")),
  stages: z
    .array(
      z.object({
        stage: StageName,
        count: z.number().check(note("Now.")),
        percent: percent("count ÷ total × 100."),
        atStart: z.number().check(note("At the start of the period's first day.")),
        entered: z.number().check(note("Moves into the stage during the period (new contacts count as entering `lead`).")),
      }),
    )
    .check(note("All six stages, in lifecycle order.")),
  conversions: z
    .array(z.object({ from: StageName, to: StageName, moved: z.number(), eligible: z.number(), rate: z.nullable(z.number()) }))
    .check(
      note(
        "lead→customer, customer→loyal, loyal→advocate: `moved` = moves during the period out of `from` into `to` or a stage after it in the funnel; `eligible` = in `from` at the start + entered `from` during the period; `rate` = moved ÷ eligible × 100.",
      ),
    ),
  newContacts: z.number().check(note("Contacts created during the period.")),
});

const Churn = z.object({ churned: z.number(), activeAtStart: z.number(), rate: z.nullable(z.number()) });

export const RetentionReport = z.object({
  asOf: z.string(),
  period: Period,
  churn: Churn.check(
    note(
      "Churn rate for the period = customers churned during it ÷ active customers at its start × 100, active = stage customer, loyal, advocate or at_risk (bought, not churned).",
    ),
  ),
  trend: z.array(z.extend(Churn, { month: z.string() })).check(note("The same, per calendar month, for the 12 months up to `to`'s month.")),
  cohorts: z
    .array(
      z.object({
        cohort: z.string(),
        size: z.number(),
        retained: z.array(z.object({ month: z.number(), count: z.number(), share: z.nullable(z.number()) })),
      }),
    )
    .check(
      note(
        "Monthly cohorts by first purchase (the 12 months up to `to`'s month): `size` customers made their first purchase in `cohort`; `retained[k-1]` = those whose last activity is at least k calendar months after that first purchase month, k = 1..12, only months already begun.",
      ),
    ),
});

const RevenueFigures = { purchases: z.number(), revenue: z.number(), newContacts: z.number(), newCustomers: z.number() };

export const RevenueReport = z.object({
  asOf: z.string(),
  period: Period,
  interval: z.enum(["day", "month"]),
  currency: z.string(),
  rows: z.array(z.object({ period: z.string(), ...RevenueFigures })).check(note("One row per day or month of the period, zeros included.")),
  totals: z.object(RevenueFigures),
});

const ReferralFigures = { referredLeads: z.number(), conversions: z.number(), revenue: z.number() };

export const ReferralsReport = z.object({
  asOf: z.string(),
  period: Period,
  interval: z.enum(["day", "month"]),
  currency: z.string(),
  ambassadorAfter: z.number(),
  rows: z.array(z.object({ period: z.string(), ...ReferralFigures })),
  totals: z.object({ ...ReferralFigures, conversionRate: z.nullable(z.number()) }),
  topReferrers: z
    .array(
      z.object({
        customerId: z.string(),
        name: z.nullable(z.string()),
        referralCode: z.nullable(z.string()),
        ambassador: z.boolean(),
        leads: z.number(),
        conversions: z.number(),
        revenue: z.number(),
      }),
    )
    .check(note("All time, by conversions, revenue, leads")),
});

export const CampaignsReport = z.object({
  asOf: z.string(),
  campaigns: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        kind: z.enum(["transactional", "marketing"]),
        newsletter: z.optional(z.literal(true)).check(note("Present on a newsletter's row (its id is the newsletter's, its name the newsletter's).")),
        sent: z.number().check(note("Emails handed to SES.")),
        delivered: z.number().check(note("Unique messages with each outcome (a message opened five times counts once).")),
        opened: z.number(),
        clicked: z.number(),
        bounced: z.number(),
        complained: z.number(),
        unsubscribed: z.number().check(note("Unsubscribes through this campaign's links.")),
        repermission: z.optional(
          z.object({ kept: z.number(), sunset: z.number() }).check(note("The re-permission email only: kept (pressed keep-me), sunset (marketing stopped).")),
        ),
        rates: z
          .object({ delivery: z.nullable(z.number()), open: z.nullable(z.number()), click: z.nullable(z.number()), unsubscribe: z.nullable(z.number()) })
          .check(note("delivered÷sent, opened÷delivered, clicked÷delivered, unsubscribed÷delivered, × 100.")),
        feedback: z
          .object({
            count: z.number(),
            promoters: z.number().check(note("Scores 9–10.")),
            passives: z.number().check(note("Scores 7–8.")),
            detractors: z.number().check(note("Scores 0–6.")),
            nps: percent("%promoters − %detractors, −100..100, `null` with no answers."),
            average: z.nullable(z.number()),
          })
          .check(note("Answers to this campaign's score links (the latest score per link).")),
      }),
    )
    .check(note("Lifetime figures per campaign (every campaign, zeros included).")),
});

export const SegmentsReport = z
  .object({
    asOf: z.string(),
    currency: z.string(),
    customers: z.number(),
    revenue: z.number(),
    segments: z.array(
      z.object({
        segment: z.enum(SEGMENTS),
        count: z.number(),
        share: percent("count ÷ customers × 100"),
        revenue: z.number(),
        revenueShare: percent("revenue ÷ total revenue × 100"),
        averageLifetimeValue: z.nullable(z.number()).check(note("revenue ÷ count")),
      }),
    ),
    scores: z
      .object({ recency: z.array(z.number()), frequency: z.array(z.number()), monetary: z.array(z.number()) })
      .check(note("How many customers have each score 1..5 (index 0 = score 1).")),
  })
  .check(
    note(
      "RFM over customers with at least one purchase, as of `at` (default now). Recency: calendar months since the month of the last purchase, 0 → 5, 1–2 → 4, 3–5 → 3, 6–11 → 2, 12+ → 1. Frequency: orders 1 → 1, 2 → 2, 3–4 → 3, 5–9 → 4, 10+ → 5. Monetary (lifetime spend, buckets about 6 % wide) by rank: 1 + ⌊5 × (customers with less ÷ customers)⌋. Segments, from the (R, F) grid: champions R≥4 F≥4; regulars R≥3 F≥3 (not champions); newcomers R≥4 F=1; slipping R≤2 F≥3; hibernating R≤2 F≤2; potential: everyone else.",
    ),
  );
