/**
 * `npm run bench`: measures the figures the README's "Performance figures" table names and writes
 * them to bench-results.json (a flat JSON object), printing a table with each figure's budget.
 *
 *  - Leads: DynamoDB write units and round trips of one new / one repeat lead, posted as a browser
 *    form over HTTP to the local stack on DynamoDB Local, counted by a middleware on the very
 *    document client the handlers use (ReturnConsumedCapacity on every data-plane command).
 *  - Bundles: each functions/<name>.ts bundled with the options the CDK stack uses, and the
 *    dashboard's script gzipped as it is served (`app.js.gzipBytes` ≤ 120,000).
 *  - Cold import: fresh-process import time of the bundles, and of the slowest one against the
 *    same entry with the AWS SDK left in node_modules, run alternately.
 *  - Latency and throughput of lead capture on the local stack (loopback only).
 *  - Retention sweep (bench/sweep.ts): read units of one sweep over 1,000 and 10,000 customers
 *    with 100 due in both (per due customer, and growth with table size), and sends per second
 *    through the local pipeline (in-process queue → real sender → SES local).
 *  - Reports (bench/reports.ts): latency and read units of every report at 1,000 and 100,000
 *    customers (`reports.latency.ratio` ≤ 1.5), the stream consumer's units per batch, rebuild rate.
 *  - Import into a running stack (bench/import-stack.ts): `import.stack.rowsPerSecond` of the CLI
 *    importing new contacts next to a stack started as `npm start` starts it (≥ 200).
 *  - Search (bench/search.ts): read units and p50/p95 latency of typed queries at 100,000 customers.
 *  - Segments (bench/segments.ts): read units per customer and time of a full segment evaluation at 100,000 customers.
 *  - Newsletters (bench/broadcasts.ts): read and write units per recipient end to end (start, queue,
 *    send, record) at 2,000 recipients, and seconds to queue 100,000 (`broadcast.queue100k.seconds` ≤ 60).
 *  - Dashboard (bench/app.ts, `--only app`): every page in headless Chromium at 100,000 customers,
 *    from navigation to content rendered and settled (`app.interactive.maxMs` ≤ 1,000).
 *  - Tasks (bench/tasks.ts): read units and p95 of one person's Today among 100,000 tasks.
 *  - Lead score (bench/score.ts, `--only score`): write units per scored activity in the stream
 *    consumer, and read units of a page of customers sorted by score at 100,000 scored customers.
 *  - Cost sheet (bench/cost-measure.ts, bench/cost.ts, prices in bench/prices.ts): a month at
 *    10,000 and 1,000,000 contacts, `cost.month.10k` and `cost.month.1m` (USD) with a key per
 *    service, from operations measured here and the cold-import figures above.
 *  - Shop webhooks (bench/hooks.ts): `hook.order.wru` and `hook.order.calls` of one signed order
 *    of a known customer, through HTTP to the local stack.
 *  - Engagement (bench/engagement.ts): `engagement.open.first.wru` and the other write units of one
 *    SES open or click event (the open streak, the sunset's engagement marks).
 *  - Outbound webhooks (bench/webhooks.ts): `webhook.delivery.p95`, milliseconds from a lead's
 *    201 to its signed delivery at a receiver, through the stream, the outbox and the sender.
 *
 * Budget misses are reported, not fatal: the process exits non-zero only when something crashed.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { ESBUILD_OPTIONS } from "../infra/bundling.ts";
import { freePort, type RunningDynamo, startDynamo } from "../local/dynamo.ts";
import { startSesLocal } from "../local/ses.ts";
import { type LocalApi, startLocalApi } from "../local/stack.ts";
import { buildApp } from "../scripts/build-app.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { APP_BUDGETS, type AppResources, appFigures, stopAppResources } from "./app.ts";
import { BROADCAST_BUDGETS, type BroadcastResources, broadcastFigures } from "./broadcasts.ts";
import { type CostResources, costFigures, stopCostResources } from "./cost-measure.ts";
import { ENGAGEMENT_BUDGETS, type EngagementResources, engagementFigures } from "./engagement.ts";
import { HOOK_BUDGETS, type HookResources, hookFigures, stopHookResources } from "./hooks.ts";
import { IMPORT_STACK_MIN_BUDGETS, type ImportStackResources, importStackFigures, stopImportStackResources } from "./import-stack.ts";
import { type CallRecord, type Capacity, DATA_COMMANDS, instrument, type Meter } from "./meter.ts";
import { REFERRAL_BUDGETS, type ReferralResources, referralFigures } from "./referrals.ts";
import { REPORT_BUDGETS, type ReportResources, reportFigures } from "./reports.ts";
import { SCORE_BUDGETS, type ScoreResources, scoreFigures } from "./score.ts";
import { SEARCH_BUDGETS, type SearchResources, searchFigures } from "./search.ts";
import { SEGMENT_BUDGETS, type SegmentResources, segmentFigures } from "./segments.ts";
import { fmt, median, percentile, round, sum } from "./stats.ts";
import { SWEEP_BUDGETS, SWEEP_EXPECTED, type SweepResources, sweepFigures } from "./sweep.ts";
import { TASKS_BUDGETS, type TasksResources, tasksFigures } from "./tasks.ts";
import { TRACK_BUDGETS, type TrackResources, trackFigures } from "./track.ts";
import { stopWebhookResources, WEBHOOK_BUDGETS, type WebhookResources, webhookFigures } from "./webhooks.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const RESULTS_FILE = path.join(ROOT, "bench-results.json");
const TABLE_NAME = "rapport-bench";
/** The site the contact form lives on: an allowed origin, as a customer would configure it. */
const SITE = "https://www.example-shop.test";

