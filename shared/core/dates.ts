import * as z from "zod/mini";

/**
 * The one reader of dates and instants that people type (API bodies and queries, CLI options,
 * imported files). JavaScript's `Date` rolls an impossible date over (`2027-02-30` becomes
 * 2 March) instead of refusing it; a mistyped `--at` would then act on the wrong day. Everything
 * here refuses a date that is not on the calendar, an hour past 23, a minute past 59.
 */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `s` is `YYYY-MM-DD` and a day on the calendar (29 February only in leap years). */
export function isRealDay(s: string): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear does not.
  date.setUTCFullYear(year);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const INSTANT_MESSAGE = "must be an ISO 8601 date-time with a zone, such as 2027-01-15T09:00:00Z";

/**
 * An instant as the API takes it: ISO 8601 date and time with `Z` or an offset, seconds
 * optional fractions allowed; the date must be on the calendar. zod's ISO date-time check
 * refuses impossible days and hours.
 */
export const instant = () => z.iso.datetime({ offset: true, error: INSTANT_MESSAGE });
/** One shared `instant()`; describe a field with its own `instant()`, as a description sticks to the schema object. */
export const Instant = instant();

/** A UTC calendar day, `YYYY-MM-DD`. */
export const Day = z.string().check(z.regex(DAY, { error: "must be YYYY-MM-DD" }), z.refine(isRealDay, { error: "is not a real date" }));

/** Why `raw` is not an instant, or its `Date`. */
export function parseInstant(raw: string): { date: Date; problem?: undefined } | { date?: undefined; problem: string } {
  const value = raw.trim();
  if (!z.safeParse(Instant, value).success) {
    // Say which part is wrong when the shape is right but the day is not on the calendar.
    const day = /^(\d{4}-\d{2}-\d{2})T/.exec(value)?.[1];
    return { problem: day && !isRealDay(day) ? `${day} is not a real date` : INSTANT_MESSAGE };
  }
  return { date: new Date(value) };
}
