import * as z from "zod/mini";

/**
 * Query parameters of the report routes (`GET /v1/reports/...`). Days are UTC calendar days; a
 * period includes both ends and spans at most ten years (the reports read one small counter item
 * per day of it).
 */
const isRealDay = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};

export const Day = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, { error: "must be YYYY-MM-DD" }),
  z.refine(isRealDay, { error: "is not a real date" }),
);

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
  at: z.optional(z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time" })),
  format: Format,
});

export type PeriodQuery = z.infer<typeof PeriodQuery>;
export type RevenueQuery = z.infer<typeof RevenueQuery>;
export type SegmentsQuery = z.infer<typeof SegmentsQuery>;
export type FormatQuery = z.infer<typeof FormatQuery>;
