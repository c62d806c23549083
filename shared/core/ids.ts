import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "./clock.ts";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A ULID: 48 bits of milliseconds then 80 random bits, in Crockford base32. Opaque to users,
 * unique without coordination, and sortable by creation time (so ids double as sort keys).
 */
export function ulid(clock: Clock): string {
  let ms = clock.now().getTime();
  let time = "";
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[ms % 32] + time;
    ms = Math.floor(ms / 32);
  }
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let rand = "";
  for (let i = 0; i < 16; i++) {
    rand = CROCKFORD[Number(bits & 31n)] + rand;
    bits >>= 5n;
  }
  return time + rand;
}

/**
 * A ULID-shaped id that is the same every time for the same `ms` and `seed`: the time part from
 * `ms`, the 80 "random" bits from a SHA-256 of the seed. For records that must be written at most
 * once per fact (an alert's task), where a conditional put on a fixed key is the deduplication.
 */
export function stableUlid(ms: number, seed: string): string {
  let t = Math.max(0, Math.floor(ms));
  let time = "";
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let bits = 0n;
  for (const b of createHash("sha256").update(seed).digest().subarray(0, 10)) bits = (bits << 8n) | BigInt(b);
  let rest = "";
  for (let i = 0; i < 16; i++) {
    rest = CROCKFORD[Number(bits & 31n)] + rest;
    bits >>= 5n;
  }
  return time + rest;
}

/** Customer ids carry a prefix so a pasted id says what it is (like Stripe's `cus_`). */
export function newCustomerId(clock: Clock): string {
  return `cus_${ulid(clock)}`;
}

export const CUSTOMER_ID_PATTERN = /^cus_[0-9A-HJKMNP-TV-Z]{26}$/;
