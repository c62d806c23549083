import * as z from "zod/mini";
import { DOMAIN_EVENT_TYPES } from "../core/ports.ts";

/** Request and response shapes of outbound webhook endpoints (Standard Webhooks). */

export const WEBHOOK_ID_PATTERN = /^wh_[0-9A-HJKMNP-TV-Z]{26}$/;
export const WebhookIdParam = z.string().check(z.regex(WEBHOOK_ID_PATTERN));

const EventType = z.enum(DOMAIN_EVENT_TYPES);

export const WebhookInput = z.strictObject({
  url: z.string().check(z.trim(), z.minLength(1), z.maxLength(2000)),
  events: z.array(EventType).check(z.minLength(1, { error: "name at least one event" }), z.maxLength(DOMAIN_EVENT_TYPES.length)),
  description: z.optional(z.string().check(z.trim(), z.maxLength(200))),
});

const LastDelivery = z.object({
  at: z.string(),
  eventType: z.string(),
  ok: z.boolean(),
  status: z.optional(z.number()),
  error: z.optional(z.string()),
});

export const WebhookView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(EventType),
  description: z.optional(z.string()),
  createdAt: z.string(),
  deliveries: z.number(),
  failures: z.number(),
  deadLetters: z.number(),
  lastDelivery: z.nullable(LastDelivery),
  recentDeadLetters: z.array(z.object({ at: z.string(), eventId: z.string(), eventType: z.string(), attempts: z.number(), lastError: z.string() })),
});

export const WebhookList = z.object({ webhooks: z.array(WebhookView) });

/** The endpoint just added, with its signing secret: the only answer that ever carries it. */
export const WebhookCreated = z.object({ webhook: WebhookView, secret: z.string() });

export const WebhookTestResult = z.extend(LastDelivery, { eventId: z.string() });
