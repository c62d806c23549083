import * as z from "zod/mini";
import { normalizeEmail } from "./email.ts";
import { Instant, instant, isRealDay } from "../core/dates.ts";
import { CUSTOMER_ID_PATTERN } from "../core/ids.ts";
import { PROFILE_FIELD_NAMES, STAGES, type ProfileFieldName } from "../core/fields.ts";

/**
 * One zod schema per request and response shape: it validates, gives the TypeScript type and
 * feeds the OpenAPI document (shared/http/openapi.ts). Form fields arrive as strings, so every field
 * accepts the string spelling a plain HTML form would send.
 *
 * Written with `zod/mini`, zod's tree-shakable API: every Lambda bundle carries these schemas, and
 * mini costs about 70 KB less per bundle and builds its schemas faster on a cold start.
 */

/** Adds a description to a schema for the OpenAPI document. */
function describe<T extends z.ZodMiniType>(schema: T, description: string): T {
  (z.globalRegistry as z.core.$ZodRegistry<{ description: string }>).add(schema, { description });
  return schema;
}

const text = (max: number) => z.string().check(z.trim(), z.maxLength(max, { error: `at most ${max} characters` }));

/** An optional text field; an empty string means "not given" so a blank form field never wipes data. */
const optionalText = (max: number) => z.pipe(z.optional(text(max)), z.transform((v) => (v === undefined || v === "" ? undefined : v)));

/** An optional text field that must also pass `test` when given. */
const optionalChecked = (max: number, test: (s: string) => boolean, message: string) =>
  z.pipe(
    z.optional(text(max).check(z.refine((s) => s === "" || test(s), { error: message }))),
    z.transform((v) => (v === undefined || v === "" ? undefined : v)),
  );

export const EmailField = describe(
  z.pipe(
    z.string({ error: "is required" }).check(
      z.maxLength(320, { error: "at most 320 characters" }),
      z.refine((raw) => normalizeEmail(raw) !== null, { error: "is not a valid email address", abort: true }),
    ),
    z.transform((raw) => normalizeEmail(raw)!),
  ),
  "Stored trimmed and lower-cased; one address is one customer.",
);


/** Checks a non-empty string; an empty one passes as "not given". Each field reports one message. */
function checkedText(max: number, check: (s: string) => string | null) {
  return text(max).check(z.refine((s) => s === "" || check(s) === null, { error: (issue) => check(String(issue.input)) ?? "is invalid" }));
}

export const BirthdayField = checkedText(10, (s) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return "must be YYYY-MM-DD";
  if (!isRealDay(s)) return "is not a real date";
  if (s < "1900-01-01" || s > new Date().toISOString().slice(0, 10)) return "must be in the past";
  return null;
});

const LOCALE_MESSAGE = "is not a BCP 47 language tag such as en-US";

/** A BCP 47 language tag, stored in canonical form (`en-us` → `en-US`). */
export const LocaleField = z.pipe(
  checkedText(35, (s) => {
    try {
      return Intl.getCanonicalLocales(s).length === 1 ? null : LOCALE_MESSAGE;
    } catch {
      return LOCALE_MESSAGE;
    }
  }),
  z.transform((s) => (s === "" ? s : Intl.getCanonicalLocales(s)[0]!)),
);

export const TimezoneField = checkedText(64, (s) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: s });
    return null;
  } catch {
    return "is not an IANA time zone such as Europe/Oslo";
  }
});

const TRUE_WORDS = ["true", "on", "yes", "1"];
const FALSE_WORDS = ["false", "off", "no", "0"];

/** Marketing consent: `true`/`on`/`yes` grants, `false`/`off`/`no` withdraws, absent changes nothing. */
export const ConsentField = z.pipe(
  z.union([
    z.boolean(),
    z.string().check(
      z.trim(),
      z.toLowerCase(),
      z.refine((s) => s === "" || [...TRUE_WORDS, ...FALSE_WORDS].includes(s), { error: "must be true/on/yes or false/off/no" }),
    ),
  ]),
  z.transform((v) => (typeof v === "boolean" ? v : v === "" ? undefined : TRUE_WORDS.includes(v))),
);

