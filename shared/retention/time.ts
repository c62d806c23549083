/**
 * Calendar arithmetic in a customer's own time zone, with nothing but Intl: birthdays fire on the
 * customer's local date and marketing waits for their local send window.
 */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" });
    formatters.set(timeZone, f);
  }
  return f;
}

/** A valid IANA zone, or the fallback. */
export function safeZone(timeZone: string | undefined, fallback: string): string {
  if (!timeZone) return fallback;
  try {
    formatter(timeZone);
    return timeZone;
  } catch {
    return fallback;
  }
}

/** The wall-clock date and time of `instant` in `timeZone`. */
export function localParts(instant: Date, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute! };
}

/**
 * The instant at which the wall clock in `timeZone` shows the given local time. In a DST gap the
 * result is the first valid instant after it; in an overlap, the earlier of the two.
 */
export function zonedInstant(local: LocalParts, timeZone: string): Date {
  const wanted = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  let guess = wanted;
  for (let i = 0; i < 3; i++) {
    const seen = localParts(new Date(guess), timeZone);
    const shown = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
    if (shown === wanted) return new Date(guess);
    guess += wanted - shown;
  }
  return new Date(guess);
}

/**
 * The first instant at or after `now` inside the daily local window [start, end) (minutes after
 * local midnight): `now` itself when inside, else the next opening.
 */
export function nextInWindow(now: Date, timeZone: string, window: { startMinute: number; endMinute: number }): Date {
  const local = localParts(now, timeZone);
  const minute = local.hour * 60 + local.minute;
  if (minute >= window.startMinute && minute < window.endMinute) return now;
  const opening = (dayOffset: number) => {
    const d = new Date(Date.UTC(local.year, local.month - 1, local.day + dayOffset));
    return zonedInstant(
      { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: Math.floor(window.startMinute / 60), minute: window.startMinute % 60 },
      timeZone,
    );
  };
  return minute < window.startMinute ? opening(0) : opening(1);
}

/** Birthday `YYYY-MM-DD` as a local date in `year`; 29 February becomes 28 February in other years. */
export function birthdayIn(year: number, birthday: string): { year: number; month: number; day: number } {
  const month = Number(birthday.slice(5, 7));
  let day = Number(birthday.slice(8, 10));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (month === 2 && day === 29 && !leap) day = 28;
  return { year, month, day };
}

export const DAY_MS = 24 * 3600 * 1000;
export const HOUR_MS = 3600 * 1000;

export function addMs(iso: string, ms: number): string {
  return new Date(new Date(iso).getTime() + ms).toISOString();
}