const SAMPLE_LEADS = 20;
const LATENCY_LEADS = 200;
const LOAD_CLIENTS = 20;
const LOAD_SECONDS = 5;
const IMPORT_RUNS = 15;

const BUDGETS: Record<string, number> = {
  "lead.new.wru": 4,
  "lead.repeat.wru": 5,
  "lead.new.calls": 3,
  "coldImport.ratio": 0.6,
  ...SWEEP_BUDGETS,
  ...REPORT_BUDGETS,
  ...SEARCH_BUDGETS,
  ...SEGMENT_BUDGETS,
  ...BROADCAST_BUDGETS,
  ...TASKS_BUDGETS,
  ...TRACK_BUDGETS,
  ...SCORE_BUDGETS,
  ...REFERRAL_BUDGETS,
  ...HOOK_BUDGETS,
  ...ENGAGEMENT_BUDGETS,
  ...WEBHOOK_BUDGETS,
  ...APP_BUDGETS,
  "app.js.gzipBytes": 120_000,
};
/** Figures that must come out at least this high (a rate). */
const MIN_BUDGETS: Record<string, number> = { ...IMPORT_STACK_MIN_BUDGETS };
/** Figures that must come out exactly so (a count of mails, of dead letters). */
const EXPECTED: Record<string, number> = { ...SWEEP_EXPECTED };
const BUNDLE_BUDGET = 400_000;

const execFileP = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Lead posts
// ---------------------------------------------------------------------------------------------

const MESSAGE =
  "Hello! We run three bakeries in town and are looking for a way to keep in touch with our regulars. " +
  "Could you tell us more about pricing for a team of five, and whether we can import our existing list?";

let leadCounter = 0;
function newEmail(): string {
  return `bench.lead.${process.pid}.${++leadCounter}@example.com`;
}

function leadForm(email: string, company = "Crumb & Co Bakeries"): URLSearchParams {
  return new URLSearchParams({
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
  });
}

/** Posts the form the way a browser does (url-encoded, Origin and Referer of the site, no JSON). */
async function postLead(api: LocalApi, form: URLSearchParams): Promise<void> {
  const res = await fetch(`${api.url}/v1/leads`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      origin: SITE,
      referer: `${SITE}/contact?ref=nav`,
      "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36",
    },
    body: form.toString(),
  });
  const body = await res.text();
  if (res.status !== 303 && res.status !== 302) throw new Error(`POST /v1/leads answered ${res.status}: ${body.slice(0, 300)}`);
}

interface LeadCost {
  wcu: number;
  rcu: number;
  calls: number;
  attempts: number;
  failedConditions: number;
  unreported: number;
  records: CallRecord[];
}

async function measureLead(api: LocalApi, meter: Meter, form: URLSearchParams): Promise<LeadCost> {
  const start = meter.calls.length;
  await postLead(api, form);
  const records = meter.calls.slice(start);
  return {
    wcu: sum(records.map((r) => r.wcu)),
    rcu: sum(records.map((r) => r.rcu)),
    calls: records.length,
    attempts: sum(records.map((r) => r.attempts)),
    failedConditions: records.filter((r) => r.error === "ConditionalCheckFailedException" || r.error === "TransactionCanceledException").length,
    unreported: records.filter((r) => !r.reported && DATA_COMMANDS.has(r.command)).length,
    records,
  };
}

