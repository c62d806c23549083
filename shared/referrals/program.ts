import { randomBytes } from "node:crypto";
import { REFERRAL_CODE } from "../entities/referral.ts";

/**
 * The pure rules of the advocate programme: what a referral code looks like, where a referral
 * link lands, when a profile change is a referred person's first purchase, when a referrer
 * becomes an ambassador, and how referrers rank. No I/O (shared/referrals/referrals.ts does it).
 */

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * A new referral code: 10 characters of lower-case Crockford base32, 50 random bits, so codes
 * cannot be walked (a million links guessed find one of a million customers once in a billion
 * tries) while staying short enough to read out over the phone.
 *
 * @example newReferralCode() // "7k3m9q2xwp"
 */
export function newReferralCode(random: (n: number) => Uint8Array = randomBytes): string {
  const bytes = random(10);
  let code = "";
  for (let i = 0; i < 10; i++) code += ALPHABET[bytes[i]! & 31];
  return code;
}

/**
 * A code as typed or pasted (any case, Crockford's look-alikes `i`, `l` → 1 and `o` → 0), or
 * undefined when it cannot be one: such a `ref` is ignored, never a reason to refuse a lead.
 *
 * @example normalizeReferralCode(" 7K3M9Q2XWP ") === "7k3m9q2xwp"
 */
export function normalizeReferralCode(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  const code = raw.trim().toLowerCase().replace(/[il]/g, "1").replace(/o/g, "0");
  return REFERRAL_CODE.test(code) ? code : undefined;
}

/** The personal link a promoter shares: `<api>/r/<code>`. */
export function referralLink(publicBaseUrl: string, code: string): string {
  return `${publicBaseUrl}/r/${code}`;
}

/**
 * Where `/r/<code>` sends a visitor: the landing URL (or the website's origin) with `ref=<code>`
 * added to its query, which the tracking snippet carries into the lead form. A code that is not
 * one lands without `ref`: the visitor still reaches the site.
 *
 * @example referralLanding("https://shop.example/welcome?lang=en", "7k3m9q2xwp") === "https://shop.example/welcome?lang=en&ref=7k3m9q2xwp"
 */
export function referralLanding(landingUrl: string, code: string | undefined): string {
  const url = new URL(landingUrl);
  url.searchParams.delete("ref");
  if (code) url.searchParams.set("ref", code);
  return url.href;
}

/** The part of a customer profile the conversion rule reads. */
export interface ReferralFacts {
  referredBy?: unknown;
  firstPurchaseAt?: unknown;
}

/**
 * The referrer to credit with a conversion when a profile changes from `before` to `after`: the
 * change that makes a referred person a buyer, i.e. the first image with both `referredBy` and
 * `firstPurchaseAt` (usually the first purchase; in a race, the credit landing just after it), as
 * the report's counters see it. Later purchases and other edits credit nothing. Undefined: none.
 */
export function convertedReferrer(before: ReferralFacts | undefined, after: ReferralFacts | undefined): string | undefined {
  if (!after || typeof after.referredBy !== "string" || typeof after.firstPurchaseAt !== "string") return undefined;
  if (before && typeof before.referredBy === "string" && typeof before.firstPurchaseAt === "string") return undefined;
  return after.referredBy;
}

/**
 * Whether the conversion that brings a referrer to `referralsAfter` makes them an ambassador:
 * reaching the threshold, once (someone already an ambassador stays one and is not rewarded again).
 *
 * @example becomesAmbassador(3, 3, undefined) === true
 */
export function becomesAmbassador(referralsAfter: number, threshold: number, ambassadorAt: string | undefined): boolean {
  return ambassadorAt === undefined && referralsAfter >= threshold;
}

/** One referrer's counters (report item `REPORT#REFERRER` / `<id>`). */
export interface ReferrerCounts {
  customerId: string;
  leads: number;
  conversions: number;
  revenueMinor: number;
}

/**
 * The top `n` referrers: most conversions first, then most revenue, then most leads; ties by id so
 * the order is stable from one read to the next.
 */
export function topReferrers(rows: readonly ReferrerCounts[], n: number): ReferrerCounts[] {
  return [...rows]
    .filter((r) => r.leads > 0 || r.conversions > 0 || r.revenueMinor > 0)
    .sort((a, b) => b.conversions - a.conversions || b.revenueMinor - a.revenueMinor || b.leads - a.leads || a.customerId.localeCompare(b.customerId))
    .slice(0, n);
}
