/**
 * Report figures for `npm run bench` (issue 4, "How it is checked"):
 *
 *  - Latency: every report (funnel, retention, revenue, campaigns, segments) on a table of 1,000
 *    and one of 100,000 customers, median of repeated runs through the same domain functions the
 *    route calls; `reports.latency.ratio` = the slowest report's 100k ÷ 1k median (budget ≤ 1.5).
 *  - Read units of each report at both sizes (ReturnConsumedCapacity), which show why: the
 *    reports read counter items, never customers.
 *  - The stream consumer's cost: units per batch of 100 records (new leads, purchases), for the
 *    cost sheet; and the time `rapport reports rebuild` takes over the 100k table.
 *
 * The populations: customer profiles, purchase entries and stage-change entries as the real code
 * writes them (the shapes shared/customers/contact.ts and shared/interactions/record.ts produce), spread over two years
 * by a seeded PRNG. The 1k table gets every item and its counters from `rebuildReports` (timed).
 * The 100k table gets the 100,000 profiles (so a report that read customers would show it) and
 * the counters of all 450,000 items summed with `contributions()` in memory, the very sum the
 * rebuild and the stream consumer make (test/reports.test.ts proves them equal): writing the
 * 350,000 timeline entries to DynamoDB Local as well would add four minutes and change no read.
 */
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { type RunningDynamo, startDynamo } from "../local/dynamo.ts";
import { ensureTable } from "../local/table.ts";
import { fixedClock } from "../shared/core/clock.ts";
import { type Deps, depsFromEnv } from "../shared/core/deps.ts";
import { mulberry32 } from "../shared/demo/seed.ts";
import { customerKey, PROFILE_SK, stageIndexKey } from "../shared/entities/customer.ts";
import { timelineKey } from "../shared/entities/timeline.ts";
import { applyStreamRecords } from "../shared/reports/apply.ts";
import { contributions, emptyCounts, merge } from "../shared/reports/contributions.ts";
import { campaignsReport, funnelReport, retentionReport, revenueReport, segmentsReport } from "../shared/reports/read.ts";
import { rebuildReports, writeCounters } from "../shared/reports/rebuild.ts";
import { billedUnits, instrument, type Meter } from "./meter.ts";
import { median, round } from "./stats.ts";
import { type Report, writeAll } from "./sweep.ts";

const NOW = new Date("2026-11-01T12:00:00.000Z");
const DAY = 86_400_000;
const HISTORY_DAYS = 730;
const SIZES = [1_000, 100_000] as const;
const RUNS = 15;
const WARMUP = 3;

export const REPORT_BUDGETS: Record<string, number> = { "reports.latency.ratio": 1.5 };

const REPORTS: Record<string, (deps: Deps) => Promise<unknown>> = {
  funnel: (deps) => funnelReport(deps, {}),
  retention: (deps) => retentionReport(deps, {}),
  revenue: (deps) => revenueReport(deps, {}),
  campaigns: (deps) => campaignsReport(deps),
  segments: (deps) => segmentsReport(deps, {}),
};

export interface ReportResources {
  dynamo?: RunningDynamo;
}

function envFor(dynamo: RunningDynamo, table: string): NodeJS.ProcessEnv {
  return {
    TABLE_NAME: table,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: "us-east-1",
    CURRENCY: "EUR",
    LOG_LEVEL: "ERROR",
    PUBLIC_BASE_URL: "https://crm.example-shop.test",
  };
}

