import { randomBytes } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionFailed, queryAll } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { NotFound, ValidationError } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { DOMAIN_EVENT_TYPES, type DomainEventType } from "../core/ports.ts";
import { WEBHOOK_PARTITION, webhookDeadLetterKey, webhookDeadLetterPartition, webhookDeliveredKey, webhookKey } from "../entities/webhook.ts";
import type { WebhookDelivery } from "./queue.ts";
import type { WebhookSecrets } from "./secrets.ts";

/** How long a delivered marker is kept: longer than any stream or queue redelivery of the event. */
const DELIVERED_DAYS = 3;
/** Dead letters shown per endpoint (the newest). */
const RECENT_DEAD_LETTERS = 5;
/** Dead letters are kept this long, then expire. */
const DEAD_LETTER_DAYS = 30;

export interface LastDelivery {
  at: string;
  eventType: string;
  ok: boolean;
  /** The receiver's HTTP status; absent when it did not answer (refused, timed out). */
  status?: number;
  /** Why it failed without an answer (a short code, never the receiver's body). */
  error?: string;
}

export interface DeadLetter {
  at: string;
  eventId: string;
  eventType: string;
  attempts: number;
  lastError: string;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: DomainEventType[];
  description?: string;
  createdAt: string;
  deliveries: number;
  failures: number;
  deadLetters: number;
  lastDelivery: LastDelivery | null;
}

export interface WebhookView extends WebhookEndpoint {
  recentDeadLetters: DeadLetter[];
}

interface EndpointItem extends WebhookEndpoint {
  PK: string;
  SK: string;
  type: "webhook";
}

/** `whsec_` and 32 random bytes in base64, as Standard Webhooks secrets are written. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** Checks an endpoint's URL and events; bad ones are a ValidationError naming the field. */
export function checkEndpointInput(input: { url: string; events: readonly string[] }): { url: string; events: DomainEventType[] } {
  let url: URL;
  try {
    url = new URL(input.url.trim());
  } catch {
    throw ValidationError.field("url", "must be an absolute http(s) URL");
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password)
    throw ValidationError.field("url", "must be an http(s) URL without credentials in it");
  const events = [...new Set(input.events.map((e) => e.trim()).filter(Boolean))];
  if (events.length === 0) throw ValidationError.field("events", `name at least one event: ${DOMAIN_EVENT_TYPES.join(", ")}`);
  const unknown = events.filter((e) => !(DOMAIN_EVENT_TYPES as readonly string[]).includes(e));
  if (unknown.length) throw ValidationError.field("events", `unknown event ${unknown.join(", ")}: use ${DOMAIN_EVENT_TYPES.join(", ")}`);
  return { url: url.toString(), events: events as DomainEventType[] };
}

/**
 * Adds an endpoint: generates its signing secret, stores it (before the endpoint exists, so no
 * delivery is ever attempted without one) and answers the endpoint with the secret, the only time
 * the secret is shown.
 */
export async function addWebhook(
  deps: Deps,
  secrets: WebhookSecrets,
  input: { url: string; events: readonly string[]; description?: string },
): Promise<{ endpoint: WebhookView; secret: string }> {
  const { url, events } = checkEndpointInput(input);
  const id = `wh_${ulid(deps.clock)}`;
  const secret = newWebhookSecret();
  await secrets.put(id, secret);
  const endpoint: WebhookEndpoint = {
    id,
    url,
    events,
    ...(input.description?.trim() ? { description: input.description.trim().slice(0, 200) } : {}),
    createdAt: deps.clock.now().toISOString(),
    deliveries: 0,
    failures: 0,
    deadLetters: 0,
    lastDelivery: null,
  };
  const item: EndpointItem = { ...webhookKey(id), type: "webhook", ...endpoint };
  await deps.db.send(new PutCommand({ TableName: deps.table, Item: item }));
  return { endpoint: { ...endpoint, recentDeadLetters: [] }, secret };
}

function endpointOf(item: Record<string, unknown>): WebhookEndpoint {
  const e = item as unknown as EndpointItem;
  return {
    id: e.id,
    url: e.url,
    events: e.events ?? [],
    ...(e.description ? { description: e.description } : {}),
    createdAt: e.createdAt,
    deliveries: e.deliveries ?? 0,
    failures: e.failures ?? 0,
    deadLetters: e.deadLetters ?? 0,
    lastDelivery: e.lastDelivery ?? null,
  };
}

/** Every endpoint with its counters (one Query): what the outbox fans events out to. */
export async function listEndpoints(deps: Deps): Promise<WebhookEndpoint[]> {
  const endpoints: WebhookEndpoint[] = [];
  for await (const item of queryAll(deps.db, {
    TableName: deps.table,
    KeyConditionExpression: "PK = :pk",
    ExpressionAttributeValues: { ":pk": WEBHOOK_PARTITION },
  })) {
    endpoints.push(endpointOf(item));
  }
  return endpoints;
}

