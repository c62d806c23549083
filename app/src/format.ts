/** Numbers, money, percentages and dates as the reader's browser writes them. */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const moneyFormats = new Map<string, Intl.NumberFormat>();

export const NOT_AVAILABLE = "n/a";

export function count(n: number): string {
  return integer.format(n);
}

export function number(n: number | null | undefined): string {
  return n === null || n === undefined ? NOT_AVAILABLE : decimal.format(n);
}

/** A 0–100 figure from the API (one decimal), `null` where the denominator is 0. */
export function percent(n: number | null | undefined): string {
  return n === null || n === undefined ? NOT_AVAILABLE : `${decimal.format(n)}%`;
}

export function money(amount: number | null | undefined, currency: string, compact = false): string {
  if (amount === null || amount === undefined) return NOT_AVAILABLE;
  const key = `${currency}:${compact}`;
  let format = moneyFormats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, { style: "currency", currency, ...(compact ? { notation: "compact", maximumFractionDigits: 1 } : {}) });
    } catch {
      format = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
    }
    moneyFormats.set(key, format);
  }
  return format.format(amount);
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
const localDateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric", timeZone: "UTC" });

/** An ISO instant in the reader's time zone. */
export function dateTime(iso: string | undefined): string {
  if (!iso) return NOT_AVAILABLE;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeFormat.format(d);
}

/** The day of an ISO instant, in the reader's time zone. */
export function date(iso: string | undefined): string {
  if (!iso) return NOT_AVAILABLE;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : localDateFormat.format(d);
}

/** A UTC calendar day `YYYY-MM-DD` (report periods). */
export function day(ymd: string): string {
  const d = new Date(`${ymd}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? ymd : dateFormat.format(d);
}

/** A month `YYYY-MM` (report rows). */
export function month(ym: string): string {
  const d = new Date(`${ym}-01T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? ym : monthFormat.format(d);
}

/** `at_risk` → `At risk`. */
export function label(name: string): string {
  const words = name.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Today as a UTC calendar day. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** `ymd` moved by `days` (UTC). */
export function addDays(ymd: string, days: number): string {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
export function spanDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}
