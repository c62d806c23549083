import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { cancellationCodes, isConditionFailed, type TransactItem, Update } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { coPurchaseKey, coPurchasePartition, interestPurchasePartition } from "../entities/co-purchase.ts";
import { CUSTOMER_PREFIX, type CustomerItem, customerKey, customerUpdate } from "../entities/customer.ts";
import { scheduleDue } from "../entities/due.ts";
import { deterministicEntryId, TIMELINE_PREFIX, timelineKey } from "../entities/timeline.ts";
import { interestCounts, type VisitorItem, visitorIdOf } from "../entities/visitor.ts";
import { addInterestViews, type PurchasedItem, productInterests, productKey, type StoredInterests } from "./interests.ts";

/**
 * The website tracking part of the table's stream consumer (functions/reports-stream.ts calls it):
 *
 * - a visitor tied to a customer: their current visit becomes (or updates) one timeline entry per
 *   visit, and the interest views the record added go onto the customer's interests (a tie carries
 *   the visitor's earlier views over);
 * - a purchase's line items: the co-purchase counters for cross-sell, and the products and
 *   interests the customer has bought.
 *
 * Replays are harmless: the visit entry is written whole from the record's image; interest views
 * carry a per-visitor watermark (views counted so far) on the customer; a purchase's counters are
 * written in one transaction with the customer's bought set, on condition the products are not
 * in it yet.
 */
export async function applyTrackingRecords(deps: Deps, records: DynamoDBRecord[]): Promise<{ writes: number }> {
  let writes = 0;
  for (const record of records) {
    if (record.eventName !== "INSERT" && record.eventName !== "MODIFY") continue;
    const keys = image(record.dynamodb?.Keys);
    const next = image(record.dynamodb?.NewImage);
    if (!keys || !next) continue;
    const visitorId = visitorIdOf(keys);
    if (visitorId) {
      const after = visitorOf(next);
      if (after) writes += await applyVisitor(deps, visitorId, visitorOf(image(record.dynamodb?.OldImage)), after);
    } else if (
      record.eventName === "INSERT" &&
      next.kind === "purchase" &&
      typeof keys.PK === "string" &&
      keys.PK.startsWith(CUSTOMER_PREFIX) &&
      typeof keys.SK === "string" &&
      keys.SK.startsWith(TIMELINE_PREFIX)
    )
      writes += await applyPurchase(deps, keys.PK.slice(CUSTOMER_PREFIX.length), next);
  }
  return { writes };
}

/** A record's image as an item; undefined when there is none or it is not DynamoDB JSON (skipped, never a throw). */
function image(raw: unknown): Record<string, unknown> | undefined {
  try {
    return raw && typeof raw === "object" ? unmarshall(raw as Record<string, AttributeValue>) : undefined;
  } catch {
    return undefined;
  }
}

/** A visitor item with the attributes the consumer reads in the shape it writes them; else undefined. */
function visitorOf(item: Record<string, unknown> | undefined): VisitorItem | undefined {
  if (!item || typeof item.lastAt !== "string" || (item.customerId !== undefined && typeof item.customerId !== "string")) return undefined;
  if (item.visitAt !== undefined && (typeof item.visitAt !== "string" || typeof item.visitPages !== "number")) return undefined;
  const counts = (m: unknown) => m === undefined || (typeof m === "object" && m !== null && Object.values(m).every((n) => typeof n === "number"));
  if (!counts(item.vi) || !counts(item.ve) || (item.views !== undefined && typeof item.views !== "number")) return undefined;
  return item as unknown as VisitorItem;
}

type InterestState = Pick<CustomerItem, "interests" | "interestMarks" | "interestsRev" | "boughtInterests">;

async function applyVisitor(deps: Deps, visitorId: string, before: VisitorItem | undefined, after: VisitorItem): Promise<number> {
  const customerId = after.customerId;
  if (!customerId) return 0;
  const tied = before?.customerId !== customerId;
  const moved = tied || before?.lastAt !== after.lastAt || before?.visitPages !== after.visitPages;
  if (!moved) return 0;
  const customer = (await deps.db.send(new GetCommand({ TableName: deps.table, Key: customerKey(customerId), ConsistentRead: true }))).Item as
    | (InterestState & { PK: string })
    | undefined;
  // An erased customer gets nothing written again.
  if (!customer) return 0;
  let writes = 0;
  if (after.visitAt) {
    const id = deterministicEntryId("visit", visitorId, after.visitAt);
    const pages = after.visitPages ?? 0;
    await deps.db.send(
      new PutCommand({
        TableName: deps.table,
        Item: {
          ...timelineKey(customerId, after.visitAt, id),
          type: "timeline",
          id,
          kind: "visit",
          at: after.visitAt,
          summary: `Visited the website: ${pages} ${pages === 1 ? "page" : "pages"}`,
          data: {
            pages,
            lastAt: after.lastAt,
            ...(after.visitEntry ? { entryPath: after.visitEntry } : {}),
            ...(after.visitPath ? { lastPath: after.visitPath } : {}),
            interests: after.vi ?? {},
            ...(after.ve && Object.keys(after.ve).length ? { events: after.ve } : {}),
          },
        },
      }),
    );
    writes++;
  }
  // Views since the watermark: on a tie, everything the visitor viewed while anonymous.
  const counted = customer.interestMarks?.[visitorId] ?? 0;
  const views = after.views ?? 0;
  if (views <= counted && !tied) return writes;
  const now = interestCounts(after);
  const was = tied ? {} : interestCounts(before);
  const added: Record<string, number> = {};
  for (const [name, n] of Object.entries(now)) if (n - (was[name] ?? 0) > 0) added[name] = n - (was[name] ?? 0);
  const marks = { ...(customer.interestMarks ?? {}), [visitorId]: views };
  const update = new Update()
    .set("interests", addInterestViews(customer.interests, added, after.lastAt))
    .set("interestMarks", Object.fromEntries(Object.entries(marks).slice(-20)))
    .set("interestsRev", (customer.interestsRev ?? 0) + 1)
    .add("visitors", new Set([visitorId]))
    .when((name, value) =>
      customer.interestsRev === undefined ? `attribute_not_exists(${name("interestsRev")})` : `${name("interestsRev")} = ${value(customer.interestsRev)}`,
    )
    .when("attribute_exists(PK)");
  try {
    await deps.db.send(new UpdateCommand(customerUpdate(deps.table, customerId, update)));
    writes++;
  } catch (err) {
    // Another visitor of the same customer wrote first: throwing makes the batch come again, and
    // the watermark keeps what this record already counted from counting twice.
    if (isConditionFailed(err)) throw new Error("customer interests changed concurrently; the batch is retried");
    throw err;
  }
  // The interest campaign may now be due: the sweep looks at this customer at once.
  if (Object.keys(added).length > 0) await scheduleDue(deps, customerId, deps.clock.now().toISOString());
  return writes;
}

