/**
 * The cost sheet's model: a month of Rapport for a business with a given number of contacts,
 * priced with bench/prices.ts.
 *
 *   per-operation figures, MEASURED by bench/cost-measure.ts in the same `npm run bench` run
 *   (DynamoDB units, Lambda time, events, log bytes, response bytes, stored bytes)
 *     × a documented monthly activity per contact count (ACTIVITY below, one reason per line)
 *     = usage per AWS price dimension → USD per service.
 *
 * The report reads (GET /v1/reports/*) and the DynamoDB Streams consumer that maintains the report
 * counters (`reports-stream`) are measured like every other operation (cost-measure.ts); an input
 * that is only estimated carries an `estimate` note, is marked wherever it shows and is summed in
 * `cost.month.*.estimated` (none is, at present). How full the stream's batches are is assumed
 * (STREAM_BATCH_FILL).
 *
 * Lambda time: each handler is run warm, in process, against DynamoDB Local (median of N). The
 * process's CPU time and the wall time are taken separately, and the billed duration at the
 * function's memory M is  cpu × max(1, 1769 / M) + (wall − cpu):  Lambda gives a function a
 * share of one vCPU proportional to its memory (one full vCPU at 1,769 MB, per the Lambda
 * developer guide, "Configure Lambda function memory"), so CPU work stretches by 1769 / M, while
 * waiting on DynamoDB does not. Two simplifications: a core of this machine counts as one Graviton
 * vCPU, and DynamoDB Local's latency stands in for DynamoDB's (both single-digit ms per call).
 * Rounded up to the millisecond, as Lambda bills. A cold start's INIT is NOT stretched: Lambda
 * runs INIT with the host's full CPU whatever the memory size (INIT_SOURCE in bench/prices.ts).
 *
 * SES is priced on the Essentials plan a new account starts on (tiered, bench/prices.ts); the
 * sheet also gives the month at the legacy $0.10 per 1,000 (`cost.month.*.sesLegacy`), which
 * only accounts that have sent since 2025-06-01 keep.
 */
import { FREE_TIERS, INIT_SOURCE, PRICES, type PriceId, priceOf } from "./prices.ts";

/** At 1,769 MB a function has the equivalent of one vCPU (AWS Lambda developer guide). */
export const FULL_VCPU_MB = 1769;
const MINUTES_PER_MONTH = 30 * 24 * 60;

// ---------------------------------------------------------------------------------------------
// Measured inputs
// ---------------------------------------------------------------------------------------------

/** One function invocation's time, medians over the samples. */
export interface Timing {
  cpuMs: number;
  wallMs: number;
}

/** What one operation does besides running code: means over the samples. */
export interface Footprint {
  /** DynamoDB units AWS would bill (bench/meter.ts `billedUnits`). */
  rru: number;
  wru: number;
  /** Items written: records a DynamoDB stream would carry. */
  streamRecords: number;
  /** Domain events put on the custom EventBridge bus. */
  busEvents: number;
  /** Application log output (JSON lines) at the deployed log level. */
  logBytes: number;
  logLines: number;
  /** Body bytes of the HTTP response (0 when not HTTP). */
  responseBytes: number;
}

/** An operation: the invocations it takes and its footprint. */
export interface OpMeasure {
  /** Function name (functions/<name>.ts) → its timing, one invocation each. */
  invocations: { fn: string; timing: Timing }[];
  footprint: Footprint;
  /** Requests through API Gateway. */
  apiRequests: number;
  samples: number;
  /** Set when the figures are not measured: says why and what they assume. */
  estimate?: string;
}

export type OpName =
  | "leadNew"
  | "leadRepeat"
  | "purchase"
  | "adminList"
  | "adminView"
  | "feedbackClick"
  | "sesSend"
  | "sesDelivery"
  | "sesOpen"
  | "sesClick"
  | "authorizer"
  | "reportRead";

