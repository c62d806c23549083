import { BatchGetCommand, type BatchGetCommandOutput, GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { cancellationCodes, isConditionFailed, queryAll } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { Conflict, NotFound, ValidationError } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { broadcastId, broadcastKey, broadcastStatsKey, broadcastsQuery, broadcastTemplatesKey } from "../entities/broadcast.ts";
import { campaignCounterKey } from "../entities/report.ts";
import { getSegment } from "../segments/store.ts";
import { type BroadcastMeta, type Templates, templatesOf } from "./campaign.ts";
import type { Broadcast, BroadcastInput, SendAt } from "./schema.ts";
import { firstSendTime } from "./timing.ts";

/**
 * Newsletters: create, read, schedule, cancel. The definition is a small item in one partition
 * and its letters an item of their own (shared/entities/broadcast.ts); the figures come from its
 * own counters (skips, deferrals) and the campaign report counters the stream keeps per campaign
 * id (sent, delivered, opened, clicked, unsubscribed, complained), since a newsletter is sent as a
 * campaign whose id is the newsletter's.
 */

type MetaItem = BroadcastMeta & { PK: string; SK: string; type: "broadcast" };

/**
 * Saves a newsletter as a draft, or scheduled when `sendAt` is given. A segment that does not
 * exist is a 400 naming `segmentId`.
 *
 * @param actor who created it (an API key id, or `person:<id>`).
 */
export async function createBroadcast(deps: Deps, input: BroadcastInput, actor: string): Promise<Broadcast> {
  await getSegment(deps, input.segmentId).catch((err) => {
    throw err instanceof NotFound ? ValidationError.field("segmentId", "no saved segment has this id") : err;
  });
  const now = deps.clock.now().toISOString();
  const id = broadcastId(ulid(deps.clock));
  const meta: MetaItem = {
    ...broadcastKey(id),
    type: "broadcast",
    id,
    name: input.name,
    segmentId: input.segmentId,
    state: "draft",
    languages: Object.keys(input.templates).sort(),
    createdAt: now,
    createdBy: actor,
  };
  if (input.sendAt) Object.assign(meta, scheduledFields(input.sendAt, now));
  await deps.db.send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: deps.table, Item: meta, ConditionExpression: "attribute_not_exists(PK)" } },
        { Put: { TableName: deps.table, Item: { ...broadcastTemplatesKey(id), type: "broadcast-templates", templates: input.templates } } },
      ],
    }),
  );
  return present(meta, {}, {});
}

/** The fields a schedule sets; a send time already past is a 400 naming `sendAt`. */
function scheduledFields(sendAt: SendAt, now: string): Pick<BroadcastMeta, "sendAt" | "state" | "scheduledAt" | "nextAt"> {
  const first = firstSendTime(sendAt);
  const last = typeof sendAt === "string" ? first : new Date(Date.parse(first) + 26 * 3_600_000).toISOString();
  if (last <= now) throw ValidationError.field("sendAt", "is in the past");
  return { sendAt, state: "scheduled", scheduledAt: now, nextAt: first };
}

/** Every newsletter, newest first, with its figures. */
export async function listBroadcasts(deps: Deps): Promise<{ items: Broadcast[] }> {
  const metas: MetaItem[] = [];
  for await (const item of queryAll(deps.db, { TableName: deps.table, ...broadcastsQuery() })) metas.push(item as unknown as MetaItem);
  metas.sort((a, b) => (a.id < b.id ? 1 : -1));
  const counters = await readCounters(
    deps,
    metas.map((m) => m.id),
  );
  return { items: metas.map((m) => present(m, counters.get(`r:${m.id}`) ?? {}, counters.get(`s:${m.id}`) ?? {})) };
}

/** One newsletter with its letters and figures. @throws NotFound */
export async function getBroadcast(deps: Deps, id: string): Promise<Broadcast & { templates: Templates }> {
  const meta = await getMeta(deps, id);
  const [counters, templates] = await Promise.all([readCounters(deps, [id]), templatesOf(deps, id)]);
  return { ...present(meta, counters.get(`r:${id}`) ?? {}, counters.get(`s:${id}`) ?? {}), templates: templates ?? {} };
}

async function getMeta(deps: Deps, id: string): Promise<MetaItem> {
  const out = await deps.db.send(new GetCommand({ TableName: deps.table, Key: broadcastKey(id), ConsistentRead: true }));
  if (!out.Item) throw new NotFound(`no newsletter ${id}`);
  return out.Item as MetaItem;
}

/**
 * Schedules a draft (or moves a scheduled newsletter's time) to `sendAt`, or to the time it was
 * created with. Once sending, sent or cancelled it cannot be rescheduled (409).
 */