function average(costs: LeadCost[], key: "wcu" | "rcu" | "calls" | "attempts" | "failedConditions" | "unreported"): number {
  return sum(costs.map((c) => c[key])) / costs.length;
}

function describeCall(r: CallRecord): string {
  const outcome = r.ok ? "ok" : r.error;
  const split = r.raw && typeof r.raw === "object" && !Array.isArray(r.raw) ? capacitySplit(r.raw as Record<string, unknown>) : "";
  return `${r.command.replace(/Command$/, "").padEnd(18)} ${String(outcome).padEnd(32)} WCU ${fmt(r.wcu).padStart(4)}  RCU ${fmt(r.rcu).padStart(4)}${r.reported ? "" : "  (no ConsumedCapacity in the response)"}${split}`;
}

function capacitySplit(raw: Record<string, unknown>): string {
  const parts: string[] = [];
  const table = raw.Table as Capacity | undefined;
  if (table) parts.push(`table ${fmt(table.CapacityUnits ?? 0)}`);
  for (const [name, c] of Object.entries((raw.GlobalSecondaryIndexes ?? {}) as Record<string, Capacity>)) parts.push(`${name} ${fmt(c.CapacityUnits ?? 0)}`);
  return parts.length ? `  [${parts.join(", ")}]` : "";
}

// ---------------------------------------------------------------------------------------------
// Bundles and cold imports
// ---------------------------------------------------------------------------------------------

function functionNames(): string[] {
  return readdirSync(path.join(ROOT, "functions"))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.endsWith(".test.ts"))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function bundle(name: string, outdir: string, external: string[]): Promise<string> {
  const outfile = path.join(outdir, `${name}.mjs`);
  await esbuild.build({
    ...ESBUILD_OPTIONS,
    entryPoints: [path.join(ROOT, "functions", `${name}.ts`)],
    outfile,
    external: [...ESBUILD_OPTIONS.external, ...external],
    absWorkingDir: ROOT,
    logLevel: "error",
  });
  return outfile;
}

/** The child: time from just before `import()` to when the module has evaluated, node startup excluded. */
const IMPORT_PROBE = "const t0 = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t0));";

const CHILD_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH ?? "",
  AWS_REGION: "us-east-1",
  TABLE_NAME: TABLE_NAME,
  ALLOWED_ORIGINS: SITE,
  PUBLIC_BASE_URL: "https://api.example.test",
};

async function importMs(file: string): Promise<number> {
  const { stdout } = await execFileP(process.execPath, ["--input-type=module", "-e", IMPORT_PROBE, pathToFileURL(file).href], { env: CHILD_ENV });
  const ms = Number(stdout);
  if (!Number.isFinite(ms)) throw new Error(`import probe of ${file} printed ${JSON.stringify(stdout)}`);
  return ms;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const results: Record<string, number> = {};
const notes: Record<string, string> = {};
/** Budget checks that must use a different value than the stored one (failed conditional writes). */
const checkedValue: Record<string, number> = {};
const breakdown: string[] = [];
const started = performance.now();

let dynamo: RunningDynamo | undefined;
let api: LocalApi | undefined;
let ses: { url: string; close(): Promise<void> } | undefined;
let bundleDir: string | undefined;
const sweepResources: SweepResources = {};
const reportResources: ReportResources = {};
const searchResources: SearchResources = {};
const segmentResources: SegmentResources = {};
const broadcastResources: BroadcastResources = {};
const appResources: AppResources = {};
const tasksResources: TasksResources = {};
const trackResources: TrackResources = {};
const scoreResources: ScoreResources = {};
const referralResources: ReferralResources = {};
const costResources: CostResources = {};
const importStackResources: ImportStackResources = {};
const hookResources: HookResources = {};
const engagementResources: EngagementResources = {};
const webhookResources: WebhookResources = {};
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await api?.close().catch(() => {});
    await ses?.close().catch(() => {});
    await dynamo?.stop().catch(() => {});
    await sweepResources.ses?.close().catch(() => {});
    await sweepResources.dynamo?.stop().catch(() => {});
    await reportResources.dynamo?.stop().catch(() => {});
    await searchResources.dynamo?.stop().catch(() => {});
    await segmentResources.dynamo?.stop().catch(() => {});
    await broadcastResources.dynamo?.stop().catch(() => {});
    await tasksResources.dynamo?.stop().catch(() => {});
    await trackResources.dynamo?.stop().catch(() => {});
    await engagementResources.dynamo?.stop().catch(() => {});
    await scoreResources.dynamo?.stop().catch(() => {});
    await referralResources.dynamo?.stop().catch(() => {});
    await stopCostResources(costResources);
    await stopImportStackResources(importStackResources);
    await stopHookResources(hookResources);
    await stopWebhookResources(webhookResources);
    await stopAppResources(appResources);
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  })();
  return cleaning;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

