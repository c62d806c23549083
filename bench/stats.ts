/** The few statistics the bench files report with, in one place so every figure is computed the same way. */

/** The sum of `xs` (0 for none). */
export function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** The arithmetic mean of `xs` (NaN for none). */
export function mean(xs: readonly number[]): number {
  return sum(xs) / xs.length;
}

/** The middle value of `xs`; for an even count, the mean of the two middle ones. */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The nearest-rank percentile: the smallest value with at least `p`% of `xs` at or below it. */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** `x` rounded to `digits` decimals (default 2). */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A figure for the bench's tables: whole numbers with thousands separators, others to two decimals. */
export function fmt(x: number): string {
  return Number.isInteger(x) ? x.toLocaleString("en-US") : round(x).toLocaleString("en-US", { maximumFractionDigits: 2 });
}
