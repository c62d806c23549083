import { BatchGetCommand, type BatchGetCommandOutput, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { ulid } from "../core/ids.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { customerKey } from "../entities/customer.ts";
import { emailKey } from "../entities/email.ts";
import { timelineKey } from "../entities/timeline.ts";
import type { TimelineItem } from "./item.ts";

/** Builds the item of a timeline entry for a customer. */
export function timelineItem(deps: Deps, customerId: string, entry: Omit<TimelineItem, "id">): Record<string, unknown> {
  const id = ulid(deps.clock);
  return {
    ...timelineKey(customerId, entry.at, id),
    type: "timeline",
    id,
    kind: entry.type,
    at: entry.at,
    summary: entry.summary,
    ...(entry.text ? { text: entry.text } : {}),
    data: entry.data,
    ...(entry.by ? { by: entry.by } : {}),
  };
}

export async function appendTimeline(deps: Deps, customerId: string, entry: Omit<TimelineItem, "id">): Promise<void> {
  await deps.db.send(new PutCommand({ TableName: deps.table, Item: timelineItem(deps, customerId, entry) }));
}

export async function getCustomerItem(deps: Deps, customerId: string, consistent = false): Promise<CustomerItem | undefined> {
  const result = await deps.db.send(new GetCommand({ TableName: deps.table, Key: customerKey(customerId), ConsistentRead: consistent }));
  return result.Item as CustomerItem | undefined;
}

/** BatchGetItem answers at most 100 keys; what it leaves unprocessed is asked again this many times. */
const BATCH_ATTEMPTS = 5;

/**
 * The profiles of up to 100 customers in one BatchGetItem, projected to `attributes` (eventually
 * consistent), by id. Keys DynamoDB leaves unprocessed are asked again; an id with no profile
 * (erased meanwhile) is simply absent.
 */
export async function getCustomerItems(deps: Deps, ids: readonly string[], attributes: readonly string[]): Promise<Map<string, CustomerItem>> {
  const found = new Map<string, CustomerItem>();
  if (ids.length === 0) return found;
  const names = Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a]));
  let keys: Record<string, unknown>[] | undefined = ids.map(customerKey);
  for (let attempt = 0; keys?.length && attempt < BATCH_ATTEMPTS; attempt++) {
    const out: BatchGetCommandOutput = await deps.db.send(
      new BatchGetCommand({
        RequestItems: { [deps.table]: { Keys: keys, ProjectionExpression: Object.keys(names).join(", "), ExpressionAttributeNames: names } },
      }),
    );
    for (const item of out.Responses?.[deps.table] ?? []) found.set(String(item.id), item as CustomerItem);
    keys = out.UnprocessedKeys?.[deps.table]?.Keys;
  }
  return found;
}

export async function findCustomerIdByEmail(deps: Deps, email: string): Promise<string | undefined> {
  const result = await deps.db.send(new GetCommand({ TableName: deps.table, Key: emailKey(email) }));
  return (result.Item as { customerId?: string } | undefined)?.customerId;
}
