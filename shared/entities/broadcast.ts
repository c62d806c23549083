import type { TableKey } from "./table.ts";

/**
 * Keys of newsletters (broadcasts), access pattern 26:
 * - a broadcast by id, all broadcasts: `BROADCAST` / `nl-<ulid>`: a small item (name, segment,
 *   send time, state, counts), so the list is one Query and the sender's per-batch state check
 *   reads a fraction of a unit;
 * - its letters: `BROADCAST#<id>` / `TEMPLATES`, written once (they never change after creation);
 * - its skip and deferral counters: `BROADCAST#<id>` / `STATS`;
 * - its recipients waiting for their send time, by time: `BROADCAST#<id>` / `WAIT#<dueAt>#<part>`,
 *   each holding up to `WAIT_CHUNK` customer ids (a whole time zone's members in a few items),
 *   or one id for a send the sender deferred. "Who is due now" is one Query of the range up to now.
 */
export const BROADCAST_PARTITION = "BROADCAST";
export const BROADCAST_PREFIX = "BROADCAST#";
/** Lower-case, so the id is also a valid campaign id (the ledger, the report counters and the SES tags use it as one). */
export const BROADCAST_ID_PATTERN = /^nl-[0-9a-hjkmnp-tv-z]{26}$/;
const WAIT_PREFIX = "WAIT#";
/** Customer ids per waiting item: 1,000 ids of ~26 characters stay near 30 KB, far from the 400 KB item limit. */
export const WAIT_CHUNK = 1000;

/** A new broadcast id from a ulid. */
export function broadcastId(ulid: string): string {
  return `nl-${ulid.toLowerCase()}`;
}

/** Whether a campaign id of the ledger or a send request is a broadcast's. */
export function isBroadcastId(id: string): boolean {
  return BROADCAST_ID_PATTERN.test(id);
}

/** A newsletter's small item: name, segment, send time, state, counts. */
export function broadcastKey(id: string): TableKey {
  return { PK: BROADCAST_PARTITION, SK: id };
}

/** The Query of every broadcast, without the table name. */
export function broadcastsQuery() {
  return { KeyConditionExpression: "PK = :pk", ExpressionAttributeValues: { ":pk": BROADCAST_PARTITION } };
}

/** A newsletter's letters, written once with it. */
export function broadcastTemplatesKey(id: string): TableKey {
  return { PK: `${BROADCAST_PREFIX}${id}`, SK: "TEMPLATES" };
}

/** A newsletter's skip (`skip#<reason>`) and deferral counters, added to by the start and the sender. */
export function broadcastStatsKey(id: string): TableKey {
  return { PK: `${BROADCAST_PREFIX}${id}`, SK: "STATS" };
}

/** A waiting item: `part` tells apart the chunks of one send time (a chunk number, or the one deferred customer's id). */
export function broadcastWaitKey(id: string, dueAt: string, part: string): TableKey {
  return { PK: `${BROADCAST_PREFIX}${id}`, SK: `${WAIT_PREFIX}${dueAt}#${part}` };
}

/** The Query of a broadcast's waiting items due at or before `now`, earliest first (or the first one at all: `now` omitted), without the table name. */
export function broadcastWaitQuery(id: string, now?: string) {
  return {
    KeyConditionExpression: "PK = :pk AND SK BETWEEN :from AND :until",
    ExpressionAttributeValues: { ":pk": `${BROADCAST_PREFIX}${id}`, ":from": WAIT_PREFIX, ":until": now ? `${WAIT_PREFIX}${now}#~` : `${WAIT_PREFIX}~` },
  };
}

/** The send time of a waiting item, from its sort key. */
export function waitDueAt(sk: string): string {
  return sk.slice(WAIT_PREFIX.length, sk.lastIndexOf("#"));
}
