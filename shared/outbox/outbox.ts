import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { noteCountedDelivery } from "../connections/store.ts";
import type { Deps } from "../core/deps.ts";
import { TIMELINE_PREFIX } from "../entities/timeline.ts";
import { webhookEventOf } from "../webhooks/deliver.ts";
import type { WebhookDelivery, WebhookQueue } from "../webhooks/queue.ts";
import { listEndpoints } from "../webhooks/store.ts";
import { eventsFromRecords } from "./events.ts";

/**
 * The outbox: the domain events of a batch of stream records (shared/outbox/events.ts) go onto the
 * event bus, then one delivery per (event, endpoint that wants it) onto the webhook delivery
 * queue. Anything failing throws, so the stream hands the batch over again: the events carry the
 * same ids the second time, the bus's consumers and the webhook sender drop what they already
 * had, and nothing a write stored is lost because a publish failed after it.
 */
export async function runOutbox(deps: Deps, records: readonly DynamoDBRecord[], queue?: WebhookQueue): Promise<{ events: number; deliveries: number }> {
  await noteShopDeliveries(deps, records);
  const events = eventsFromRecords(records);
  if (events.length === 0) return { events: 0, deliveries: 0 };
  await deps.bus.publish(events);
  if (!queue) return { events: events.length, deliveries: 0 };
  const endpoints = await listEndpoints(deps);
  const deliveries: WebhookDelivery[] = [];
  for (const event of events) {
    for (const endpoint of endpoints) {
      if (endpoint.events.includes(event.type)) deliveries.push({ endpointId: endpoint.id, event: webhookEventOf(event), attempt: 0 });
    }
  }
  if (deliveries.length) await queue.enqueue(deliveries);
  return { events: events.length, deliveries: deliveries.length };
}

/**
 * A purchase or refund a shop's webhook recorded (its timeline entry names the platform and the
 * delivery's event) is noted on the connection as its last delivery, here rather than in the
 * webhook's request.
 */
async function noteShopDeliveries(deps: Deps, records: readonly DynamoDBRecord[]): Promise<void> {
  for (const record of records) {
    if (record.eventName !== "INSERT" || !record.dynamodb?.Keys?.SK?.S?.startsWith(TIMELINE_PREFIX) || !record.dynamodb.NewImage) continue;
    const item = unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>) as {
      id?: string;
      kind?: string;
      data?: { data?: { platform?: unknown; event?: unknown } };
    };
    const shop = item.data?.data;
    if ((item.kind !== "purchase" && item.kind !== "refund") || typeof shop?.platform !== "string" || typeof shop.event !== "string" || !item.id) continue;
    await noteCountedDelivery(deps, shop.platform, shop.event, item.id);
  }
}
