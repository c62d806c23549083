import { customerPk } from "./customer.ts";

/**
 * Keys of timeline entries, stored in the customer's own partition.
 *
 * Access pattern 2: a customer's timeline newest first, paged: Query `PK = CUST#<id>` and
 * `begins_with(SK, "TL#")`, ScanIndexForward=false. The sort key starts with the time the thing
 * happened (not when it was recorded), so a backfilled purchase lands in its place; the entry id
 * makes it unique.
 */
export const TIMELINE_PREFIX = "TL#";

export function timelineKey(customerId: string, at: string, entryId: string): { PK: string; SK: string } {
  return { PK: customerPk(customerId), SK: `${TIMELINE_PREFIX}${at}#${entryId}` };
}
