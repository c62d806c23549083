/**
 * Measures what bench/cost.ts prices: each operation of a customer's life run through the real
 * handlers, in process, against DynamoDB Local, with SES local in a child process (so its CPU
 * time is not counted as the sender's).
 *
 * A round takes N customers through: the contact form (new, then repeat, each followed by the
 * built-in thank-you page), a purchase recorded by the events API (after the API key authorizer),
 * the hourly sweep that finds their thank-yous due, the sender (batches of 1 and of 10), the SES
 * events for each mail (send, delivery, open, click), a click on the 0–10 score link in the mail,
 * and the admin reading the customer list and each customer. A warm-up round on its own table
 * comes first, so the measured round runs warm code, as a warm Lambda container does.
 *
 * Per invocation: the process's CPU time and the wall time (medians), DynamoDB units as AWS bills
 * them (bench/meter.ts billedUnits), items written, domain events, bytes logged at the deployed
 * log level (INFO) and bytes answered. Per item kind: stored bytes (item + 100 B overhead + each
 * index copy), and how many items each operation leaves behind (the table is scanned between
 * phases).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { Logger } from "@aws-lambda-powertools/logger";
import { type AttributeValue, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { Context, DynamoDBRecord, EventBridgeEvent, ScheduledEvent, SQSEvent } from "aws-lambda";
import { makeAuthorizer } from "../functions/authorizer.ts";
import { makeHandler as makeCapture } from "../functions/capture.ts";
import { makeHandler as makeCustomers } from "../functions/customers.ts";
import { makeHandler as makeEvents } from "../functions/events.ts";
import { makeHandler as makeLinks } from "../functions/links.ts";
import { makeHandler as makePublic } from "../functions/public.ts";
import { makeHandler as makeReports } from "../functions/reports.ts";
import { makeHandler as makeReportsStream } from "../functions/reports-stream.ts";
import { makeSender } from "../functions/sender.ts";
import { makeHandler as makeSesEvents } from "../functions/ses-events.ts";
import { makeScheduledHandler } from "../functions/sweep.ts";
import { freePort, type RunningDynamo, startDynamo } from "../local/dynamo.ts";
import { httpEvent as buildHttpEvent, lambdaContext as buildLambdaContext } from "../local/lambda-events.ts";
import { ensureTable } from "../local/table.ts";
import { createApiKey } from "../shared/auth/api-keys.ts";
import { SesMailer } from "../shared/aws/ses-mailer.ts";
import type { Clock } from "../shared/core/clock.ts";
import { type Deps, depsFromEnv } from "../shared/core/deps.ts";
import type { DomainEvent, EventBus, Mailer, OutgoingMail, SendQueue, SendRequest } from "../shared/core/ports.ts";
import type { HttpEvent, HttpResult } from "../shared/http/http.ts";
import { routes } from "../shared/http/routes.ts";
import type { SesEvent } from "../shared/mail-feedback/outcomes.ts";
import {
  type Footprint,
  formatSheet,
  type Measured,
  monthCost,
  type OpMeasure,
  type OpName,
  SERVICES,
  SIZES,
  type Size,
  STREAM_BATCH_FILL,
  type Timing,
} from "./cost.ts";
import { billedUnits, type CallRecord, instrument, itemWrites, marshalledItemSize } from "./meter.ts";
import { mean, median, round as round2 } from "./stats.ts";
import type { Report } from "./sweep.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const execFileP = promisify(execFile);

const WARM_CUSTOMERS = 6;
/** Customers in the measured round: 3 sends alone, then batches of 10. */
const CUSTOMERS = 33;
const NODE_START_RUNS = 7;
/** Records per stream batch the consumer is measured on (the 1M month's assumption). */
const STREAM_BATCH = 20;
const SITE = "https://www.example-shop.test";
const BASE_URL = "https://api.example-shop.test";
const TOKEN_SECRET = "bench-cost-token-secret-0123456789abcdef-not-real";
/** The sweep instant: a Tuesday afternoon, inside any send window. */
const T0 = Date.parse("2026-03-10T14:00:00.000Z");
const HOUR = 3_600_000;

/** Processes the cost section starts, so the caller can stop them on a signal. */
export interface CostResources {
  dynamo?: RunningDynamo;
  ses?: ChildProcess;
}