/** One synthetic customer's items: profile, purchase entries, stage-change entries. */
function customerItems(n: number, random: () => number): Record<string, unknown>[] {
  const id = `cus_bench${String(n).padStart(8, "0")}`;
  const iso = (ms: number) => new Date(ms).toISOString();
  const created = NOW.getTime() - Math.floor(random() * HISTORY_DAYS) * DAY - Math.floor(random() * DAY);
  const items: Record<string, unknown>[] = [];
  // Two in five never buy; the rest buy 1–12 times, a few days to months apart.
  const orders = random() < 0.4 ? 0 : 1 + Math.floor(random() ** 2 * 12);
  let at = created;
  let spend = 0;
  let first: number | undefined;
  let stage = "lead";
  const move = (to: string, when: number) => {
    if (to === stage) return;
    items.push({ ...timelineKey(id, iso(when), `m${n}${items.length}`), type: "timeline", kind: "stage_changed", at: iso(when), data: { from: stage, to } });
    stage = to;
  };
  for (let i = 0; i < orders; i++) {
    at += Math.floor(random() * 90 * DAY) + DAY;
    if (at > NOW.getTime()) break;
    const amount = Math.round(5 + random() * 195) * 100;
    spend += amount;
    first ??= at;
    items.push({ ...timelineKey(id, iso(at), `p${n}${i}`), type: "timeline", kind: "purchase", at: iso(at), data: { amount: amount / 100, currency: "EUR" } });
    move(i + 1 >= 3 ? "loyal" : "customer", at);
  }
  const count = items.filter((i) => i.kind === "purchase").length;
  const last = first === undefined ? undefined : at;
  if (last !== undefined && NOW.getTime() - last > 90 * DAY) move("at_risk", last + 90 * DAY);
  if (last !== undefined && NOW.getTime() - last > 180 * DAY) move("churned", last + 180 * DAY);
  const lastActivity = last ?? created;
  items.push({
    ...customerKey(id),
    ...stageIndexKey(stage, iso(lastActivity), id),
    id,
    email: `bench.${n}@example.com`,
    firstName: "Bench",
    stage,
    orders: count,
    spendMinor: spend,
    currency: "EUR",
    createdAt: iso(created),
    updatedAt: iso(lastActivity),
    lastActivityAt: iso(lastActivity),
    ...(first !== undefined ? { firstPurchaseAt: iso(first), lastPurchaseAt: iso(last!) } : {}),
    consentMarketing: true,
  });
  return items;
}

function unitsSince(meter: Meter, from: number): { rru: number; wru: number } {
  let rru = 0;
  let wru = 0;
  for (const call of meter.calls.slice(from)) {
    const u = billedUnits(call);
    rru += u.rru;
    wru += u.wru;
  }
  return { rru, wru };
}

/** Stream records as DynamoDB Streams delivers them, for `count` new items. */
function insertRecords(items: Record<string, unknown>[], firstSeq: bigint): DynamoDBRecord[] {
  return items.map((item, i) => ({
    eventID: `bench-${firstSeq + BigInt(i)}`,
    eventName: "INSERT",
    dynamodb: {
      Keys: marshall({ PK: item.PK, SK: item.SK }) as never,
      NewImage: marshall(item, { removeUndefinedValues: true }) as never,
      SequenceNumber: String(firstSeq + BigInt(i)),
    },
  }));
}