export interface Measured {
  ops: Record<OpName, OpMeasure>;
  /** A sweep with nobody due: the fixed cost of each scheduled sweep. */
  sweepIdle: OpMeasure;
  /** The increment per due customer (units and time), from a sweep with `samples` due. */
  sweepPerDue: OpMeasure;
  /** Sender invocations with 1 and with 10 sends (SQS batch size); footprint per send. */
  senderBatch1: OpMeasure;
  senderBatch10: OpMeasure;
  /** The streams consumer, per batch of records. */
  streamBatch: OpMeasure & { recordsPerBatch: { "10k": number; "1m": number } };
  /** Stored bytes per item kind (item + 100 B overhead + index copies) and items per operation. */
  storage: {
    bytesPerItem: Record<string, number>;
    /** The same without the index copies: what point-in-time recovery is billed on. */
    tableBytesPerItem: Record<string, number>;
    /** Items each operation leaves in the table, by kind (measured by scanning between phases). */
    itemsPerOp: Partial<Record<OpName | "send" | "sweepDue", Record<string, number>>>;
  };
  /** Fresh-process import of each bundle (bench.ts, same run), and node's own start. */
  coldImportMs: Record<string, number>;
  nodeStartMs: number;
  memoryMb: Record<string, number>;
  /** Standard alarms the stack creates, and Secrets Manager secrets. */
  alarms: number;
  secrets: number;
  /** Functions that read the link-signing secret once per cold start. */
  secretReaders: string[];
  /** Average bytes of one email (subject + text + HTML), for the record. */
  emailBytes: number;
}

/**
 * How full the stream's batches are (records per invocation of `reports-stream`), the one input
 * of the report counters' cost that is assumed rather than measured: Lambda polls a stream shard
 * about 4 times a second and waits up to 5 s to fill a batch, so sparse traffic makes small
 * batches (2 at 10k contacts) and the sweep's and sender's bursts fill them (20 at 1M).
 */
export const STREAM_BATCH_FILL = { "10k": 2, "1m": 20 } as const;

// ---------------------------------------------------------------------------------------------
// The month: activity per contact count
// ---------------------------------------------------------------------------------------------

export type Size = "10k" | "1m";
export const SIZES: Record<Size, number> = { "10k": 10_000, "1m": 1_000_000 };

export interface Assumption {
  id: string;
  /** Per month for C contacts. */
  value: (contacts: number, size: Size) => number;
  unit: string;
  reason: string;
}

/**
 * The monthly activity the sheet prices. Rates per contact are the same at both sizes unless the
 * reason says otherwise. These are assumptions, not measurements: change them here.
 */
export const ACTIVITY: Assumption[] = [
  { id: "newLeads", value: (c) => 0.03 * c, unit: "form posts / month", reason: "forms add about 3% of the list a month (a growing small business)" },
  { id: "repeatLeads", value: (c) => 0.01 * c, unit: "form posts / month", reason: "1% of contacts post a form again (second enquiry, newsletter box)" },
  { id: "purchases", value: (c) => 0.1 * c, unit: "orders / month", reason: "about 1.2 orders per contact a year: a shop whose contacts mostly buy" },
  { id: "thankYous", value: (c) => 0.02 * c, unit: "emails / month", reason: "first purchases (thank-you goes after the first order only)" },
  {
    id: "feedbackRequests",
    value: (c) => 0.07 * c,
    unit: "emails / month",
    reason: "7 days after a purchase, at most once per 90 days per customer: ~70% of orders",
  },
  { id: "birthdays", value: (c) => (0.4 * c) / 12, unit: "emails / month", reason: "40% of contacts gave a birthday; one greeting a year" },
  { id: "winBacks", value: (c) => 0.01 * c, unit: "emails / month", reason: "1% of contacts turn at-risk each month and get one win-back" },
  { id: "milestones", value: (c) => 0.005 * c, unit: "emails / month", reason: "spend milestones crossed" },
  {
    id: "dueWithoutSend",
    value: (c) => 0.1 * c,
    unit: "sweep evaluations / month",
    reason: "due entries that end in no email: repeat orders re-scheduling, stage changes, deferrals (≈ one per order)",
  },
  { id: "sesOpenRate", value: () => 0.4, unit: "opens per email", reason: "typical open rate, inflated by mail privacy prefetching" },
  { id: "sesClickRate", value: () => 0.05, unit: "clicks per email", reason: "typical click rate" },
  { id: "sesBounceComplaintRate", value: () => 0.02, unit: "bounces + complaints per email", reason: "priced like a delivery event" },
  { id: "feedbackClickRate", value: () => 0.12, unit: "score clicks per feedback request", reason: "10–15% answer a one-click score" },
  {
    id: "dashboardViews",
    value: (_c, s) => 30 * (s === "10k" ? 10 : 50),
    unit: "dashboard views / month",
    reason: "10 a day for a small team, 50 a day at 1M contacts; each loads 5 reports and one customer list page",
  },
  {
    id: "customerViews",
    value: (_c, s) => 30 * (s === "10k" ? 20 : 200),
    unit: "360° views / month",
    reason: "20 a day (small team), 200 a day (larger sales team)",
  },
  { id: "sweeps", value: () => 720, unit: "sweeps / month", reason: "rate(1 hour), the default rapport:sweepSchedule, for 30 days" },
  { id: "historyMonths", value: () => 12, unit: "months", reason: "storage holds a year of this activity per contact on average" },
  { id: "logRetentionDays", value: () => 30, unit: "days", reason: "the default rapport:logRetentionDays" },
  {
    id: "idleMinutes",
    value: () => 10,
    unit: "minutes",
    reason: "an idle Lambda environment is reclaimed after ~10 min (not published by AWS; used for cold starts)",
  },
  {
    id: "authCacheSeconds",
    value: () => 60,
    unit: "seconds",
    reason: "the default rapport:authCacheTtlSeconds: the authorizer runs once per key per minute at most",
  },
  {
    id: "sqsIdleReceives",
    value: () => 5 * 3 * MINUTES_PER_MONTH,
    unit: "requests / month",
    reason: "the SQS event source's pollers long-poll (20 s) an empty queue: ~5 pollers (AWS does not publish the count)",
  },
];

