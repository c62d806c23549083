/**
 * Shop webhook figures for `npm run bench` (`npm run bench -- --only hooks` runs just these):
 *
 *  - `hook.order.wru`, `hook.order.calls`: DynamoDB write units and round trips of one signed
 *    Shopify `orders/paid` (three line items) for a known customer who has bought before, through
 *    HTTP to the local stack, metered on the very document client the handlers use. Write units
 *    are what AWS bills (`billedUnits`): DynamoDB Local reports half of a transaction's.
 *  - `hook.firstOrder.wru`: the same for a lead's first order, which also writes the stage change.
 *  - `hook.duplicate.wru`: a redelivery of an order already counted.
 *
 * Lead capture is untouched by webhooks; `lead.new.wru` is the lead section's figure.
 */
import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { freePort, type RunningDynamo, startDynamo } from "../local/dynamo.ts";
import { startSesLocal } from "../local/ses.ts";
import { type LocalApi, startLocalApi } from "../local/stack.ts";
import { FileConnectionSecrets } from "../shared/connections/secrets.ts";
import { addConnection } from "../shared/connections/store.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { billedUnits, type CallRecord, DATA_COMMANDS, instrument, type Meter, marshalledItemSize } from "./meter.ts";
import type { Report } from "./sweep.ts";

export const HOOK_BUDGETS: Record<string, number> = { "hook.order.wru": 8, "hook.order.calls": 4 };

const SAMPLES = 20;
const fmt = (x: number) => String(Math.round(x * 100) / 100);
const SECRET = "shpss_bench_0123456789abcdef";

export interface HookResources {
  dynamo?: RunningDynamo;
  ses?: { close(): Promise<void> };
  api?: LocalApi;
  dataDir?: string;
}

export async function stopHookResources(resources: HookResources): Promise<void> {
  await resources.api?.close().catch(() => {});
  await resources.ses?.close().catch(() => {});
  await resources.dynamo?.stop().catch(() => {});
  if (resources.dataDir) rmSync(resources.dataDir, { recursive: true, force: true });
}

let orderNumber = 5_000_000;

/** A Shopify `orders/paid` body as the platform sends it (trimmed of fields Rapport ignores but of realistic size). */
function order(email: string): string {
  const id = ++orderNumber;
  const line = (n: number, title: string, price: string) => ({
    id: id * 10 + n,
    admin_graphql_api_id: `gid://shopify/LineItem/${id * 10 + n}`,
    name: title,
    title,
    price,
    product_id: 632910392 + n,
    variant_id: 808950810 + n,
    quantity: 1,
    sku: `SKU-${n}`,
    vendor: "Crumb & Co",
    requires_shipping: true,
    taxable: true,
    fulfillment_status: null,
  });
  return JSON.stringify({
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    email,
    contact_email: email,
    created_at: "2026-11-30T11:57:11-05:00",
    processed_at: "2026-11-30T11:57:11-05:00",
    currency: "USD",
    presentment_currency: "USD",
    financial_status: "paid",
    name: `#${id}`,
    subtotal_price: "57.00",
    total_price: "62.00",
    total_tax: "5.00",
    customer: { id: 115310627314723954, email, first_name: "Maria", last_name: "Okafor-Lindqvist" },
    line_items: [line(1, "Sourdough starter kit", "24.00"), line(2, "Rye flour 5 kg", "18.00"), line(3, "Proofing basket", "15.00")],
  });
}

async function postOrder(api: LocalApi, email: string): Promise<void> {
  const body = order(email);
  const res = await fetch(`${api.url}/v1/hooks/shopify`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": "orders/paid",
      "x-shopify-webhook-id": randomUUID(),
      "x-shopify-hmac-sha256": createHmac("sha256", SECRET).update(body).digest("base64"),
    },
    body,
  });
  if (res.status !== 200) throw new Error(`orders/paid answered ${res.status}: ${await res.text()}`);
}

async function postLead(api: LocalApi, email: string): Promise<void> {
  const res = await fetch(`${api.url}/v1/leads`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({
      email,
      firstName: "Maria",
      lastName: "Okafor-Lindqvist",
      company: "Crumb & Co Bakeries",
      consent: true,
      source: "contact-page",
      utm_source: "newsletter",
    }),
  });
  // Without a key the answer is 202 for a new and a known address alike.
  if (res.status !== 202) throw new Error(`lead answered ${res.status}`);
}

interface Cost {
  wru: number;
  /** Of which writes to the global secondary indexes (the stage and due indexes a purchase moves). */
  indexWru: number;
  calls: number;
  records: CallRecord[];
}

/** Write units a call's index writes consumed, from the INDEXES split of ConsumedCapacity. */
function indexUnits(r: CallRecord): number {
  let units = 0;
  for (const c of [r.raw].flat() as { GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }> }[]) {
    for (const index of Object.values(c?.GlobalSecondaryIndexes ?? {})) units += index.CapacityUnits ?? 0;
  }
  return units;
}

/**
 * What AWS bills for a call's writes: the table part corrected where DynamoDB Local under-reports
 * (a committed transaction at 2 WRU per item; `billedUnits`), plus the index writes as reported.
 */
function billedWru(r: CallRecord): { wru: number; indexWru: number } {
  const index = r.command.endsWith("ItemCommand") || r.command === "TransactWriteItemsCommand" ? indexUnits(r) : 0;
  const table = billedUnits({ ...r, wcu: r.wcu - index }).wru;
  return { wru: table + index, indexWru: index };
}

