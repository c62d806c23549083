import { createHash } from "node:crypto";
import { customerPk } from "./customer.ts";
import type { TableKey } from "./table.ts";

/**
 * Keys of timeline entries, stored in the customer's own partition.
 *
 * Access pattern 3: a customer's timeline newest first, paged: Query `PK = CUST#<id>` and
 * `begins_with(SK, "TL#")`, ScanIndexForward=false. The sort key starts with the time the thing
 * happened (not when it was recorded), so a backfilled purchase lands in its place; the entry id
 * makes it unique.
 */
export const TIMELINE_PREFIX = "TL#";

export function timelineKey(customerId: string, at: string, entryId: string): TableKey {
  return { PK: customerPk(customerId), SK: `${TIMELINE_PREFIX}${at}#${entryId}` };
}

/**
 * A deterministic entry id for facts reported from outside that may arrive more than once (an SES
 * event redelivered by EventBridge): the same parts give the same id, so with the fact's own time
 * the same key, and a conditional put (`attribute_not_exists(PK)`) records it once.
 */
export function deterministicEntryId(...parts: string[]): string {
  return `x${createHash("sha256").update(parts.join("\u0000"), "utf8").digest("hex").slice(0, 25)}`;
}

/**
 * Keys of feedback markers: one per (customer, feedback link), pointing at the timeline entry that
 * link's score was recorded in (access pattern 14), so the same link clicked again (another score,
 * or a comment posted after the score) updates that entry instead of adding one: GetItem
 * `PK = CUST#<id>, SK = FB#<hash>`. They hold the entry's sort key and nothing about the person.
 */
export const FEEDBACK_MARKER_PREFIX = "FB#";

export function feedbackMarkerKey(customerId: string, linkKey: string): TableKey {
  return { PK: customerPk(customerId), SK: `${FEEDBACK_MARKER_PREFIX}${createHash("sha256").update(linkKey, "utf8").digest("hex").slice(0, 32)}` };
}