const TAG = z.string().check(z.trim(), z.minLength(1), z.maxLength(50), z.regex(/^[\p{L}\p{N} _:.-]+$/u, { error: "letters, digits, space, _ : . - only" }));

/** Tags: an array, or one comma-separated string (what a form's hidden field can carry). */
export const TagsField = z.pipe(
  z.pipe(
    z.union([z.string(), z.array(z.string())]),
    z.transform((v) => (Array.isArray(v) ? v : v.split(",")).map((t) => t.trim()).filter(Boolean)),
  ),
  z.pipe(
    z.array(TAG).check(z.maxLength(20, { error: "at most 20 tags" })),
    z.transform((tags) => [...new Set(tags.map((t) => t.toLowerCase()))]),
  ),
);

const PHONE = /^\+?[0-9 ().\-/]{5,30}$/;
const URL_OR_HANDLE = /^(https?:\/\/\S+|@?[\p{L}\p{N}_.-]{1,100})$/u;
const emptyAsAbsent = (field: z.core.$ZodType<string, string>) => z.pipe(z.optional(field), z.transform((v: string | undefined) => v || undefined));

/** Profile fields a form or an admin may set; the customer record keeps them. */
export const ProfileFields = {
  firstName: optionalText(100),
  lastName: optionalText(100),
  phone: optionalChecked(30, (v) => PHONE.test(v), "is not a phone number"),
  company: optionalText(200),
  street: optionalText(200),
  city: optionalText(100),
  region: optionalText(100),
  postalCode: optionalText(20),
  country: optionalText(100),
  birthday: emptyAsAbsent(BirthdayField),
  locale: emptyAsAbsent(LocaleField),
  timezone: emptyAsAbsent(TimezoneField),
  linkedin: optionalChecked(300, (v) => URL_OR_HANDLE.test(v), "must be a URL or a handle"),
  twitter: optionalChecked(300, (v) => URL_OR_HANDLE.test(v), "must be a URL or a handle"),
};

// The field list lives in fields.ts (zod-free); this fails to compile if the two ever differ.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const PROFILE_FIELDS_MATCH: Same<keyof typeof ProfileFields, ProfileFieldName> = true;
export { PROFILE_FIELD_NAMES };

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
  "cf-turnstile-response": describe(z.optional(z.string().check(z.maxLength(4096))), "The Cloudflare Turnstile widget's token (CAPTCHA_PROVIDER=turnstile). Verified, never stored."),
  "h-captcha-response": describe(z.optional(z.string().check(z.maxLength(8192))), "The hCaptcha widget's token (CAPTCHA_PROVIDER=hcaptcha). Verified, never stored."),
});
export type LeadInput = z.output<typeof LeadInput>;

export const LeadAccepted = z.object({
  customerId: z.string(),
  created: describe(z.boolean(), "true for a new contact (201), false when the email already existed (200)"),
});

/** A post from a browser on an origin that is not allowed: kept in the quarantine for an admin to release. */
export const LeadHeld = z.object({
  held: z.literal(true),
  reason: z.literal("origin_not_allowed"),
  message: z.string(),
});

export const CustomerIdParam = z.string().check(z.regex(CUSTOMER_ID_PATTERN, { error: "is not a customer id" }));

export { STAGES };
export const Stage = z.enum(STAGES);
export type Stage = z.infer<typeof Stage>;

/** A page size from a query string. */
const limit = (fallback: number) =>
  z._default(
    z.pipe(
      z.string().check(z.regex(/^\d+$/, { error: "must be a whole number" })),
      z.pipe(
        z.transform((s: string) => Number(s)),
        z.number().check(z.minimum(1, { error: "must be at least 1" }), z.maximum(100, { error: "must be at most 100" })),
      ),
    ),
    fallback,
  );