async function leadFigures(): Promise<void> {
  log("starting DynamoDB Local (in memory) ...");
  dynamo = await startDynamo();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The environment local/stack.ts gives the handlers; the document client built from it is the one they use.
  const env: NodeJS.ProcessEnv = {
    TABLE_NAME,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: "us-east-1",
    ALLOWED_ORIGINS: [url, `http://localhost:${port}`, SITE].join(","),
    PUBLIC_BASE_URL: url,
    LOG_LEVEL: "ERROR",
  };
  const deps = depsFromEnv(env);
  const meter = instrument(deps.db);
  ses = await startSesLocal();
  api = await startLocalApi({
    dynamodbEndpoint: dynamo.endpoint,
    tableName: TABLE_NAME,
    port,
    allowedOrigins: [SITE],
    deps: { db: deps.db },
    logLevel: "ERROR",
    sesEndpoint: ses.url,
    sesEvents: false,
  });

  // Warm up connections and lazy initialisation so the first sample is like the others.
  await postLead(api, leadForm(newEmail()));

  log(`posting ${SAMPLE_LEADS} new and ${SAMPLE_LEADS} repeat leads ...`);
  const emails = Array.from({ length: SAMPLE_LEADS }, newEmail);
  const fresh: LeadCost[] = [];
  for (const email of emails) fresh.push(await measureLead(api, meter, leadForm(email)));
  const repeat: LeadCost[] = [];
  for (const email of emails) repeat.push(await measureLead(api, meter, leadForm(email, "Crumb & Co Bakeries Ltd")));

  const calls = meter.calls.filter((c) => DATA_COMMANDS.has(c.command));
  if (calls.length > 0 && calls.every((c) => !c.reported))
    throw new Error("DynamoDB Local returned no ConsumedCapacity at all: the write-unit figures cannot be measured");

  results["lead.new.wru"] = round(average(fresh, "wcu"));
  results["lead.new.rru"] = round(average(fresh, "rcu"));
  results["lead.new.calls"] = round(average(fresh, "calls"));
  results["lead.repeat.wru"] = round(average(repeat, "wcu"));
  results["lead.repeat.rru"] = round(average(repeat, "rcu"));
  results["lead.repeat.calls"] = round(average(repeat, "calls"));
  results["lead.repeat.failedConditionalWrites"] = round(average(repeat, "failedConditions"));
  const retried = sum([...fresh, ...repeat].map((c) => c.attempts - c.calls));
  if (retried > 0) notes["lead.new.calls"] = `${retried} SDK retries across the samples (not counted as calls)`;
  const failed = results["lead.repeat.failedConditionalWrites"];
  if (failed > 0) {
    // A failed conditional write is billed (≥ 1 WCU on AWS) but its error carries no ConsumedCapacity.
    checkedValue["lead.repeat.wru"] = results["lead.repeat.wru"] + failed;
    notes["lead.repeat.wru"] =
      `reported; + ${fmt(failed)} failed conditional write(s), billed ≥ 1 WCU each but not reported → ≥ ${fmt(checkedValue["lead.repeat.wru"])}`;
  }
  const unreportedNew = average(fresh, "unreported");
  if (unreportedNew > 0) notes["lead.new.wru"] = `${fmt(unreportedNew)} call(s) per lead without ConsumedCapacity`;

  // One more of each with the table / index split, for the per-call breakdown.
  meter.mode = "INDEXES";
  const email = newEmail();
  const one = await measureLead(api, meter, leadForm(email));
  const again = await measureLead(api, meter, leadForm(email, "Crumb & Co Bakeries Ltd"));
  meter.mode = "TOTAL";
  breakdown.push(`One new lead (${one.calls} calls, ${fmt(one.wcu)} WCU reported):`, ...one.records.map((r) => `  ${describeCall(r)}`));
  breakdown.push(
    `One repeat lead, company changed (${again.calls} calls, ${fmt(again.wcu)} WCU reported):`,
    ...again.records.map((r) => `  ${describeCall(r)}`),
  );

  log(`posting ${LATENCY_LEADS} sequential new leads ...`);
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_LEADS; i++) {
    const form = leadForm(newEmail());
    const t0 = performance.now();
    await postLead(api, form);
    latencies.push(performance.now() - t0);
  }
  results["lead.latency.p50.ms"] = round(percentile(latencies, 50));
  results["lead.latency.p95.ms"] = round(percentile(latencies, 95));

  log(`${LOAD_CLIENTS} concurrent clients posting new leads for ${LOAD_SECONDS} s ...`);
  let done = 0;
  let errors = 0;
  let firstError: unknown;
  const t0 = performance.now();
  const deadline = t0 + LOAD_SECONDS * 1000;
  const localApi = api;
  await Promise.all(
    Array.from({ length: LOAD_CLIENTS }, async () => {
      while (performance.now() < deadline) {
        try {
          await postLead(localApi, leadForm(newEmail()));
          done++;
        } catch (err) {
          errors++;
          firstError ??= err;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  results["leads.perSecond"] = round(done / elapsed, 1);
  results["leads.load.errors"] = errors;
  if (errors > 0) notes["leads.perSecond"] = `${errors} failed posts, first: ${(firstError as Error).message.slice(0, 120)}`;

  await cleanup();
  cleaning = undefined;
  api = undefined;
  dynamo = undefined;
}

async function bundleFigures(): Promise<void> {
  const names = functionNames();
  bundleDir = mkdtempSync(path.join(tmpdir(), "rapport-bench-"));
  // The SDK-external variant must resolve @aws-sdk/* from the repository's node_modules.
  // Per process: checkouts that share one node_modules (worktrees) may bench at the same time.
  const externalDir = path.join(ROOT, "node_modules", ".cache", `rapport-bench-${process.pid}`);
  rmSync(externalDir, { recursive: true, force: true });
  mkdirSync(externalDir, { recursive: true });

  log(`bundling ${names.length} functions ...`);
  const bundled: Record<string, string> = {};
  const external: Record<string, string> = {};
  await Promise.all(
    names.map(async (name) => {
      bundled[name] = await bundle(name, bundleDir!, []);
      external[name] = await bundle(name, externalDir, ["@aws-sdk/*", "@smithy/*"]);
    }),
  );
  for (const name of names) results[`bundle.${name}.bytes`] = statSync(bundled[name]!).size;
  // The dashboard's script as browsers get it: functions/app.ts serves it gzipped at level 9.
  const app = await buildApp(path.join(bundleDir, "app"));
  results["app.js.gzipBytes"] = gzipSync(readFileSync(path.join(bundleDir, "app", app.files.script)), { level: 9 }).length;
  notes["app.js.gzipBytes"] = `the dashboard's one script (app/src bundled and minified by scripts/build-app.ts), gzipped as functions/app.ts serves it`;

  log(`importing each bundle in ${IMPORT_RUNS} fresh processes ...`);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) await importMs(bundled[name]!); // warm the page cache
  for (let run = 0; run < IMPORT_RUNS; run++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + run) % names.length]!;
      times[name]!.push(await importMs(bundled[name]!));
    }
  }
  const medians = Object.fromEntries(names.map((n) => [n, median(times[n]!)]));
  for (const name of names) results[`coldImport.${name}.ms`] = round(medians[name]!);
  const slowest = names.reduce((a, b) => (medians[b]! > medians[a]! ? b : a));

  log(`${slowest}: bundled vs SDK from node_modules, ${IMPORT_RUNS} runs each, alternating ...`);
  const a: number[] = [];
  const b: number[] = [];
  await importMs(external[slowest]!);
  await importMs(bundled[slowest]!);
  for (let run = 0; run < IMPORT_RUNS; run++) {
    if (run % 2 === 0) {
      a.push(await importMs(bundled[slowest]!));
      b.push(await importMs(external[slowest]!));
    } else {
      b.push(await importMs(external[slowest]!));
      a.push(await importMs(bundled[slowest]!));
    }
  }
  results["coldImport.bundled.ms"] = round(median(a));
  results["coldImport.external.ms"] = round(median(b));
  results["coldImport.ratio"] = round(median(a) / median(b), 3);
  notes["coldImport.ratio"] = `${slowest}: ${fmt(median(a))} ms bundled ÷ ${fmt(median(b))} ms with the SDK from node_modules`;
  rmSync(externalDir, { recursive: true, force: true });
}

