import * as z from "zod/mini";
import { normalizeEmail } from "../customers/email.ts";
import { Instant, isRealDay } from "./dates.ts";
import { PROFILE_FIELD_NAMES, type ProfileFieldName, STAGES } from "./fields.ts";
import { CUSTOMER_ID_PATTERN } from "./ids.ts";

/**
 * One zod schema per request and response shape: it validates, gives the TypeScript type and
 * feeds the OpenAPI document (shared/http/openapi.ts). Form fields arrive as strings, so every field
 * accepts the string spelling a plain HTML form would send.
 *
 * Written with `zod/mini`, zod's tree-shakable API: every Lambda bundle carries these schemas, and
 * mini costs about 70 KB less per bundle and builds its schemas faster on a cold start.
 *
 * This file holds the field schemas several features' request shapes share; each feature keeps
 * its own request and response shapes in its folder's `schema.ts`.
 */

/** Adds a description to a schema for the OpenAPI document. */
export function describe<T extends z.ZodMiniType>(schema: T, description: string): T {
  (z.globalRegistry as z.core.$ZodRegistry<{ description: string }>).add(schema, { description });
  return schema;
}

export const text = (max: number) => z.string().check(z.trim(), z.maxLength(max, { error: `at most ${max} characters` }));

/** An optional text field; an empty string means "not given" so a blank form field never wipes data. */
export const optionalText = (max: number) =>
  z.pipe(
    z.optional(text(max)),
    z.transform((v) => (v === undefined || v === "" ? undefined : v)),
  );

/** An optional text field that must also pass `test` when given. */
export const optionalChecked = (max: number, test: (s: string) => boolean, message: string) =>
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
const emptyAsAbsent = (field: z.core.$ZodType<string, string>) =>
  z.pipe(
    z.optional(field),
    z.transform((v: string | undefined) => v || undefined),
  );

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

export const CustomerIdParam = z.string().check(z.regex(CUSTOMER_ID_PATTERN, { error: "is not a customer id" }));

export { STAGES };
export const Stage = z.enum(STAGES);
export type Stage = z.infer<typeof Stage>;

/** A page size from a query string. */
export const limit = (fallback: number) =>
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

export const isoDateTime = Instant;
