import { createHmac, timingSafeEqual } from "node:crypto";

/** Why a delivery's signature was refused; the 401 says which, never anything about the secret. */
export type SignatureFailure = "missing" | "malformed" | "stale" | "mismatch";

export type SignatureCheck = { ok: true /** Stripe: the signed timestamp (unix seconds). */; timestamp?: number } | { ok: false; reason: SignatureFailure };

/** Stripe's default tolerance: a signature older (or further in the future) than this is stale. */
export const STRIPE_TOLERANCE_SECONDS = 300;

/**
 * Verifies a `Stripe-Signature` header (`t=<unix>,v1=<hex>[,v1=<hex>…]`): HMAC-SHA256 of
 * `<t>.<raw body>` keyed with the endpoint's signing secret (`whsec_…`, used as it is), compared
 * in constant time with every `v1` (during a secret roll Stripe signs with the old and the new
 * secret), and `t` within `toleranceSeconds` of now.
 *
 * Written on node:crypto rather than taken from the `stripe` package (`webhooks.constructEvent`)
 * for bundle size: that package is the whole Stripe API client, several hundred KB, and every
 * Lambda bundle must stay under 400 KB. The tests check this against the package's own signer.
 *
 * @example verifyStripeSignature(body, event.headers["stripe-signature"], ["whsec_…"], clock.now())
 */
export function verifyStripeSignature(
  raw: Buffer,
  header: string | undefined,
  secrets: string[],
  now: Date,
  toleranceSeconds = STRIPE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!header) return { ok: false, reason: "missing" };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, "hex"));
  }
  if (timestamp === undefined || signatures.length === 0) return { ok: false, reason: "malformed" };
  const signed = Buffer.concat([Buffer.from(`${timestamp}.`, "utf8"), raw]);
  const matches = secrets.some((secret) => {
    const expected = createHmac("sha256", secret).update(signed).digest();
    // Every candidate is compared, not just until the first match, so timing says nothing about which.
    return signatures.map((s) => timingSafeEqual(s, expected)).includes(true);
  });
  if (!matches) return { ok: false, reason: "mismatch" };
  // Checked after the signature, so an attacker learns nothing about timing from a forged header.
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return { ok: false, reason: "stale" };
  return { ok: true, timestamp };
}

/**
 * Verifies a base64 HMAC-SHA256 of the raw body, as Shopify (`X-Shopify-Hmac-Sha256`) and
 * WooCommerce (`X-WC-Webhook-Signature`) send it, in constant time.
 */
export function verifyBase64Hmac(raw: Buffer, header: string | undefined, secrets: string[]): SignatureCheck {
  if (!header) return { ok: false, reason: "missing" };
  const value = header.trim();
  if (!/^[A-Za-z0-9+/]{43}=$/.test(value)) return { ok: false, reason: "malformed" };
  const given = Buffer.from(value, "base64");
  const matches = secrets.map((secret) => timingSafeEqual(createHmac("sha256", secret).update(raw).digest(), given)).includes(true);
  return matches ? { ok: true } : { ok: false, reason: "mismatch" };
}
