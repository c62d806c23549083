import { createHmac, timingSafeEqual } from "node:crypto";
import { getSecretString } from "../aws/secrets.ts";
import type { Deps } from "../core/deps.ts";

/**
 * Signed, expiring, tamper-evident tokens for the links in emails (unsubscribe, feedback, double
 * opt-in confirmation, the re-permission email's "keep me").
 *
 * A token is `base64url(JSON payload) "." base64url(HMAC-SHA256(secret, first part))`. The payload
 * is readable by whoever holds the link (it carries ids, never PII) but cannot be changed without
 * the secret: a changed customer id, purpose or expiry breaks the signature.
 */
export type TokenPurpose = "unsubscribe" | "feedback" | "confirm" | "visit" | "keep";

export interface TokenPayload {
  /** The customer id. */
  c: string;
  /** What the link may do; a token for one purpose is refused by the others. */
  p: TokenPurpose;
  /** Attribution: the campaign id, or `campaignId:occurrence` (see `linkAttribution`). */
  k?: string;
  /** Expiry, epoch seconds. */
  e: number;
}

export type TokenError = "malformed" | "forged" | "expired" | "wrong_purpose";
export type VerifyResult = { ok: true; payload: TokenPayload } | { ok: false; error: TokenError };

// "visit": a link to the business's website (`?rapport_c=<token>`) that ties the visitor to the customer.
// "keep": the re-permission email's "yes, keep me" link (the sunset).
const PURPOSES: readonly TokenPurpose[] = ["unsubscribe", "feedback", "confirm", "visit", "keep"];
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Secrets shorter than this are refused: an HMAC key must not be guessable. */
const MIN_SECRET_LENGTH = 16;

/**
 * Signs a payload valid until `expiresAt`.
 *
 * @example signToken(secret, { c: "cus_01H...", p: "unsubscribe", k: "win-back:2027-01-15" }, new Date("2027-03-01T00:00:00Z"))
 */
export function signToken(secret: string, payload: Omit<TokenPayload, "e">, expiresAt: Date): string {
  const body: TokenPayload = { c: payload.c, p: payload.p, ...(payload.k !== undefined ? { k: payload.k } : {}), e: Math.floor(expiresAt.getTime() / 1000) };
  const encoded = Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
  return `${encoded}.${mac(secret, encoded).toString("base64url")}`;
}

/**
 * Checks a token's shape, signature (constant-time), purpose and expiry, in that order, so a
 * forged token is reported as forged whatever it claims. Never throws.
 *
 * @example verifyToken(secret, token, "feedback", clock.now()) // { ok: true, payload } or { ok: false, error: "expired" }
 */
export function verifyToken(secret: string, token: string, purpose: TokenPurpose, now: Date): VerifyResult {
  const parts = token.split(".");
  if (parts.length !== 2) return { ok: false, error: "malformed" };
  const [encoded, signature] = parts as [string, string];
  if (!BASE64URL.test(encoded) || !BASE64URL.test(signature)) return { ok: false, error: "malformed" };
  // Compared as canonical text, not decoded bytes: base64url has several spellings of the same
  // bytes (the last character's spare bits), and a changed character must never still verify.
  const expected = Buffer.from(mac(secret, encoded).toString("base64url"), "utf8");
  const given = Buffer.from(signature, "utf8");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, error: "forged" };
  const payload = parsePayload(encoded);
  if (!payload) return { ok: false, error: "malformed" };
  if (payload.p !== purpose) return { ok: false, error: "wrong_purpose" };
  if (payload.e * 1000 <= now.getTime()) return { ok: false, error: "expired" };
  return { ok: true, payload };
}

function mac(secret: string, data: string): Buffer {
  return createHmac("sha256", secret).update(data, "utf8").digest();
}

function parsePayload(encoded: string): TokenPayload | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object") return null;
  const { c, p, k, e } = value as Record<string, unknown>;
  if (typeof c !== "string" || c === "" || !PURPOSES.includes(p as TokenPurpose) || !Number.isSafeInteger(e)) return null;
  if (k !== undefined && typeof k !== "string") return null;
  return { c, p: p as TokenPurpose, ...(k !== undefined ? { k } : {}), e: e as number };
}

/** The `k` of a token: which campaign (and which occurrence of it) a link came from. */
export function linkAttribution(campaignId: string, occurrence?: string): string {
  return occurrence === undefined ? campaignId : `${campaignId}:${occurrence}`;
}

/** Reads a token's `k` back. Campaign ids never contain `:`, so the first one separates. */
export function parseAttribution(k: string | undefined): { campaignId?: string; occurrence?: string } {
  if (!k) return {};
  const at = k.indexOf(":");
  return at < 0 ? { campaignId: k } : { campaignId: k.slice(0, at), occurrence: k.slice(at + 1) };
}

let cached: { arn: string; secret: Promise<string> } | undefined;

/**
 * The HMAC key: `config.retention.tokenSecret` (TOKEN_SECRET) when set; else the Secrets Manager
 * secret `tokenSecretArn` (TOKEN_SECRET_ARN), fetched once per cold start with one signed request
 * (shared/aws/secrets.ts); else a configuration error that says what to set.
 */
export async function tokenSecret(deps: Pick<Deps, "config">): Promise<string> {
  const { tokenSecret: inline, tokenSecretArn: arn } = deps.config.retention;
  if (inline) return checked(inline, "TOKEN_SECRET");
  if (!arn) throw new Error("configuration: links in emails need a signing key; set TOKEN_SECRET (local) or TOKEN_SECRET_ARN (a Secrets Manager secret)");
  if (cached?.arn !== arn) {
    const secret = fetchSecret(arn, deps.config.region).then((value) => checked(value, "the secret TOKEN_SECRET_ARN names"));
    cached = { arn, secret };
    // A failed fetch is not cached: the next invocation tries again.
    secret.catch(() => {
      if (cached?.secret === secret) cached = undefined;
    });
  }
  return cached.secret;
}

async function fetchSecret(arn: string, region: string): Promise<string> {
  return getSecretString(arn, region);
}

function checked(secret: string, source: string): string {
  if (secret.length < MIN_SECRET_LENGTH) throw new Error(`configuration: ${source} must be at least ${MIN_SECRET_LENGTH} characters`);
  return secret;
}

/**
 * Signs a link token with the configured key, valid for `tokenTtlDays` from the clock's now: what
 * the sender puts in unsubscribe, feedback and confirmation links.
 */
export async function issueToken(deps: Pick<Deps, "config" | "clock">, payload: Omit<TokenPayload, "e">): Promise<string> {
  const expiresAt = new Date(deps.clock.now().getTime() + deps.config.retention.tokenTtlDays * 86_400_000);
  return signToken(await tokenSecret(deps), payload, expiresAt);
}
