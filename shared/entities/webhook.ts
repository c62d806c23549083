import type { TableKey } from "./table.ts";

/**
 * Keys of outbound webhook endpoints (Standard Webhooks), their dead letters and their delivered
 * markers. The signing secrets are not here: they live in Secrets Manager (or, locally, a file in
 * the data directory), as the shop connections' do.
 *
 * Access pattern 20: every endpoint with its counters (deliveries, failures, dead letters, the
 * last delivery) in one Query `PK = WEBHOOK`: what the outbox reads per stream batch to know who
 * wants which event, and what the webhooks page lists. One endpoint: GetItem / UpdateItem
 * `SK = <id>`. Its dead letters (deliveries given up after 24 hours), newest first: Query
 * `PK = WEBHOOK#DEAD#<id>`, `SK = <at>#<event id>`, ScanIndexForward=false.
 *
 * Access pattern 21: was this event already delivered to this endpoint (a redelivered stream batch
 * or queue message must not deliver it twice): GetItem `PK = WEBHOOK#SENT#<id>`, `SK = <event id>`,
 * kept three days (TTL), longer than any redelivery.
 */
export const WEBHOOK_PARTITION = "WEBHOOK";

export function webhookKey(id: string): TableKey {
  return { PK: WEBHOOK_PARTITION, SK: id };
}

export function webhookDeadLetterPartition(id: string): string {
  return `${WEBHOOK_PARTITION}#DEAD#${id}`;
}

export function webhookDeadLetterKey(id: string, at: string, eventId: string): TableKey {
  return { PK: webhookDeadLetterPartition(id), SK: `${at}#${eventId}` };
}

export function webhookDeliveredKey(id: string, eventId: string): TableKey {
  return { PK: `${WEBHOOK_PARTITION}#SENT#${id}`, SK: eventId };
}