/** `coldImport.<function>.ms` of the bundle section, by function. */
function coldImportByFunction(): Record<string, number> {
  return Object.fromEntries(
    functionNames().flatMap((name) => (results[`coldImport.${name}.ms`] === undefined ? [] : [[name, results[`coldImport.${name}.ms`]!]])),
  );
}

function printTable(): void {
  const rows: [string, string, string, string, string][] = [];
  for (const [figure, value] of Object.entries(results)) {
    const budget = figure.startsWith("bundle.") ? BUNDLE_BUDGET : BUDGETS[figure];
    const expected = EXPECTED[figure];
    const checked = checkedValue[figure] ?? value;
    const min = MIN_BUDGETS[figure];
    const status =
      expected !== undefined
        ? value === expected
          ? "PASS"
          : "FAIL"
        : min !== undefined
          ? checked >= min
            ? "PASS"
            : "FAIL"
          : budget === undefined
            ? ""
            : checked <= budget
              ? "PASS"
              : "FAIL";
    const limit = expected !== undefined ? `= ${fmt(expected)}` : min !== undefined ? `≥ ${fmt(min)}` : budget === undefined ? "—" : `≤ ${fmt(budget)}`;
    rows.push([figure, fmt(value), limit, status, notes[figure] ?? ""]);
  }
  const header: [string, string, string, string, string] = ["figure", "value", "budget", "status", "note"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  console.log("");
  for (const l of breakdown) console.log(l);
}

/** `npm run bench -- --only search,reports` (or `--only hooks`, `--only import-stack`) runs just those sections (the cost sheet needs the bundle section). */
const only = process.argv.includes("--only") ? new Set(process.argv[process.argv.indexOf("--only") + 1]?.split(",")) : undefined;
const runs = (section: string) => !only || only.has(section);

try {
  if (runs("leads")) await leadFigures();
  if (runs("bundles") || runs("cost")) await bundleFigures();
  if (runs("sweep")) await sweepFigures({ results, notes, breakdown, log }, sweepResources);
  if (runs("reports")) await reportFigures({ results, notes, breakdown, log }, reportResources);
  if (runs("search")) await searchFigures({ results, notes, breakdown, log }, searchResources);
  if (runs("segments")) await segmentFigures({ results, notes, breakdown, log }, segmentResources);
  if (runs("broadcasts")) await broadcastFigures({ results, notes, breakdown, log }, broadcastResources);
  if (runs("app")) await appFigures({ results, notes, breakdown, log }, appResources);
  if (runs("tasks")) await tasksFigures({ results, notes, breakdown, log }, tasksResources);
  if (runs("track")) await trackFigures({ results, notes, breakdown, log }, trackResources);
  if (runs("engagement")) await engagementFigures({ results, notes, breakdown, log }, engagementResources);
  if (runs("score")) await scoreFigures({ results, notes, breakdown, log }, scoreResources);
  if (runs("referrals")) await referralFigures({ results, notes, breakdown, log }, referralResources);
  if (runs("hooks")) await hookFigures({ results, notes, breakdown, log }, hookResources);
  if (runs("webhooks")) await webhookFigures({ results, notes, breakdown, log }, webhookResources);
  if (runs("cost")) await costFigures({ results, notes, breakdown, log }, costResources, { coldImportMs: coldImportByFunction() });
  if (runs("import-stack")) await importStackFigures({ results, notes, breakdown, log }, importStackResources);
  // A partial run (--only) keeps the other sections' figures of the last full run.
  const earlier = only && existsSync(RESULTS_FILE) ? (JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as Record<string, number>) : {};
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ ...earlier, ...results }, null, 2)}\n`);
  printTable();
  console.log(`\nwrote ${path.relative(process.cwd(), RESULTS_FILE) || RESULTS_FILE} in ${fmt(round((performance.now() - started) / 1000, 1))} s`);
  await cleanup();
  process.exit(0);
} catch (err) {
  console.error(err);
  await cleanup();
  process.exit(1);
}