/** Figures bench.ts measured earlier in the same run that the model needs. */
export interface EarlierFigures {
  /** `coldImport.<fn>.ms` from the bundle section. */
  coldImportMs: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// Events as API Gateway, SQS and EventBridge deliver them
// ---------------------------------------------------------------------------------------------

function route(operationId: string) {
  const r = routes.find((x) => x.operationId === operationId);
  if (!r) throw new Error(`no route ${operationId}`);
  return r;
}

let requestCounter = 0;

/** An HTTP API (payload 2.0) event, as local/server.ts builds it from a request. */
function httpEvent(
  operationId: string,
  options: {
    body?: string;
    contentType?: string;
    query?: Record<string, string>;
    pathParameters?: Record<string, string>;
    headers?: Record<string, string>;
    keyId?: string;
    path?: string;
  },
): HttpEvent {
  return buildHttpEvent({
    route: route(operationId),
    headers: {
      host: "api.example-shop.test",
      "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36",
      ...(options.contentType ? { "content-type": options.contentType } : {}),
      ...options.headers,
    },
    ...(options.query ? { query: options.query } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(options.path ? { path: options.path } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    sourceIp: "203.0.113.7",
    accountId: "000000000000",
    apiId: "bench",
    domainPrefix: "api",
    requestId: `bench-${++requestCounter}`,
    ...(options.keyId ? { authorizer: { type: "key", id: options.keyId, scopes: "admin" } } : {}),
  });
}

function lambdaContext(fn: string, memoryMb: number): Context {
  return buildLambdaContext(fn, { memoryMb, region: "us-east-1", requestId: `bench-${++requestCounter}`, logStreamName: "bench" });
}

function sqsEvent(requests: SendRequest[], at: number): SQSEvent {
  return {
    Records: requests.map((request, i) => ({
      messageId: `bench-msg-${++requestCounter}-${i}`,
      receiptHandle: `bench-${requestCounter}-${i}`,
      body: JSON.stringify(request),
      attributes: { ApproximateReceiveCount: "1", SentTimestamp: String(at), SenderId: "bench", ApproximateFirstReceiveTimestamp: String(at) },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:rapport-send",
      awsRegion: "us-east-1",
    })),
  };
}

const SES_DETAIL_TYPES: Record<string, string> = { Send: "Email Sent", Delivery: "Email Delivered", Open: "Email Opened", Click: "Email Clicked" };

/** An SES event from the configuration set's EventBridge destination ("Examples of event data that Amazon SES publishes"). */
function sesEvent(eventType: "Send" | "Delivery" | "Open" | "Click", mail: SentMail, at: number): EventBridgeEvent<string, SesEvent> {
  const time = new Date(at).toISOString();
  const specific: Record<string, unknown> = {
    Send: { send: {} },
    Delivery: {
      delivery: {
        timestamp: time,
        processingTimeMillis: 812,
        recipients: [mail.to],
        smtpResponse: "250 2.0.0 OK",
        reportingMTA: "a8-55.smtp-out.amazonses.com",
      },
    },
    Open: { open: { timestamp: time, userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)", ipAddress: "198.51.100.4" } },
    Click: { click: { timestamp: time, link: `${BASE_URL}/v1/feedback`, userAgent: "Mozilla/5.0", ipAddress: "198.51.100.4", linkTags: {} } },
  }[eventType]!;
  return {
    version: "0",
    id: `bench-ses-${++requestCounter}`,
    "detail-type": SES_DETAIL_TYPES[eventType]!,
    source: "aws.ses",
    account: "000000000000",
    time: time.replace(/\.\d{3}Z$/, "Z"),
    region: "us-east-1",
    resources: ["arn:aws:ses:us-east-1:000000000000:configuration-set/rapport-bench"],
    detail: {
      eventType,
      mail: {
        timestamp: new Date(mail.sentAt).toISOString(),
        messageId: mail.messageId,
        destination: [mail.to],
        tags: {
          "ses:configuration-set": ["rapport-bench"],
          "ses:from-domain": ["example-shop.test"],
          ...Object.fromEntries(Object.entries(mail.tags).map(([k, v]) => [k, [v]])),
        },
      },
      ...specific,
    } as SesEvent,
  };
}

// ---------------------------------------------------------------------------------------------
// Instruments: the clock, the bus, the mailer, the log
// ---------------------------------------------------------------------------------------------

class BenchClock implements Clock {
  at = T0;
  now(): Date {
    return new Date(this.at);
  }
}

/** Counts the domain events a handler publishes (EventBridge bills each custom event). */
class CountingBus implements EventBus {
  count = 0;
  async publish(events: DomainEvent[]): Promise<void> {
    this.count += events.length;
  }
}

interface SentMail {
  messageId: string;
  to: string;
  tags: Record<string, string>;
  text: string;
  bytes: number;
  sentAt: number;
}

/** SES local through the real SES mailer, keeping what was sent (links, tags, message ids). */
class RecordingMailer implements Mailer {
  readonly sent: SentMail[] = [];
  private readonly inner: Mailer;
  private readonly clock: BenchClock;
  constructor(inner: Mailer, clock: BenchClock) {
    this.inner = inner;
    this.clock = clock;
  }
  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    const result = await this.inner.send(mail);
    this.sent.push({
      messageId: result.messageId,
      to: mail.to,
      tags: mail.tags,
      text: mail.text,
      bytes: Buffer.byteLength(mail.subject + mail.text + mail.html),
      sentAt: this.clock.at,
    });
    return result;
  }
}

/** Counts what the handlers' logger writes to stdout, and keeps it off the bench's own output. */
class LogTap {
  bytes = 0;
  lines = 0;
  private original?: typeof process.stdout.write;
  start(): void {
    this.original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      this.bytes += Buffer.byteLength(text);
      this.lines += text.split("\n").filter((l) => l.length > 0).length;
      return true;
    }) as typeof process.stdout.write;
  }
  stop(): void {
    if (this.original) process.stdout.write = this.original;
    this.original = undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Sampling
// ---------------------------------------------------------------------------------------------

interface Sample {
  cpuMs: number;
  wallMs: number;
  calls: CallRecord[];
  busEvents: number;
  logBytes: number;
  logLines: number;
}

interface Instruments {
  meter: { calls: CallRecord[] };
  bus: CountingBus;
  log: LogTap;
}

/** Runs one invocation and records what it took. Sequential only: CPU time is the process's. */
async function sample<T>(inst: Instruments, run: () => Promise<T>): Promise<{ sample: Sample; result: T }> {
  const calls = inst.meter.calls.length;
  const events = inst.bus.count;
  const bytes = inst.log.bytes;
  const lines = inst.log.lines;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const result = await run();
  const wallMs = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return {
    result,
    sample: {
      cpuMs: (used.user + used.system) / 1000,
      wallMs,
      calls: inst.meter.calls.slice(calls),
      busEvents: inst.bus.count - events,
      logBytes: inst.log.bytes - bytes,
      logLines: inst.log.lines - lines,
    },
  };
}

function timingOf(samples: Sample[]): Timing {
  return { cpuMs: median(samples.map((s) => s.cpuMs)), wallMs: median(samples.map((s) => s.wallMs)) };
}

/** Means per operation over samples; `per` divides (per send in a batch of 10). */
function footprintOf(samples: Sample[], responseBytes: number[] = [], per = 1): Footprint {
  const units = samples.map((s) => s.calls.map(billedUnits));
  return {
    rru: mean(units.map((u) => u.reduce((n, x) => n + x.rru, 0))) / per,
    wru: mean(units.map((u) => u.reduce((n, x) => n + x.wru, 0))) / per,
    streamRecords: mean(samples.map((s) => s.calls.reduce((n, c) => n + itemWrites(c), 0))) / per,
    busEvents: mean(samples.map((s) => s.busEvents)) / per,
    logBytes: mean(samples.map((s) => s.logBytes)) / per,
    logLines: mean(samples.map((s) => s.logLines)) / per,
    responseBytes: responseBytes.length ? mean(responseBytes) / per : 0,
  };
}

function op(invocations: { fn: string; samples: Sample[] }[], all: Sample[], apiRequests: number, responseBytes: number[] = []): OpMeasure {
  return {
    invocations: invocations.map((i) => ({ fn: i.fn, timing: timingOf(i.samples) })),
    footprint: footprintOf(all, responseBytes),
    apiRequests,
    samples: invocations[0]!.samples.length,
  };
}

/** Adds two samples of one operation made of two invocations (the footprint is the pair's). */
function pair(a: Sample, b: Sample): Sample {
  return {
    cpuMs: a.cpuMs + b.cpuMs,
    wallMs: a.wallMs + b.wallMs,
    calls: [...a.calls, ...b.calls],
    busEvents: a.busEvents + b.busEvents,
    logBytes: a.logBytes + b.logBytes,
    logLines: a.logLines + b.logLines,
  };
}

function bodyBytes(result: HttpResult): number {
  const body = result.body ?? "";
  return result.isBase64Encoded ? Buffer.from(body, "base64").length : Buffer.byteLength(body);
}

// ---------------------------------------------------------------------------------------------
// Storage: items by kind
// ---------------------------------------------------------------------------------------------

/**
 * `PK-prefix/SK-prefix`, each the text before the first `#` (CUST/PROFILE, CUST/TL, CUST/SEND,
 * EMAIL/EMAIL, ...); a key without `#` that is a hash (API keys) reads `<hash>`.
 */
function kindOf(item: Record<string, AttributeValue>): string {
  const prefix = (a: AttributeValue | undefined) => {
    const value = a?.S ?? "?";
    return !value.includes("#") && /^[0-9a-f]{32,}$/i.test(value) ? "<hash>" : value.split("#")[0];
  };
  return `${prefix(item.PK)}/${prefix(item.SK)}`;
}

/**
 * Bytes an item occupies in the table (itself + 100 B) and in all (plus a full copy in GSI1,
 * projection ALL, and its keys in GSI2, KEYS_ONLY; 100 B each).
 */
function storedBytes(item: Record<string, AttributeValue>): { table: number; all: number } {
  const size = marshalledItemSize(item as never);
  let all = size + 100;
  if (item.GSI1PK && item.GSI1SK) all += size + 100;
  if (item.GSI2PK && item.GSI2SK) all += marshalledItemSize({ PK: item.PK, SK: item.SK, GSI2PK: item.GSI2PK, GSI2SK: item.GSI2SK } as never) + 100;
  return { table: size + 100, all };
}

async function scanTable(client: DynamoDBClient, table: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

function countByKind(items: Record<string, AttributeValue>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[kindOf(item)] = (counts[kindOf(item)] ?? 0) + 1;
  return counts;
}

// ---------------------------------------------------------------------------------------------
// The stack's shape, read from infra/ (without loading the CDK)
// ---------------------------------------------------------------------------------------------

interface StackShape {
  memoryMb: Record<string, number>;
  alarms: number;
  secretReaders: string[];
}

/**
 * Memory per function, the alarm count and who reads the link-signing secret, from the FUNCTIONS
 * table in infra/stack.ts and the default in infra/functions.ts, so the sheet follows the stack.
 * Alarms (infra/alarms.ts): one per function, API 5xx, one per dead-letter queue, SES bounce and
 * complaint rates.
 */
export function stackShape(): StackShape {
  const stack = readFileSync(path.join(ROOT, "infra", "stack.ts"), "utf8");
  const functions = readFileSync(path.join(ROOT, "infra", "functions.ts"), "utf8");
  const fallback = Number(/memorySize: props\.memorySize \?\? (\d+)/.exec(functions)?.[1]);
  if (!Number.isFinite(fallback)) throw new Error("infra/functions.ts: no default memorySize found");
  const block = /const FUNCTIONS[^=]*=\s*\{([\s\S]*?)\n\};/.exec(stack)?.[1];
  if (!block) throw new Error("infra/stack.ts: no FUNCTIONS table found");
  const memoryMb: Record<string, number> = {};
  const secretReaders: string[] = [];
  const entries = [...block.matchAll(/^ {2}(?:"([\w-]+)"|([\w]+)): \{/gm)];
  entries.forEach((e, i) => {
    const name = (e[1] ?? e[2])!;
    const body = block.slice(e.index, entries[i + 1]?.index ?? block.length);
    memoryMb[name] = Number(/memorySize: (\d+)/.exec(body)?.[1] ?? fallback);
    if (/readsTokenSecret: true/.test(body)) secretReaders.push(name);
  });
  const dlqs =
    /deadLetterQueues: \{([^}]*)\}/
      .exec(stack)?.[1]
      ?.split(",")
      .filter((s) => s.includes(":")).length ?? 0;
  return { memoryMb, alarms: entries.length + 1 + dlqs + 2, secretReaders };
}

// ---------------------------------------------------------------------------------------------
// One round
// ---------------------------------------------------------------------------------------------

interface Round {
  samples: Record<string, Sample[]>;
  responses: Record<string, number[]>;
  /** Items per kind after each phase. */
  kinds: { phase: string; ops: number; counts: Record<string, number> }[];
  items: Record<string, AttributeValue>[];
  /** Customers due in each sweep that found some. */
  sweepDue: number[];
  emailBytes: number[];
}

interface Setup {
  dynamo: RunningDynamo;
  sesUrl: string;
  shape: StackShape;
  inst: Instruments;
  clock: BenchClock;
  scanner: DynamoDBClient;
  deps: Deps;
}

const MESSAGE = "Hello! We run three bakeries in town and would like to hear about pricing for a team of five, and whether we can import our list.";

async function runRound(setup: Setup, table: string, customers: number): Promise<Round> {
  const { inst, clock, shape } = setup;
  await ensureTable(setup.dynamo.endpoint, table, { stream: false });
  const deps: Deps = { ...setup.deps, table };
  const ctx = (fn: string) => lambdaContext(fn, shape.memoryMb[fn] ?? 256);
  const capture = makeCapture(deps);
  const publicFn = makePublic(deps);
  const events = makeEvents(deps);
  const customersFn = makeCustomers(deps);
  const links = makeLinks(deps);
  const authorizer = makeAuthorizer(deps);
  const sesEvents = makeSesEvents(deps);
  const mailer = new RecordingMailer(new SesMailer({ region: "us-east-1", endpoint: setup.sesUrl }), clock);
  const collected: SendRequest[] = [];
  const queue: SendQueue = { enqueue: async (requests) => void collected.push(...requests) };
  const sweep = makeScheduledHandler(deps, { queue, allowSimulatedTime: false });
  const { key } = await createApiKey(deps, { scopes: ["admin"], name: "bench" });

  const samples: Record<string, Sample[]> = {};
  const responses: Record<string, number[]> = {};
  const kinds: Round["kinds"] = [];
  const add = (name: string, s: Sample, bytes?: number) => {
    (samples[name] ??= []).push(s);
    if (bytes !== undefined) (responses[name] ??= []).push(bytes);
  };
  const phase = async (name: string, ops: number) => kinds.push({ phase: name, ops, counts: countByKind(await scanTable(setup.scanner, table)) });
  const ok = (result: HttpResult, what: string) => {
    if (result.statusCode >= 400) throw new Error(`${what} answered ${result.statusCode}: ${String(result.body).slice(0, 300)}`);
    return result;
  };
  const scheduled: ScheduledEvent = {
    version: "0",
    id: "bench",
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "000000000000",
    time: "",
    region: "us-east-1",
    resources: [],
    detail: {},
  };

  // The fixed cost of a sweep: nobody due yet (campaign list + every due shard, all empty).
  clock.at = T0 - 4 * HOUR;
  for (let i = 0; i < 5; i++) {
    const { sample: s, result } = await sample(inst, () => sweep({ ...scheduled, time: clock.now().toISOString() }));
    if (result.due !== 0) throw new Error(`idle sweep found ${result.due} due`);
    add("sweepIdle", s);
  }
  await phase("start", 0);

  // Contact form posts, as a browser sends them, each followed by the built-in thank-you page.
  const emails = Array.from({ length: customers }, (_, i) => `cost.${table}.${i}@example-mail.test`);
  const form = (email: string, company: string) =>
    new URLSearchParams({
      email,
      firstName: "Maria",
      lastName: "Okafor-Lindqvist",
      company,
      message: MESSAGE,
      consent: "yes",
      source: "contact-page",
      utm_source: "newsletter",
      utm_medium: "email",
      utm_campaign: "spring-2026",
    }).toString();
  const post = async (name: string, email: string, company: string) => {
    const headers = { origin: SITE, referer: `${SITE}/contact?ref=nav`, accept: "text/html,application/xhtml+xml" };
    const a = await sample(inst, async () =>
      ok(
        await capture(httpEvent("captureLead", { body: form(email, company), contentType: "application/x-www-form-urlencoded", headers }), ctx("capture")),
        "POST /v1/leads",
      ),
    );
    const b = await sample(inst, async () =>
      ok(await publicFn(httpEvent("thankYouPage", { headers: { accept: "text/html" } }), ctx("public")), "GET /v1/thanks"),
    );
    add(`${name}.capture`, a.sample);
    add(`${name}.public`, b.sample);
    add(name, pair(a.sample, b.sample), bodyBytes(a.result) + bodyBytes(b.result));
  };
  clock.at = T0 - 3 * HOUR;
  for (const email of emails) await post("leadNew", email, "Crumb & Co Bakeries");
  await phase("leadNew", customers);
  for (const email of emails) await post("leadRepeat", email, "Crumb & Co Bakeries Ltd");
  await phase("leadRepeat", customers);

  // A purchase per customer, by the shop's webhook with an admin key.
  clock.at = T0 - HOUR;
  const customerIds: string[] = [];
  for (const [i, email] of emails.entries()) {
    const auth = await sample(inst, () => authorizer({ headers: { authorization: `Bearer ${key}` } }));
    if (!auth.result.context.id) throw new Error("the authorizer did not accept the bench key");
    add("authorizer", auth.sample);
    const body = JSON.stringify({
      type: "purchase",
      email,
      amount: 49.9,
      currency: "USD",
      product: "Sourdough starter kit",
      externalId: `${table}-order-${i}`,
      at: new Date(clock.at).toISOString(),
    });
    const r = await sample(inst, async () =>
      ok(await events(httpEvent("recordEvent", { body, contentType: "application/json", keyId: auth.result.context.id }), ctx("events")), "POST /v1/events"),
    );
    add("purchase", r.sample, bodyBytes(r.result));
    customerIds.push(JSON.parse(r.result.body ?? "{}").customerId);
  }
  await phase("purchase", customers);

  // The hourly sweep that finds the thank-yous due, and the sender: three batches of one, then
  // batches of ten. A new sender each time: its campaign list is cached per container for a
  // minute, and sparse traffic rarely finds it warm.
  const sweepDue: number[] = [];
  const sweepAndSend = async (expected: number) => {
    collected.length = 0;
    const swept = await sample(inst, () => sweep({ ...scheduled, time: clock.now().toISOString() }));
    if (swept.result.due < expected || swept.result.enqueued < expected)
      throw new Error(`the sweep found ${swept.result.due} due and enqueued ${swept.result.enqueued}, expected ${expected}`);
    add("sweepDue", swept.sample);
    sweepDue.push(swept.result.due);
    await phase("sweepDue", swept.result.due);
    const requests = [...collected];
    const first = mailer.sent.length;
    for (let i = 0; i < requests.length; ) {
      const size = i < 3 && sweepDue.length === 1 ? 1 : Math.min(10, requests.length - i);
      const batch = requests.slice(i, i + size);
      i += size;
      const sender = makeSender(deps, mailer);
      const before = mailer.sent.length;
      const r = await sample(inst, () => sender(sqsEvent(batch, clock.at)));
      if (r.result.batchItemFailures.length > 0) throw new Error(`the sender failed ${r.result.batchItemFailures.length} of ${batch.length}`);
      if (mailer.sent.length - before !== batch.length) throw new Error(`a batch of ${batch.length} sent ${mailer.sent.length - before} mails`);
      if (size === 1 || size === 10) add(`send${size}`, r.sample);
    }
    await phase("send", requests.length);
    return mailer.sent.slice(first);
  };
  clock.at = T0;
  const thankYous = await sweepAndSend(customers);

  // SES events for every thank-you: sent, delivered, opened, clicked.
  clock.at = T0 + 5 * 60_000;
  for (const type of ["Send", "Delivery", "Open", "Click"] as const) {
    for (const mail of thankYous) {
      const r = await sample(inst, () => sesEvents(sesEvent(type, mail, clock.at)));
      if (type !== "Send" && r.result !== "recorded") throw new Error(`SES ${type} event: ${r.result}`);
      add(`ses${type}`, r.sample);
    }
    await phase(`ses${type}`, thankYous.length);
  }

  // A week after the purchase: the feedback requests, and a click on "9" in each one's score links.
  clock.at = T0 + 7 * 24 * HOUR;
  const requestsForFeedback = await sweepAndSend(customers);
  clock.at += 3 * HOUR;
  let clicks = 0;
  for (const mail of requestsForFeedback) {
    const link = /https?:\/\/\S+\/v1\/feedback\?t=([^&\s]+)&score=9\b/.exec(mail.text);
    if (!link) continue;
    const t = decodeURIComponent(link[1]!);
    const r = await sample(inst, async () =>
      ok(await links(httpEvent("feedbackFromLink", { query: { t, score: "9" }, headers: { accept: "text/html" } }), ctx("links")), "GET /v1/feedback"),
    );
    // The page's script then posts the score (the GET records nothing: scanners fetch links).
    const posted = await sample(inst, async () =>
      ok(
        await links(
          httpEvent("feedback", {
            body: new URLSearchParams({ t, score: "9" }).toString(),
            contentType: "application/x-www-form-urlencoded",
            headers: { accept: "application/json" },
          }),
          ctx("links"),
        ),
        "POST /v1/feedback",
      ),
    );
    add("feedbackClick", pair(r.sample, posted.sample), bodyBytes(r.result) + bodyBytes(posted.result));
    clicks++;
  }
  if (clicks === 0) throw new Error(`no feedback request carried a score link: ${JSON.stringify(requestsForFeedback[0]?.text)}`);
  await phase("feedbackClick", clicks);

  // The admin: the customer list, and each customer's 360° view.
  const keyId = (await authorizer({ headers: { authorization: `Bearer ${key}` } })).context.id;
  for (let i = 0; i < Math.ceil(customers / 3); i++) {
    const r = await sample(inst, async () => ok(await customersFn(httpEvent("listCustomers", { keyId }), ctx("customers")), "GET /v1/customers"));
    add("adminList", r.sample, bodyBytes(r.result));
  }
  for (const id of customerIds) {
    const r = await sample(inst, async () =>
      ok(
        await customersFn(httpEvent("getCustomer", { keyId, pathParameters: { id }, path: `/v1/customers/${id}` }), ctx("customers")),
        "GET /v1/customers/{id}",
      ),
    );
    add("adminView", r.sample, bodyBytes(r.result));
  }

  const stored = await scanTable(setup.scanner, table);
  // The stream consumer over what this round wrote, in batches as the stream delivers them, then
  // the admin's dashboard reading every report from the counters it keeps.
  const reportsStream = makeReportsStream(deps);
  const written = stored.filter((item) => item.PK?.S?.startsWith("CUST#"));
  const records = written.map((item, n) => ({
    eventID: `${table}-${n}`,
    eventName: "INSERT" as const,
    dynamodb: { Keys: { PK: item.PK!, SK: item.SK! }, NewImage: item, SequenceNumber: String(1_000_000 + n) },
  })) as unknown as DynamoDBRecord[];
  for (let i = 0; i < records.length; i += STREAM_BATCH) {
    const r = await sample(inst, () => reportsStream({ Records: records.slice(i, i + STREAM_BATCH) }));
    add("streamBatch", r.sample);
  }
  const reportsFn = makeReports(deps);
  for (const operationId of ["funnelReport", "retentionReport", "revenueReport", "campaignsReport", "segmentsReport"]) {
    for (let i = 0; i < 3; i++) {
      const r = await sample(inst, async () => ok(await reportsFn(httpEvent(operationId, { keyId }), ctx("reports")), operationId));
      add("reportRead", r.sample, bodyBytes(r.result));
    }
  }

  return { samples, responses, kinds, items: stored, sweepDue, emailBytes: mailer.sent.map((m) => m.bytes) };
}

// ---------------------------------------------------------------------------------------------
// From a round to the model's inputs
// ---------------------------------------------------------------------------------------------

function measuredInputs(round: Round, shape: StackShape, earlier: EarlierFigures, nodeStartMs: number): Measured {
  const s = round.samples;
  const r = round.responses;
  const need = (name: string) => {
    const list = s[name];
    if (!list?.length) throw new Error(`no samples of ${name}`);
    return list;
  };
  const single = (name: string, fn: string, apiRequests: number) => op([{ fn, samples: need(name) }], need(name), apiRequests, r[name]);
  const ops: Record<OpName, OpMeasure> = {
    leadNew: op(
      [
        { fn: "capture", samples: need("leadNew.capture") },
        { fn: "public", samples: need("leadNew.public") },
      ],
      need("leadNew"),
      2,
      r.leadNew,
    ),
    leadRepeat: op(
      [
        { fn: "capture", samples: need("leadRepeat.capture") },
        { fn: "public", samples: need("leadRepeat.public") },
      ],
      need("leadRepeat"),
      2,
      r.leadRepeat,
    ),
    purchase: single("purchase", "events", 1),
    adminList: single("adminList", "customers", 1),
    adminView: single("adminView", "customers", 1),
    feedbackClick: single("feedbackClick", "links", 1),
    sesSend: single("sesSend", "ses-events", 0),
    sesDelivery: single("sesDelivery", "ses-events", 0),
    sesOpen: single("sesOpen", "ses-events", 0),
    sesClick: single("sesClick", "ses-events", 0),
    authorizer: single("authorizer", "authorizer", 0),
    reportRead: single("reportRead", "reports", 1),
  };
  const idle = need("sweepIdle");
  const dueSweeps = need("sweepDue");
  const idleTiming = timingOf(idle);
  const idleFp = footprintOf(idle);
  // Per due customer: each due sweep's excess over an idle one, divided by who was due, averaged.
  const excess = (i: number) => {
    const fp = footprintOf([dueSweeps[i]!]);
    return Object.fromEntries(
      Object.entries(fp).map(([k, v]) => [k, Math.max(0, (v - idleFp[k as keyof Footprint]) / round.sweepDue[i]!)]),
    ) as unknown as Footprint;
  };
  const excesses = dueSweeps.map((_, i) => excess(i));
  const perDue: OpMeasure = {
    invocations: [
      {
        fn: "sweep",
        timing: {
          cpuMs: mean(dueSweeps.map((d, i) => Math.max(0, (d.cpuMs - idleTiming.cpuMs) / round.sweepDue[i]!))),
          wallMs: mean(dueSweeps.map((d, i) => Math.max(0, (d.wallMs - idleTiming.wallMs) / round.sweepDue[i]!))),
        },
      },
    ],
    footprint: Object.fromEntries(Object.keys(idleFp).map((k) => [k, mean(excesses.map((x) => x[k as keyof Footprint]))])) as unknown as Footprint,
    apiRequests: 0,
    samples: round.sweepDue.reduce((n, d) => n + d, 0),
  };
  const batch10 = need("send10");
  const sender = (samples: Sample[], per: number): OpMeasure => ({
    invocations: [{ fn: "sender", timing: timingOf(samples) }],
    footprint: footprintOf(samples, [], per),
    apiRequests: 0,
    samples: samples.length,
  });

  // Storage: items each phase left per operation, and stored bytes per kind.
  const added: Record<string, { ops: number; items: Record<string, number> }> = {};
  for (let i = 1; i < round.kinds.length; i++) {
    const { phase, ops: count, counts } = round.kinds[i]!;
    const before = round.kinds[i - 1]!.counts;
    const entry = (added[phase] ??= { ops: 0, items: {} });
    entry.ops += count;
    for (const kind of new Set([...Object.keys(counts), ...Object.keys(before)])) {
      const d = (counts[kind] ?? 0) - (before[kind] ?? 0);
      if (d > 0) entry.items[kind] = (entry.items[kind] ?? 0) + d;
    }
  }
  const itemsPerOp: Measured["storage"]["itemsPerOp"] = {};
  for (const [phase, { ops: count, items }] of Object.entries(added)) {
    if (count > 0) itemsPerOp[phase as OpName] = Object.fromEntries(Object.entries(items).map(([kind, n]) => [kind, n / count]));
  }
  const bytesPerItem: Record<string, number> = {};
  const tableBytesPerItem: Record<string, number> = {};
  const byKind = new Map<string, { table: number; all: number }[]>();
  for (const item of round.items) byKind.set(kindOf(item), [...(byKind.get(kindOf(item)) ?? []), storedBytes(item)]);
  for (const [kind, sizes] of byKind) {
    bytesPerItem[kind] = mean(sizes.map((x) => x.all));
    tableBytesPerItem[kind] = mean(sizes.map((x) => x.table));
  }

  return {
    ops,
    sweepIdle: { invocations: [{ fn: "sweep", timing: idleTiming }], footprint: idleFp, apiRequests: 0, samples: idle.length },
    sweepPerDue: perDue,
    senderBatch1: sender(need("send1"), 1),
    senderBatch10: sender(batch10, 10),
    // Measured on batches of STREAM_BATCH records; at 10k contacts batches are smaller (fewer counter items each), so this is an upper bound there.
    streamBatch: { ...single("streamBatch", "reports-stream", 0), recordsPerBatch: { ...STREAM_BATCH_FILL } },
    storage: { bytesPerItem, tableBytesPerItem, itemsPerOp },
    coldImportMs: earlier.coldImportMs,
    nodeStartMs,
    memoryMb: shape.memoryMb,
    alarms: shape.alarms,
    secrets: 1,
    secretReaders: shape.secretReaders,
    emailBytes: mean(round.emailBytes),
  };
}

/** Fresh `node` processes doing nothing: the runtime's own start, part of every cold start. */
async function nodeStartMs(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < NODE_START_RUNS; i++) {
    const t0 = performance.now();
    await execFileP(process.execPath, ["-e", "0"], { env: { PATH: process.env.PATH ?? "" } });
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** SES local in a child process, so the sender's CPU time is the sender's alone. */
async function startSesChild(resources: CostResources): Promise<string> {
  const port = await freePort();
  const module = pathToFileURL(path.join(ROOT, "local", "ses.ts")).href;
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const { startSesLocal } = await import(${JSON.stringify(module)}); await startSesLocal(${port}); process.stdout.write("ready\\n");`,
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  resources.ses = child;
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`SES local exited (${code}) before it was ready`)));
  });
  return `http://127.0.0.1:${port}`;
}

export function stopCostResources(resources: CostResources): Promise<void> {
  const child = resources.ses;
  resources.ses = undefined;
  const dynamo = resources.dynamo;
  resources.dynamo = undefined;
  if (child && child.exitCode === null) child.kill();
  return dynamo ? dynamo.stop().catch(() => {}) : Promise.resolve();
}

// ---------------------------------------------------------------------------------------------
// The section
// ---------------------------------------------------------------------------------------------

/** Measures, prices a month at 10k and 1M contacts, and writes `cost.month.*` into the results. */
export async function costFigures(report: Report, resources: CostResources, earlier: EarlierFigures): Promise<void> {
  const { results, notes, log } = report;
  log("cost sheet: starting DynamoDB Local and SES local ...");
  const dynamo = await startDynamo();
  resources.dynamo = dynamo;
  const sesUrl = await startSesChild(resources);
  const shape = stackShape();
  const clock = new BenchClock();
  const bus = new CountingBus();
  const env: NodeJS.ProcessEnv = {
    TABLE_NAME: "unused",
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: "us-east-1",
    PUBLIC_BASE_URL: BASE_URL,
    ALLOWED_ORIGINS: SITE,
    TOKEN_SECRET,
    BUSINESS_NAME: "Crumb & Co Bakeries",
    SENDER_EMAIL: "hello@example-shop.test",
    LOG_LEVEL: "INFO",
    SES_ENDPOINT: sesUrl,
  };
  // The deployed log level (rapport:logLevel defaults to INFO), written to stdout as in Lambda.
  const logger = new Logger({ serviceName: "rapport", logLevel: "INFO" });
  const deps = depsFromEnv(env, { logger, bus, clock });
  const meter = instrument(deps.db);
  const logTap = new LogTap();
  const setup: Setup = {
    dynamo,
    sesUrl,
    shape,
    inst: { meter, bus, log: logTap },
    clock,
    scanner: new DynamoDBClient({ region: "us-east-1", endpoint: dynamo.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }),
    deps,
  };

  let round: Round;
  logTap.start();
  try {
    await runRound(setup, "rapport-bench-cost-warmup", WARM_CUSTOMERS);
    round = await runRound(setup, "rapport-bench-cost", CUSTOMERS);
  } finally {
    logTap.stop();
  }
  log(`cost sheet: ${CUSTOMERS} customers through form, purchase, sweep, sender, SES events, feedback and admin reads; timing node's start ...`);
  const load = loadavg()[0]!;
  const measured = measuredInputs(round, shape, earlier, await nodeStartMs());
  setup.scanner.destroy();
  deps.db.destroy();
  await stopCostResources(resources);

  const months = (Object.keys(SIZES) as Size[]).map((size) => monthCost(measured, size));
  for (const c of months) {
    const key = `cost.month.${c.size}`;
    results[key] = round2(c.total);
    for (const s of SERVICES) results[`${key}.${s}`] = round2(c.byService[s], 4);
    results[`${key}.withFreeTier`] = round2(c.withFreeTier);
    results[`${key}.sesLegacy`] = round2(c.sesLegacy);
    results[`${key}.estimated`] = round2(c.estimated, 4);
    notes[key] =
      `USD/month at ${c.contacts.toLocaleString("en-US")} contacts, us-east-1 list prices (bench/prices.ts); ${round2(c.estimated, 2)} of it rests on estimated inputs`;
  }
  results["cost.storage.bytesPerContact"] = Math.round(months[0]!.volumes.bytesPerContact!);
  results["cost.email.bytes"] = Math.round(measured.emailBytes);
  const leadMs = measured.ops.leadNew.invocations[0]!.timing;
  results["cost.lead.new.cpuMs"] = round2(leadMs.cpuMs);
  results["cost.lead.new.wallMs"] = round2(leadMs.wallMs);
  notes["cost.lead.new.wallMs"] =
    `load average ${load.toFixed(1)} on ${cpus().length} cores while measuring: wall times (and so Lambda durations) are inflated by other work on the machine`;
  log("");
  for (const line of formatSheet(months, measured)) log(line);
  log("");
}
