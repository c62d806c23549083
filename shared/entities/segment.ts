import type { TableKey } from "./table.ts";

/**
 * Keys of saved segments (access pattern 20: a segment by id, all segments). All in one small
 * partition, as campaigns are: a shop keeps tens of segments, and the list is one Query. A
 * segment's members are not stored: they are evaluated from the stage index (customer.ts) when
 * asked for, so they are never stale.
 */
export const SEGMENT_PARTITION = "SEGMENT";
export const SEGMENT_ID_PATTERN = /^seg_[0-9A-HJKMNP-TV-Z]{26}$/;

/** A new segment id from a ulid. */
export function segmentId(ulid: string): string {
  return `seg_${ulid}`;
}

export function segmentKey(id: string): TableKey {
  return { PK: SEGMENT_PARTITION, SK: id };
}

/** The Query of every saved segment, without the table name. */
export function segmentsQuery() {
  return { KeyConditionExpression: "PK = :pk", ExpressionAttributeValues: { ":pk": SEGMENT_PARTITION } };
}
