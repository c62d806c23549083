import * as z from "zod";
import { normalizeEmail } from "./email.ts";
import { CUSTOMER_ID_PATTERN } from "./ids.ts";

/**
 * One zod schema per request and response shape: it validates, gives the TypeScript type and
 * feeds the OpenAPI document (shared/openapi.ts). Form fields arrive as strings, so every field
 * accepts the string spelling a plain HTML form would send.
 */

const text = (max: number) => z.string().trim().max(max, { error: `at most ${max} characters` });

/** An optional text field; an empty string means "not given" so a blank form field never wipes data. */
const optionalText = (max: number) =>
  text(max)
    .optional()
    .transform((v) => (v === undefined || v === "" ? undefined : v));

export const EmailField = z
  .string({ error: "is required" })
  .max(320, { error: "at most 320 characters" })
  .transform((raw, ctx) => {
    const email = normalizeEmail(raw);
    if (!email) {
      ctx.addIssue({ code: "custom", message: "is not a valid email address" });
      return z.NEVER;
    }
    return email;
  })
  .meta({ description: "Stored trimmed and lower-cased; one address is one customer.", example: "ada@example.com" });

const isRealDate = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};

/** Checks a non-empty string; an empty one passes as "not given". Each field reports one message. */
function checkedText(max: number, check: (s: string) => string | null) {
  return z
    .string()
    .trim()
    .max(max, { error: `at most ${max} characters` })
    .superRefine((s, ctx) => {
      const problem = s === "" ? null : check(s);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
}

export const BirthdayField = checkedText(10, (s) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return "must be YYYY-MM-DD";
  if (!isRealDate(s)) return "is not a real date";
  if (s < "1900-01-01" || s > new Date().toISOString().slice(0, 10)) return "must be in the past";
  return null;
});

/** A BCP 47 language tag, stored in canonical form (`en-us` → `en-US`). */
export const LocaleField = checkedText(35, (s) => {
  try {
    return Intl.getCanonicalLocales(s).length === 1 ? null : "is not a BCP 47 language tag such as en-US";
  } catch {
    return "is not a BCP 47 language tag such as en-US";
  }
}).transform((s) => (s === "" ? s : Intl.getCanonicalLocales(s)[0]!));

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
export const ConsentField = z
  .union([z.boolean(), z.string().trim().toLowerCase().refine((s) => s === "" || [...TRUE_WORDS, ...FALSE_WORDS].includes(s), { error: "must be true/on/yes or false/off/no" })])
  .transform((v) => (typeof v === "boolean" ? v : v === "" ? undefined : TRUE_WORDS.includes(v)));

const TAG = z.string().trim().min(1).max(50).regex(/^[\p{L}\p{N} _:.-]+$/u, { error: "letters, digits, space, _ : . - only" });

/** Tags: an array, or one comma-separated string (what a form's hidden field can carry). */
export const TagsField = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((t) => t.trim()).filter(Boolean))
  .pipe(z.array(TAG).max(20, { error: "at most 20 tags" }))
  .transform((tags) => [...new Set(tags.map((t) => t.toLowerCase()))]);

const PHONE = /^\+?[0-9 ().\-/]{5,30}$/;
const URL_OR_HANDLE = /^(https?:\/\/\S+|@?[\p{L}\p{N}_.-]{1,100})$/u;

/** Profile fields a form or an admin may set; the customer record keeps them. */
export const ProfileFields = {
  firstName: optionalText(100),
  lastName: optionalText(100),
  phone: optionalText(30).refine((v) => v === undefined || PHONE.test(v), { error: "is not a phone number" }),
  company: optionalText(200),
  street: optionalText(200),
  city: optionalText(100),
  region: optionalText(100),
  postalCode: optionalText(20),
  country: optionalText(100),
  birthday: BirthdayField.optional().transform((v) => v || undefined),
  locale: LocaleField.optional().transform((v) => v || undefined),
  timezone: TimezoneField.optional().transform((v) => v || undefined),
  linkedin: optionalText(300).refine((v) => v === undefined || URL_OR_HANDLE.test(v), { error: "must be a URL or a handle" }),
  twitter: optionalText(300).refine((v) => v === undefined || URL_OR_HANDLE.test(v), { error: "must be a URL or a handle" }),
};

export const PROFILE_FIELD_NAMES = Object.keys(ProfileFields) as (keyof typeof ProfileFields)[];

export const LeadInput = z.object({
  email: EmailField,
  ...ProfileFields,
  message: optionalText(5000),
  consent: ConsentField.optional(),
  source: optionalText(100),
  utm_source: optionalText(200),
  utm_medium: optionalText(200),
  utm_campaign: optionalText(200),
  tags: TagsField.optional(),
  _gotcha: z.string().optional().meta({ description: "Honeypot: leave empty. When filled the post is answered as a success and nothing is stored." }),
  _next: z.string().trim().max(2000).optional().meta({ description: "Where to send the browser after a form post; must be on an allowed origin." }),
});
export type LeadInput = z.output<typeof LeadInput>;

export const LeadAccepted = z.object({
  customerId: z.string(),
  created: z.boolean().meta({ description: "true for a new contact (201), false when the email already existed (200)" }),
});

