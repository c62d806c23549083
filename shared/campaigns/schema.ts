import * as z from "zod/mini";
import { CAMPAIGN_ID, MAIL_CATEGORIES } from "../core/fields.ts";
import { CustomerIdParam, EmailField, STAGES } from "../core/schema.ts";
import { MIN_STREAK_OPENS } from "../retention/engagement.ts";
import { PLACEHOLDER_PATTERN, PLACEHOLDERS } from "./placeholders.ts";

export { PLACEHOLDER_PATTERN, PLACEHOLDERS, type PlaceholderName } from "./placeholders.ts";

/**
 * A campaign is data, not code (docs/architecture.md): what triggers it, who may get it, what it says in
 * each language, whether it is marketing (needs consent, frequency-capped, quiet hours) and how
 * often it may repeat. GET/PUT /v1/campaigns/{id} read and write exactly this shape.
 *
 * zod/mini ships no message locale, so every field says what it wants itself: a bad definition is
 * a 400 whose `fields` an admin can act on ("trigger.delayDays: must be at least 0").
 */

/** "is required" when the field is absent, `otherwise` when it has the wrong type. */
const required = (otherwise: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : otherwise) });

const text = (max: number) =>
  z
    .string(required("must be a string"))
    .check(z.trim(), z.minLength(1, { error: "must not be empty" }), z.maxLength(max, { error: `at most ${max} characters` }));
const int = (min: number, max: number) =>
  z.int(required("must be a whole number")).check(z.minimum(min, { error: `must be at least ${min}` }), z.maximum(max, { error: `must be at most ${max}` }));

export { CAMPAIGN_ID };
export const CampaignId = z.string(required("must be a string")).check(z.regex(CAMPAIGN_ID, { error: "must be 2-63 lower-case letters, digits and dashes" }));

/** Problems with a template string's placeholders: unknown names and unbalanced braces. */
export function placeholderProblems(source: string): string[] {
  const problems = new Set<string>();
  for (const m of source.matchAll(PLACEHOLDER_PATTERN)) {
    const name = m[1]!.trim();
    if (!Object.hasOwn(PLACEHOLDERS, name)) problems.add(`unknown placeholder {{${name}}}; use one of ${Object.keys(PLACEHOLDERS).join(", ")}`);
  }
  const rest = source.replace(PLACEHOLDER_PATTERN, "");
  if (rest.includes("{{") || rest.includes("}}")) problems.add("has an unclosed or malformed {{placeholder}}");
  return [...problems];
}

const templateText = (max: number) =>
  text(max).check(
    z.superRefine((value, ctx) => {
      for (const message of placeholderProblems(value)) ctx.issues.push({ code: "custom", message, input: value });
    }),
  );

const TRIGGER_TYPES = [
  "first_purchase",
  "purchase",
  "spend_milestone",
  "birthday",
  "at_risk",
  "lead_no_follow_up",
  "low_feedback",
  "double_opt_in",
  "interest",
  "opens_without_clicks",
  "sunset",
  "ambassador",
] as const;

/** What makes the campaign due for a customer. Each kind has its own occurrence key (the ledger's). */
export const Trigger = z.discriminatedUnion(
  "type",
  [
    /** Once, `delayHours` after the first purchase. Occurrence: "first". */
    z.object({ type: z.literal("first_purchase"), delayHours: int(0, 24 * 365) }),
    /** `delayDays` after each purchase. Occurrence: the purchase's event id. */
    z.object({ type: z.literal("purchase"), delayDays: int(0, 365) }),
    /** When lifetime spend first reaches each amount (major currency units). Occurrence: the amount. */
    z.object({
      type: z.literal("spend_milestone"),
      amounts: z
        .array(z.number(required("must be a number")).check(z.positive({ error: "must be more than 0" })), required("must be a list of amounts"))
        .check(z.minLength(1, { error: "needs at least one amount" }), z.maxLength(10, { error: "at most 10 amounts" })),
    }),
    /** On the customer's birthday, in their time zone, at `localTime`. Occurrence: the year. */
    z.object({
      type: z.literal("birthday"),
      localTime: z.string(required("must be a string")).check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "must be HH:MM" })),
    }),
    /** When the sweep moves a customer to at_risk (no activity for AT_RISK_DAYS). Occurrence: the day they became at risk. */
    z.object({ type: z.literal("at_risk") }),
    /** A lead with no recorded follow-up (call, meeting, note, email reply) `afterHours` after capture. Occurrence: "first". */
    z.object({ type: z.literal("lead_no_follow_up"), afterHours: int(1, 24 * 90) }),
    /** Feedback scored 0-6. Occurrence: the feedback's time. */
    z.object({ type: z.literal("low_feedback") }),
    /** Double opt-in: a form lead ticked consent; sent at once, event-driven. Occurrence: the time consent was asked. */
    z.object({ type: z.literal("double_opt_in") }),
    /**
     * Website interest: an interest viewed at least `views` times in the last `days` days (the
     * tracking snippet), and nothing bought in it. Occurrence: the interest and the month.
     */
    z.object({ type: z.literal("interest"), views: int(1, 1000), days: int(1, 90) }),
    /**
     * Opened `opens` marketing emails in a row (each message once) and clicked none: a reader the
     * mail does not move. Occurrence: the streak's first open, so one streak sends once.
     */
    z.object({ type: z.literal("opens_without_clicks"), opens: int(MIN_STREAK_OPENS, 100) }),
    /**
     * The re-permission email: no open or click for SUNSET_DAYS. Marketing stops SUNSET_GRACE_DAYS
     * after it unless the customer engages. Occurrence: the start of the idle period.
     */
    z.object({ type: z.literal("sunset") }),
    /**
     * The referrer's referred people who bought reached `rapport:ambassadorReferrals`: they became
     * an ambassador. Once per customer. Occurrence: "first". A template with `{{perkCode}}` waits
     * for a code from the perk pool rather than going without one.
     */
    z.object({ type: z.literal("ambassador") }),
  ],
  {
    error: (issue) =>
      issue.input === undefined ? "is required" : issue.code === "invalid_union" ? `must be one of ${TRIGGER_TYPES.join(", ")}` : "must be an object",
  },
);
export type Trigger = z.infer<typeof Trigger>;
export type TriggerType = Trigger["type"];