export async function scheduleBroadcast(deps: Deps, id: string, sendAt: SendAt | undefined): Promise<Broadcast> {
  const meta = await getMeta(deps, id);
  const when = sendAt ?? meta.sendAt;
  if (!when) throw ValidationError.field("sendAt", "is required: this draft has no send time");
  const fields = scheduledFields(when, deps.clock.now().toISOString());
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: broadcastKey(id),
        UpdateExpression: "SET sendAt = :sendAt, #state = :scheduled, scheduledAt = :at, nextAt = :next",
        ConditionExpression: "#state IN (:draft, :scheduled)",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: {
          ":sendAt": fields.sendAt,
          ":scheduled": "scheduled",
          ":draft": "draft",
          ":at": fields.scheduledAt,
          ":next": fields.nextAt,
        },
      }),
    );
  } catch (err) {
    if (isConditionFailed(err))
      throw new Conflict("not_schedulable", `newsletter ${id} is ${(await getMeta(deps, id)).state}: only a draft or a scheduled one can be scheduled`);
    throw err;
  }
  return getBroadcast(deps, id).then(({ templates: _t, ...b }) => b);
}

/**
 * Cancels a newsletter before or during its send: it leaves the schedule (its start is deleted),
 * and every send still queued or waiting is skipped by the sender, which reads the state for
 * each batch. One already sent whole cannot be cancelled (409).
 */
export async function cancelBroadcast(deps: Deps, id: string): Promise<Broadcast> {
  const current = await getBroadcast(deps, id);
  if (current.state === "sent") throw new Conflict("not_cancellable", `newsletter ${id} is sent: every recipient has had it (or was skipped)`);
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: broadcastKey(id),
        UpdateExpression: "SET #state = :cancelled, cancelledAt = :at REMOVE nextAt",
        ConditionExpression: "#state IN (:draft, :scheduled, :sending)",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: {
          ":cancelled": "cancelled",
          ":at": deps.clock.now().toISOString(),
          ":draft": "draft",
          ":scheduled": "scheduled",
          ":sending": "sending",
        },
      }),
    );
  } catch (err) {
    if (isConditionFailed(err) || cancellationCodes(err)?.[0] === "ConditionalCheckFailed")
      throw new Conflict(
        "not_cancellable",
        `newsletter ${id} is ${(await getMeta(deps, id)).state}: only a draft, a scheduled or a sending one can be cancelled`,
      );
    throw err;
  }
  return getBroadcast(deps, id).then(({ templates: _t, ...b }) => b);
}

/** The report counters (`r:<id>`) and the newsletter's own counters (`s:<id>`) of `ids`, in BatchGetItems of 100 keys. */
async function readCounters(deps: Deps, ids: string[]): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  const keys = ids.flatMap((id) => [campaignCounterKey(id), broadcastStatsKey(id)]);
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + 100);
    for (let attempt = 0; pending?.length && attempt < 5; attempt++) {
      const res: BatchGetCommandOutput = await deps.db.send(new BatchGetCommand({ RequestItems: { [deps.table]: { Keys: pending } } }));
      for (const item of res.Responses?.[deps.table] ?? []) {
        const sk = String(item.SK);
        if (String(item.PK).startsWith("REPORT#")) out.set(`r:${sk}`, item);
        else out.set(`s:${String(item.PK).slice("BROADCAST#".length)}`, item);
      }
      pending = res.UnprocessedKeys?.[deps.table]?.Keys;
    }
  }
  return out;
}

/**
 * The state as people read it: the stored one, except that a newsletter sending with nothing left
 * waiting and every queued send dealt with (the sent counter follows the stream, a moment later)
 * is `sent`.
 */
function stateOf(meta: BroadcastMeta, outstanding: number): Broadcast["state"] {
  return meta.state === "sending" && !meta.nextAt && outstanding <= 0 ? "sent" : meta.state;
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** The answer's shape from the stored item and the counters. */
function present(meta: MetaItem, report: Record<string, unknown>, stats: Record<string, unknown>): Broadcast {
  const skippedReasons: Record<string, number> = {};
  for (const [name, value] of Object.entries(stats)) if (name.startsWith("skip#")) skippedReasons[name.slice(5)] = num(value);
  const recipients = num(meta.recipients);
  const queued = num(meta.queued);
  const skipped = Object.entries(stats)
    .filter(([name]) => name.startsWith("skip#"))
    .reduce((n, [, v]) => n + num(v), 0);
  const deferred = num(stats.deferred);
  // Every queued send dealt with: sent, skipped at send time, or deferred (and queued again later).
  const outstanding = queued - deferred - num(report.sent) - num(stats.skippedAtSend);
  return {
    id: meta.id,
    name: meta.name,
    segmentId: meta.segmentId,
    ...(meta.sendAt ? { sendAt: meta.sendAt } : {}),
    state: stateOf(meta, outstanding),
    languages: meta.languages,
    createdAt: meta.createdAt,
    ...(meta.scheduledAt ? { scheduledAt: meta.scheduledAt } : {}),
    ...(meta.cancelledAt ? { cancelledAt: meta.cancelledAt } : {}),
    ...(meta.nextAt ? { nextAt: meta.nextAt } : {}),
    counts: {
      recipients,
      queued,
      waiting: Math.max(0, num(meta.eligible) + deferred - queued),
      sent: num(report.sent),
      skipped,
      skippedReasons,
      deferred,
      delivered: num(report.delivered),
      opened: num(report.opened),
      clicked: num(report.clicked),
      unsubscribed: num(report.unsubscribed),
      complained: num(report.complained),
      bounced: num(report.bounced),
    },
  };
}