/** The endpoints with their newest dead letters: the webhooks page, `GET /v1/webhooks`, `rapport webhooks list`. */
export async function listWebhooks(deps: Deps): Promise<WebhookView[]> {
  const endpoints = await listEndpoints(deps);
  return Promise.all(endpoints.map(async (e) => ({ ...e, recentDeadLetters: e.deadLetters > 0 ? await recentDeadLetters(deps, e.id) : [] })));
}

async function recentDeadLetters(deps: Deps, id: string): Promise<DeadLetter[]> {
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: "PK = :pk",
      ExpressionAttributeValues: { ":pk": webhookDeadLetterPartition(id) },
      ScanIndexForward: false,
      Limit: RECENT_DEAD_LETTERS,
    }),
  );
  return (result.Items ?? []).map((i) => ({
    at: String(i.at),
    eventId: String(i.eventId),
    eventType: String(i.eventType),
    attempts: Number(i.attempts),
    lastError: String(i.lastError),
  }));
}

export async function getWebhook(deps: Deps, id: string): Promise<WebhookEndpoint | undefined> {
  const result = await deps.db.send(new GetCommand({ TableName: deps.table, Key: webhookKey(id) }));
  return result.Item ? endpointOf(result.Item) : undefined;
}

/** Removes an endpoint, its secret and its dead letters; NotFound when there is none. */
export async function removeWebhook(deps: Deps, secrets: WebhookSecrets, id: string): Promise<void> {
  try {
    await deps.db.send(new DeleteCommand({ TableName: deps.table, Key: webhookKey(id), ConditionExpression: "attribute_exists(PK)" }));
  } catch (err) {
    if (isConditionFailed(err)) throw new NotFound(`no webhook endpoint ${id}`);
    throw err;
  }
  // Deliveries still queued find no endpoint and are dropped; the secret goes after the endpoint.
  await secrets.remove(id);
  for await (const item of queryAll(deps.db, {
    TableName: deps.table,
    KeyConditionExpression: "PK = :pk",
    ExpressionAttributeValues: { ":pk": webhookDeadLetterPartition(id) },
    ProjectionExpression: "PK, SK",
  })) {
    await deps.db.send(new DeleteCommand({ TableName: deps.table, Key: { PK: item.PK, SK: item.SK } }));
  }
}

/** Notes an attempt on the endpoint (its counters and last delivery); an endpoint removed meanwhile is left alone. */
export async function recordAttempt(deps: Deps, id: string, last: LastDelivery): Promise<void> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: webhookKey(id),
        UpdateExpression: `SET lastDelivery = :last ADD ${last.ok ? "deliveries" : "failures"} :one`,
        ConditionExpression: "attribute_exists(PK)",
        ExpressionAttributeValues: { ":last": last, ":one": 1 },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

/**
 * Claims an event's delivery to an endpoint for one attempt: a conditional put of its marker that
 * succeeds only when no one delivered it yet and no other attempt holds it (a lease of `leaseMs`,
 * so an attempt that crashed does not block the retries). False: delivered already, or being
 * delivered right now by a copy of the same message (a redelivered stream batch or queue message).
 */
export async function claimDelivery(deps: Deps, id: string, eventId: string, leaseMs: number): Promise<boolean> {
  const now = deps.clock.now();
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.table,
        Item: {
          ...webhookDeliveredKey(id, eventId),
          type: "webhook_delivery",
          state: "sending",
          leaseUntil: now.getTime() + leaseMs,
          expiresAt: Math.floor(now.getTime() / 1000) + DELIVERED_DAYS * 86_400,
        },
        ConditionExpression: "attribute_not_exists(PK) OR (#state <> :delivered AND leaseUntil < :now)",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: { ":delivered": "delivered", ":now": now.getTime() },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}

/** Ends an attempt's claim: `delivered` for good, or released for the next attempt. */
export async function settleDelivery(deps: Deps, id: string, eventId: string, delivered: boolean): Promise<void> {
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.table,
      Key: webhookDeliveredKey(id, eventId),
      UpdateExpression: "SET #state = :state, leaseUntil = :zero",
      ExpressionAttributeNames: { "#state": "state" },
      ExpressionAttributeValues: { ":state": delivered ? "delivered" : "failed", ":zero": 0 },
    }),
  );
}

/** Gives a delivery up: keeps it (the event, not just its id, so it can be looked at) and counts it on the endpoint. */
export async function deadLetter(deps: Deps, delivery: WebhookDelivery, lastError: string): Promise<void> {
  const now = deps.clock.now();
  const at = now.toISOString();
  await deps.db.send(
    new PutCommand({
      TableName: deps.table,
      Item: {
        ...webhookDeadLetterKey(delivery.endpointId, at, delivery.event.id),
        type: "webhook_dead_letter",
        at,
        eventId: delivery.event.id,
        eventType: delivery.event.type,
        event: delivery.event,
        attempts: delivery.attempt,
        lastError,
        expiresAt: Math.floor(now.getTime() / 1000) + DEAD_LETTER_DAYS * 86_400,
      },
    }),
  );
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: webhookKey(delivery.endpointId),
        UpdateExpression: "ADD deadLetters :one",
        ConditionExpression: "attribute_exists(PK)",
        ExpressionAttributeValues: { ":one": 1 },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}
