import * as z from "zod/mini";
import { Day, Instant } from "../core/dates.ts";

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

export type PeriodQuery = z.infer<typeof PeriodQuery>;
export type RevenueQuery = z.infer<typeof RevenueQuery>;
export type SegmentsQuery = z.infer<typeof SegmentsQuery>;
export type FormatQuery = z.infer<typeof FormatQuery>;
