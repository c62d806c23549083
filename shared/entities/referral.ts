import { customerPk } from "./customer.ts";
import type { TableKey } from "./table.ts";

/**
 * Keys of the advocate programme: referral codes, the conversions a referrer was credited with,
 * and the pool of perk codes ambassadors are given.
 *
 * Access patterns served (numbered as in shared/entities/table.ts):
 * 27. A referral link's customer: `REF#<code>` / `REF` (GetItem), holding the customer id only.
 *     Written with `attribute_not_exists(PK)`, so a code names one customer for good.
 * 28. A referred person's first purchase credited once: `CUST#<referrer>` / `REFERRAL#<referred id>`
 *     in the referrer's own partition (a conditional put in the transaction that counts it; the
 *     referrer's converted referrals with one Query `begins_with(SK, "REFERRAL#")`).
 * 29. The perk pool: `PERK` / `A#<code>` for a code not handed out yet, `PERK` / `U#<code>` once it
 *     went to an ambassador; a claim moves one from `A#` to `U#` in one transaction conditional on
 *     the `A#` item still being there, so two ambassadors never get the same code. Counted with a
 *     `Select: COUNT` Query per prefix.
 */
export const REFERRAL_CODE_PREFIX = "REF#";
export const REFERRAL_MARKER_PREFIX = "REFERRAL#";
export const PERK_PARTITION = "PERK";
export const AVAILABLE_PERK_PREFIX = "A#";
export const USED_PERK_PREFIX = "U#";

/** Referral codes: lower-case Crockford base32, 10 characters (50 random bits). */
export const REFERRAL_CODE = /^[0-9a-hjkmnp-tv-z]{10}$/;

export function referralCodeKey(code: string): TableKey {
  return { PK: `${REFERRAL_CODE_PREFIX}${code}`, SK: "REF" };
}

export function referralMarkerKey(referrerId: string, referredId: string): TableKey {
  return { PK: customerPk(referrerId), SK: `${REFERRAL_MARKER_PREFIX}${referredId}` };
}

export function availablePerkKey(code: string): TableKey {
  return { PK: PERK_PARTITION, SK: `${AVAILABLE_PERK_PREFIX}${code}` };
}

export function usedPerkKey(code: string): TableKey {
  return { PK: PERK_PARTITION, SK: `${USED_PERK_PREFIX}${code}` };
}

/** The key condition of a Query over one state of the pool (`A#` available, `U#` used). */
export function perkPoolQuery(prefix: typeof AVAILABLE_PERK_PREFIX | typeof USED_PERK_PREFIX) {
  return {
    KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
    ExpressionAttributeValues: { ":pk": PERK_PARTITION, ":prefix": prefix },
  };
}