export const ListCustomersQuery = z.object({
  q: z.optional(z.string().check(z.maxLength(200))),
  stage: z.optional(Stage),
  tag: z.optional(z.string().check(z.trim(), z.toLowerCase(), z.maxLength(50))),
  email: z.optional(z.string()),
  limit: limit(25),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});

export const TimelineQuery = z.object({
  limit: limit(50),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});

type Clearable = z.core.$ZodType<string | null | undefined>;

/** A profile field in a PATCH: `null` or `""` clears it, a value replaces it, absent leaves it. */
function clearable(field: z.core.$ZodType<string | undefined>): Clearable {
  return z.optional(z.union([z.null(), z.pipe(z.literal(""), z.transform(() => null)), field]));
}

const ProfilePatchFields = Object.fromEntries(PROFILE_FIELD_NAMES.map((name) => [name, clearable(ProfileFields[name])])) as Record<keyof typeof ProfileFields, Clearable>;

const isoDateTime = Instant;

/** PATCH: profile fields, email (moves the lookup), tags (replace the set), owner, nextContactAt. */
export const CustomerPatch = z
  .strictObject({
    email: z.optional(EmailField),
    ...ProfilePatchFields,
    tags: z.optional(TagsField),
    owner: clearable(optionalText(200)),
    nextContactAt: z.optional(z.union([z.null(), isoDateTime])),
  })
  .check(z.refine((p) => Object.values(p).some((v) => v !== undefined), { error: "send at least one field to change", path: ["body"] }));
export type CustomerPatch = z.output<typeof CustomerPatch>;

export const EVENT_TYPES = ["purchase", "refund", "support_ticket", "call", "meeting", "note", "page_view", "email_reply", "other"] as const;

/** The longest text a call, meeting or note may carry (the body as a whole is capped at 16 KiB). */
export const EVENT_TEXT_MAX = 10_000;

/**
 * Unknown fields are refused (400, each named) rather than dropped: a note posted with its words
 * in `note` or `summary` used to vanish without a word.
 */
export const EventInput = z
  .strictObject({
    type: z.enum(EVENT_TYPES, { error: `must be one of ${EVENT_TYPES.join(", ")}` }),
    text: z.optional(text(EVENT_TEXT_MAX)),
    customerId: z.optional(CustomerIdParam),
    email: z.optional(EmailField),
    at: z.optional(isoDateTime),
    externalId: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
    amount: z.optional(z.number({ error: "must be a number" }).check(z.minimum(0, { error: "must not be negative" }), z.maximum(1e9))),
    currency: z.optional(z.string().check(z.trim(), z.toUpperCase(), z.regex(/^[A-Z]{3}$/, { error: "must be an ISO 4217 code such as USD" }))),
    product: z.optional(text(200)),
    data: z.optional(z.record(z.string(), z.unknown()).check(z.refine((d) => JSON.stringify(d).length <= 4000, { error: "at most 4000 characters as JSON" }))),
  })
  .check(
    z.refine((e) => Boolean(e.customerId || e.email), { error: "give customerId or email", path: ["customerId"] }),
    z.refine((e) => !((e.type === "purchase" || e.type === "refund") && e.amount === undefined), {
      error: (issue) => `is required for a ${(issue.input as { type: string }).type}`,
      path: ["amount"],
    }),
  );
export type EventInput = z.output<typeof EventInput>;

export const EventRecorded = z.object({
  eventId: z.string(),
  customerId: z.string(),
  duplicate: z.boolean(),
  stage: Stage,
});

/**
 * Who made a change that came through the API: a signed-in person (their id in the user pool and
 * their name as it was then) or an API key (its id, as `rapport keys list` shows it).
 */
