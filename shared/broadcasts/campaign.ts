import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionFailed } from "../aws/db.ts";
import type { Campaign, Template } from "../campaigns/schema.ts";
import type { Deps } from "../core/deps.ts";
import { NotFound } from "../core/errors.ts";
import { broadcastKey, broadcastStatsKey, broadcastTemplatesKey, broadcastWaitKey } from "../entities/broadcast.ts";
import type { BroadcastState, SendAt } from "./schema.ts";

/**
 * What the sender needs of a newsletter: the campaign it is sent as, read cheaply. No zod and no
 * segment code here: the sender's bundle carries this module.
 */

/** The small item of a broadcast (`BROADCAST` / `<id>`), as stored. */
export interface BroadcastMeta {
  id: string;
  name: string;
  segmentId: string;
  sendAt?: SendAt;
  state: BroadcastState;
  languages: string[];
  createdAt: string;
  createdBy: string;
  scheduledAt?: string;
  cancelledAt?: string;
  nextAt?: string;
  /** Members of the segment when it was expanded. */
  recipients?: number;
  /** Of them, those not skipped at once (consent, address, preferences): put on the waiting list. */
  eligible?: number;
  /** Handed to the send queue (a deferred recipient counts again when released). */
  queued?: number;
}

export type Templates = Record<string, Template>;

/**
 * The campaign a newsletter is sent as: marketing, category `newsletters`, to the customer, with
 * no audience filter (the segment chose the recipients) and no repeat. Enabled only while it is
 * sending, so a cancelled newsletter's queued sends are skipped by the sender.
 *
 * A broadcast has no trigger of the campaign kinds (the schedule starts it); `broadcast` matches
 * none of the trigger-specific branches of the composer and the guardrails, which is what it is for.
 */
export function broadcastCampaign(meta: Pick<BroadcastMeta, "id" | "name" | "state">, templates: Templates): Campaign {
  return {
    id: meta.id,
    name: meta.name,
    enabled: meta.state === "sending",
    kind: "marketing",
    category: "newsletters",
    recipient: "customer",
    trigger: { type: "broadcast" } as unknown as Campaign["trigger"],
    audience: {},
    minDaysBetween: 0,
    templates,
    isDefault: false,
  };
}

/** Letters never change after creation: one read per container and newsletter. */
const templateCache = new Map<string, Templates>();

/**
 * The campaigns of the newsletters `ids`, as of now: each newsletter's state is read again for
 * every batch (one small consistent read per newsletter), so a cancellation stops the sends still
 * queued within one batch; the letters come from the cache. An unknown id is left out (skipped).
 */
export async function broadcastCampaigns(deps: Pick<Deps, "db" | "table">, ids: Iterable<string>): Promise<Map<string, Campaign>> {
  const out = new Map<string, Campaign>();
  await Promise.all(
    [...new Set(ids)].map(async (id) => {
      const [meta, templates] = await Promise.all([
        deps.db.send(new GetCommand({ TableName: deps.table, Key: broadcastKey(id), ConsistentRead: true })).then((r) => r.Item as BroadcastMeta | undefined),
        templatesOf(deps, id),
      ]);
      if (meta && templates) out.set(id, broadcastCampaign(meta, templates));
    }),
  );
  return out;
}

/** A newsletter's letters (cached). */
export async function templatesOf(deps: Pick<Deps, "db" | "table">, id: string): Promise<Templates | undefined> {
  const cached = templateCache.get(id);
  if (cached) return cached;
  const item = (await deps.db.send(new GetCommand({ TableName: deps.table, Key: broadcastTemplatesKey(id) }))).Item;
  const templates = item?.templates as Templates | undefined;
  if (templates) templateCache.set(id, templates);
  return templates;
}

/**
 * A recipient the sender held back (frequency cap, quiet hours) waits in the newsletter's own
 * waiting list until `until`, rather than in the customer's due entry, which only knows the
 * campaigns; the newsletter's next time moves earlier if need be, which (re)schedules its start.
 */
export async function deferRecipient(deps: Pick<Deps, "db" | "table">, id: string, customerId: string, until: string): Promise<void> {
  await deps.db.send(
    new PutCommand({ TableName: deps.table, Item: { ...broadcastWaitKey(id, until, customerId), type: "broadcast-wait", ids: [customerId] } }),
  );
  await Promise.all([
    deps.db
      .send(
        new UpdateCommand({
          TableName: deps.table,
          Key: broadcastKey(id),
          UpdateExpression: "SET nextAt = :at",
          ConditionExpression: "#state = :sending AND (attribute_not_exists(nextAt) OR nextAt > :at)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":at": until, ":sending": "sending" },
        }),
      )
      .catch((err) => {
        // An earlier next time already covers it (or the newsletter was cancelled): nothing to move.
        if (!isConditionFailed(err)) throw err;
      }),
    countOutcome(deps, id, "deferred"),
  ]);
}

/**
 * Adds one to a newsletter's counter of skips for a reason (`skip#<reason>`) or of deferrals
 * (`deferred`). A skip at send time also counts as a queued send handled (`skippedAtSend`): with
 * the sent counter it tells when every queued send has been dealt with.
 */
export async function countOutcome(deps: Pick<Deps, "db" | "table">, id: string, counter: string): Promise<void> {
  const atSend = counter.startsWith("skip#");
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.table,
      Key: broadcastStatsKey(id),
      UpdateExpression: atSend ? "ADD #c :one, skippedAtSend :one" : "ADD #c :one",
      ExpressionAttributeNames: { "#c": counter },
      ExpressionAttributeValues: { ":one": 1 },
    }),
  );
}

/**
 * A newsletter as the campaign its preview and test send render, whatever its state (a draft is
 * what one previews). Throws NotFound for an unknown id.
 */
export async function loadBroadcastCampaign(deps: Pick<Deps, "db" | "table">, id: string): Promise<Campaign> {
  const [meta, templates] = await Promise.all([
    deps.db.send(new GetCommand({ TableName: deps.table, Key: broadcastKey(id), ConsistentRead: true })).then((r) => r.Item as BroadcastMeta | undefined),
    templatesOf(deps, id),
  ]);
  if (!meta || !templates) throw new NotFound(`no newsletter ${id}`);
  return broadcastCampaign(meta, templates);
}