function activity(size: Size): Record<string, number> {
  return Object.fromEntries(ACTIVITY.map((a) => [a.id, a.value(SIZES[size], size)]));
}

// ---------------------------------------------------------------------------------------------
// Lambda time
// ---------------------------------------------------------------------------------------------

/** Billed ms at `memoryMb` for a timing measured here (see the file comment). */
export function billedMs(t: Timing, memoryMb: number): number {
  const stretch = Math.max(1, FULL_VCPU_MB / memoryMb);
  return Math.max(1, Math.ceil(t.cpuMs * stretch + Math.max(0, t.wallMs - t.cpuMs)));
}

/** Linear in between two measured points (the sender at 1 and at 10 sends a batch). */
function interpolate(a: Timing, b: Timing, at: number, from: number, to: number): Timing {
  const f = (Math.min(Math.max(at, from), to) - from) / (to - from);
  return { cpuMs: a.cpuMs + f * (b.cpuMs - a.cpuMs), wallMs: a.wallMs + f * (b.wallMs - a.wallMs) };
}

// ---------------------------------------------------------------------------------------------
// The month's usage
// ---------------------------------------------------------------------------------------------

/** Usage of one price dimension, with where it came from. */
interface Usage {
  price: PriceId;
  quantity: number;
  service: Service;
  what: string;
  /** Part of `quantity` that rests on an estimate. */
  estimated: number;
}

export type Service = "dynamodb" | "lambda" | "apiGateway" | "dataTransfer" | "ses" | "eventBridge" | "sqs" | "secretsManager" | "cloudWatch";
export const SERVICES: Service[] = ["dynamodb", "lambda", "apiGateway", "dataTransfer", "ses", "eventBridge", "sqs", "secretsManager", "cloudWatch"];

export interface MonthCost {
  size: Size;
  contacts: number;
  total: number;
  /** Only the free tiers that never expire, applied once to this workload alone. */
  withFreeTier: number;
  /** The total for an account that keeps SES's legacy $0.10 per 1,000 (it has sent since 2025-06-01). */
  sesLegacy: number;
  byService: Record<Service, number>;
  /** USD resting on an input marked as an estimate (none at present). */
  estimated: number;
  lines: { service: Service; what: string; quantity: number; unit: string; usd: number; estimated: boolean }[];
  /** Volumes the month implies, for the printed sheet. */
  volumes: Record<string, number>;
}

/** Bytes of the platform log lines Lambda writes per invocation (START, END, REPORT, 26 B each of overhead). */
const PLATFORM_LOG_BYTES =
  Buffer.byteLength("START RequestId: 8f5c1d9e-2b7a-4c1e-9f3d-6a0b1c2d3e4f Version: $LATEST\n") +
  Buffer.byteLength("END RequestId: 8f5c1d9e-2b7a-4c1e-9f3d-6a0b1c2d3e4f\n") +
  Buffer.byteLength(
    "REPORT RequestId: 8f5c1d9e-2b7a-4c1e-9f3d-6a0b1c2d3e4f\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 92 MB\t\n",
  ) +
  3 * 26;
