/**
 * Interests: what a page or a product is about. Pure functions shared by the track endpoint, the
 * stream consumer, the sweep and the 360° view (no I/O, no zod: the sweep and sender bundles carry it).
 */

/** Days of per-day counts a customer's interests keep: the longest window an interest trigger may ask about. */
export const INTEREST_WINDOW_DAYS = 90;
/** Interests one page may count for (configured prefix plus its own `data-rapport-interest`). */
export const MAX_PAGE_INTERESTS = 5;

/** A customer's interest as stored on the customer item: views ever, per UTC day, and the latest view. */
export interface StoredInterest {
  n: number;
  d: Record<string, number>;
  last: string;
}
export type StoredInterests = Record<string, StoredInterest>;

/** The interests a page counts for: the longest configured path prefix it starts with, and what the page declares. */
export function pageInterests(path: string, declared: readonly string[] | undefined, prefixes: readonly (readonly [string, string])[]): string[] {
  const out = new Set<string>();
  const matched = prefixes.find(([prefix]) => path.startsWith(prefix));
  if (matched) out.add(matched[1]);
  for (const name of declared ?? []) out.add(name);
  return [...out].slice(0, MAX_PAGE_INTERESTS);
}

/** A purchased line item, as shop webhooks and POST /v1/events keep it. */
export interface PurchasedItem {
  productId?: string;
  name: string;
}

/** The key a product is counted under: its id, else its name lower-cased. */
export function productKey(item: PurchasedItem): string {
  return (item.productId ?? `name:${item.name.trim().toLowerCase()}`).slice(0, 200);
}

/**
 * The interests a purchased item counts for: those whose name is a word (or words) of the
 * product's name ("Trail running shoes" is in "shoes" and in "running shoes").
 */
export function productInterests(item: PurchasedItem, known: Iterable<string>): string[] {
  const out = new Set<string>();
  const words = ` ${item.name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ")} `;
  for (const interest of known) if (words.includes(` ${interest} `)) out.add(interest);
  return [...out];
}

/**
 * Adds views to stored interests, on `at`'s day, and drops day counts older than the window, so
 * the attribute stays small however long a customer keeps visiting.
 */
export function addInterestViews(stored: StoredInterests | undefined, views: Record<string, number>, at: string): StoredInterests {
  const out: StoredInterests = {};
  const day = at.slice(0, 10);
  const oldest = new Date(Date.parse(at) - INTEREST_WINDOW_DAYS * 86_400_000).toISOString().slice(0, 10);
  for (const [name, interest] of Object.entries(stored ?? {})) {
    out[name] = { n: interest.n, last: interest.last, d: Object.fromEntries(Object.entries(interest.d).filter(([d]) => d >= oldest)) };
  }
  for (const [name, count] of Object.entries(views)) {
    if (count <= 0) continue;
    const current = out[name] ?? { n: 0, d: {}, last: at };
    current.n += count;
    current.d[day] = (current.d[day] ?? 0) + count;
    if (at >= current.last) current.last = at;
    out[name] = current;
  }
  return out;
}

/** Views of an interest in the `days` days up to `now`. */
export function viewsWithin(interest: StoredInterest, days: number, now: Date): number {
  const since = new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
  return Object.entries(interest.d).reduce((sum, [day, n]) => (day >= since ? sum + n : sum), 0);
}

/**
 * The interest trigger: the most viewed interest with at least `views` views in the last `days`
 * days and nothing bought in it, with the day it last counted (the send's due time).
 */
export function qualifyingInterest(
  stored: StoredInterests | undefined,
  bought: ReadonlySet<string> | undefined,
  views: number,
  days: number,
  now: Date,
): { interest: string; lastDay: string } | undefined {
  let best: { interest: string; lastDay: string; count: number } | undefined;
  for (const [name, interest] of Object.entries(stored ?? {})) {
    if (bought?.has(name)) continue;
    const count = viewsWithin(interest, days, now);
    if (count >= views && (!best || count > best.count)) best = { interest: name, lastDay: interest.last.slice(0, 10), count };
  }
  return best && { interest: best.interest, lastDay: best.lastDay };
}
