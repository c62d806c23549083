/**
 * Retention sweep and send pipeline figures for `npm run bench` (issue 3, "How it is checked").
 *
 *  - Populations: two fresh tables in one DynamoDB Local, 1,000 and 10,000 customers, 100 due at
 *    the sweep instant in both; everyone else sits in the due index at a later time (their at-risk
 *    threshold, 30–90 days ahead), as every buyer does in real life. The items are clones of
 *    templates made by the real code paths (upsertContact, recordEvent, and for the settled ones
 *    the sweep and the sender themselves), with ids, emails, times and names changed, and are
 *    checked against `evaluate` before they are written with BatchWriteItem.
 *  - Sweep: `runSweep` on each table with a metered document client (ReturnConsumedCapacity
 *    TOTAL on every call) and a queue that only collects: the read units of the sweep itself.
 *  - Pipeline: 500 due customers, one sweep into the in-process queue, and the real sender
 *    through SES local; the drain's wall time gives sends per second.
 */

import { BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { freePort, type RunningDynamo, startDynamo } from "../local/dynamo.ts";
import { InProcessQueue } from "../local/pipeline.ts";
import { startSesLocal } from "../local/ses.ts";
import { ensureTable } from "../local/table.ts";
import { createDocumentClient } from "../shared/aws/db.ts";
import { SesMailer } from "../shared/aws/ses-mailer.ts";
import { DEFAULT_CAMPAIGNS } from "../shared/campaigns/defaults.ts";
import { listCampaigns, putCampaign } from "../shared/campaigns/store.ts";
import { fixedClock } from "../shared/core/clock.ts";
import { type Deps, depsFromEnv } from "../shared/core/deps.ts";
import { ulid } from "../shared/core/ids.ts";
import type { Mailer, SendQueue, SendRequest } from "../shared/core/ports.ts";
import { upsertContact } from "../shared/customers/contact.ts";
import { getCustomerItem } from "../shared/customers/repository.ts";
import { mulberry32 } from "../shared/demo/seed.ts";
import { CAMPAIGN_PARTITION, campaignKey } from "../shared/entities/campaign.ts";
import type { CustomerItem } from "../shared/entities/customer.ts";
import { dueIndexKey, duePartition, DUE_INDEX as GSI2 } from "../shared/entities/due.ts";
import { recordEvent } from "../shared/interactions/record.ts";
import { evaluate } from "../shared/retention/evaluate.ts";
import { runSweep, type SweepResult } from "../shared/retention/sweep.ts";
import { type CallRecord, instrument, type Meter, marshalledItemSize, READ_COMMANDS } from "./meter.ts";
import { fmt, round, sum } from "./stats.ts";

/** The instant every sweep runs as of (a Tuesday afternoon, inside any send window). */
export const SWEEP_AT = new Date("2026-03-10T14:00:00.000Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const POPULATIONS = [1_000, 10_000] as const;
const DUE = 100;
const PIPELINE_SENDS = 500;
/** BatchWriteItem takes at most 25 items; this many calls in flight (1,000 items). */
const WRITE_BATCH = 25;
const WRITES_IN_FLIGHT = 40;

export const SWEEP_BUDGETS: Record<string, number> = {
  "sweep.rru.perDue": 2,
  "sweep.rru.growth": 1.2,
};
/** Figures that must come out exactly so. */
export const SWEEP_EXPECTED: Record<string, number> = {
  "sweep.enqueued.1k": DUE,
  "sweep.enqueued.10k": DUE,
  "sweep.unreportedReads": 0,
  "sends.delivered": PIPELINE_SENDS,
  "sends.deadLetters": 0,
};

export interface Report {
  results: Record<string, number>;
  notes: Record<string, string>;
  breakdown: string[];
  log(line: string): void;
}

/** Where the sweep section's own processes live, so the caller can stop them on a signal. */
export interface SweepResources {
  dynamo?: RunningDynamo;
  ses?: { url: string; close(): Promise<void> };
}

const TOKEN_SECRET = "bench-token-secret-0123456789abcdef-not-a-real-one";

function envFor(dynamo: RunningDynamo, table: string, sesUrl?: string): NodeJS.ProcessEnv {
  return {
    TABLE_NAME: table,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: "us-east-1",
    PUBLIC_BASE_URL: "https://crm.example-shop.test",
    ALLOWED_ORIGINS: "https://www.example-shop.test",
    TOKEN_SECRET,
    BUSINESS_NAME: "Crumb & Co Bakeries",
    SENDER_EMAIL: "hello@example-shop.test",
    LOG_LEVEL: "ERROR",
    ...(sesUrl ? { SES_ENDPOINT: sesUrl } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Templates: customers as the real code paths write them
// ---------------------------------------------------------------------------------------------

interface Templates {
  /** Right after a first purchase: the thank-you is due, the due entry is at the purchase. */
  fresh: CustomerItem;
  /** The same customer after the sweeps sent thank-you and feedback request: due at the at-risk threshold. */
  settled: CustomerItem;
  /** The purchase time both are relative to. */
  purchaseAt: number;
}

/** Accepts every mail; the template only needs the sender's bookkeeping on the customer. */
const nullMailer: Mailer = { send: async () => ({ messageId: `bench-${ulid(fixedClock(new Date()))}` }) };

async function buildTemplates(dynamo: RunningDynamo, table: string): Promise<Templates> {
  await ensureTable(dynamo.endpoint, table, { stream: false });
  const base = depsFromEnv(envFor(dynamo, table));
  const leadAt = new Date("2025-06-02T09:15:27.412Z");
  const purchaseAt = new Date("2025-07-01T10:03:51.208Z");
  const at = (d: Date): Deps => ({ ...base, clock: fixedClock(d) });

  // A lead from the contact form, as shared/leads/capture.ts hands it to upsertContact.
  const { customerId } = await upsertContact(at(leadAt), {
    email: "maria.okafor-lindqvist@example-mail.test",
    profile: {
      firstName: "Maria",
      lastName: "Okafor-Lindqvist",
      company: "Crumb & Co Bakeries",
      phone: "+47 912 34 567",
      city: "Bergen",
      country: "NO",
      birthday: "1988-11-23",
      locale: "nb",
      timezone: "Europe/Oslo",
    },
    tags: ["contact-page", "newsletter"],
    consent: { granted: true, at: leadAt.toISOString(), source: "contact-page", version: "v1", ip: "203.0.113.7" },
    attribution: {
      source: "contact-page",
      utm_source: "newsletter",
      utm_medium: "email",
      utm_campaign: "spring-2026",
      page: "https://www.example-shop.test/contact?ref=nav",
    },
    at: leadAt.toISOString(),
    dueIfNew: leadAt.toISOString(),
  });
  // Their first order, recorded by the events API as it happens.
  await recordEvent(at(purchaseAt), {
    type: "purchase",
    customerId,
    amount: 49.9,
    product: "Sourdough starter kit",
    externalId: "shop-order-100231",
    at: purchaseAt.toISOString(),
  });
  const fresh = (await getCustomerItem(base, customerId, true))!;

  // The hourly sweeps that follow: thank-you at once, feedback request a week later.
  for (const when of [purchaseAt, new Date(purchaseAt.getTime() + 7 * DAY + HOUR)]) {
    const deps = at(when);
    const queue = new InProcessQueue(deps, nullMailer, { retryDelayMs: 0 });
    const result = await runSweep(deps, queue, when);
    await queue.drain(fixedClock(when));
    if (result.enqueued !== 1 || queue.deadLetters.length > 0)
      throw new Error(`template sweep at ${when.toISOString()} enqueued ${result.enqueued}, dead letters ${queue.deadLetters.length}`);
  }
  const settled = (await getCustomerItem(base, customerId, true))!;
  if (!settled["sent#thank-you"] || !settled["sent#feedback-request"]) throw new Error("template customer did not get thank-you and feedback request");
  base.db.destroy();
  return { fresh, settled, purchaseAt: purchaseAt.getTime() };
}

// ---------------------------------------------------------------------------------------------
// Populations
// ---------------------------------------------------------------------------------------------

/** A small deterministic PRNG, so every run builds the same population shape. */
const prng = mulberry32;

const PEOPLE: { firstName: string; lastName: string; locale: string; timezone: string; country: string; city: string }[] = [
  { firstName: "Maria", lastName: "Okafor-Lindqvist", locale: "nb", timezone: "Europe/Oslo", country: "NO", city: "Bergen" },
  { firstName: "James", lastName: "Whitfield", locale: "en", timezone: "America/Chicago", country: "US", city: "Madison" },
  { firstName: "Wei", lastName: "Zhang", locale: "zh", timezone: "Asia/Shanghai", country: "CN", city: "Hangzhou" },
  { firstName: "Siti", lastName: "Rahmawati", locale: "id", timezone: "Asia/Jakarta", country: "ID", city: "Bandung" },
  { firstName: "Olivia", lastName: "Brennan", locale: "en", timezone: "Europe/Dublin", country: "IE", city: "Cork" },
  { firstName: "Lars", lastName: "Haugen", locale: "nb", timezone: "Europe/Oslo", country: "NO", city: "Trondheim" },
  { firstName: "Priya", lastName: "Raghunathan", locale: "en", timezone: "Asia/Kolkata", country: "IN", city: "Pune" },
  { firstName: "Mei", lastName: "Lin", locale: "zh", timezone: "Asia/Taipei", country: "TW", city: "Taichung" },
];

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g;

/** Deep copy with every embedded ISO instant moved by `shift` ms and the given strings replaced. */
function transform(value: unknown, shift: number, replace: [string, string][]): unknown {
  if (typeof value === "string") {
    let s = value.replace(ISO, (iso) => new Date(Date.parse(iso) + shift).toISOString());
    for (const [from, to] of replace) s = s.split(from).join(to);
    return s;
  }
  if (value instanceof Set) return new Set([...value].map((v) => transform(v, shift, replace)));
  if (Array.isArray(value)) return value.map((v) => transform(v, shift, replace));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, transform(v, shift, replace)]));
  return value;
}

interface Population {
  table: string;
  customers: number;
  due: number;
  items: CustomerItem[];
}

/**
 * `due` customers bought one hour before the sweep (their thank-you is due, their due entry is at
 * the purchase, as recordEvent leaves it); the rest bought 7.5–60 days before, got their
 * thank-you and feedback request, and wait in the due index at their at-risk threshold.
 */
function population(templates: Templates, table: string, customers: number, due: number, deps: Deps, seed: number): Population {
  const random = prng(seed);
  const campaigns = DEFAULT_CAMPAIGNS.filter((c) => c.enabled);
  const cfg = deps.config.retention;
  const items: CustomerItem[] = [];
  const shapes = { fresh: Object.keys(templates.fresh).sort().join(","), settled: Object.keys(templates.settled).sort().join(",") };
  for (let i = 0; i < customers; i++) {
    const isDue = i < due;
    const template = isDue ? templates.fresh : templates.settled;
    const purchaseAt = isDue ? SWEEP_AT.getTime() - HOUR : SWEEP_AT.getTime() - Math.round((7.5 + random() * 52.5) * DAY);
    const shift = purchaseAt - templates.purchaseAt + Math.floor(random() * 60_000);
    const person = PEOPLE[Math.floor(random() * PEOPLE.length)]!;
    const id = `cus_${ulid(fixedClock(new Date(Date.parse(template.createdAt) + shift)))}`;
    const email = `${person.firstName}.${person.lastName}.${seed}-${i}@example-mail.test`.toLowerCase();
    const purchaseId = ulid(fixedClock(new Date(Date.parse(template.lastPurchaseAt!) + shift)));
    const item = transform(template, shift, [
      [template.id, id],
      [template.email, email],
      [template.lastPurchaseId!, purchaseId],
    ]) as CustomerItem;
    // Birthdays from July to December: none falls between the sweep (March) and the at-risk threshold.
    const birthday = `19${60 + Math.floor(random() * 40)}-${String(7 + Math.floor(random() * 6)).padStart(2, "0")}-${String(1 + Math.floor(random() * 28)).padStart(2, "0")}`;
    Object.assign(item, {
      firstName: person.firstName,
      lastName: person.lastName,
      locale: person.locale,
      timezone: person.timezone,
      country: person.country,
      city: person.city,
      birthday,
    });
    const entry = dueIndexKey(id, item.nextDueAt!, cfg.dueShards);
    item.GSI2PK = entry.GSI2PK;
    if (item.GSI2SK !== entry.GSI2SK || item.GSI1SK !== `${item.lastActivityAt}#${id}`)
      throw new Error(`population item ${i}: keys out of step with its times`);
    if (Object.keys(item).sort().join(",") !== (isDue ? shapes.fresh : shapes.settled)) throw new Error(`population item ${i}: not shaped like its template`);

    // The engine itself must agree: the due ones owe exactly a thank-you now, the others nothing
    // before their entry, which must be 30–90 days ahead.
    const evaluation = evaluate(item, campaigns, SWEEP_AT, cfg);
    if (isDue) {
      if (Date.parse(item.nextDueAt!) > SWEEP_AT.getTime() || evaluation.sends.length !== 1 || evaluation.sends[0]!.campaignId !== "thank-you") {
        throw new Error(`due customer ${i}: evaluate answers ${JSON.stringify(evaluation.sends.map((s) => s.campaignId))} as of ${SWEEP_AT.toISOString()}`);
      }
    } else {
      const ahead = Date.parse(item.nextDueAt!) - SWEEP_AT.getTime();
      if (evaluation.sends.length > 0 || evaluation.stageChange || evaluation.nextDueAt !== item.nextDueAt || ahead < 30 * DAY || ahead > 90 * DAY) {
        throw new Error(`waiting customer ${i}: evaluate answers sends ${evaluation.sends.length}, next ${evaluation.nextDueAt} vs entry ${item.nextDueAt}`);
      }
    }
    items.push(item);
  }
  // Mix the due ones in, so they are not the first items written.
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return { table, customers, due, items };
}

/** BatchWriteItem, 25 items a call, many calls in flight; unprocessed items are retried. */
export async function writeAll(db: DynamoDBDocumentClient, table: string, items: object[]): Promise<void> {
  const chunks: object[][] = [];
  for (let i = 0; i < items.length; i += WRITE_BATCH) chunks.push(items.slice(i, i + WRITE_BATCH));
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(WRITES_IN_FLIGHT, chunks.length) }, async () => {
      while (next < chunks.length) {
        let requests = chunks[next++]!.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; requests.length > 0; attempt++) {
          if (attempt > 10) throw new Error(`BatchWriteItem kept ${requests.length} items unprocessed`);
          const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
          requests = (result.UnprocessedItems?.[table] ?? []) as typeof requests;
          if (requests.length > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
        }
      }
    }),
  );
}