/** One API Gateway access log line in infra/api.ts's format, with typical values, + 26 B overhead. */
const ACCESS_LOG_BYTES =
  Buffer.byteLength(
    JSON.stringify({
      requestId: "aBcDeFgHiJkLmNo=",
      requestTime: "23/Nov/2026:13:18:25 +0000",
      ip: "203.0.113.7",
      routeKey: "POST /v1/leads",
      status: "303",
      protocol: "HTTP/1.1",
      responseLength: "0",
      latencyMs: "41",
      integrationLatencyMs: "38",
      integrationError: "-",
      authorizerError: "-",
      principal: "-",
      principalId: "-",
    }),
  ) + 27;
/** Status line and headers of an API response (estimate; only the body is measured). */
const RESPONSE_HEADER_BYTES = 300;

/** Prices a month of `size`. */
export function monthCost(m: Measured, size: Size): MonthCost {
  const a = activity(size);
  const contacts = SIZES[size];
  const usages: Usage[] = [];
  const use = (service: Service, price: PriceId, quantity: number, what: string, estimated = 0) => usages.push({ service, price, quantity, what, estimated });

  // How often each operation happens.
  const emails = a.thankYous! + a.feedbackRequests! + a.birthdays! + a.winBacks! + a.milestones!;
  const sesEvents = {
    sesSend: emails,
    sesDelivery: emails * (1 + a.sesBounceComplaintRate!),
    sesOpen: emails * a.sesOpenRate!,
    sesClick: emails * a.sesClickRate!,
  };
  const adminRequests = a.dashboardViews! * 6 + a.customerViews!;
  // The authorizer's answer is cached per key for authCacheSeconds: with requests arriving at
  // rate λ (Poisson), a share of about 1 / (1 + λ·TTL) of them miss the cache.
  const adminRate = (a.purchases! + adminRequests) / (MINUTES_PER_MONTH * 60);
  const authorizerShare = 1 / (1 + adminRate * a.authCacheSeconds!);
  const counts: Record<OpName, number> = {
    leadNew: a.newLeads!,
    leadRepeat: a.repeatLeads!,
    purchase: a.purchases!,
    adminList: a.dashboardViews!,
    adminView: a.customerViews!,
    feedbackClick: a.feedbackRequests! * a.feedbackClickRate!,
    ...sesEvents,
    authorizer: (a.purchases! + adminRequests) * authorizerShare,
    reportRead: a.dashboardViews! * 5,
  };
  const dueEvaluations = emails + a.dueWithoutSend!;
  const sendsPerSweep = emails / a.sweeps!;
  // SQS hands the sender what is waiting: a sweep's sends arrive together, so batches hold about
  // a sweep's worth, up to 10.
  const batchFill = Math.min(10, Math.max(1, sendsPerSweep));
  const senderInvocations = emails / batchFill;
  const senderTiming = interpolate(m.senderBatch1.invocations[0]!.timing, m.senderBatch10.invocations[0]!.timing, batchFill, 1, 10);
  const perDue = m.sweepPerDue.invocations[0]!.timing;
  const idle = m.sweepIdle.invocations[0]!.timing;
  const duePerSweep = dueEvaluations / a.sweeps!;
  const sweepTiming: Timing = { cpuMs: idle.cpuMs + duePerSweep * perDue.cpuMs, wallMs: idle.wallMs + duePerSweep * perDue.wallMs };
  const _perSend = m.senderBatch10.footprint;
  const recordsPerBatch = m.streamBatch.recordsPerBatch[size];

  // Footprints × counts. `lambda: false`: the invocations are counted separately below.
  const sendOp: OpMeasure = { ...m.senderBatch10, invocations: [] };
  const weighted: { op: OpMeasure; count: number; estimated: boolean; lambda: boolean }[] = [
    ...(Object.keys(counts) as OpName[]).map((k) => ({ op: m.ops[k], count: counts[k], estimated: Boolean(m.ops[k].estimate), lambda: true })),
    { op: m.sweepIdle, count: a.sweeps!, estimated: false, lambda: false },
    { op: m.sweepPerDue, count: dueEvaluations, estimated: false, lambda: false },
    { op: sendOp, count: emails, estimated: false, lambda: false },
  ];
  const sum = (f: (fp: Footprint) => number, only: (w: (typeof weighted)[number]) => boolean = () => true) =>
    weighted.filter(only).reduce((n, w) => n + w.count * f(w.op.footprint), 0);
  const estimatedOnly = (w: (typeof weighted)[number]) => w.estimated;
  const measuredOnly = (w: (typeof weighted)[number]) => !w.estimated;
  const streamRecords = sum((fp) => fp.streamRecords);
  const streamBatches = streamRecords / recordsPerBatch;
  const streamEstimated = Boolean(m.streamBatch.estimate);

  // --- DynamoDB ---
  const rruMeasured = sum((fp) => fp.rru, measuredOnly);
  const rruEstimated = sum((fp) => fp.rru, estimatedOnly);
  const wruMeasured = sum((fp) => fp.wru, measuredOnly);
  const wruEstimated = sum((fp) => fp.wru, estimatedOnly);
  const streamRru = streamBatches * m.streamBatch.footprint.rru;
  const streamWru = streamBatches * m.streamBatch.footprint.wru;
  use("dynamodb", "dynamodbReadRequestUnit", rruMeasured + rruEstimated + streamRru, "read request units", rruEstimated + (streamEstimated ? streamRru : 0));
  use("dynamodb", "dynamodbWriteRequestUnit", wruMeasured + wruEstimated + streamWru, "write request units", wruEstimated + (streamEstimated ? streamWru : 0));
  // Storage: a year of history per contact.
  const perOpCount: Record<string, number> = { ...counts, send: emails, sweepDue: dueEvaluations };
  const bytesPerContactOf = (bytesPerItem: Record<string, number>) => {
    let monthly = 0;
    for (const [op, kinds] of Object.entries(m.storage.itemsPerOp)) {
      for (const [kind, items] of Object.entries(kinds ?? {})) monthly += ((perOpCount[op] ?? 0) / contacts) * items * (bytesPerItem[kind] ?? 0);
    }
    // Items that exist once per contact (profile, email claim, the first form's entry) come
    // with the first lead; the rest accumulates over historyMonths.
    const once = Object.entries(m.storage.itemsPerOp.leadNew ?? {}).reduce((n, [kind, items]) => n + items * (bytesPerItem[kind] ?? 0), 0);
    return once + a.historyMonths! * (monthly - ((perOpCount.leadNew ?? 0) / contacts) * once);
  };
  const bytesPerContact = bytesPerContactOf(m.storage.bytesPerItem);
  const storageGb = (contacts * bytesPerContact) / 1024 ** 3;
  const tableGb = (contacts * bytesPerContactOf(m.storage.tableBytesPerItem)) / 1024 ** 3;
  use("dynamodb", "dynamodbStorage", storageGb, "GB-month stored (table + indexes)");
  use("dynamodb", "dynamodbPitr", tableGb, "GB-month point-in-time recovery (the table without its GSIs)");
  use("dynamodb", "dynamodbStreamsReadFromLambda", streamBatches, "stream reads by the consumer (free)");

  // --- Lambda ---
  const invocations = new Map<string, { count: number; gbSeconds: number; estimated: boolean; scheduled?: boolean }>();
  const addInvocations = (fn: string, count: number, ms: number, estimated: boolean, scheduled = false) => {
    const mem = m.memoryMb[fn] ?? 256;
    const entry = invocations.get(fn) ?? { count: 0, gbSeconds: 0, estimated, scheduled };
    entry.count += count;
    entry.gbSeconds += count * (ms / 1000) * (mem / 1024);
    invocations.set(fn, entry);
  };
  for (const w of weighted.filter((w) => w.lambda)) {
    for (const inv of w.op.invocations) addInvocations(inv.fn, w.count, billedMs(inv.timing, m.memoryMb[inv.fn] ?? 256), w.estimated);
  }
  addInvocations("sweep", a.sweeps!, billedMs(sweepTiming, m.memoryMb.sweep ?? 256), false, true);
  addInvocations("sender", senderInvocations, billedMs(senderTiming, m.memoryMb.sender ?? 256), false);
  for (const inv of m.streamBatch.invocations) addInvocations(inv.fn, streamBatches, billedMs(inv.timing, m.memoryMb[inv.fn] ?? 256), streamEstimated);
  // Cold starts: the INIT phase is billed too (since 2025-08-01).
  let initGbSeconds = 0;
  let initEstimated = 0;
  let coldStarts = 0;
  const coldStartsByFn: Record<string, number> = {};
  for (const [fn, inv] of invocations) {
    const rate = inv.count / MINUTES_PER_MONTH;
    // The hourly schedule finds its environment reclaimed every time; otherwise a gap longer than
    // the idle time starts a new one, and environments are recycled at least every 2 hours.
    const cold = inv.scheduled ? inv.count : Math.max(inv.count * Math.exp(-rate * a.idleMinutes!), Math.min(inv.count, MINUTES_PER_MONTH / 120));
    const mem = m.memoryMb[fn] ?? 256;
    const importMs = m.coldImportMs[fn] ?? Math.max(...Object.values(m.coldImportMs));
    // INIT runs at full CPU whatever the memory size (INIT_SOURCE): billed as measured.
    const initMs = m.nodeStartMs + importMs;
    const gbs = cold * (initMs / 1000) * (mem / 1024);
    initGbSeconds += gbs;
    if (inv.estimated) initEstimated += gbs;
    coldStarts += cold;
    coldStartsByFn[fn] = cold;
  }
  const requests = [...invocations.values()].reduce((n, i) => n + i.count, 0);
  const requestsEstimated = [...invocations.values()].filter((i) => i.estimated).reduce((n, i) => n + i.count, 0);
  const gbSeconds = [...invocations.values()].reduce((n, i) => n + i.gbSeconds, 0) + initGbSeconds;
  const gbSecondsEstimated = [...invocations.values()].filter((i) => i.estimated).reduce((n, i) => n + i.gbSeconds, 0) + initEstimated;
  use("lambda", "lambdaRequests", requests, "invocations", requestsEstimated);
  use("lambda", "lambdaArmGbSecond", gbSeconds, `GB-seconds (incl. ${Math.round(coldStarts).toLocaleString("en-US")} cold starts' INIT)`, gbSecondsEstimated);

  // --- API Gateway and data out ---
  const apiOps = weighted.filter((w) => w.op.apiRequests > 0);
  const apiRequests = apiOps.reduce((n, w) => n + w.count * w.op.apiRequests, 0);
  const apiEstimated = apiOps.filter((w) => w.estimated).reduce((n, w) => n + w.count * w.op.apiRequests, 0);
  use("apiGateway", "apiGatewayHttpRequests", apiRequests, "HTTP API requests", apiEstimated);
  const bytesOut = apiOps.reduce((n, w) => n + w.count * (w.op.footprint.responseBytes + w.op.apiRequests * RESPONSE_HEADER_BYTES), 0);
  const bytesOutEstimated = apiOps
    .filter((w) => w.estimated)
    .reduce((n, w) => n + w.count * (w.op.footprint.responseBytes + w.op.apiRequests * RESPONSE_HEADER_BYTES), 0);
  use("dataTransfer", "dataTransferOut", bytesOut / 1024 ** 3, "GB of API responses to the internet", bytesOutEstimated / 1024 ** 3);

  // --- SES, EventBridge, SQS ---
  use("ses", "sesOutboundEmail", emails, "emails (Essentials plan, the default for a new account)");
  use("ses", "sesAttachmentGb", 0, "GB of attachments (none sent)");
  const busEvents = sum((fp) => fp.busEvents);
  use(
    "eventBridge",
    "eventBridgeCustomEvents",
    busEvents,
    "domain events on the custom bus (SES events are free)",
    sum((fp) => fp.busEvents, estimatedOnly),
  );
  // The stack schedules the sweep with a scheduled rule, which is free; priced as EventBridge
  // Scheduler (its successor) so the sheet holds whichever a deployment uses: an upper bound.
  use("eventBridge", "eventBridgeSchedulerInvocations", a.sweeps!, "sweep schedule runs (EventBridge Scheduler price; a scheduled rule is free)");
  // The sweep sends a sweep's sends in SendMessageBatch calls of 10; a sweep with any send makes
  // at least one (Poisson share of sweeps with a send); the event source receives and deletes per batch.
  const sweepsWithSends = a.sweeps! * (1 - Math.exp(-sendsPerSweep));
  const sendBatches = Math.max(sweepsWithSends, emails / 10);
  use(
    "sqs",
    "sqsStandardRequests",
    sendBatches + 2 * senderInvocations + a.sqsIdleReceives!,
    "requests (send batches, receive + delete per sender batch, idle long polls)",
  );

  // --- Secrets Manager ---
  use("secretsManager", "secretsManagerSecret", m.secrets, "secrets (the link-signing key)");
  const secretCalls = m.secretReaders.reduce((n, fn) => n + (coldStartsByFn[fn] ?? 0), 0);
  use("secretsManager", "secretsManagerApiCalls", secretCalls, "GetSecretValue, once per cold start of links and sender");

  // --- CloudWatch ---
  const streamLogBytes = streamBatches * (m.streamBatch.footprint.logBytes + 26 * m.streamBatch.footprint.logLines);
  const appLogBytes = sum((fp) => fp.logBytes + 26 * fp.logLines) + streamLogBytes;
  const logBytes = appLogBytes + requests * PLATFORM_LOG_BYTES + apiRequests * ACCESS_LOG_BYTES;
  const logBytesEstimated =
    sum((fp) => fp.logBytes + 26 * fp.logLines, estimatedOnly) +
    (streamEstimated ? streamLogBytes : 0) +
    requestsEstimated * PLATFORM_LOG_BYTES +
    apiEstimated * ACCESS_LOG_BYTES;
  use("cloudWatch", "cloudWatchLogsIngestion", logBytes / 1024 ** 3, "GB of logs (app, Lambda platform lines, API access log)", logBytesEstimated / 1024 ** 3);
  use(
    "cloudWatch",
    "cloudWatchLogsStorage",
    ((logBytes / 1024 ** 3) * a.logRetentionDays!) / 30,
    "GB-month of logs kept (uncompressed: an upper bound)",
    ((logBytesEstimated / 1024 ** 3) * a.logRetentionDays!) / 30,
  );
  use("cloudWatch", "cloudWatchAlarm", m.alarms, "alarms");

  // Prices.
  const lines = usages.map((u) => ({
    service: u.service,
    what: u.what,
    quantity: u.quantity,
    unit: PRICES[u.price].unit,
    usd: priceOf(u.price, u.quantity),
    estimatedUsd: u.quantity > 0 ? priceOf(u.price, u.quantity) * (u.estimated / u.quantity) : 0,
    price: u.price,
  }));
  const byService = Object.fromEntries(SERVICES.map((s) => [s, lines.filter((l) => l.service === s).reduce((n, l) => n + l.usd, 0)])) as Record<
    Service,
    number
  >;
  const total = lines.reduce((n, l) => n + l.usd, 0);
  // Free tiers that never expire, against this workload's usage of each dimension.
  let freed = 0;
  for (const tier of FREE_TIERS.filter((t) => t.expires === "never")) {
    const quantity = usages.filter((u) => u.price === tier.price).reduce((n, u) => n + u.quantity, 0);
    freed += priceOf(tier.price, Math.min(quantity, tier.quantity));
  }
  const check = SERVICES.reduce((n, s) => n + byService[s], 0);
  if (Math.abs(check - total) > 1e-9) throw new Error(`cost lines (${total}) and services (${check}) disagree`);

  return {
    size,
    contacts,
    total,
    withFreeTier: total - freed,
    sesLegacy: total - priceOf("sesOutboundEmail", emails) + priceOf("sesOutboundEmailLegacy", emails),
    byService,
    estimated: lines.reduce((n, l) => n + l.estimatedUsd, 0),
    lines: lines.map((l) => ({ service: l.service, what: l.what, quantity: l.quantity, unit: l.unit, usd: l.usd, estimated: l.estimatedUsd > 0 })),
    volumes: {
      emails,
      sesEvents: Object.values(sesEvents).reduce((n, v) => n + v, 0),
      apiRequests,
      lambdaInvocations: requests,
      coldStarts,
      dueEvaluations,
      senderBatchFill: batchFill,
      authorizerShare,
      streamRecords,
      streamBatches,
      storageGb,
      bytesPerContact,
      logGb: logBytes / 1024 ** 3,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

function usd(x: number): string {
  if (x === 0) return "$0";
  if (x < 0.01) return "< $0.01";
  return `$${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function qty(x: number): string {
  if (x === 0) return "0";
  if (Math.abs(x) < 10) return x.toLocaleString("en-US", { maximumSignificantDigits: 3 });
  return Math.round(x).toLocaleString("en-US");
}

/** The sheet as text: services side by side, then every line, then the assumptions. */
export function formatSheet(months: MonthCost[], m: Measured): string[] {
  const out: string[] = [];
  const names: Record<Service, string> = {
    dynamodb: "DynamoDB",
    lambda: "Lambda",
    apiGateway: "API Gateway",
    dataTransfer: "Data transfer out",
    ses: "SES",
    eventBridge: "EventBridge",
    sqs: "SQS",
    secretsManager: "Secrets Manager",
    cloudWatch: "CloudWatch",
  };
  const header = ["service", ...months.map((c) => `${c.contacts.toLocaleString("en-US")} contacts`)];
  const rows = [
    ...SERVICES.map((s) => [names[s], ...months.map((c) => usd(c.byService[s]))]),
    ["total / month", ...months.map((c) => usd(c.total))],
    ["  of which estimates", ...months.map((c) => usd(c.estimated))],
    ["  with permanent free tiers", ...months.map((c) => usd(c.withFreeTier))],
    ["  with SES at the legacy $0.10/1,000", ...months.map((c) => usd(c.sesLegacy))],
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  out.push(line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line), "");
  for (const c of months) {
    out.push(`${c.contacts.toLocaleString("en-US")} contacts, line by line (quantity → USD; * rests partly on an estimate):`);
    for (const l of c.lines)
      out.push(`  ${names[l.service].padEnd(17)} ${qty(l.quantity).padStart(13)}  ${l.what.padEnd(70)} ${usd(l.usd).padStart(10)}${l.estimated ? " *" : ""}`);
    const v = c.volumes;
    out.push(
      `  volumes: ${qty(v.emails!)} emails, ${qty(v.sesEvents!)} SES events, ${qty(v.apiRequests!)} API requests, ${qty(v.lambdaInvocations!)} invocations (${qty(v.coldStarts!)} cold), ${qty(v.dueEvaluations!)} due evaluations, sender batches of ${qty(v.senderBatchFill!)}, authorizer runs for ${(v.authorizerShare! * 100).toFixed(0)}% of admin requests, ${qty(v.streamRecords!)} stream records in ${qty(v.streamBatches!)} batches, ${qty(v.bytesPerContact!)} B stored per contact (${qty(v.storageGb!)} GB), ${qty(v.logGb!)} GB of logs`,
      "",
    );
  }
  out.push("Measured per operation (billed ms at the function's memory; DynamoDB units as AWS bills them):");
  const describe = (name: string, op: OpMeasure) => {
    const inv = op.invocations
      .map(
        (i) =>
          `${i.fn} ${billedMs(i.timing, m.memoryMb[i.fn] ?? 256)} ms${op.estimate ? "" : ` (cpu ${i.timing.cpuMs.toFixed(1)}, wall ${i.timing.wallMs.toFixed(1)})`}`,
      )
      .join(" + ");
    const fp = op.footprint;
    out.push(
      `  ${name.padEnd(14)} ${inv.padEnd(64)} RRU ${qty(fp.rru).padStart(5)}  WRU ${qty(fp.wru).padStart(5)}  items ${qty(fp.streamRecords).padStart(4)}  events ${qty(fp.busEvents).padStart(3)}  log ${qty(fp.logBytes).padStart(4)} B  out ${qty(fp.responseBytes).padStart(5)} B${op.estimate ? "  ESTIMATE" : `  (n=${op.samples})`}`,
    );
  };
  for (const [name, op] of Object.entries(m.ops)) describe(name, op);
  describe("sweepIdle", m.sweepIdle);
  describe("sweep/due", m.sweepPerDue);
  describe("send×1", m.senderBatch1);
  describe("send×10", m.senderBatch10);
  describe("streamBatch", m.streamBatch);
  out.push(`  cold start: node ${m.nodeStartMs.toFixed(0)} ms + bundle import (coldImport.<fn>.ms), at full CPU whatever the memory (${INIT_SOURCE})`);
  out.push(
    `  stored bytes per item with index copies: ${Object.entries(m.storage.bytesPerItem)
      .map(([k, b]) => `${k} ${Math.round(b)}`)
      .join(", ")}`,
  );
  out.push(
    `  items per operation: ${Object.entries(m.storage.itemsPerOp)
      .map(
        ([op, kinds]) =>
          `${op} {${Object.entries(kinds ?? {})
            .map(([k, n]) => `${k} ${qty(n)}`)
            .join(", ")}}`,
      )
      .join("; ")}`,
    "",
  );
  out.push("Assumptions (bench/cost.ts ACTIVITY):");
  for (const a of ACTIVITY)
    out.push(
      `  ${a.id.padEnd(22)} ${(Object.keys(SIZES) as Size[]).map((s) => qty(a.value(SIZES[s], s)).padStart(9)).join(" ")}  ${a.unit.padEnd(28)} ${a.reason}`,
    );
  return out;
}
