import * as z from "zod/mini";
import { CustomerIdParam, EmailField, isoDateTime, Stage, text } from "../core/schema.ts";

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