export const By = z.discriminatedUnion("type", [
  z.object({ type: z.literal("person"), id: z.string(), name: z.string() }),
  z.object({ type: z.literal("key"), id: z.string() }),
]);
export type By = z.output<typeof By>;

export const TimelineEntry = z.object({
  id: z.string(),
  at: z.string(),
  type: z.string(),
  summary: z.optional(z.string()),
  /** The words of a call, meeting or note. */
  text: z.optional(z.string()),
  data: z.optional(z.record(z.string(), z.unknown())),
  by: z.optional(By),
});

export const ConsentState = z.object({
  marketing: z.boolean(),
  updatedAt: z.optional(z.string()),
  version: z.optional(z.string()),
  source: z.optional(z.string()),
});

export const CustomerSummary = z.object({
  id: z.string(),
  email: z.string(),
  firstName: z.optional(z.string()),
  lastName: z.optional(z.string()),
  company: z.optional(z.string()),
  stage: Stage,
  tags: z.array(z.string()),
  owner: z.optional(z.string()),
  /** Absent in search results (`?q=`): the search index does not follow activity. */
  lastActivityAt: z.optional(z.string()),
  createdAt: z.string(),
});

export const Metrics = z.object({
  orders: z.number(),
  lifetimeSpend: z.number(),
  currency: z.string(),
  lastActivityAt: z.string(),
  firstPurchaseAt: z.optional(z.string()),
  lastPurchaseAt: z.optional(z.string()),
  latestFeedbackScore: z.optional(z.number()),
});

export const Customer360 = z.object({
  id: z.string(),
  email: z.string(),
  profile: z.record(z.string(), z.string()),
  tags: z.array(z.string()),
  owner: z.optional(z.string()),
  nextContactAt: z.optional(z.string()),
  stage: Stage,
  /** Absent while mail may reach the address; otherwise why not (suppression list). */
  emailStatus: z.optional(z.enum(["unsubscribed", "bounced", "complained"])),
  consent: ConsentState,
  metrics: Metrics,
  attribution: z.optional(z.record(z.string(), z.string())),
  createdAt: z.string(),
  updatedAt: z.string(),
  recentTimeline: z.array(TimelineEntry),
  emailsSent: z.array(z.record(z.string(), z.unknown())),
});

export const CustomerPage = z.object({ items: z.array(CustomerSummary), nextCursor: z.nullable(z.string()) });
export const TimelinePage = z.object({ items: z.array(TimelineEntry), nextCursor: z.nullable(z.string()) });
export const Health = z.object({ status: z.literal("ok") });

/** A signed link token from an email (shared/email-links/tokens.ts checks signature, purpose and expiry). */
const Token = z.string().check(z.minLength(10, { error: "is missing or too short" }), z.maxLength(1000, { error: "is too long" }));
const Score = z.pipe(
  z.union([z.number(), z.string().check(z.regex(/^\d{1,2}$/, { error: "must be a whole number from 0 to 10" }))]),
  z.pipe(z.transform((v: number | string) => Number(v)), z.int().check(z.minimum(0, { error: "must be 0 to 10" }), z.maximum(10, { error: "must be 0 to 10" }))),
);

export const TokenQuery = z.object({ t: Token });
export const UnsubscribeBody = z.object({ t: z.optional(Token), "List-Unsubscribe": z.optional(z.string()) });
export const FeedbackQuery = z.object({ t: Token, score: Score });
export const FeedbackBody = z.object({ t: Token, score: Score, comment: z.optional(z.string().check(z.trim(), z.maxLength(2000, { error: "at most 2000 characters" }))) });

export const SweepBody = z.object({
  at: z.optional(describe(instant(), "Run the sweep as of this instant (local stack only; on AWS a sweep always runs as of now).")),
});
export const SweepResult = z.object({
  at: z.string(),
  due: z.number(),
  enqueued: z.number(),
  stageChanges: z.number(),
  deferred: z.number(),
});
export const OptionalTokenQuery = z.object({ t: z.optional(Token) });

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
