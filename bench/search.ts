/**
 * Customer search (`GET /v1/customers?q=`) at 100,000 customers: read units per query and latency
 * (p50/p95) of typed queries of every kind, on DynamoDB Local.
 *
 * The table holds the index items the stream consumer would have written for 100,000 customers
 * with the demo seed's names, companies, email addresses and phone numbers (their words come from
 * the same `searchWrites` the consumer applies), written straight to the table. Queries are the
 * beginnings of words that exist: two to six letters of a given name, a family name, a company,
 * an email's local part, four to seven digits of a phone number, and two-word queries.
 */
import { randomUUID } from "node:crypto";
import { startDynamo } from "../local/dynamo.ts";
import { ensureTable } from "../local/table.ts";
import { fixedClock } from "../shared/core/clock.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { searchCustomers, searchWrites, wordsOf } from "../shared/customers/search.ts";
import { DEMO_COUNTRIES, DEMO_EMAIL_DOMAINS } from "../shared/demo/data.ts";
import { mulberry32 } from "../shared/demo/seed.ts";
import { customerKey } from "../shared/entities/customer.ts";
import { billedUnits, instrument } from "./meter.ts";
import { type Report, writeAll } from "./sweep.ts";

const CUSTOMERS = 100_000;
const QUERIES = 300;
const PAGE = 25;

export const SEARCH_BUDGETS: Record<string, number> = { "search.rru.perQuery": 5, "search.p95.ms": 100 };

export interface SearchResources {
  dynamo?: { stop(): Promise<void> };
}

/** The n-th bench customer's profile (name, company, email, phone, stage) as stored, from the demo seed's data. */
export function benchProfile(n: number, random: () => number): Record<string, unknown> {
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  const country = pick(DEMO_COUNTRIES);
  const female = random() < 0.5;
  const given = pick(female ? country.female : country.male);
  const family = pick(country.family);
  const id = `cus_srch${String(n).padStart(8, "0")}`;
  const local = `${given.roman}.${family.roman}${n % 97 === 0 ? "" : n}`.toLowerCase().replace(/[^a-z0-9.]/g, "");
  return {
    ...customerKey(id),
    id,
    email: `${local}@${pick(DEMO_EMAIL_DOMAINS)}`,
    firstName: given.native,
    lastName: family.native,
    ...(random() < 0.3 ? { company: pick(country.companies) } : {}),
    ...(random() < 0.3 && country.phone ? { phone: country.phone((k) => Math.floor(random() * k)) } : {}),
    stage: pick(["lead", "customer", "loyal", "at_risk"]),
    createdAt: "2026-01-01T00:00:00.000Z",
  };
}

/**
 * The search index items the stream consumer would write for these profiles (the same
 * `searchWrites`), to be written straight to a table without a stream: the bench loads the index
 * directly rather than through the stream, which on DynamoDB Local would take far longer.
 */
export function searchIndexItems(profiles: Record<string, unknown>[]): Record<string, unknown>[] {
  return profiles.flatMap((p) => searchWrites(undefined, p).flatMap((w) => ("PutRequest" in w ? [w.PutRequest.Item] : [])));
}

/** A query someone would type for this customer: the beginning of one or two of their words. */
function queryFor(p: Record<string, unknown>, random: () => number): string {
  const prefix = (w: string) => [...w].slice(0, Math.min([...w].length, 2 + Math.floor(random() * 5))).join("");
  const kind = random();
  if (kind < 0.1 && typeof p.phone === "string")
    return String(p.phone)
      .replace(/\D/g, "")
      .slice(-4 - Math.floor(random() * 4));
  if (kind < 0.35) return prefix(wordsOf(String(p.firstName))[0] ?? "an");
  if (kind < 0.6) return prefix(wordsOf(String(p.lastName))[0] ?? "be");
  if (kind < 0.75) return prefix(wordsOf(String(p.email).split("@")[0])[0] ?? "ma");
  if (kind < 0.85 && typeof p.company === "string") return prefix(wordsOf(p.company)[0] ?? "co");
  return `${prefix(wordsOf(String(p.firstName))[0] ?? "an")} ${prefix(wordsOf(String(p.lastName))[0] ?? "be")}`;
}

export async function searchFigures(report: Report, resources: SearchResources): Promise<void> {
  const { results, notes, breakdown, log } = report;
  log("starting DynamoDB Local (in memory) for search ...");
  const dynamo = await startDynamo();
  resources.dynamo = dynamo;
  const table = `rapport-bench-search-${randomUUID().slice(0, 8)}`;
  await ensureTable(dynamo.endpoint, table, { stream: false });
  const deps = depsFromEnv({ TABLE_NAME: table, DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_REGION: "us-east-1", TOKEN_SECRET: "bench" });
  deps.clock = fixedClock(new Date("2026-11-01T12:00:00Z"));
  const random = mulberry32(42);
  const profiles = Array.from({ length: CUSTOMERS }, (_, n) => benchProfile(n, random));
  const items = searchIndexItems(profiles);
  log(`writing the search index of ${CUSTOMERS.toLocaleString("en")} customers (${items.length.toLocaleString("en")} word items) ...`);
  const started = performance.now();
  await writeAll(deps.db, table, items);
  log(`  written in ${Math.round((performance.now() - started) / 100) / 10} s`);

  const meter = instrument(deps.db);
  const queries = Array.from({ length: QUERIES }, () => queryFor(profiles[Math.floor(random() * profiles.length)]!, random));
  for (const q of queries.slice(0, 20)) await searchCustomers(deps, { q, limit: PAGE }); // warm-up
  const from = meter.calls.length;
  const times: number[] = [];
  let found = 0;
  const slow: { q: string; ms: number; calls: number }[] = [];
  for (const q of queries) {
    const calls = meter.calls.length;
    const t = performance.now();
    const page = await searchCustomers(deps, { q, limit: PAGE });
    const ms = performance.now() - t;
    times.push(ms);
    slow.push({ q, ms, calls: meter.calls.length - calls });
    if (page.items.length > 0) found++;
  }
  const rru = meter.calls.slice(from).reduce((sum, call) => sum + billedUnits(call).rru, 0);
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  results["search.rru.perQuery"] = Math.round((rru / QUERIES) * 100) / 100;
  results["search.p50.ms"] = Math.round(at(0.5) * 10) / 10;
  results["search.p95.ms"] = Math.round(at(0.95) * 10) / 10;
  results["search.indexItems.perCustomer"] = Math.round((items.length / CUSTOMERS) * 10) / 10;
  notes["search.rru.perQuery"] =
    `${QUERIES} typed queries (2–6 letters of a word, phone digits, two words) at ${CUSTOMERS.toLocaleString("en")} customers, pages of ${PAGE}; ${found} found someone`;
  notes["search.p95.ms"] = `p50 ${results["search.p50.ms"]} ms; DynamoDB Local on this machine`;
  // The slowest queries, by shape (the words' lengths, not the words), with their round trips.
  const shape = (q: string) =>
    q
      .split(/\s+/)
      .map((w) => (/^\d+$/.test(w) ? `${w.length} digits` : `${[...w].length} letters`))
      .join(" + ");
  breakdown.push(
    "Slowest search queries (shape, ms, Query round trips):",
    ...slow
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 8)
      .map((x) => `  ${shape(x.q).padEnd(28)} ${x.ms.toFixed(1).padStart(7)} ms  ${x.calls}`),
  );
  deps.db.destroy();
}
