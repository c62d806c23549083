import * as z from "zod/mini";
import { MAIL_CATEGORIES, type MailCategory, STAGES } from "../core/fields.ts";

/** A signed link token from an email (shared/email-links/tokens.ts checks signature, purpose and expiry). */
const Token = z.string().check(z.minLength(10, { error: "is missing or too short" }), z.maxLength(1000, { error: "is too long" }));
const Score = z.pipe(
  z.union([z.number(), z.string().check(z.regex(/^\d{1,2}$/, { error: "must be a whole number from 0 to 10" }))]),
  z.pipe(
    z.transform((v: number | string) => Number(v)),
    z.int().check(z.minimum(0, { error: "must be 0 to 10" }), z.maximum(10, { error: "must be 0 to 10" })),
  ),
);

export const TokenQuery = z.object({ t: Token });
export const UnsubscribeBody = z.object({ t: z.optional(Token), "List-Unsubscribe": z.optional(z.string()) });
export const FeedbackQuery = z.object({ t: Token, score: Score });
export const FeedbackBody = z.object({
  t: Token,
  score: Score,
  comment: z.optional(z.string().check(z.trim(), z.maxLength(2000, { error: "at most 2000 characters" }))),
});

/**
 * The preference page's Save. A browser form sends only ticked boxes, so with `form=preferences`
 * an absent category is off; JSON names the categories it changes (true/false).
 */
const Switch = z.optional(z.union([z.boolean(), z.enum(["on", "true", "false", "off"], { error: "must be true or false" })]));
export const PreferencesBody = z.object({
  t: Token,
  form: z.optional(z.literal("preferences")),
  ...Object.fromEntries(MAIL_CATEGORIES.map((c) => [c, Switch])),
} as { t: typeof Token; form: z.ZodMiniOptional<z.ZodMiniLiteral<"preferences">> } & Record<MailCategory, typeof Switch>);
export const PreferencesAnswer = z.object({
  preferences: z.object(Object.fromEntries(MAIL_CATEGORIES.map((c) => [c, z.boolean()])) as Record<MailCategory, z.ZodMiniBoolean>),
  unsubscribed: z.boolean().check(z.describe("Unsubscribed from everything: no marketing goes out, whatever is ticked")),
  changed: z.optional(z.boolean()),
});

export const OptionalTokenQuery = z.object({ t: z.optional(Token) });

/**
 * What the links in emails answer a script that sends `Accept: application/json` (a browser gets
 * a page). Shapes of the route table's responses (shared/http/routes.ts).
 */

export const UnsubscribeLinkValid = z.object({ valid: z.literal(true), unsubscribeWith: z.literal("POST /v1/unsubscribe") });
export const FeedbackLinkValid = z.object({
  valid: z.literal(true),
  score: z.number(),
  recordWith: z.literal("POST /v1/feedback").check(z.describe("A GET records nothing: mail scanners fetch every link in a message.")),
});
export const ConfirmLinkValid = z.object({ valid: z.literal(true), confirmWith: z.literal("POST /v1/confirm") });
export const KeepLinkValid = z.object({ valid: z.literal(true), keepWith: z.literal("POST /v1/keep") });

export const Unsubscribed = z.object({
  unsubscribed: z.literal(true),
  changed: z.boolean().check(z.describe("false when already unsubscribed (or the contact no longer exists): nothing changed")),
});

export const Resubscribed = z.object({
  resubscribed: z.literal(true),
  changed: z.boolean(),
  marketingConsent: z.boolean().check(z.describe("Never restored by a resubscribe: it needs a new grant.")),
});

export const ConsentConfirmed = z.object({
  changed: z.boolean(),
  confirmed: z.boolean().check(z.describe("Whether marketing consent is in effect now.")),
});

export const KeptSubscribed = z.object({
  changed: z.boolean(),
  subscribed: z.boolean().check(z.describe("Whether marketing email goes to this address now.")),
});

export const FeedbackRecorded = z.object({
  recorded: z.literal(true),
  score: z.number(),
  updated: z.boolean().check(z.describe("true when this link's score was recorded before (same link again, or a comment after the score)")),
  stage: z.enum(STAGES),
  referralLink: z.optional(z.string().check(z.describe("A promoter's (9-10) referral link, /r/<code>"))),
});
