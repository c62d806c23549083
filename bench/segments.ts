/**
 * Saved segments at 100,000 customers: what a full evaluation costs and how long it takes.
 *
 * The table holds 100,000 customer profiles shaped as the real code writes them (profile fields,
 * tags, consent, attribution, purchase figures, the retention engine's `sent#…` markers and due
 * index keys, the latest open), written straight to the table. A full evaluation queries the stage
 * index partitions with a projection and eventually consistent reads (shared/segments/evaluate.ts),
 * so it reads profiles only: timeline entries, sends and search items carry no stage index keys and
 * cost it nothing, so the bench leaves them out (writing them would take minutes and change no
 * read). `segment.evaluate.rru.perCustomer` is the read units billed for
 * evaluating a segment that must look at every customer, divided by the number of customers.
 */
import { randomUUID } from "node:crypto";
import { startDynamo } from "../local/dynamo.ts";
import { ensureTable } from "../local/table.ts";
import { fixedClock } from "../shared/core/clock.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { STAGES } from "../shared/core/fields.ts";
import { DEMO_COUNTRIES, DEMO_EMAIL_DOMAINS } from "../shared/demo/data.ts";
import { mulberry32 } from "../shared/demo/seed.ts";
import { customerKey, stageIndexKey } from "../shared/entities/customer.ts";
import { evaluateSegment, segmentMembers } from "../shared/segments/evaluate.ts";
import type { SegmentDefinition } from "../shared/segments/match.ts";
import { billedUnits, instrument } from "./meter.ts";
import { median, round } from "./stats.ts";
import { type Report, writeAll } from "./sweep.ts";

const CUSTOMERS = 100_000;
const RUNS = 2;
const NOW = new Date("2026-11-01T12:00:00.000Z");
const DAY = 86_400_000;

export const SEGMENT_BUDGETS: Record<string, number> = { "segment.evaluate.rru.perCustomer": 0.2 };

export interface SegmentResources {
  dynamo?: { stop(): Promise<void> };
}

/** A segment every customer must be looked at for: tags and spend are in no index. */
const VIP: SegmentDefinition = {
  match: "all",
  conditions: [
    { field: "tags", op: "contains", value: "vip" },
    { field: "lifetimeSpend", op: "gte", value: 500 },
  ],
};
/** Wider: any of five conditions, over RFM, engagement, consent and country. */
const WIDE: SegmentDefinition = {
  match: "any",
  conditions: [
    { field: "rfmSegment", op: "eq", value: "champions" },
    { field: "lastOpenedAt", op: "within_days", value: 30 },
    { field: "consent", op: "eq", value: true },
    { field: "country", op: "eq", value: "SE" },
    { field: "orders", op: "gte", value: 5 },
  ],
};
const LEADS: SegmentDefinition = { match: "all", conditions: [{ field: "stage", op: "eq", value: "lead" }] };

function customer(n: number, random: () => number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const country = pick(DEMO_COUNTRIES);
  const given = pick(random() < 0.5 ? country.female : country.male);
  const family = pick(country.family);
  const id = `cus_bnch${String(n).padStart(22, "0")}`;
  const stage = pick(STAGES);
  const createdAt = new Date(NOW.getTime() - Math.floor(random() * 730) * DAY).toISOString();
  const lastActivityAt = new Date(NOW.getTime() - Math.floor(random() * 365 * DAY)).toISOString();
  const orders = stage === "lead" ? 0 : 1 + Math.floor(random() * 8);
  const bought = orders > 0;
  const tags = new Set<string>(["newsletter", ...(random() < 0.1 ? ["vip"] : []), ...(random() < 0.3 ? ["wholesale"] : [])]);
  const profile: Record<string, unknown> = {
    ...customerKey(id),
    ...stageIndexKey(stage, lastActivityAt, id),
    type: "customer",
    id,
    email: `${given.roman}.${family.roman}${n}@${pick(DEMO_EMAIL_DOMAINS)}`.toLowerCase().replace(/[^a-z0-9.@-]/g, ""),
    firstName: given.native,
    lastName: family.native,
    country: country.code,
    locale: country.locale,
    timezone: "Europe/Stockholm",
    stage,
    tags,
    orders,
    spendMinor: orders * (2_000 + Math.floor(random() * 20_000)),
    currency: "EUR",
    lastActivityAt,
    createdAt,
    updatedAt: lastActivityAt,
    consentMarketing: random() < 0.6,
    consentAt: createdAt,
    consentVersion: "2026-01",
    consentSource: "form:newsletter",
    attribution: { source: "website", utm_source: "newsletter", utm_medium: "email", utm_campaign: "spring" },
    ...(bought
      ? {
          firstPurchaseAt: createdAt,
          lastPurchaseAt: lastActivityAt,
          lastPurchaseId: `ord-${n}`,
          "sent#thank-you": { occurrence: `ord-${n}`, at: lastActivityAt },
          "sent#feedback-request": { occurrence: `ord-${n}`, at: lastActivityAt },
        }
      : {}),
    ...(random() < 0.4 ? { lastOpenedAt: new Date(NOW.getTime() - Math.floor(random() * 90) * DAY).toISOString() } : {}),
    nextDueAt: new Date(NOW.getTime() + 30 * DAY).toISOString(),
    GSI2PK: `DUE#${n % 16}`,
    GSI2SK: `${new Date(NOW.getTime() + 30 * DAY).toISOString()}#${id}`,
  };
  return profile;
}