export async function reportFigures(report: Report, resources: ReportResources): Promise<void> {
  const { results, notes, log } = report;
  log("starting DynamoDB Local (in memory) for the reports ...");
  const dynamo = await startDynamo();
  resources.dynamo = dynamo;
  const medians: Record<number, Record<string, number>> = { [SIZES[0]]: {}, [SIZES[1]]: {} };
  const tables: Record<number, Deps> = {};

  for (const size of SIZES) {
    const table = `rapport-bench-reports-${size}`;
    await ensureTable(dynamo.endpoint, table, { stream: false });
    const deps = depsFromEnv(envFor(dynamo, table));
    deps.clock = fixedClock(NOW);
    const random = mulberry32(size);
    const items: Record<string, unknown>[] = [];
    for (let n = 0; n < size; n++) items.push(...customerItems(n, random));
    const writeStarted = performance.now();
    if (size === SIZES[0]) {
      log(`writing ${size.toLocaleString("en")} customers (${items.length.toLocaleString("en")} items) ...`);
      await writeAll(deps.db, table, items);
      const rebuildStarted = performance.now();
      const rebuilt = await rebuildReports(deps);
      const seconds = (performance.now() - rebuildStarted) / 1000;
      results["reports.rebuild.itemsPerSecond"] = Math.round(rebuilt.scanned / seconds);
      notes["reports.rebuild.itemsPerSecond"] =
        `rapport reports rebuild over ${rebuilt.scanned.toLocaleString("en")} items (${rebuilt.written} counter items) in ${round(seconds, 1)} s`;
    } else {
      const profiles = items.filter((i) => i.SK === PROFILE_SK);
      log(`writing ${size.toLocaleString("en")} customer profiles, and the counters of all ${items.length.toLocaleString("en")} items ...`);
      await writeAll(deps.db, table, profiles);
      const counts = emptyCounts();
      for (const item of items) {
        const c = contributions(item, { currency: "EUR" });
        merge(counts, c.state);
        merge(counts, c.history);
      }
      const written = await writeCounters(deps, counts);
      notes[`reports.segments.${size / 1000}k.ms`] = `${written.written} counter items for ${size.toLocaleString("en")} customers`;
    }
    log(`  written in ${round((performance.now() - writeStarted) / 1000, 1)} s`);

    tables[size] = deps;
  }

  // Both sizes measured alternately, run by run, so warm-up and the machine's other load fall on both alike.
  const meters = Object.fromEntries(SIZES.map((size) => [size, instrument(tables[size]!.db)])) as Record<number, Meter>;
  for (const [name, run] of Object.entries(REPORTS)) {
    for (let i = 0; i < WARMUP; i++) for (const size of SIZES) await run(tables[size]!);
    const times: Record<number, number[]> = { [SIZES[0]]: [], [SIZES[1]]: [] };
    const before = Object.fromEntries(SIZES.map((size) => [size, meters[size]!.calls.length]));
    for (let i = 0; i < RUNS; i++) {
      for (const size of i % 2 === 0 ? SIZES : [...SIZES].reverse()) {
        const t = performance.now();
        await run(tables[size]!);
        times[size]!.push(performance.now() - t);
      }
    }
    for (const size of SIZES) {
      medians[size]![name] = median(times[size]!);
      results[`reports.${name}.${size / 1000}k.ms`] = round(median(times[size]!));
      results[`reports.${name}.${size / 1000}k.rru`] = round(unitsSince(meters[size]!, before[size]!).rru / RUNS, 1);
    }
  }
  for (const size of SIZES) tables[size]!.db.destroy();

  const ratios = Object.keys(REPORTS).map((name) => [name, medians[100_000]![name]! / medians[1_000]![name]!] as const);
  const [worst, ratio] = ratios.reduce((a, b) => (b[1] > a[1] ? b : a));
  results["reports.latency.ratio"] = round(ratio, 2);
  notes["reports.latency.ratio"] = `${worst}: ${round(medians[100_000]![worst]!)} ms at 100k ÷ ${round(medians[1_000]![worst]!)} ms at 1k (median of ${RUNS})`;

  // The stream consumer: a batch of 100 new leads, and one of 100 purchases (entry + profile change).
  const table = "rapport-bench-reports-stream";
  await ensureTable(dynamo.endpoint, table, { stream: false });
  const deps = depsFromEnv(envFor(dynamo, table));
  deps.clock = fixedClock(NOW);
  const meter = instrument(deps.db);
  const random = mulberry32(7);
  const profiles: Record<string, unknown>[] = Array.from({ length: 100 }, (_, n) => customerItems(1_000_000 + n, random).at(-1)!).map((p) => ({
    ...p,
    // New leads of one batch arrive within seconds of each other: created today.
    stage: "lead",
    orders: 0,
    spendMinor: 0,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    lastActivityAt: NOW.toISOString(),
    firstPurchaseAt: undefined,
    lastPurchaseAt: undefined,
  }));
  let before = meter.calls.length;
  await applyStreamRecords(deps, insertRecords(profiles, 1_000n));
  const leads = unitsSince(meter, before);
  results["reports.stream.leads.wru"] = round(leads.wru, 1);
  results["reports.stream.leads.rru"] = round(leads.rru, 1);
  notes["reports.stream.leads.wru"] = "one stream batch of 100 new leads: marker + counter items in one transaction";
  const purchases = profiles.map((p, n) => ({
    ...timelineKey(String(p.id), NOW.toISOString(), `bp${n}`),
    type: "timeline",
    kind: "purchase",
    at: NOW.toISOString(),
    data: { amount: 25, currency: "EUR" },
  }));
  before = meter.calls.length;
  await applyStreamRecords(deps, insertRecords(purchases, 2_000n));
  const bought = unitsSince(meter, before);
  results["reports.stream.purchases.wru"] = round(bought.wru, 1);
  notes["reports.stream.purchases.wru"] = "one stream batch of 100 purchase entries";
  deps.db.destroy();
}