async function measure(meter: Meter, run: () => Promise<void>): Promise<Cost> {
  const start = meter.calls.length;
  await run();
  const records = meter.calls.slice(start).filter((r) => DATA_COMMANDS.has(r.command));
  const billed = records.map(billedWru);
  return { wru: billed.reduce((n, b) => n + b.wru, 0), indexWru: billed.reduce((n, b) => n + b.indexWru, 0), calls: records.length, records };
}

const average = (costs: Cost[], key: "wru" | "indexWru" | "calls") => Math.round((costs.reduce((n, c) => n + c[key], 0) / costs.length) * 100) / 100;

export async function hookFigures(report: Report, resources: HookResources): Promise<void> {
  const { results, notes, breakdown, log } = report;
  log("starting DynamoDB Local (in memory) for the shop webhooks ...");
  resources.dynamo = await startDynamo();
  const ses = await startSesLocal();
  resources.ses = ses;
  resources.dataDir = mkdtempSync(path.join(tmpdir(), "rapport-bench-hooks-"));
  const file = path.join(resources.dataDir, "connections.json");
  const port = await freePort();
  const tableName = "rapport-bench-hooks";
  const deps = depsFromEnv({ TABLE_NAME: tableName, DYNAMODB_ENDPOINT: resources.dynamo.endpoint, AWS_REGION: "us-east-1", LOG_LEVEL: "ERROR" });
  const meter = instrument(deps.db);
  // The table / index split of every call: index writes are reported, the table part is corrected.
  meter.mode = "INDEXES";
  const api = await startLocalApi({
    dynamodbEndpoint: resources.dynamo.endpoint,
    tableName,
    port,
    deps: { db: deps.db },
    env: { CONNECTIONS_FILE: file },
    logLevel: "ERROR",
    sesEndpoint: ses.url,
  });
  resources.api = api;
  await new FileConnectionSecrets(file).put("shopify", SECRET);
  await addConnection(api.deps, "shopify");

  log(`posting ${SAMPLES} first orders of leads, ${SAMPLES} second orders and ${SAMPLES} redeliveries ...`);
  const emails = Array.from({ length: SAMPLES + 1 }, (_, i) => `bench.hook.${process.pid}.${i}@example.com`);
  for (const email of emails) await postLead(api, email);
  // Warm-up: the first request pays for connections and lazy initialisation.
  await postOrder(api, emails.pop()!);
  const first: Cost[] = [];
  for (const email of emails) first.push(await measure(meter, () => postOrder(api, email)));
  const known: Cost[] = [];
  for (const email of emails) known.push(await measure(meter, () => postOrder(api, email)));
  const duplicates: Cost[] = [];
  for (const email of emails) {
    const body = order(email);
    const send = () =>
      fetch(`${api.url}/v1/hooks/shopify`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-shopify-topic": "orders/paid",
          "x-shopify-webhook-id": "dup",
          "x-shopify-hmac-sha256": createHmac("sha256", SECRET).update(body).digest("base64"),
        },
        body,
      }).then((r) => r.text());
    await send();
    duplicates.push(await measure(meter, async () => void (await send())));
  }

  results["hook.order.wru"] = average(known, "wru");
  results["hook.order.calls"] = average(known, "calls");
  results["hook.order.indexWru"] = average(known, "indexWru");
  results["hook.firstOrder.wru"] = average(first, "wru");
  results["hook.firstOrder.calls"] = average(first, "calls");
  results["hook.duplicate.wru"] = average(duplicates, "wru");
  results["hook.duplicate.calls"] = average(duplicates, "calls");
  notes["hook.order.wru"] =
    `billed: table part corrected (a transaction's items at 2 WRU per KB), index writes as reported; ${fmt(results["hook.order.indexWru"])} of it index writes`;
  notes["hook.order.indexWru"] = "the stage index (GSI1) and the due index (GSI2) a purchase moves: the same for POST /v1/events";
  notes["hook.firstOrder.wru"] = "a lead's first order also writes the lead → customer stage change (one more transaction item)";
  notes["hook.duplicate.wru"] = "the cancelled transaction is billed too (an upper bound: 2 per item)";
  const one = known[0]!;
  breakdown.push(
    `One Shopify orders/paid for a known customer (${one.calls} calls, ${one.wru} WRU billed):`,
    ...one.records.map((r) => {
      const { wru, indexWru } = billedWru(r);
      return `  ${r.command.replace(/Command$/, "").padEnd(18)} ${String(r.ok ? "ok" : r.error).padEnd(24)} WRU ${fmt(wru)} (index ${fmt(indexWru)}; DynamoDB Local reported ${fmt(r.wcu)})`;
    }),
  );
  // What the transaction writes, sized by DynamoDB's rules: a transaction bills 2 WRU per KB of each.
  const { marshall } = await import("@aws-sdk/util-dynamodb");
  const lastOrder = one.records.find((r) => r.command === "TransactWriteItemsCommand")?.input as
    | { TransactItems?: Record<string, { Item?: Record<string, unknown>; Key?: Record<string, unknown> }>[] }
    | undefined;
  for (const item of lastOrder?.TransactItems ?? []) {
    const [kind, body] = Object.entries(item)[0]!;
    const stored = body.Item ?? (await api.deps.db.send(new GetCommand({ TableName: tableName, Key: body.Key! }))).Item ?? {};
    const bytes = marshalledItemSize(marshall(stored, { removeUndefinedValues: true, convertClassInstanceToMap: true }) as never);
    breakdown.push(
      `    ${kind} ${String(stored.SK ?? "")
        .slice(0, 12)
        .padEnd(12)} ${bytes} bytes → ${2 * Math.ceil(bytes / 1024)} WRU in a transaction`,
    );
  }
  await stopHookResources(resources);
  for (const key of Object.keys(resources) as (keyof HookResources)[]) delete resources[key];
}
