import { DeleteCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { batchWrite, cancellationCodes, isConditionFailed, queryAll } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import type { SendQueue, SendRequest } from "../core/ports.ts";
import { broadcastKey, broadcastStatsKey, broadcastsQuery, broadcastWaitKey, broadcastWaitQuery, WAIT_CHUNK, waitDueAt } from "../entities/broadcast.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { blockedReason } from "../retention/evaluate.ts";
import { evaluateSegment } from "../segments/evaluate.ts";
import type { SegmentDefinition } from "../segments/match.ts";
import { getSegment } from "../segments/store.ts";
import { type BroadcastMeta, broadcastCampaign, templatesOf } from "./campaign.ts";
import { recipientSendTime } from "./timing.ts";

/**
 * Starting and feeding a newsletter's send. Run by the function its one-time schedule invokes (on
 * AWS) and by every local sweep (`rapport sweep --at`, `POST /v1/sweeps`, npm start's timer):
 *
 * 1. **Expand** (once, when its first send time comes): evaluate the segment (the stage index,
 *    projected; never a Scan), skip at once the members no guardrail would let through (no
 *    marketing consent, an address that bounced or complained, newsletters switched off: the
 *    sender checks all of it again), and put the others on the newsletter's waiting list by their
 *    send time (their local time, in their zone), up to 1,000 ids per item. Then the state moves
 *    scheduled → sending with a conditional write: of two runs, one expands.
 * 2. **Release** (every time its next send time comes): each waiting item due by now goes to the
 *    send queue (one request per member, ledger occurrence = the newsletter id) and is deleted;
 *    `nextAt` moves to the next waiting item, or away when none is left; the newsletter reads as
 *    `sent` once the sender has dealt with every queued send (shared/broadcasts/store.ts).
 *
 * A run that dies midway is repeated whole by the next: a waiting item is deleted only after its
 * requests are queued, and queuing one twice sends once (the sender's ledger claim).
 */

export interface BroadcastRunResult {
  /** Newsletters started (segment expanded). */
  started: number;
  /** Send requests handed to the queue. */
  queued: number;
}

/** Expands and releases every newsletter due by `at`. */
export async function runDueBroadcasts(deps: Deps, queue: SendQueue, at: Date): Promise<BroadcastRunResult> {
  const now = at.toISOString();
  const due: BroadcastMeta[] = [];
  for await (const item of queryAll(deps.db, { TableName: deps.table, ...broadcastsQuery(), ConsistentRead: true })) {
    const meta = item as unknown as BroadcastMeta;
    if ((meta.state === "scheduled" || meta.state === "sending") && meta.nextAt && meta.nextAt <= now) due.push(meta);
  }
  const result: BroadcastRunResult = { started: 0, queued: 0 };
  for (const meta of due) {
    if (meta.state === "scheduled") {
      if (!(await expand(deps, meta, at))) continue;
      result.started++;
    }
    result.queued += await release(deps, queue, meta.id, now);
  }
  if (due.length > 0) deps.logger.info("newsletters", { due: due.length, ...result });
  return result;
}

/** Members' attributes the up-front guardrails and the send time need (beyond the segment's own). */
const MEMBER_ATTRIBUTES = ["timezone", "consentMarketing", "emailStatus", "mailPreferences"];

/** Step 1. Answers whether this run expanded it (false: another run did, or it was cancelled meanwhile). */
async function expand(deps: Deps, meta: BroadcastMeta, at: Date): Promise<boolean> {
  const templates = await templatesOf(deps, meta.id);
  const segment = await getSegment(deps, meta.segmentId).catch(() => undefined);
  const campaign = broadcastCampaign({ ...meta, state: "sending" }, templates ?? {});
  const skips = new Map<string, number>();
  const byTime = new Map<string, string[]>();
  let recipients = 0;
  if (segment && templates && meta.sendAt) {
    const { members } = await evaluateSegment(deps, segment as unknown as SegmentDefinition, MEMBER_ATTRIBUTES);
    recipients = members.length;
    for (const member of members) {
      const reason = blockedReason(campaign, member as unknown as CustomerItem, undefined);
      if (reason) {
        skips.set(reason, (skips.get(reason) ?? 0) + 1);
        continue;
      }
      const when = recipientSendTime(meta.sendAt, typeof member.timezone === "string" ? member.timezone : undefined);
      let ids = byTime.get(when);
      if (!ids) byTime.set(when, (ids = []));
      ids.push(String(member.id));
    }
  }
  // A segment deleted since scheduling has no members: the newsletter goes to nobody and is done.
  // Sorted, so a repeated run writes the same chunks under the same keys.
  const writes = [...byTime].flatMap(([when, ids]) => {
    ids.sort();
    const chunks: { when: string; ids: string[]; part: number }[] = [];
    for (let i = 0; i < ids.length; i += WAIT_CHUNK) chunks.push({ when, ids: ids.slice(i, i + WAIT_CHUNK), part: i / WAIT_CHUNK });
    return chunks;
  });
  await batchWrite(
    deps.db,
    deps.table,
    writes.map((w) => ({
      PutRequest: { Item: { ...broadcastWaitKey(meta.id, w.when, String(w.part).padStart(4, "0")), type: "broadcast-wait", ids: w.ids } },
    })),
    { inFlight: 4 },
  );
  const eligible = writes.reduce((n, w) => n + w.ids.length, 0);
  const stats = [...skips].filter(([, n]) => n > 0);
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: deps.table,
              Key: broadcastKey(meta.id),
              UpdateExpression: "SET #state = :sending, recipients = :recipients, eligible = :eligible, startedAt = :at, queued = :zero",
              ConditionExpression: "#state = :scheduled AND nextAt = :next",
              ExpressionAttributeNames: { "#state": "state" },
              ExpressionAttributeValues: {
                ":sending": "sending",
                ":scheduled": "scheduled",
                ":next": meta.nextAt,
                ":recipients": recipients,
                ":eligible": eligible,
                ":at": at.toISOString(),
                ":zero": 0,
              },
            },
          },
          ...(stats.length > 0
            ? [
                {
                  Update: {
                    TableName: deps.table,
                    Key: broadcastStatsKey(meta.id),
                    UpdateExpression: `ADD ${stats.map((_, i) => `#s${i} :s${i}`).join(", ")}`,
                    ExpressionAttributeNames: Object.fromEntries(stats.map(([reason], i) => [`#s${i}`, `skip#${reason}`])),
                    ExpressionAttributeValues: Object.fromEntries(stats.map(([, n], i) => [`:s${i}`, n])),
                  },
                },
              ]
            : []),
        ],
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err) || cancellationCodes(err)?.[0] === "ConditionalCheckFailed") return false;
    throw err;
  }
}

