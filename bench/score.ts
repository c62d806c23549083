/**
 * The lead score (`--only score`), on DynamoDB Local without a stream:
 *
 * - `score.activity.wru`: write units the stream consumer spends per scored activity (form post,
 *   key-page visit, email click, reply, purchase), fed one record at a time as the stream would
 *   carry them, on customers with profiles as the bench's others and a full activity log (the
 *   steady state: the log is at its cap, so the score item is as big as scoring makes it);
 *   `score.activity.rru` its one consistent read; `score.crossing.wru` what a hot lead adds (the
 *   timeline entry and the task);
 * - `score.page.rru`: read units of one page of 25 of `GET /v1/customers?sort=leadScore` at
 *   100,000 scored customers (the first page and nine more by cursor), and `score.page.ms` its
 *   latency.
 */
import { randomUUID } from "node:crypto";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { startDynamo } from "../local/dynamo.ts";
import { ensureTable } from "../local/table.ts";
import type { Clock } from "../shared/core/clock.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { summarize } from "../shared/customers/view.ts";
import { mulberry32 } from "../shared/demo/seed.ts";
import { stageIndexKey } from "../shared/entities/customer.ts";
import { scoreEntry } from "../shared/entities/lead-score.ts";
import { timelineKey } from "../shared/entities/timeline.ts";
import { listByScore } from "../shared/lead-score/list.ts";
import { type Activity, applyActivities } from "../shared/lead-score/score.ts";
import { applyLeadScoreRecords } from "../shared/lead-score/stream.ts";
import { billedUnits, instrument, READ_COMMANDS } from "./meter.ts";
import { benchProfile } from "./search.ts";
import { type Report, writeAll } from "./sweep.ts";

/**
 * A scored activity: the score item's Put (1) and its move in GSI1 (2), the profile's copy (1) and the
 * stage index's copy of the profile (2 at most; 1 for a profile under 1 KB). A page: 25 profiles at
 * 0.5 each and the entries' Query.
 */
export const SCORE_BUDGETS: Record<string, number> = { "score.activity.wru": 5, "score.page.rru": 20 };

export interface ScoreResources {
  dynamo?: { stop(): Promise<void> };
}

const CUSTOMERS = 100_000;
const PAGE = 25;
const PAGES = 10;
const SCORED = 50;
const ACTIVITIES = 20;

/** A stored customer as the bench's other tables have them, plus the counters and consent a real profile carries. */
function customerItem(n: number, random: () => number, at: string): Record<string, unknown> {
  const p = benchProfile(n, random);
  const id = String(p.id);
  return {
    ...p,
    type: "customer",
    ...stageIndexKey(String(p.stage), at, id),
    tags: new Set(["newsletter"]),
    orders: 1,
    spendMinor: 4990,
    currency: "USD",
    lastActivityAt: at,
    consentMarketing: true,
    consentAt: at,
    consentVersion: "v1",
    consentSource: "form:newsletter",
    attribution: { source: "newsletter-signup", utm_source: "instagram", page: "https://shop.example/" },
    updatedAt: at,
  };
}

const KINDS: [string, Activity["source"]][] = [
  ["form_submitted", "form"],
  ["visit", "page"],
  ["email_clicked", "click"],
  ["email_reply", "reply"],
  ["purchase", "purchase"],
];

/** The stream record of a new timeline entry (a visit's: one more page view, on a key page). */
function entryRecord(customerId: string, kind: string, at: string, n: number): DynamoDBRecord {
  const id = `01BENCH${String(n).padStart(19, "0")}`;
  const entry = {
    ...timelineKey(customerId, at, id),
    type: "timeline",
    id,
    kind,
    at,
    summary: kind,
    data: kind === "visit" ? { pages: 2, lastAt: at, entryPath: "/", lastPath: "/pricing" } : {},
  };
  return {
    eventName: "INSERT",
    dynamodb: { Keys: marshall({ PK: entry.PK, SK: entry.SK }) as never, NewImage: marshall(entry) as never },
  };
}