export const Template = z.object(
  {
    subject: templateText(200),
    text: templateText(20_000),
    html: templateText(100_000),
  },
  required("must be an object with subject, text and html"),
);
export type Template = z.infer<typeof Template>;

const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const tagList = z.array(z.string(required("must be a string")).check(z.maxLength(50, { error: "at most 50 characters" })), required("must be a list"));

export const CampaignInput = z.object({
  name: text(100),
  description: z.optional(z.string({ error: "must be a string" }).check(z.maxLength(500, { error: "at most 500 characters" }))),
  enabled: z.boolean(required("must be true or false")),
  /** `marketing` needs consent, obeys the frequency cap and quiet hours; `transactional` does not. */
  kind: z.enum(["transactional", "marketing"], required("must be transactional or marketing")),
  /** For marketing mail: which preference lets a recipient switch it off (`offers` when absent). */
  category: z.optional(z.enum(MAIL_CATEGORIES, { error: `must be one of ${MAIL_CATEGORIES.join(", ")}` })),
  /** `customer`: the customer gets it. `owner`: an internal alert to the customer's owner (or SALES_EMAIL). */
  recipient: z.enum(["customer", "owner"], required("must be customer or owner")),
  trigger: Trigger,
  /** Who may get it: any of these stages (empty: all), having all of `tags`, none of `excludeTags`. */
  audience: z.object(
    {
      stages: z.optional(z.array(z.enum(STAGES, { error: `must be one of ${STAGES.join(", ")}` }), { error: "must be a list" })),
      tags: z.optional(tagList),
      excludeTags: z.optional(tagList),
    },
    required("must be an object (use {} for everyone)"),
  ),
  /** At least this many days between two sends of this campaign to one customer (0: no limit). */
  minDaysBetween: int(0, 3650),
  /** Per BCP 47 language (`en`, `zh`, `nb`, `id`, …); `en` is required and is the fallback. */
  templates: z
    .record(z.string().check(z.regex(LANGUAGE_TAG, { error: "must be a language tag such as en or pt-BR" })), Template, {
      error: (issue) =>
        issue.input === undefined
          ? "is required"
          : issue.code === "invalid_key"
            ? "must be a language tag such as en or pt-BR"
            : "must be an object keyed by language",
    })
    .check(z.refine((t) => "en" in t, { error: "needs an en template (the fallback)" })),
});
export type CampaignInput = z.infer<typeof CampaignInput>;

/** A campaign as stored and answered: the definition plus who saved it when. */
export const Campaign = z.extend(CampaignInput, {
  id: z.string(),
  /** Set once stored (edited or created through the API); absent on a default as it ships. */
  updatedAt: z.optional(z.string()),
  /** The API key id that last saved it. */
  updatedBy: z.optional(z.string()),
  /** Whether the id is one of the shipped defaults (also when edited). */
  isDefault: z.boolean(),
});
export type Campaign = z.output<typeof Campaign>;

/** `GET /v1/campaigns`: the shipped defaults and your own, with your edits. */
export const CampaignList = z.object({ items: z.array(Campaign) });

/** `POST /v1/campaigns/{id}/preview`: whose email, in which of the campaign's languages (default: the customer's own, as the sender picks). */
export const PreviewInput = z.object({
  customerId: CustomerIdParam,
  locale: z.optional(z.string().check(z.maxLength(35))),
});
export type PreviewInput = z.output<typeof PreviewInput>;

/** What the customer would get: the real renderer's output (`html` a whole document), links inert. */
export const Preview = z.object({ customerId: z.string(), language: z.string(), subject: z.string(), text: z.string(), html: z.string() });

/** `POST /v1/campaigns/{id}/test`: a preview sent by mail; `to` only for an owner or an admin key (default: the signed-in person's own address). */
export const TestSendInput = z.object({ customerId: PreviewInput.shape.customerId, locale: PreviewInput.shape.locale, to: z.optional(EmailField) });
export type TestSendInput = z.output<typeof TestSendInput>;

export const TestSendQueued = z.object({ queued: z.boolean(), to: z.string(), language: z.string() });
