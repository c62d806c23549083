import { createHash } from "node:crypto";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { isConditionFailed } from "../aws/db.ts";
import { customerKey } from "./customer.ts";

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

/**
 * Makes sure the customer is in the due index no later than `dueAt`: the entry moves earlier,
 * never later (a later fact never hides an earlier due time). The sweep re-evaluates everything
 * about a customer when their entry comes due, so an entry that turns out early is harmless: the
 * sweep finds nothing to send and moves it to the next real due time.
 *
 * One conditional UpdateItem; a no-op (condition not met) when an earlier entry already exists.
 */
export async function scheduleDue(deps: Deps, customerId: string, dueAt: string): Promise<void> {
  try {
    await deps.db.send(new UpdateCommand(scheduleDueUpdate(deps, customerId, dueAt)));
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

/** The same update as a transaction item, for writers that change the customer atomically with other items. */
export function scheduleDueUpdate(deps: Deps, customerId: string, dueAt: string) {
  const index = dueIndexKey(customerId, dueAt, deps.config.retention.dueShards);
  return {
    TableName: deps.table,
    Key: customerKey(customerId),
    UpdateExpression: "SET nextDueAt = :due, GSI2PK = :pk, GSI2SK = :sk",
    ConditionExpression: "attribute_exists(PK) AND (attribute_not_exists(nextDueAt) OR nextDueAt > :due)",
    ExpressionAttributeValues: { ":due": dueAt, ":pk": index.GSI2PK, ":sk": index.GSI2SK },
  };
}