export async function scoreFigures(report: Report, resources: ScoreResources): Promise<void> {
  const { results, notes, breakdown, log } = report;
  log("starting DynamoDB Local (in memory) for the lead score ...");
  const dynamo = await startDynamo();
  resources.dynamo = dynamo;
  const table = `rapport-bench-score-${randomUUID().slice(0, 8)}`;
  await ensureTable(dynamo.endpoint, table, { stream: false });
  const env = { TABLE_NAME: table, DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_REGION: "us-east-1", TOKEN_SECRET: "bench" };
  // A threshold nobody reaches first: the activities' own cost, then crossings apart.
  const deps = depsFromEnv({ ...env, LEAD_SCORE_HOT_THRESHOLD: "100000" });
  let now = Date.parse("2026-11-01T10:00:00Z");
  const clock: Clock = { now: () => new Date(now) };
  deps.clock = clock;
  const random = mulberry32(7);
  const start = new Date(now).toISOString();

  // Scoring: SCORED customers, ACTIVITIES each, one record per batch.
  const scored = Array.from({ length: SCORED }, (_, n) => customerItem(CUSTOMERS + n, random, start));
  await writeAll(deps.db, table, scored);
  const meter = instrument(deps.db);
  const steady: { wru: number; rru: number }[] = [];
  const first: number[] = [];
  let n = 0;
  for (let i = 0; i < ACTIVITIES; i++) {
    for (const customer of scored) {
      now += 1_000;
      const [kind] = KINDS[n % KINDS.length]!;
      const from = meter.calls.length;
      await applyLeadScoreRecords(deps, [entryRecord(String(customer.id), kind, new Date(now).toISOString(), n++)]);
      const calls = meter.calls.slice(from);
      const wru = calls.filter((c) => !READ_COMMANDS.has(c.command)).reduce((sum, c) => sum + billedUnits(c).wru, 0);
      const rru = calls.filter((c) => READ_COMMANDS.has(c.command)).reduce((sum, c) => sum + billedUnits(c).rru, 0);
      if (i === 0) first.push(wru);
      if (i >= ACTIVITIES - 4) steady.push({ wru, rru });
    }
  }
  const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100;
  results["score.activity.wru"] = mean(steady.map((s) => s.wru));
  results["score.activity.firstWru"] = mean(first);
  results["score.activity.rru"] = mean(steady.map((s) => s.rru));
  notes["score.activity.wru"] =
    `stream consumer, per scored activity, steady state (a full log of the last activities on the score item): the score item's Put with its move in GSI1 (delete and put), the profile's UpdateItem of its copy of the score with the stage index's copy (GSI1 projects everything); the first activity of a customer: ${results["score.activity.firstWru"]}`;
  notes["score.activity.rru"] = "consistent GetItems of the profile and the score item, per batch and customer";

  // A crossing: leads at 40, then a reply takes them over 50.
  const hot = depsFromEnv({ ...env, LEAD_SCORE_HOT_THRESHOLD: "50" });
  hot.clock = clock;
  const hotMeter = instrument(hot.db);
  const leads: Record<string, unknown>[] = Array.from({ length: 20 }, (_, k) => ({ ...customerItem(CUSTOMERS + SCORED + k, random, start), stage: "lead" }));
  await writeAll(hot.db, table, leads);
  const crossings: number[] = [];
  for (const customer of leads) {
    await applyLeadScoreRecords(hot, [entryRecord(String(customer.id), "email_reply", new Date(now).toISOString(), n++)]);
    await applyLeadScoreRecords(hot, [entryRecord(String(customer.id), "email_reply", new Date(now).toISOString(), n++)]);
    await applyLeadScoreRecords(hot, [entryRecord(String(customer.id), "form_submitted", new Date(now).toISOString(), n++)]);
    const from = hotMeter.calls.length;
    await applyLeadScoreRecords(hot, [entryRecord(String(customer.id), "email_reply", new Date(now).toISOString(), n++)]);
    crossings.push(
      hotMeter.calls
        .slice(from)
        .filter((c) => !READ_COMMANDS.has(c.command))
        .reduce((sum, c) => sum + billedUnits(c).wru, 0),
    );
  }
  results["score.crossing.wru"] = mean(crossings);
  notes["score.crossing.wru"] = "the activity that makes a lead hot, all writes: score, sort entry, the hot_lead timeline entry and the task (one transaction)";
  hot.db.destroy();

  // Sorting: 100,000 scored customers, profiles and sort entries written straight to the table.
  log(`writing ${CUSTOMERS.toLocaleString("en")} scored customers and their sort entries ...`);
  const config = deps.config.leadScore;
  const items: Record<string, unknown>[] = [];
  for (let k = 0; k < CUSTOMERS; k++) {
    const at = new Date(now - Math.floor(random() * 90) * 86_400_000).toISOString();
    const customer = customerItem(k, random, at);
    const activities = Array.from({ length: 1 + Math.floor(random() * 8) }, (_, j) => ({
      key: `k${k}-${j}`,
      source: KINDS[Math.floor(random() * KINDS.length)]![1],
      at,
    }));
    const state = applyActivities({}, activities, config, new Date(at))!.state;
    items.push({ ...customer, leadScore: state.leadScore, leadScoreAt: state.leadScoreAt }, scoreEntry(String(customer.id), state, config.halfLifeDays));
  }
  const started = performance.now();
  await writeAll(deps.db, table, items);
  log(`  written in ${Math.round((performance.now() - started) / 100) / 10} s`);
  const summary = (item: Parameters<typeof summarize>[0], score: number) => summarize(item, score);
  await listByScore(deps, PAGE, undefined, summary); // warm-up
  const pages: { rru: number; ms: number; rows: number }[] = [];
  let cursor: string | undefined;
  let previous = Number.POSITIVE_INFINITY;
  let ordered = true;
  for (let p = 0; p < PAGES; p++) {
    const from = meter.calls.length;
    const t = performance.now();
    const page = await listByScore(deps, PAGE, cursor, summary);
    const ms = performance.now() - t;
    const rru = meter.calls.slice(from).reduce((sum, c) => sum + billedUnits(c).rru, 0);
    pages.push({ rru, ms, rows: page.items.length });
    for (const row of page.items) {
      if (Number(row.leadScore) > previous + 0.05) ordered = false;
      previous = Number(row.leadScore);
    }
    cursor = page.nextCursor ?? undefined;
    if (!cursor) break;
  }
  if (!ordered) throw new Error("the score pages were not in score order");
  results["score.page.rru"] = mean(pages.map((p) => p.rru));
  results["score.page.ms"] = mean(pages.map((p) => p.ms));
  notes["score.page.rru"] =
    `GET /v1/customers?sort=leadScore, pages of ${PAGE} at ${CUSTOMERS.toLocaleString("en")} scored customers (${pages.length} pages by cursor, in score order): one Query of the sort entries, one BatchGetItem of the page's profiles`;
  notes["score.page.ms"] = "DynamoDB Local on this machine";
  breakdown.push(
    `Lead score pages (rru, ms, rows): ${pages.map((p) => `${p.rru}/${Math.round(p.ms)}/${p.rows}`).join(" · ")}`,
    `Lead score crossing write units: ${crossings.join(", ")}`,
  );
  deps.db.destroy();
}
