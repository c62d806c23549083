import { createHash } from "node:crypto";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionFailed, Update } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { customerUpdate } from "./customer.ts";

/**
 * The due index (GSI2), carried by the customer item while something is due for them. This module
 * is the only place that names its attributes: every writer moves an entry with `setDue`,
 * `setDueIfAbsent`, `setDueNoLaterThan` or `clearDue`, and the sweep reads it with `dueQuery`.
 *
 * Access pattern 5: "who is due now" costs in proportion to who is due: for each shard, Query
 * `GSI2PK = DUE#<shard> AND GSI2SK <= <now>#~`. The shard is a stable hash of the customer id,
 * so one customer's entry always lives in one partition. The sort key starts with the due time
 * (ISO 8601, so it sorts as time) and ends with the id, which makes it unique.
 *
 * Sparse: only customers with something due carry its keys. Keys only: the sweep reads the ids of
 * who is due, then just those customers, so a profile edit never writes the index.
 */
export const DUE_INDEX = { name: "GSI2", partitionKey: "GSI2PK", sortKey: "GSI2SK", projection: "KEYS_ONLY" } as const;

/** The due index attributes as the customer item carries them. */
export interface DueIndexKey {
  GSI2PK: string;
  GSI2SK: string;
}

export function dueIndexKey(customerId: string, dueAt: string, shards: number): DueIndexKey {
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

/** The Query of one shard's entries due at or before `now` (access pattern 5), without the table name. */
export function dueQuery(shard: number, now: string) {
  return {
    IndexName: DUE_INDEX.name,
    KeyConditionExpression: "GSI2PK = :pk AND GSI2SK <= :until",
    ExpressionAttributeValues: { ":pk": duePartition(shard), ":until": dueUntil(now) },
  };
}

/** The customer id of an entry `dueQuery` found: the sort key ends with it. */
export function dueCustomerId(entry: Record<string, unknown>): string {
  const sortKey = String(entry[DUE_INDEX.sortKey]);
  return sortKey.slice(sortKey.lastIndexOf("#") + 1);
}

/** The due attributes of a customer item written whole (a Put): the entry at `dueAt`. */
export function dueAttributes(customerId: string, dueAt: string, shards: number): { nextDueAt: string } & DueIndexKey {
  return { nextDueAt: dueAt, ...dueIndexKey(customerId, dueAt, shards) };
}

/** Puts the customer's entry at `dueAt`, earlier or later than where it was. */
export function setDue(update: Update, customerId: string, dueAt: string, shards: number): Update {
  const index = dueIndexKey(customerId, dueAt, shards);
  return update.set("nextDueAt", dueAt).set(DUE_INDEX.partitionKey, index.GSI2PK).set(DUE_INDEX.sortKey, index.GSI2SK);
}

/**
 * Puts the customer's entry at `dueAt` only when they have none (a new customer; a repeat's entry
 * is left alone).
 */
export function setDueIfAbsent(update: Update, customerId: string, dueAt: string, shards: number): Update {
  const index = dueIndexKey(customerId, dueAt, shards);
  return update.setIfNotExists("nextDueAt", dueAt).setIfNotExists(DUE_INDEX.partitionKey, index.GSI2PK).setIfNotExists(DUE_INDEX.sortKey, index.GSI2SK);
}

/**
 * Whether the customer's due-index entry is already there at or before `at` (so moving it would
 * only cost a write). A due time whose entry the stream has not written yet does not count.
 */
export function isDueInIndexBy(item: { nextDueAt?: string } & Partial<DueIndexKey>, at: string): boolean {
  return item.nextDueAt !== undefined && item.nextDueAt <= at && item[DUE_INDEX.partitionKey] !== undefined;
}

/**
 * A new customer's due time without its index entry: the change stream writes the entry a moment
 * later (`indexDueFromStream`), which keeps a new lead at four write units on the request path.
 */
export function setDueTimeIfAbsent(update: Update, dueAt: string): Update {
  return update.setIfNotExists("nextDueAt", dueAt);
}

/**
 * The stream's half of `setDueTimeIfAbsent`: puts the index entry for the due time the record
 * holds, on condition that it is still that time and no entry was written meanwhile (a purchase's
 * `setDue` writes all three attributes; then this one changes nothing).
 */
export function indexDueFromStream(update: Update, customerId: string, dueAt: string, shards: number): Update {
  const index = dueIndexKey(customerId, dueAt, shards);
  return update
    .set(DUE_INDEX.partitionKey, index.GSI2PK)
    .set(DUE_INDEX.sortKey, index.GSI2SK)
    .when((name, value) => `${name("nextDueAt")} = ${value(dueAt)} AND attribute_not_exists(${name(DUE_INDEX.partitionKey)})`);
}

/**
 * `setDue` on condition that the entry moves earlier, never later: the whole update fails its
 * condition (changes nothing) when an entry at or before `dueAt` already exists.
 */
export function setDueNoLaterThan(update: Update, customerId: string, dueAt: string, shards: number): Update {
  return setDue(update, customerId, dueAt, shards).when(
    (name, value) => `attribute_not_exists(${name("nextDueAt")}) OR ${name("nextDueAt")} > ${value(dueAt)}`,
  );
}

/** Takes the customer out of the due index: nothing is due. */
export function clearDue(update: Update): Update {
  return update.remove("nextDueAt", DUE_INDEX.partitionKey, DUE_INDEX.sortKey);
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
  const update = setDueNoLaterThan(new Update().when("attribute_exists(PK)"), customerId, dueAt, deps.config.retention.dueShards);
  try {
    await deps.db.send(new UpdateCommand(customerUpdate(deps.table, customerId, update)));
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}