export const ValidationErrorBody = z.object({
  error: z.literal("validation"),
  fields: z.array(z.object({ field: z.string(), message: z.string() })),
});

export const ErrorBody = z.object({ error: z.string(), message: z.string().optional() });

export const CustomerIdParam = z.string().regex(CUSTOMER_ID_PATTERN, { error: "is not a customer id" });

export const STAGES = ["lead", "customer", "loyal", "advocate", "at_risk", "churned"] as const;
export const Stage = z.enum(STAGES);
export type Stage = z.infer<typeof Stage>;

const Limit = z.coerce.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }).max(100, { error: "must be at most 100" });

export const ListCustomersQuery = z.object({
  stage: Stage.optional(),
  tag: z.string().trim().toLowerCase().max(50).optional(),
  email: z.string().optional(),
  limit: Limit.default(25),
  cursor: z.string().max(2000).optional(),
});

export const TimelineQuery = z.object({
  limit: Limit.default(50),
  cursor: z.string().max(2000).optional(),
});

/** A profile field in a PATCH: `null` or `""` clears it, a value replaces it, absent leaves it. */
function clearable(field: z.ZodType<string | undefined, unknown>): z.ZodType<string | null | undefined, unknown> {
  return z.union([z.null(), z.literal("").transform(() => null), field]).optional();
}

const ProfilePatchFields = Object.fromEntries(PROFILE_FIELD_NAMES.map((name) => [name, clearable(ProfileFields[name])])) as Record<
  keyof typeof ProfileFields,
  z.ZodType<string | null | undefined, unknown>
>;

/** PATCH: profile fields, email (moves the lookup), tags (replace the set), owner, nextContactAt. */
export const CustomerPatch = z
  .strictObject({
    email: EmailField.optional(),
    ...ProfilePatchFields,
    tags: TagsField.optional(),
    owner: clearable(optionalText(200)),
    nextContactAt: z.union([z.null(), z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time" })]).optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), { error: "send at least one field to change", path: ["body"] });
export type CustomerPatch = z.output<typeof CustomerPatch>;

export const EVENT_TYPES = ["purchase", "refund", "support_ticket", "call", "meeting", "note", "page_view", "email_reply", "other"] as const;

export const EventInput = z
  .object({
    type: z.enum(EVENT_TYPES, { error: `must be one of ${EVENT_TYPES.join(", ")}` }),
    customerId: CustomerIdParam.optional(),
    email: EmailField.optional(),
    at: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time" }).optional(),
    externalId: z.string().trim().min(1).max(200).optional(),
    amount: z.number({ error: "must be a number" }).finite().min(0, { error: "must not be negative" }).max(1e9).optional(),
    currency: z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, { error: "must be an ISO 4217 code such as USD" }).optional(),
    product: text(200).optional(),
    data: z.record(z.string(), z.unknown()).optional().refine((d) => d === undefined || JSON.stringify(d).length <= 4000, { error: "at most 4000 characters as JSON" }),
  })
  .superRefine((e, ctx) => {
    if (!e.customerId && !e.email) ctx.addIssue({ code: "custom", path: ["customerId"], message: "give customerId or email" });
    if ((e.type === "purchase" || e.type === "refund") && e.amount === undefined) ctx.addIssue({ code: "custom", path: ["amount"], message: `is required for a ${e.type}` });
  });
export type EventInput = z.output<typeof EventInput>;

export const EventRecorded = z.object({
  eventId: z.string(),
  customerId: z.string(),
  duplicate: z.boolean(),
  stage: Stage,
});

export const TimelineEntry = z.object({
  id: z.string(),
  at: z.string(),
  type: z.string(),
  summary: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const ConsentState = z.object({
  marketing: z.boolean(),
  updatedAt: z.string().optional(),
  version: z.string().optional(),
  source: z.string().optional(),
});

export const CustomerSummary = z.object({
  id: z.string(),
  email: z.string(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  company: z.string().optional(),
  stage: Stage,
  tags: z.array(z.string()),
  owner: z.string().optional(),
  lastActivityAt: z.string(),
  createdAt: z.string(),
});

export const Metrics = z.object({
  orders: z.number(),
  lifetimeSpend: z.number(),
  currency: z.string(),
  lastActivityAt: z.string(),
  firstPurchaseAt: z.string().optional(),
  lastPurchaseAt: z.string().optional(),
  latestFeedbackScore: z.number().optional(),
});

export const Customer360 = z.object({
  id: z.string(),
  email: z.string(),
  profile: z.record(z.string(), z.string()),
  tags: z.array(z.string()),
  owner: z.string().optional(),
  nextContactAt: z.string().optional(),
  stage: Stage,
  consent: ConsentState,
  metrics: Metrics,
  attribution: z.record(z.string(), z.string()).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  recentTimeline: z.array(TimelineEntry),
  emailsSent: z.array(z.record(z.string(), z.unknown())),
});

export const CustomerPage = z.object({ items: z.array(CustomerSummary), nextCursor: z.string().nullable() });
export const TimelinePage = z.object({ items: z.array(TimelineEntry), nextCursor: z.string().nullable() });
export const Health = z.object({ status: z.literal("ok") });