/** Step 2. Answers how many requests it queued. */
async function release(deps: Deps, queue: SendQueue, id: string, now: string): Promise<number> {
  let queued = 0;
  for await (const item of queryAll(deps.db, { TableName: deps.table, ...broadcastWaitQuery(id, now), ConsistentRead: true })) {
    const dueAt = waitDueAt(String(item.SK));
    const ids = Array.isArray(item.ids) ? (item.ids as string[]) : [];
    const requests: SendRequest[] = ids.map((customerId) => ({ customerId, campaignId: id, occurrence: id, dueAt }));
    if (requests.length > 0) await queue.enqueue(requests);
    await deps.db.send(new DeleteCommand({ TableName: deps.table, Key: { PK: item.PK, SK: item.SK } }));
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: broadcastKey(id),
        UpdateExpression: "ADD queued :n",
        ExpressionAttributeValues: { ":n": requests.length },
      }),
    );
    queued += requests.length;
  }
  await moveNext(deps, id);
  return queued;
}

/**
 * `nextAt` to the first waiting item, or away when nothing waits (the state stays `sending`: the
 * queued sends are still being sent; it reads as `sent` once all are dealt with). Never on a
 * cancelled newsletter.
 */
async function moveNext(deps: Deps, id: string): Promise<void> {
  const firstWaiting = async () => {
    const first = await deps.db.send(new QueryCommand({ TableName: deps.table, ...broadcastWaitQuery(id), Limit: 1, ConsistentRead: true }));
    return first.Items?.[0] ? waitDueAt(String(first.Items[0].SK)) : undefined;
  };
  const next = await firstWaiting();
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: broadcastKey(id),
        ...(next
          ? { UpdateExpression: "SET nextAt = :next", ExpressionAttributeValues: { ":next": next, ":sending": "sending" } }
          : { UpdateExpression: "REMOVE nextAt", ExpressionAttributeValues: { ":sending": "sending" } }),
        ConditionExpression: "#state = :sending",
        ExpressionAttributeNames: { "#state": "state" },
      }),
    );
  } catch (err) {
    if (isConditionFailed(err)) return; // cancelled meanwhile
    throw err;
  }
  if (next) return;
  // A deferral that wrote its item after the Query above found `nextAt` still set and left it: look once more.
  const late = await firstWaiting();
  if (late)
    await deps.db
      .send(
        new UpdateCommand({
          TableName: deps.table,
          Key: broadcastKey(id),
          UpdateExpression: "SET nextAt = :next",
          ConditionExpression: "#state = :sending AND (attribute_not_exists(nextAt) OR nextAt > :next)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":next": late, ":sending": "sending" },
        }),
      )
      .catch((err) => {
        if (!isConditionFailed(err)) throw err;
      });
}
