import type { CustomerItem } from "../entities/customer.ts";
import { DAY_MS } from "./time.ts";

/**
 * Engagement with marketing mail, as the sweep and the sender read it (pure, no I/O):
 *
 * - the open streak: marketing messages opened since the last click, each message once
 *   (kept on the customer by shared/mail-feedback/outcomes.ts from SES open and click events);
 * - sunset: a customer who has not opened or clicked anything for `sunsetDays` gets one
 *   re-permission mail; no engagement within `sunsetGraceDays` after it, and marketing stops.
 *
 * The idle clock runs from the latest sign of interest: an open, a click, the "keep me" link, a
 * (re)confirmed consent, and the first marketing mail. The last one matters for new customers
 * and for customers who consented long before they got any marketing: silence about mail they
 * never got is not disinterest. A customer who never got a marketing mail is never sunset.
 */

/** The engagement attributes the sweep and sender read. */
export type EngagementFacts = Pick<
  CustomerItem,
  "lastOpenedAt" | "lastClickedAt" | "keptAt" | "consentMarketing" | "consentAt" | "consentConfirmedAt" | "firstMarketingAt" | "sunsetAt" | "sunsetIdleSince"
>;

/** The sunset settings (shared/core/settings.ts). */
export interface SunsetSettings {
  /** Days without an open or click before the re-permission mail. */
  sunsetDays: number;
  /** Days after the re-permission mail before marketing stops. */
  sunsetGraceDays: number;
}

/**
 * Since when the customer has shown no interest in marketing mail: the latest of their last open,
 * click, "keep me" confirmation, consent (given or confirmed) and first marketing mail. Undefined
 * when they never got a marketing mail: their idle clock has not started.
 *
 * @example idleSince({ firstMarketingAt: "2027-01-01T00:00:00Z", lastOpenedAt: "2027-02-01T00:00:00Z" }) // "2027-02-01T00:00:00Z"
 */
export function idleSince(c: EngagementFacts): string | undefined {
  if (!c.firstMarketingAt) return undefined;
  const consent = c.consentMarketing === true ? [c.consentAt, c.consentConfirmedAt] : [];
  return latest([c.firstMarketingAt, c.lastOpenedAt, c.lastClickedAt, c.keptAt, ...consent]);
}

/**
 * Whether marketing is stopped for the customer: a sunset was applied and nothing has shown
 * interest since the idle period it closed. Computed rather than stored as a flag, so every way
 * back (an open, a click, the "keep me" link, a fresh consent from a form, an import or the team)
 * lifts it without each writer having to know about sunsets.
 */
export function isSunset(c: EngagementFacts): boolean {
  if (!c.sunsetAt || !c.sunsetIdleSince) return false;
  const since = idleSince(c);
  return since === undefined || since <= c.sunsetIdleSince;
}

/** When the re-permission mail is due for the current idle period (undefined: not eligible). */
export function repermissionDueAt(c: EngagementFacts, s: SunsetSettings): { idleSince: string; dueAt: number } | undefined {
  if (c.consentMarketing !== true || isSunset(c)) return undefined;
  const since = idleSince(c);
  return since ? { idleSince: since, dueAt: Date.parse(since) + s.sunsetDays * DAY_MS } : undefined;
}

/**
 * When marketing stops: `sunsetGraceDays` after the re-permission mail of the current idle period
 * went out (`sent` is the campaign's `sent#` mark), unless the customer showed interest since.
 */
export function sunsetDueAt(c: EngagementFacts, sent: { occurrence: string; at: string } | undefined, s: SunsetSettings): number | undefined {
  if (!sent || isSunset(c)) return undefined;
  const since = idleSince(c);
  if (since === undefined || sent.occurrence !== since) return undefined;
  return Date.parse(sent.at) + s.sunsetGraceDays * DAY_MS;
}

/** The fewest opens in a row an opens_without_clicks trigger may ask for: a first open alone never makes anyone due. */
export const MIN_STREAK_OPENS = 2;

/** The open streak's occurrence key: one per streak (its first counted open), so a streak triggers once. */
export function streakOccurrence(c: Pick<CustomerItem, "opensWithoutClick" | "opensStreakSince">, opens: number): string | undefined {
  return (c.opensWithoutClick ?? 0) >= opens && c.opensStreakSince ? c.opensStreakSince : undefined;
}

/**
 * What an SES open or click means for the streak: an open counts when it is the first open of a
 * marketing message to the customer that was not clicked first (the send ledger's old image
 * says so); a click ends the streak whatever mail it was in.
 */
export function streakChange(
  outcome: "opened" | "clicked",
  ledgerBefore: { kind?: unknown; recipient?: unknown; openedAt?: unknown; clickedAt?: unknown } | undefined,
): "count" | "reset" | "none" {
  if (outcome === "clicked") return "reset";
  if (!ledgerBefore || ledgerBefore.openedAt !== undefined || ledgerBefore.clickedAt !== undefined) return "none";
  return ledgerBefore.kind === "marketing" && ledgerBefore.recipient === "customer" ? "count" : "none";
}

function latest(values: (string | undefined)[]): string | undefined {
  let max: string | undefined;
  for (const v of values) if (v && (max === undefined || v > max)) max = v;
  return max;
}
