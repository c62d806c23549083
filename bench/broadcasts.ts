/**
 * Newsletters (`--only broadcasts`): what one recipient costs end to end, and how fast a big
 * segment is queued.
 *
 * - `broadcast.rru.perRecipient` / `broadcast.wru.perRecipient` (≤ 3 / ≤ 12): a newsletter to a
 *   segment of 2,000 consenting customers (profiles shaped as the real code writes them), from its
 *   start (segment expanded, waiting list written, released to the queue) through the real sender
 *   (consistent re-read, suppression check, ledger claim, record on the customer and the
 *   timeline), metered on the one document client every step uses, divided by the recipients.
 *   The mailer accepts every mail without SES (SES costs no table units). The report counters'
 *   stream writes are not in it: the consumer adds a batch of up to 100 records in one transaction
 *   (a few units per batch, well under 0.1 per recipient; the reports section measures it).
 * - `broadcast.queue100k.seconds` (≤ 60): a newsletter to 100,000 members, from the start until
 *   every recipient is on the queue (the expansion reads the stage index; the queue here counts
 *   what it is handed, as SendMessageBatch would take it).
 */
import { randomUUID } from "node:crypto";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { startDynamo } from "../local/dynamo.ts";
import { InProcessQueue } from "../local/pipeline.ts";
import { ensureTable } from "../local/table.ts";
import { runDueBroadcasts } from "../shared/broadcasts/dispatch.ts";
import { createBroadcast } from "../shared/broadcasts/store.ts";
import { fixedClock } from "../shared/core/clock.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import type { Mailer, SendQueue } from "../shared/core/ports.ts";
import { DEMO_COUNTRIES, DEMO_EMAIL_DOMAINS } from "../shared/demo/data.ts";
import { mulberry32 } from "../shared/demo/seed.ts";
import { customerKey, customerPk, stageIndexKey } from "../shared/entities/customer.ts";
import { emailKey } from "../shared/entities/email.ts";
import { evaluateSegment } from "../shared/segments/evaluate.ts";
import { createSegment } from "../shared/segments/store.ts";
import { billedUnits, instrument } from "./meter.ts";
import { round } from "./stats.ts";
import { type Report, writeAll } from "./sweep.ts";

const SMALL = Number(process.env.BENCH_BROADCAST_SMALL ?? 2_000);
const LARGE = Number(process.env.BENCH_BROADCAST_LARGE ?? 100_000);
const NOW = new Date("2026-11-01T08:00:00.000Z");
const SEND_AT = "2026-11-02T12:00:00.000Z";
const DAY = 86_400_000;

export const BROADCAST_BUDGETS: Record<string, number> = {
  "broadcast.rru.perRecipient": 3,
  "broadcast.wru.perRecipient": 12,
  "broadcast.queue100k.seconds": 60,
};

export interface BroadcastResources {
  dynamo?: { stop(): Promise<void> };
}

const LETTER = {
  en: {
    subject: "November news for {{firstName|you}}",
    text: "Hi {{firstName|there}},\n\nOur winter range is in: wool socks, thermoses and the new dark roast.\n\nUnsubscribe: {{unsubscribeUrl}}",
    html: '<h1>November news</h1><p>Hi {{firstName|there}},</p><p>Our winter range is in: wool socks, thermoses and the new dark roast.</p><p><a href="{{unsubscribeUrl}}">Unsubscribe</a></p>',
  },
};

