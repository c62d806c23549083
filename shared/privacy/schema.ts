import * as z from "zod/mini";
import { Stage } from "../core/schema.ts";
import { TimelineEntry } from "../customers/schema.ts";

/**
 * Response shapes of erasure (`DELETE /v1/customers/{id}`) and access (`GET /v1/customers/{id}/export`),
 * GDPR articles 17 and 15. They feed the OpenAPI document and type what shared/privacy/erasure.ts and
 * shared/privacy/access.ts return.
 */

export const CustomerErasure = z.object({
  customerId: z.string(),
  erased: z.literal(true),
  /** True when the customer had been erased before this request: nothing new was erased. */
  alreadyErased: z.boolean(),
  erasedAt: z.string(),
});
export type CustomerErasure = z.output<typeof CustomerErasure>;

const record = z.record(z.string(), z.unknown());

/** A timeline entry as exported: as the timeline API shows it, plus when it was last changed (a comment added to a score). */
const ExportedEntry = z.extend(TimelineEntry, { updatedAt: z.optional(z.string()) });

/** What is left of an erased customer: ids and aggregate counts, nothing that identifies a person. */
export const ErasedCustomer = z.object({
  id: z.string(),
  stage: Stage,
  orders: z.number(),
  lifetimeSpend: z.number(),
  currency: z.string(),
  createdAt: z.string(),
  erasedAt: z.string(),
});

export const CustomerExport = z.object({
  customerId: z.string(),
  generatedAt: z.string(),
  description: z.string(),
  /** Present only for an erased customer, instead of every other section. */
  erased: z.optional(z.object({ description: z.string(), record: ErasedCustomer })),
  profile: z.optional(z.object({ description: z.string(), record })),
  consent: z.optional(z.object({ description: z.string(), current: record, ledger: z.array(ExportedEntry) })),
  timeline: z.optional(z.object({ description: z.string(), entries: z.array(ExportedEntry) })),
  emailsSent: z.optional(z.object({ description: z.string(), items: z.array(record) })),
  suppression: z.optional(z.object({ description: z.string(), suppressed: z.boolean(), reason: z.optional(z.string()), at: z.optional(z.string()) })),
  externalIds: z.optional(
    z.object({
      description: z.string(),
      items: z.array(z.object({ externalId: z.string(), type: z.string(), at: z.string(), eventId: z.optional(z.string()) })),
    }),
  ),
  heldSubmissions: z.optional(z.object({ description: z.string(), items: z.array(record) })),
  otherRecords: z.optional(z.object({ description: z.string(), items: z.array(record) })),
});
export type CustomerExport = z.output<typeof CustomerExport>;
