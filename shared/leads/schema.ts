import * as z from "zod/mini";
import { ConsentField, describe, EmailField, limit, optionalText, ProfileFields, TagsField } from "../core/schema.ts";
import { VISITOR_ID } from "../tracking/schema.ts";

export const LeadInput = z.object({
  email: EmailField,
  ...ProfileFields,
  message: optionalText(5000),
  consent: z.optional(ConsentField),
  source: optionalText(100),
  utm_source: optionalText(200),
  utm_medium: optionalText(200),
  utm_campaign: optionalText(200),
  tags: z.optional(TagsField),
  visitorId: describe(
    z.pipe(
      z.optional(z.string().check(z.maxLength(200))),
      z.transform((v) => (v !== undefined && VISITOR_ID.test(v.trim()) ? v.trim() : undefined)),
    ),
    "Added by the website snippet (with consent): ties that visitor to this customer. A malformed one is ignored.",
  ),
  ref: describe(
    z.optional(z.string().check(z.maxLength(100, { error: "at most 100 characters" }))),
    "A referral code (from /r/<code>): a new contact is credited to its customer. Ignored otherwise.",
  ),
  _gotcha: describe(z.optional(z.string()), "Honeypot: leave empty. When filled the post is answered as a success and nothing is stored."),
  // Not limited here: an unusable `_next` is the form's configuration, never a reason to lose the lead.
  _next: describe(
    z.optional(z.string().check(z.trim())),
    "Where to send the browser after a form post: an absolute URL on an allowed origin. Any other value is ignored (the lead is stored and the browser goes to the thank-you page); JSON callers are never redirected.",
  ),
  _ts: describe(
    z.pipe(
      z.optional(z.union([z.number(), z.string().check(z.maxLength(40))])),
      z.transform((v) => {
        const n = typeof v === "string" ? (/^\s*\d{1,16}\s*$/.test(v) ? Number(v) : Number.NaN) : v;
        return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
      }),
    ),
    "When the page rendered the form, epoch milliseconds (the form's inline script sets it). With MIN_SUBMIT_SECONDS set, a post sooner than that after it, or without it, is held for review.",
  ),
  "cf-turnstile-response": describe(
    z.optional(z.string().check(z.maxLength(4096))),
    "The Cloudflare Turnstile widget's token (CAPTCHA_PROVIDER=turnstile). Verified, never stored.",
  ),
  "h-captcha-response": describe(
    z.optional(z.string().check(z.maxLength(8192))),
    "The hCaptcha widget's token (CAPTCHA_PROVIDER=hcaptcha). Verified, never stored.",
  ),
});
export type LeadInput = z.output<typeof LeadInput>;

export const LeadAccepted = z.object({
  customerId: z.string(),
  created: describe(
    z.boolean(),
    "true for a new contact (201), false when the email already existed (200); only a caller with a key or a signed-in person gets this answer",
  ),
});

/**
 * What a post without a credential learns: the lead was taken, and nothing about whether the
 * address was already known (the same answer for a new and a known email).
 */
export const LeadReceived = z.object({
  accepted: z.literal(true),
});

/** A post from a browser on an origin that is not allowed: kept in the quarantine for an admin to release. */
export const LeadHeld = z.object({
  held: z.literal(true),
  reason: z.literal("origin_not_allowed"),
  message: z.string(),
});

/** The 202 answers: taken without a credential, or held for its origin. */
export const LeadTakenOrHeld = z.union([LeadReceived, LeadHeld]);

/** Held (quarantined) lead submissions. */
export const QuarantineId = z.string().check(z.regex(/^q_[0-9A-HJKMNP-TV-Z]{26}$/, { error: "is not a quarantine id" }));
export const QuarantineQuery = z.object({
  limit: limit(25),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});

/** One held submission, as GET /v1/quarantine lists it. */
export const HeldSubmission = z.object({
  id: z.string(),
  heldAt: z.string(),
  reason: describe(
    z.enum(["captcha_missing", "captcha_failed", "captcha_unavailable", "too_fast", "no_timestamp", "future_timestamp", "origin_not_allowed"]),
    "Why it was held: no captcha token, the provider refused it, the provider could not be asked, posted sooner than MIN_SUBMIT_SECONDS after the form rendered, no `_ts`, a `_ts` in the future, or posted from a page whose origin is not in `rapport:allowedOrigins` (`context.origin` names it: add it, then release).",
  ),
  detail: z.optional(z.string()),
  lead: describe(z.record(z.string(), z.unknown()), "The validated lead fields, as a release would capture them (captcha tokens are never kept)."),
  context: z.object({ ip: z.optional(z.string()), userAgent: z.optional(z.string()), page: z.optional(z.string()), origin: z.optional(z.string()) }),
  expiresAt: describe(z.string(), "Dropped by itself after this (30 days after it was held)."),
});
export type HoldReason = z.output<typeof HeldSubmission>["reason"];
export const QuarantinePage = z.object({ items: z.array(HeldSubmission), nextCursor: z.nullable(z.string()) });