/** A customer who bought, gave consent and is tagged for the newsletter, as the real code writes one; and their email claim. */
function customer(n: number, random: () => number): Record<string, unknown>[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const country = pick(DEMO_COUNTRIES);
  const given = pick(random() < 0.5 ? country.female : country.male);
  const family = pick(country.family);
  const id = `cus_BCST${String(n).padStart(22, "0")}`;
  const stage = pick(["customer", "loyal", "lead"] as const);
  const createdAt = new Date(NOW.getTime() - Math.floor(random() * 730) * DAY).toISOString();
  const lastActivityAt = new Date(NOW.getTime() - Math.floor(random() * 60 * DAY)).toISOString();
  const email = `${given.roman}.${family.roman}${n}@${pick(DEMO_EMAIL_DOMAINS)}`.toLowerCase().replace(/[^a-z0-9.@-]/g, "");
  const orders = stage === "lead" ? 0 : 1 + Math.floor(random() * 8);
  return [
    {
      ...customerKey(id),
      ...stageIndexKey(stage, lastActivityAt, id),
      type: "customer",
      id,
      email,
      firstName: given.native,
      lastName: family.native,
      country: country.code,
      locale: country.locale,
      timezone: "Europe/Oslo",
      stage,
      tags: new Set(["newsletter", ...(random() < 0.3 ? ["wholesale"] : [])]),
      orders,
      spendMinor: orders * (2_000 + Math.floor(random() * 20_000)),
      currency: "EUR",
      lastActivityAt,
      createdAt,
      updatedAt: lastActivityAt,
      emailStatus: "ok",
      consentMarketing: true,
      consentAt: createdAt,
      consentVersion: "2026-01",
      consentSource: "form:newsletter",
      attribution: { source: "website", utm_source: "newsletter", utm_medium: "email", utm_campaign: "spring" },
      ...(orders > 0
        ? {
            firstPurchaseAt: createdAt,
            lastPurchaseAt: lastActivityAt,
            lastPurchaseId: `ord-${n}`,
            "sent#thank-you": { occurrence: `ord-${n}`, at: lastActivityAt },
            "sent#feedback-request": { occurrence: `ord-${n}`, at: lastActivityAt },
          }
        : {}),
    },
    { ...emailKey(email), type: "email", customerId: id },
  ];
}

/** Sends the sender recorded on the ledger (unmetered: a fresh client). */
async function sentCount(deps: Deps): Promise<number> {
  const db = depsFromEnv({ TABLE_NAME: deps.table, DYNAMODB_ENDPOINT: deps.config.dynamodbEndpoint ?? "", AWS_REGION: "us-east-1" }).db;
  let sent = 0;
  for (let n = 0; n < SMALL; n += 100) {
    const keys = Array.from({ length: Math.min(100, SMALL - n) }, (_, i) => `cus_BCST${String(n + i).padStart(22, "0")}`);
    const out = await Promise.all(
      keys.map((id) =>
        db.send(
          new QueryCommand({
            TableName: deps.table,
            KeyConditionExpression: "PK = :pk AND begins_with(SK, :s)",
            ExpressionAttributeValues: { ":pk": customerPk(id), ":s": "SEND#" },
          }),
        ),
      ),
    );
    sent += out.filter((o) => o.Items?.some((i) => i.status === "sent")).length;
  }
  db.destroy();
  return sent;
}

/** Accepts every mail, as SES would. */
const acceptAll: Mailer = { send: async () => ({ messageId: `bench-${randomUUID()}` }) };

async function tableWith(endpoint: string, customers: number, log: Report["log"]): Promise<Deps> {
  const table = `rapport-bench-broadcasts-${randomUUID().slice(0, 8)}`;
  await ensureTable(endpoint, table, { stream: false });
  const deps = depsFromEnv({
    TABLE_NAME: table,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: "us-east-1",
    PUBLIC_BASE_URL: "https://crm.example-shop.test",
    TOKEN_SECRET: "bench-token-secret-0123456789abcdef-not-a-real-one",
    SENDER_EMAIL: "hello@example-shop.test",
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "ERROR",
  });
  deps.clock = fixedClock(NOW);
  const random = mulberry32(11);
  log(`writing ${customers.toLocaleString("en")} customers ...`);
  const started = performance.now();
  await writeAll(deps.db, table, Array.from({ length: customers }, (_, n) => customer(n, random)).flat());
  log(`  written in ${round((performance.now() - started) / 1000, 1)} s`);
  return deps;
}

/** A newsletter to everyone tagged `newsletter`, scheduled for SEND_AT. */
async function newsletter(deps: Deps): Promise<string> {
  const segment = await createSegment(
    deps,
    { name: "Newsletter", match: "all", conditions: [{ field: "tags", op: "contains", value: "newsletter" }] },
    {
      type: "key",
      id: "bench",
    },
  );
  return (await createBroadcast(deps, { name: "November news", segmentId: segment.id, templates: LETTER, sendAt: SEND_AT }, "bench")).id;
}