/** Entries in the due index, whatever their time (Select COUNT over every shard; unmetered). */
async function dueIndexCount(db: DynamoDBDocumentClient, deps: Deps): Promise<number> {
  let total = 0;
  for (let shard = 0; shard < deps.config.retention.dueShards; shard++) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          TableName: deps.table,
          IndexName: GSI2.name,
          Select: "COUNT",
          KeyConditionExpression: "GSI2PK = :pk",
          ExpressionAttributeValues: { ":pk": duePartition(shard) },
          ExclusiveStartKey: start,
        }),
      );
      total += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Item size (DynamoDB's rules: names and values in UTF-8; numbers about a byte per two digits;
// maps and lists 3 bytes plus 1 per element)
// ---------------------------------------------------------------------------------------------

function itemSize(item: object): number {
  return marshalledItemSize(marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true }) as Parameters<typeof marshalledItemSize>[0]);
}

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

interface SweepRun {
  result: SweepResult;
  collected: SendRequest[];
  calls: CallRecord[];
  ms: number;
  rru: number;
  wru: number;
}

async function meteredSweep(deps: Deps, meter: Meter, at: Date): Promise<SweepRun> {
  const collected: SendRequest[] = [];
  const queue: SendQueue = { enqueue: async (requests) => void collected.push(...requests) };
  const start = meter.calls.length;
  const t0 = performance.now();
  const result = await runSweep(deps, queue, at);
  const ms = performance.now() - t0;
  const calls = meter.calls.slice(start);
  return { result, collected, calls, ms, rru: sum(calls.map((c) => c.rcu)), wru: sum(calls.map((c) => c.wcu)) };
}

