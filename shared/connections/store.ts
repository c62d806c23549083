import { DeleteCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionFailed, queryAll } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { CONNECTION_PARTITION, connectionKey, connectionProblemKey, connectionSkPrefix, parseConnectionSk } from "../entities/connection.ts";
import type { Platform } from "./platforms.ts";
import { hookPath, isPlatform, PLATFORMS } from "./platforms.ts";

/** A problem is shown for this long after it was last seen (and then expires from the table). */
const PROBLEM_DAYS = 30;

export type DeliveryOutcome = "counted" | "duplicate" | "not_counted" | "updated" | "ignored";

export interface ConnectionProblem {
  kind: string;
  message: string;
  count: number;
  firstAt: string;
  lastAt: string;
  /** Ids of the latest delivery that had it (event, order): never a customer's data. */
  example?: Record<string, string>;
}

export interface ConnectionView {
  platform: Platform;
  /** What to paste into the platform's webhook settings. */
  endpoint: string;
  addedAt: string;
  deliveries: number;
  lastDelivery: { at: string; event: string; outcome: DeliveryOutcome } | null;
  problems: ConnectionProblem[];
}

/** Marks a platform as connected (its secret is stored separately); keeps the first `addedAt`. */
export async function addConnection(deps: Deps, platform: Platform): Promise<void> {
  const now = deps.clock.now().toISOString();
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.table,
      Key: connectionKey(platform),
      UpdateExpression: "SET #type = :type, platform = :platform, addedAt = if_not_exists(addedAt, :now), updatedAt = :now",
      ExpressionAttributeNames: { "#type": "type" },
      ExpressionAttributeValues: { ":type": "connection", ":platform": platform, ":now": now },
    }),
  );
}

/** Removes a connection with its problems. False when there was none. */
export async function removeConnection(deps: Deps, platform: Platform): Promise<boolean> {
  let found = false;
  for await (const item of queryAll(deps.db, {
    TableName: deps.table,
    KeyConditionExpression: "PK = :pk AND begins_with(SK, :sk)",
    ExpressionAttributeValues: { ":pk": CONNECTION_PARTITION, ":sk": connectionSkPrefix(platform) },
    ProjectionExpression: "PK, SK",
  })) {
    found = true;
    await deps.db.send(new DeleteCommand({ TableName: deps.table, Key: { PK: item.PK, SK: item.SK } }));
  }
  return found;
}

/** Every connection with its endpoint, last delivery and current problems: one Query. */
export async function listConnections(deps: Deps): Promise<ConnectionView[]> {
  const result = await deps.db.send(
    new QueryCommand({ TableName: deps.table, KeyConditionExpression: "PK = :pk", ExpressionAttributeValues: { ":pk": CONNECTION_PARTITION } }),
  );
  const now = deps.clock.now().getTime();
  const views = new Map<string, ConnectionView>();
  const problems: [string, ConnectionProblem][] = [];
  for (const item of result.Items ?? []) {
    const { platform, problem } = parseConnectionSk(String(item.SK));
    if (!isPlatform(platform)) continue;
    if (problem) {
      // TTL deletes lazily: an expired problem is gone as far as anyone reading is concerned.
      if (typeof item.expiresAt === "number" && item.expiresAt * 1000 < now) continue;
      problems.push([
        platform,
        {
          kind: problem,
          message: String(item.message ?? ""),
          count: Number(item.count ?? 0),
          firstAt: String(item.firstAt ?? ""),
          lastAt: String(item.lastAt ?? ""),
          ...(item.example ? { example: item.example as Record<string, string> } : {}),
        },
      ]);
      continue;
    }
    views.set(platform, {
      platform,
      endpoint: `${deps.config.publicBaseUrl}${hookPath(platform)}`,
      addedAt: String(item.addedAt ?? ""),
      deliveries: Number(item.deliveries ?? 0),
      lastDelivery: item.lastDeliveryAt
        ? { at: String(item.lastDeliveryAt), event: String(item.lastEvent ?? ""), outcome: String(item.lastOutcome ?? "") as DeliveryOutcome }
        : null,
      problems: [],
    });
  }
  for (const [platform, problem] of problems) views.get(platform)?.problems.push(problem);
  for (const view of views.values()) view.problems.sort((a, b) => b.lastAt.localeCompare(a.lastAt));
  return PLATFORMS.flatMap((p) => (views.has(p) ? [views.get(p)!] : []));
}

/**
 * Notes a verified delivery on its connection: one small UpdateItem, outside the order's
 * transaction so concurrent deliveries never conflict over it. A connection removed meanwhile
 * is not brought back.
 */
export async function noteDelivery(deps: Deps, platform: Platform, event: string, outcome: DeliveryOutcome): Promise<void> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: connectionKey(platform),
        UpdateExpression: "SET lastDeliveryAt = :at, lastEvent = :event, lastOutcome = :outcome ADD deliveries :one",
        ConditionExpression: "attribute_exists(PK)",
        ExpressionAttributeValues: { ":at": deps.clock.now().toISOString(), ":event": event.slice(0, 100), ":outcome": outcome, ":one": 1 },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

/**
 * Notes a counted order or refund on its connection, from its timeline entry on the table's
 * stream. The entry's id makes a redelivered stream record count once.
 */
export async function noteCountedDelivery(deps: Deps, platform: string, event: string, entryId: string): Promise<void> {
  if (!isPlatform(platform)) return;
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: connectionKey(platform),
        UpdateExpression: "SET lastDeliveryAt = :at, lastEvent = :event, lastOutcome = :outcome, lastEntry = :entry ADD deliveries :one",
        ConditionExpression: "attribute_exists(PK) AND (attribute_not_exists(lastEntry) OR lastEntry <> :entry)",
        ExpressionAttributeValues: {
          ":at": deps.clock.now().toISOString(),
          ":event": event.slice(0, 100),
          ":outcome": "counted",
          ":entry": entryId,
          ":one": 1,
        },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

/**
 * Records a problem on the connection: one item per kind, counted, with the latest example's
 * ids, so a thousand orders in the wrong currency are one line on the connections page.
 */
export async function noteProblem(deps: Deps, platform: Platform, problem: { kind: string; message: string; example?: Record<string, string> }): Promise<void> {
  const now = deps.clock.now();
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.table,
      Key: connectionProblemKey(platform, problem.kind),
      UpdateExpression: `SET #type = :type, message = :message, lastAt = :now, firstAt = if_not_exists(firstAt, :now), expiresAt = :expires${problem.example ? ", example = :example" : ""} ADD #count :one`,
      ExpressionAttributeNames: { "#type": "type", "#count": "count" },
      ExpressionAttributeValues: {
        ":type": "connection_problem",
        ":message": problem.message,
        ":now": now.toISOString(),
        ":expires": Math.floor(now.getTime() / 1000) + PROBLEM_DAYS * 86_400,
        ":one": 1,
        ...(problem.example ? { ":example": problem.example } : {}),
      },
    }),
  );
}
