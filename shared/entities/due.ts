import { createHash } from "node:crypto";

/**
 * Keys of the due index (GSI2), carried by the customer item while something is due for them.
 *
 * Access pattern 4: "who is due now" costs in proportion to who is due: for each shard, Query
 * `GSI2PK = DUE#<shard> AND GSI2SK <= <now>#~`. The shard is a stable hash of the customer id,
 * so one customer's entry always lives in one partition. The sort key starts with the due time
 * (ISO 8601, so it sorts as time) and ends with the id, which makes it unique.
 */
export function dueIndexKey(customerId: string, dueAt: string, shards: number): { GSI2PK: string; GSI2SK: string } {
  return { GSI2PK: duePartition(dueShard(customerId, shards)), GSI2SK: `${dueAt}#${customerId}` };
}

export function duePartition(shard: number): string {
  return `DUE#${shard}`;
}

/** The upper bound of a due query: everything due at or before `now`. */
export function dueUntil(now: string): string {
  return `${now}#~`;
}

export function dueShard(customerId: string, shards: number): number {
  return createHash("sha256").update(customerId).digest().readUInt32BE(0) % shards;
}