export async function broadcastFigures(report: Report, resources: BroadcastResources): Promise<void> {
  const { results, notes, log, breakdown } = report;
  log("starting DynamoDB Local (in memory) for newsletters ...");
  const dynamo = await startDynamo();
  resources.dynamo = dynamo;
  const at = new Date(SEND_AT);

  // Units per recipient, end to end through the real sender.
  const small = await tableWith(dynamo.endpoint, SMALL, log);
  await newsletter(small);
  const meter = instrument(small.db);
  const sendDeps = { ...small, clock: fixedClock(at) };
  const queue = new InProcessQueue(sendDeps, acceptAll, { retryDelayMs: 0 });
  const started = performance.now();
  const run = await runDueBroadcasts(sendDeps, queue, at);
  const queuedCalls = meter.calls.length;
  await queue.drain(fixedClock(at));
  const seconds = (performance.now() - started) / 1000;
  const units = (calls: typeof meter.calls) =>
    calls.reduce(
      (sum, call) => {
        const b = billedUnits(call);
        return { rru: sum.rru + b.rru, wru: sum.wru + b.wru };
      },
      { rru: 0, wru: 0 },
    );
  const start = units(meter.calls.slice(0, queuedCalls));
  const send = units(meter.calls.slice(queuedCalls));
  const total = { rru: start.rru + send.rru, wru: start.wru + send.wru };
  const sent = await sentCount(small);
  if (run.queued !== SMALL || sent !== SMALL || queue.deadLetters.length > 0)
    throw new Error(`newsletter bench: ${run.queued} queued, ${sent} sent, ${queue.deadLetters.length} dead letters`);
  results["broadcast.rru.perRecipient"] = round(total.rru / SMALL, 2);
  results["broadcast.wru.perRecipient"] = round(total.wru / SMALL, 2);
  notes["broadcast.rru.perRecipient"] =
    `${SMALL.toLocaleString("en")} recipients: start ${round(start.rru / SMALL, 3)} (segment on the stage index, waiting list), send ${round(send.rru / SMALL, 2)} (consistent re-read, suppression, state per batch)`;
  notes["broadcast.wru.perRecipient"] =
    `start ${round(start.wru / SMALL, 3)} (waiting list written and deleted, state), send ${round(send.wru / SMALL, 2)} (ledger claim, then ledger + customer + timeline in one transaction); stream counters not included`;
  breakdown.push(
    `newsletter to ${SMALL.toLocaleString("en")}: ${round(total.rru, 0)} RRU, ${round(total.wru, 0)} WRU, ${meter.calls.length} calls, sent in ${round(seconds, 1)} s through the local sender (no pacing locally)`,
  );
  small.db.destroy();

  // Queueing rate at 100,000 members.
  const large = await tableWith(dynamo.endpoint, LARGE, log);
  await newsletter(large);
  let handed = 0;
  const counting: SendQueue = {
    enqueue: async (requests) => {
      handed += requests.length;
    },
  };
  // The segment's evaluation alone, for the breakdown: the part of the start that reads customers.
  const e = performance.now();
  await evaluateSegment(large, { match: "all", conditions: [{ field: "tags", op: "contains", value: "newsletter" }] }, [
    "timezone",
    "consentMarketing",
    "emailStatus",
    "mailPreferences",
  ]);
  const evaluateSeconds = (performance.now() - e) / 1000;
  log(`starting a newsletter to ${LARGE.toLocaleString("en")} ...`);
  const t = performance.now();
  const big = await runDueBroadcasts({ ...large, clock: fixedClock(at) }, counting, at);
  const queueSeconds = (performance.now() - t) / 1000;
  if (big.queued !== LARGE || handed !== LARGE) throw new Error(`newsletter bench: ${big.queued} of ${LARGE} queued`);
  results["broadcast.queue100k.seconds"] = round(queueSeconds, 1);
  notes["broadcast.queue100k.seconds"] =
    `${LARGE.toLocaleString("en")} recipients from the start to all on the queue (segment evaluated, ${Math.ceil(LARGE / 1000)} waiting items written, released, deleted) on DynamoDB Local on this machine`;
  breakdown.push(
    `newsletter to ${LARGE.toLocaleString("en")}: queued in ${round(queueSeconds, 1)} s, of which evaluating the segment alone takes ${round(evaluateSeconds, 1)} s`,
  );
  large.db.destroy();
}
