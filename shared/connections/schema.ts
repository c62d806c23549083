import * as z from "zod/mini";

/**
 * A platform's webhook body: whatever it sends, verified over the raw bytes before it is read.
 * Declared as unknown on purpose: parsing or re-encoding it before the signature check would
 * break the check.
 */
export const WebhookBody = z.unknown();

const Outcome = z.enum(["counted", "duplicate", "not_counted", "updated", "ignored"]);

export const HookReceived = z.object({
  received: z.literal(true),
  outcome: Outcome,
  results: z.array(
    z.object({
      fact: z.enum(["order", "refund", "customer", "ignored"]),
      outcome: Outcome,
      customerId: z.optional(z.string()),
      reason: z.optional(z.string()),
    }),
  ),
});

export const ConnectionList = z.object({
  connections: z.array(
    z.object({
      platform: z.enum(["stripe", "shopify", "woocommerce"]),
      endpoint: z.string(),
      addedAt: z.string(),
      deliveries: z.number(),
      lastDelivery: z.nullable(z.object({ at: z.string(), event: z.string(), outcome: Outcome })),
      problems: z.array(
        z.object({
          kind: z.string(),
          message: z.string(),
          count: z.number(),
          firstAt: z.string(),
          lastAt: z.string(),
          example: z.optional(z.record(z.string(), z.string())),
        }),
      ),
    }),
  ),
});
