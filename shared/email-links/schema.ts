import * as z from "zod/mini";
import { STAGES } from "../core/fields.ts";

/**
 * What the links in emails answer a script that sends `Accept: application/json` (a browser gets
 * a page). Shapes of the route table's responses (shared/http/routes.ts).
 */

export const UnsubscribeLinkValid = z.object({ valid: z.literal(true), unsubscribeWith: z.literal("POST /v1/unsubscribe") });
export const ConfirmLinkValid = z.object({ valid: z.literal(true), confirmWith: z.literal("POST /v1/confirm") });

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

export const FeedbackRecorded = z.object({
  recorded: z.literal(true),
  score: z.number(),
  updated: z.boolean().check(z.describe("true when this link's score was recorded before (same link again, or a comment after the score)")),
  stage: z.enum(STAGES),
});