function isCampaignQuery(c: CallRecord): boolean {
  const values = c.input?.ExpressionAttributeValues as Record<string, unknown> | undefined;
  return c.command === "QueryCommand" && !c.input?.IndexName && values?.[":pk"] === CAMPAIGN_PARTITION;
}

function describeSweepCalls(calls: CallRecord[]): string[] {
  const lines: string[] = [];
  const label = (c: CallRecord): string => {
    const values = (c.input?.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    if (isCampaignQuery(c)) return `Query table PK=${CAMPAIGN_PARTITION} (campaigns)`;
    if (c.command === "QueryCommand") return `Query ${String(c.input?.IndexName ?? "table")} ${String(values[":pk"] ?? "")}`;
    if (c.command === "BatchGetItemCommand") return `BatchGetItem customers`;
    return c.command.replace(/Command$/, "");
  };
  const reads = calls.filter((c) => READ_COMMANDS.has(c.command));
  for (const c of reads) {
    const items = c.items === undefined ? "" : `${c.items} item${c.items === 1 ? "" : "s"}${c.unprocessed ? `, ${c.unprocessed} unprocessed` : ""}`;
    lines.push(
      `  ${label(c).padEnd(44)} ${items.padEnd(18)} RCU ${fmt(c.rcu).padStart(6)}${c.reported ? "" : "  (no ConsumedCapacity in the response)"}${c.ok ? "" : `  ${c.error}`}`,
    );
  }
  const writes = calls.filter((c) => !READ_COMMANDS.has(c.command));
  const byCommand = new Map<string, CallRecord[]>();
  for (const c of writes) byCommand.set(c.command, [...(byCommand.get(c.command) ?? []), c]);
  for (const [command, group] of byCommand) {
    const failed = group.filter((c) => !c.ok).length;
    const units = group.map((c) => c.wcu);
    lines.push(
      `  ${`${command.replace(/Command$/, "")} × ${group.length}${command === "UpdateItemCommand" ? " (due entries moved)" : command === "TransactWriteItemsCommand" ? " (stage changes)" : ""}`.padEnd(44)} ${failed ? `${failed} failed`.padEnd(18) : "".padEnd(18)} WCU ${fmt(sum(units)).padStart(6)} (${fmt(Math.min(...units))}–${fmt(Math.max(...units))} each)`,
    );
  }
  return lines;
}

/** Sweep read units at 1k and 10k customers with 100 due, and the local pipeline's send rate. */
export async function sweepFigures(report: Report, resources: SweepResources): Promise<void> {
  const { results, notes, breakdown, log } = report;
  log("starting DynamoDB Local (in memory) for the sweep ...");
  const dynamo = await startDynamo();
  resources.dynamo = dynamo;
  const loader = createDocumentClient({ region: "us-east-1", endpoint: dynamo.endpoint });

  log("building template customers through upsertContact, recordEvent, the sweep and the sender ...");
  const templates = await buildTemplates(dynamo, "rapport-bench-template");
  const freshBytes = itemSize(templates.fresh);
  const settledBytes = itemSize(templates.settled);

  // The sweep's document client, metered; one per run, shared by both tables.
  const sweepDeps = depsFromEnv(envFor(dynamo, "unused"));
  const meter = instrument(sweepDeps.db);

  // Warm the client, the code paths and DynamoDB Local with a full sweep (due customers read,
  // evaluated and moved) on a table of its own, so the first measured sweep is like the second.
  const warmTable = "rapport-bench-sweep-warmup";
  await ensureTable(dynamo.endpoint, warmTable, { stream: false });
  await writeAll(loader, warmTable, population(templates, warmTable, DUE, DUE, sweepDeps, 999).items);
  const warmed = await meteredSweep({ ...sweepDeps, table: warmTable }, meter, SWEEP_AT);
  if (warmed.result.enqueued !== DUE) throw new Error(`warm-up sweep enqueued ${warmed.result.enqueued} of ${DUE}`);
  const runs: Record<string, SweepRun> = {};
  let populationBytes = 0;
  let populationItems = 0;
  let loadMs = 0;
  for (const [n, size] of POPULATIONS.entries()) {
    const key = size >= 1000 ? `${size / 1000}k` : String(size);
    const table = `rapport-bench-sweep-${key}`;
    await ensureTable(dynamo.endpoint, table, { stream: false });
    const deps: Deps = { ...sweepDeps, table };
    const pop = population(templates, table, size, DUE, deps, 1000 + n);
    populationBytes += sum(pop.items.map(itemSize));
    populationItems += pop.items.length;
    log(`writing ${fmt(size)} customers (${DUE} due) into ${table} ...`);
    const t0 = performance.now();
    await writeAll(loader, table, pop.items);
    loadMs += performance.now() - t0;
    const indexed = await dueIndexCount(loader, deps);
    if (indexed !== size) throw new Error(`${table}: ${indexed} of ${size} customers are in the due index`);

    // Warm connections and code with a sweep two hours earlier, when nobody is due yet.
    const warm = await meteredSweep(deps, meter, new Date(SWEEP_AT.getTime() - 2 * HOUR));
    if (warm.result.due !== 0) throw new Error(`warm-up sweep on ${table} found ${warm.result.due} due`);
    results[`sweep.rru.idle.${key}`] = round(warm.rru);
    log(`sweeping ${table} as of ${SWEEP_AT.toISOString()} ...`);
    const run = await meteredSweep(deps, meter, SWEEP_AT);
    runs[key] = run;
    results[`sweep.rru.${key}`] = round(run.rru);
    results[`sweep.enqueued.${key}`] = run.result.enqueued;
    results[`sweep.ms.${key}`] = round(run.ms);
    if (run.result.due !== DUE) notes[`sweep.enqueued.${key}`] = `the sweep found ${run.result.due} due, not ${DUE}`;
    const wrong = run.collected.filter((s) => s.campaignId !== "thank-you").length;
    if (wrong > 0) notes[`sweep.enqueued.${key}`] = `${wrong} enqueued sends are not thank-you`;
    const again = await meteredSweep(deps, meter, SWEEP_AT);
    if (again.result.due !== 0 || again.result.enqueued !== 0)
      notes[`sweep.enqueued.${key}`] = `a second sweep at the same instant found ${again.result.due} due, enqueued ${again.result.enqueued}`;
  }
  const small = runs["1k"]!;
  const large = runs["10k"]!;
  results["sweep.rru.perDue"] = round(large.rru / DUE, 3);
  results["sweep.rru.growth"] = round(large.rru / small.rru, 3);
  notes["sweep.rru.perDue"] = `${fmt(round(large.rru))} RCU for ${DUE} due among 10,000 customers`;
  notes["sweep.rru.growth"] = `${fmt(round(large.rru))} RCU at 10k ÷ ${fmt(round(small.rru))} RCU at 1k`;
  const reads = large.calls.filter((c) => READ_COMMANDS.has(c.command));
  results["sweep.readCalls.10k"] = reads.length;
  results["sweep.unreportedReads"] = reads.filter((c) => !c.reported).length + small.calls.filter((c) => READ_COMMANDS.has(c.command) && !c.reported).length;
  const campaignRru = sum(large.calls.filter(isCampaignQuery).map((c) => c.rcu));
  results["sweep.campaigns.rru"] = round(campaignRru);
  results["sweep.campaigns.share"] = round(campaignRru / large.rru, 3);
  if (campaignRru === 0)
    notes["sweep.campaigns.rru"] =
      "no campaign edits stored: DynamoDB Local reports 0 for a Query that returns nothing (AWS rounds every Query up to one 4 KB read: 0.5 RCU)";
  const shards = sweepDeps.config.retention.dueShards;
  notes["sweep.rru.idle.10k"] =
    `nobody due (2 h earlier): campaign Query + ${shards} due-index Queries, all empty; Local reports 0 for an empty Query, AWS would bill 0.5 each (≈ ${fmt((shards + 1) * 0.5)} RCU)`;
  notes["sweep.campaigns.share"] = "of the 10k sweep's read units: the campaign list, read once per sweep (a fixed cost)";
  const batchRru = sum(large.calls.filter((c) => c.command === "BatchGetItemCommand").map((c) => c.rcu));
  results["sweep.batchGet.share"] = round(batchRru / large.rru, 3);
  notes["sweep.batchGet.share"] = "of the 10k sweep's read units: BatchGetItem of the due customers";
  results["sweep.wru.10k"] = round(large.wru);
  results["customer.item.bytes"] = Math.round(populationBytes / populationItems);
  notes["customer.item.bytes"] =
    `mean of the ${fmt(populationItems)} written; template just after a first purchase ${fmt(freshBytes)} B, after thank-you and feedback ${fmt(settledBytes)} B`;
  results["sweep.load.itemsPerSecond"] = round(populationItems / (loadMs / 1000), 1);

  // What the campaign Query costs once a business has saved its own copy of every campaign.
  const storedDeps: Deps = { ...sweepDeps, table: "rapport-bench-sweep-1k" };
  for (const { isDefault: _default, id, ...input } of DEFAULT_CAMPAIGNS) await putCampaign(storedDeps, id, input, "bench");
  const before = meter.calls.length;
  await listCampaigns(storedDeps);
  const stored = meter.calls.slice(before);
  const storedRru = sum(stored.map((c) => c.rcu));
  results["sweep.campaigns.allStored.rru"] = round(storedRru);
  const campaignBytes = DEFAULT_CAMPAIGNS.map(({ isDefault: _default, ...c }) =>
    itemSize({ ...campaignKey(c.id), ...c, updatedAt: SWEEP_AT.toISOString(), updatedBy: "bench" }),
  );
  notes["sweep.campaigns.allStored.rru"] =
    `campaign Query once all ${DEFAULT_CAMPAIGNS.length} defaults are saved as edits (${fmt(Math.round(sum(campaignBytes) / 1024))} KB, ${fmt(Math.min(...campaignBytes))}–${fmt(Math.max(...campaignBytes))} B each, ${stored.length} page${stored.length === 1 ? "" : "s"}): ${fmt(round((large.rru - campaignRru + storedRru) / DUE, 3))} RCU per due at 10k`;

  breakdown.push(
    "",
    `One sweep, 10,000 customers, ${DUE} due (${reads.length} read calls, ${fmt(round(large.rru))} RCU, ${fmt(round(large.wru))} WCU reported, ${fmt(round(large.ms))} ms):`,
    ...describeSweepCalls(large.calls),
    `The same sweep at 1,000 customers: ${small.calls.filter((c) => READ_COMMANDS.has(c.command)).length} read calls, ${fmt(round(small.rru))} RCU.`,
    `Customer item: ${fmt(freshBytes)} B just after a first purchase, ${fmt(settledBytes)} B after thank-you and feedback request (attributes: ${Object.keys(templates.settled).length}).`,
  );

  await pipelineFigures(report, resources, dynamo, templates);
  loader.destroy();
  sweepDeps.db.destroy();
}

async function pipelineFigures(report: Report, resources: SweepResources, dynamo: RunningDynamo, templates: Templates): Promise<void> {
  const { results, notes, log } = report;
  const table = "rapport-bench-pipeline";
  await ensureTable(dynamo.endpoint, table, { stream: false });
  const ses = await startSesLocal(await freePort());
  resources.ses = ses;
  await fetch(`${ses.url}/clear-store`, { method: "POST" }).then((r) => r.arrayBuffer());
  const deps = depsFromEnv(envFor(dynamo, table, ses.url));
  const meter = instrument(deps.db);
  const pop = population(templates, table, PIPELINE_SENDS, PIPELINE_SENDS, deps, 3000);
  const loader = createDocumentClient({ region: "us-east-1", endpoint: dynamo.endpoint });
  log(`writing ${PIPELINE_SENDS} customers with a purchase an hour ago into ${table} ...`);
  await writeAll(loader, table, pop.items);
  loader.destroy();

  const mailer = new SesMailer({ region: deps.config.region, endpoint: ses.url });
  const queue = new InProcessQueue(deps, mailer);
  // This run asks for the table / index split (the totals are the same as with TOTAL).
  meter.mode = "INDEXES";
  const sweepStart = meter.calls.length;
  const swept = await runSweep({ ...deps, clock: fixedClock(SWEEP_AT) }, queue, SWEEP_AT);
  const sweepCalls = meter.calls.slice(sweepStart);
  if (swept.enqueued !== PIPELINE_SENDS) throw new Error(`pipeline sweep enqueued ${swept.enqueued} of ${PIPELINE_SENDS}`);

  log(`draining ${PIPELINE_SENDS} sends through the sender and SES local ...`);
  const start = meter.calls.length;
  const t0 = performance.now();
  await queue.drain(fixedClock(SWEEP_AT));
  const seconds = (performance.now() - t0) / 1000;
  const calls = meter.calls.slice(start);

  const store = (await (await fetch(`${ses.url}/store`)).json()) as { emails: { destination: { to: string[] }; subject: string }[] };
  const recipients = new Set(store.emails.flatMap((m) => m.destination.to));
  results["sends.perSecond"] = round(store.emails.length / seconds, 1);
  results["sends.drain.ms"] = round(seconds * 1000);
  results["sends.delivered"] = store.emails.length;
  results["sends.deadLetters"] = queue.deadLetters.length;
  results["sends.rru.perSend"] = round(sum(calls.map((c) => c.rcu)) / PIPELINE_SENDS, 2);
  results["sends.wru.perSend"] = round(sum(calls.map((c) => c.wcu)) / PIPELINE_SENDS, 2);
  results["sends.calls.perSend"] = round(calls.length / PIPELINE_SENDS, 2);
  notes["sends.perSecond"] = `${PIPELINE_SENDS} thank-you mails: in-process queue (10 a batch) → sender → SES local, ${fmt(round(seconds, 2))} s`;
  if (recipients.size !== store.emails.length) notes["sends.delivered"] = `${store.emails.length} mails to ${recipients.size} distinct addresses`;
  const perCommand = new Map<string, number>();
  for (const c of calls) perCommand.set(c.command, (perCommand.get(c.command) ?? 0) + 1);
  notes["sends.calls.perSend"] = [...perCommand].map(([c, n]) => `${c.replace(/Command$/, "")} ${fmt(round(n / PIPELINE_SENDS, 2))}`).join(", ");
  report.breakdown.push(
    "",
    `Where the units go (ReturnConsumedCapacity INDEXES; the sweep that enqueued the ${PIPELINE_SENDS} pipeline sends, then the drain), per call of each kind:`,
    ...splitLines(sweepCalls, "sweep"),
    ...splitLines(calls, "sender"),
  );
  deps.db.destroy();
}

/** Per command: calls, and the mean units per call split over the table and each index. */
function splitLines(calls: CallRecord[], who: string): string[] {
  const groups = new Map<string, CallRecord[]>();
  for (const c of calls) {
    const key = `${c.command.replace(/Command$/, "")}${c.command === "QueryCommand" ? ` ${String(c.input?.IndexName ?? "table")}` : ""}${c.ok ? "" : ` (${c.error})`}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups].map(([key, group]) => {
    const parts = new Map<string, number>();
    for (const c of group) {
      for (const entry of (Array.isArray(c.raw) ? c.raw : c.raw ? [c.raw] : []) as {
        Table?: { CapacityUnits?: number };
        GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
      }[]) {
        parts.set("table", (parts.get("table") ?? 0) + (entry.Table?.CapacityUnits ?? 0));
        for (const [name, u] of Object.entries(entry.GlobalSecondaryIndexes ?? {})) parts.set(name, (parts.get(name) ?? 0) + (u.CapacityUnits ?? 0));
      }
    }
    const n = group.length;
    const split = [...parts].map(([name, u]) => `${name} ${fmt(round(u / n, 2))}`).join(", ");
    return `  ${who.padEnd(7)} ${key.padEnd(36)} × ${String(n).padStart(4)}  per call: RCU ${fmt(round(sum(group.map((c) => c.rcu)) / n, 2)).padStart(4)}  WCU ${fmt(round(sum(group.map((c) => c.wcu)) / n, 2)).padStart(4)}${split ? `  [${split}]` : ""}`;
  });
}
