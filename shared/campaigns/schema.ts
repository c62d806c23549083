import * as z from "zod/mini";
import { STAGES } from "../schemas.ts";

/**
 * A campaign is data, not code (DESIGN.md §5): what triggers it, who may get it, what it says in
 * each language, whether it is marketing (needs consent, frequency-capped, quiet hours) and how
 * often it may repeat. GET/PUT /v1/campaigns/{id} read and write exactly this shape.
 */

const text = (max: number) => z.string().check(z.trim(), z.minLength(1, { error: "must not be empty" }), z.maxLength(max, { error: `at most ${max} characters` }));
const int = (min: number, max: number) => z.int().check(z.minimum(min, { error: `must be at least ${min}` }), z.maximum(max, { error: `must be at most ${max}` }));

export const CAMPAIGN_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const CampaignId = z.string().check(z.regex(CAMPAIGN_ID, { error: "must be 2-63 lower-case letters, digits and dashes" }));

/** What makes the campaign due for a customer. Each kind has its own occurrence key (the ledger's). */
export const Trigger = z.discriminatedUnion("type", [
  /** Once, `delayHours` after the first purchase. Occurrence: "first". */
  z.object({ type: z.literal("first_purchase"), delayHours: int(0, 24 * 365) }),
  /** `delayDays` after each purchase. Occurrence: the purchase's event id. */
  z.object({ type: z.literal("purchase"), delayDays: int(0, 365) }),
  /** When lifetime spend first reaches each amount (major currency units). Occurrence: the amount. */
  z.object({ type: z.literal("spend_milestone"), amounts: z.array(z.number().check(z.positive())).check(z.minLength(1), z.maxLength(10)) }),
  /** On the customer's birthday, in their time zone, at `localTime`. Occurrence: the year. */
  z.object({ type: z.literal("birthday"), localTime: z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "must be HH:MM" })) }),
  /** When the sweep moves a customer to at_risk (no activity for AT_RISK_DAYS). Occurrence: the day they became at risk. */
  z.object({ type: z.literal("at_risk") }),
  /** A lead with no recorded follow-up (call, meeting, note, email reply) `afterHours` after capture. Occurrence: "first". */
  z.object({ type: z.literal("lead_no_follow_up"), afterHours: int(1, 24 * 90) }),
  /** Feedback scored 0-6. Occurrence: the feedback's time. */
  z.object({ type: z.literal("low_feedback") }),
]);
export type Trigger = z.infer<typeof Trigger>;

export const Template = z.object({
  subject: text(200),
  text: text(20_000),
  html: text(100_000),
});
export type Template = z.infer<typeof Template>;

export const CampaignInput = z.object({
  name: text(100),
  description: z.optional(z.string().check(z.maxLength(500))),
  enabled: z.boolean(),
  /** `marketing` needs consent, obeys the frequency cap and quiet hours; `transactional` does not. */
  kind: z.enum(["transactional", "marketing"]),
  /** `customer`: the customer gets it. `owner`: an internal alert to the customer's owner (or SALES_EMAIL). */
  recipient: z.enum(["customer", "owner"]),
  trigger: Trigger,
  /** Who may get it: any of these stages (empty: all), having all of `tags`, none of `excludeTags`. */
  audience: z.object({
    stages: z.optional(z.array(z.enum(STAGES))),
    tags: z.optional(z.array(z.string().check(z.maxLength(50)))),
    excludeTags: z.optional(z.array(z.string().check(z.maxLength(50)))),
  }),
  /** At least this many days between two sends of this campaign to one customer (0: no limit). */
  minDaysBetween: int(0, 3650),
  /** Per BCP 47 language (`en`, `zh`, `nb`, `id`, …); `en` is required and is the fallback. */
  templates: z.record(z.string().check(z.regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { error: "must be a language tag such as en or pt-BR" })), Template).check(
    z.refine((t) => "en" in t, { error: "needs an en template (the fallback)" }),
  ),
});
export type CampaignInput = z.infer<typeof CampaignInput>;

export type Campaign = CampaignInput & { id: string; updatedAt?: string; isDefault: boolean };