export async function segmentFigures(report: Report, resources: SegmentResources): Promise<void> {
  const { results, notes, log, breakdown } = report;
  log("starting DynamoDB Local (in memory) for segments ...");
  const dynamo = await startDynamo();
  resources.dynamo = dynamo;
  const table = `rapport-bench-segments-${randomUUID().slice(0, 8)}`;
  await ensureTable(dynamo.endpoint, table, { stream: false });
  const deps = depsFromEnv({ TABLE_NAME: table, DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_REGION: "us-east-1", TOKEN_SECRET: "bench" });
  deps.clock = fixedClock(NOW);
  const random = mulberry32(7);
  const customers = Array.from({ length: CUSTOMERS }, (_, n) => customer(n, random));
  const profileBytes = customers.reduce((n, c) => n + JSON.stringify(c, (_k, v) => (v instanceof Set ? [...v] : v)).length, 0) / CUSTOMERS;
  log(`writing ${CUSTOMERS.toLocaleString("en")} customer profiles ...`);
  const started = performance.now();
  await writeAll(deps.db, table, customers);
  log(`  written in ${round((performance.now() - started) / 1000, 1)} s`);

  const meter = instrument(deps.db);
  const measure = async (definition: SegmentDefinition, runs: number) => {
    const times: number[] = [];
    let rru = 0;
    let count = 0;
    for (let run = 0; run < runs; run++) {
      const from = meter.calls.length;
      const t = performance.now();
      const evaluation = await evaluateSegment(deps, definition);
      times.push(performance.now() - t);
      rru = meter.calls.slice(from).reduce((sum, call) => sum + billedUnits(call).rru, 0);
      count = evaluation.members.length;
      log(`  evaluated in ${round((performance.now() - t) / 1000, 1)} s: ${count.toLocaleString("en")} members, ${round(rru, 0)} RRU`);
    }
    return { ms: median(times), rru, count };
  };
  log("evaluating: tags contains vip AND lifetimeSpend ≥ 500 ...");
  const vip = await measure(VIP, RUNS);
  log("evaluating: any of five conditions ...");
  const wide = await measure(WIDE, 1);
  const from = meter.calls.length;
  const t = performance.now();
  const leads = await segmentMembers(deps, LEADS, { limit: 25 });
  const leadsMs = performance.now() - t;
  const leadsRru = meter.calls.slice(from).reduce((sum, call) => sum + billedUnits(call).rru, 0);

  results["segment.evaluate.rru.perCustomer"] = round(vip.rru / CUSTOMERS, 4);
  results["segment.evaluate.ms"] = round(vip.ms, 0);
  results["segment.evaluate.any5.ms"] = round(wide.ms, 0);
  results["segment.stageOnly.rru"] = round(leadsRru, 1);
  notes["segment.evaluate.rru.perCustomer"] =
    `tags contains vip AND lifetimeSpend ≥ 500 over ${CUSTOMERS.toLocaleString("en")} customers (${vip.count.toLocaleString("en")} members): ${round(vip.rru, 0)} RRU, ` +
    `eventually consistent Queries of the six stage partitions; profiles average ${Math.round(profileBytes)} bytes as JSON`;
  notes["segment.evaluate.ms"] = `median of ${RUNS} full evaluations on DynamoDB Local on this machine`;
  notes["segment.evaluate.any5.ms"] =
    `any of five conditions (RFM, opened in 30 days, consent, country, orders): ${wide.count.toLocaleString("en")} members, ${round(wide.rru, 0)} RRU`;
  notes["segment.stageOnly.rru"] =
    `stage = lead (${leads.items.length} on the page): count from the stage counter and one page of 25 (${round(leadsMs, 0)} ms), no full read`;
  breakdown.push(
    `segments at ${CUSTOMERS.toLocaleString("en")} customers: VIP ${round(vip.rru, 0)} RRU in ${round(vip.ms / 1000, 1)} s; any-of-5 ${round(wide.rru, 0)} RRU in ${round(wide.ms / 1000, 1)} s; stage-only ${round(leadsRru, 1)} RRU`,
  );
  deps.db.destroy();
}