/** Co-purchase counters written per transaction, beside the customer's update. */
const MAX_TRANSACTION = 100;

async function applyPurchase(deps: Deps, customerId: string, entry: Record<string, unknown>): Promise<number> {
  // A recorded event keeps the caller's `data` inside its own (shop webhooks put `items` there).
  const data = (entry.data ?? {}) as { product?: unknown; data?: { items?: unknown } };
  const lines = data.data?.items;
  const valid = (i: unknown): i is PurchasedItem =>
    typeof i === "object" &&
    i !== null &&
    typeof (i as PurchasedItem).name === "string" &&
    ["string", "undefined"].includes(typeof (i as PurchasedItem).productId);
  const items: PurchasedItem[] = Array.isArray(lines) ? lines.filter(valid) : typeof data.product === "string" ? [{ name: data.product }] : [];
  if (items.length === 0) return 0;
  const customer = (await deps.db.send(new GetCommand({ TableName: deps.table, Key: customerKey(customerId), ConsistentRead: true }))).Item as
    | CustomerItem
    | undefined;
  if (!customer) return 0;
  const bought = customer.bought ?? new Set<string>();
  const fresh = new Map<string, PurchasedItem>();
  for (const item of items) if (!bought.has(productKey(item))) fresh.set(productKey(item), item);
  if (fresh.size === 0) return 0;
  const names = new Map<string, string>([...fresh].map(([key, item]) => [key, item.name.slice(0, 120)]));
  const known = new Set([...Object.keys(customer.interests ?? {}), ...deps.config.tracking.interestPaths.map(([, i]) => i)]);
  const boughtInterests = new Set([...fresh.values()].flatMap((item) => productInterests(item, known)));
  const first = [...fresh.keys()][0]!;

  const own = new Update()
    .add("bought", new Set(fresh.keys()))
    .when((name, value) => `attribute_exists(PK) AND NOT contains(${name("bought")}, ${value(first)})`);
  if (boughtInterests.size) own.add("boughtInterests", boughtInterests);
  const counters: TransactItem[] = [];
  const count = (partition: string, other: string, name: string | undefined) => {
    const update = new Update().add("count", 1).set("type", "co_purchase");
    if (name) update.set("name", name);
    counters.push({ Update: { TableName: deps.table, Key: coPurchaseKey(partition, other), ...update.build() } });
  };
  // Both ways between each new product and every other product the customer has (old or new).
  const all = [...bought, ...fresh.keys()];
  for (const y of fresh.keys()) {
    for (const x of all) {
      if (x === y) continue;
      count(coPurchasePartition(x), y, names.get(y));
      if (bought.has(x)) count(coPurchasePartition(y), x, undefined);
    }
    // People who looked at an interest bought this: recommendations for anonymous visitors.
    const top = Object.entries(customer.interests ?? {})
      .sort((a, b) => b[1].n - a[1].n)
      .slice(0, 3);
    for (const [interest] of top) count(interestPurchasePartition(interest), y, names.get(y));
  }
  const chunks: TransactItem[][] = [[{ Update: customerUpdate(deps.table, customerId, own) }, ...counters.splice(0, MAX_TRANSACTION - 1)]];
  while (counters.length) chunks.push(counters.splice(0, MAX_TRANSACTION));
  let writes = 0;
  for (const [n, chunk] of chunks.entries()) {
    try {
      await deps.db.send(new TransactWriteCommand({ TransactItems: chunk }));
      writes += chunk.length;
    } catch (err) {
      // The first chunk carries the condition: already applied (a replay), or the customer is gone.
      if (n === 0 && cancellationCodes(err)?.[0] === "ConditionalCheckFailed") return 0;
      throw err;
    }
  }
  return writes;
}

export type { StoredInterests };
