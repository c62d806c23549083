/**
 * The dashboard at 100,000 customers: how long each page takes, in headless Chromium on this
 * machine, from the navigation until its main content is rendered and nothing is loading any more
 * (the heading is there, no part is busy, no loading line): `app.interactive.maxMs` is the slowest
 * page's median of three loads.
 *
 * The table holds 100,000 customers (the search bench's profiles, with purchases, spend and a
 * stage each, in the stage index), their search index items and the report counters they add up
 * to, written straight to a table without a stream (as the search bench does); the API is the
 * local stack's, the browser signs in with an admin API key as a person would paste it. Every
 * page in the main navigation is opened with a full page load (the bundle is fetched, parsed and
 * run each time), plus a customer's page and a campaign's.
 */
import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { startDynamo } from "../local/dynamo.ts";
import { type LocalApi, startLocalApi } from "../local/stack.ts";
import { ensureTable } from "../local/table.ts";
import { ensureAppBuilt } from "../scripts/build-app.ts";
import { createApiKey } from "../shared/auth/api-keys.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { mulberry32 } from "../shared/demo/seed.ts";
import { customerKey, stageIndexKey } from "../shared/entities/customer.ts";
import { contributions, emptyCounts, merge } from "../shared/reports/contributions.ts";
import { writeCounters } from "../shared/reports/rebuild.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, settled } from "../test/support/browser.ts";
import { benchProfile, searchIndexItems } from "./search.ts";
import { type Report, writeAll } from "./sweep.ts";

/** `RAPPORT_BENCH_APP_CUSTOMERS` makes a quicker run to try the section out; the figure is for 100,000. */
const CUSTOMERS = Number(process.env.RAPPORT_BENCH_APP_CUSTOMERS) || 100_000;
const LOADS = 3;
const DAY = 86_400_000;
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const NOW = Date.parse("2026-11-01T12:00:00Z");

export const APP_BUDGETS: Record<string, number> = { "app.interactive.maxMs": 1000 };

export interface AppResources {
  dynamo?: { stop(): Promise<void> };
  api?: LocalApi;
  browser?: Browser;
}

/** A bench profile with what the dashboard shows: purchases, spend, activity, the stage index keys. */
function customer(n: number, random: () => number): Record<string, unknown> {
  // A real customer id (the dashboard refuses to open anything else), from the counter.
  let id = "";
  for (let i = 0, k = n; i < 26; i++, k = Math.floor(k / 32)) id = CROCKFORD[k % 32] + id;
  const p: Record<string, unknown> = { ...benchProfile(n, random), ...customerKey(`cus_${id}`), id: `cus_${id}` };
  const stage = String(p.stage);
  const orders = stage === "lead" ? 0 : 1 + Math.floor(random() * (stage === "loyal" ? 8 : 3));
  const lastActivityAt = new Date(NOW - Math.floor(random() * (stage === "at_risk" ? 150 : 80)) * DAY).toISOString();
  const firstPurchaseAt = orders > 0 ? new Date(Date.parse(lastActivityAt) - Math.floor(random() * 200) * DAY).toISOString() : undefined;
  return {
    ...p,
    ...stageIndexKey(stage, lastActivityAt, String(p.id)),
    orders,
    spendMinor: orders * (2000 + Math.floor(random() * 8000)),
    currency: "USD",
    lastActivityAt,
    ...(firstPurchaseAt ? { firstPurchaseAt, lastPurchaseAt: lastActivityAt } : {}),
    updatedAt: lastActivityAt,
  };
}

export async function appFigures(report: Report, resources: AppResources): Promise<void> {
  const { results, notes, breakdown, log } = report;
  if (!HAVE_BROWSER) {
    log("no Chromium at /usr/bin/chromium (CHROMIUM_PATH): the app section is skipped");
    return;
  }
  log("starting DynamoDB Local (in memory) for the dashboard ...");
  const dynamo = await startDynamo();
  resources.dynamo = dynamo;
  const table = `rapport-bench-app-${randomUUID().slice(0, 8)}`;
  await ensureTable(dynamo.endpoint, table, { stream: false });
  const deps = depsFromEnv({ TABLE_NAME: table, DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_REGION: "us-east-1", TOKEN_SECRET: "bench" });

  const random = mulberry32(42);
  const customers = Array.from({ length: CUSTOMERS }, (_, n) => customer(n, random));
  const items = [...customers, ...searchIndexItems(customers)];
  log(`writing ${CUSTOMERS.toLocaleString("en")} customers and their search index (${items.length.toLocaleString("en")} items) ...`);
  const started = performance.now();
  await writeAll(deps.db, table, items);
  // The counters the stream consumer would have kept, summed as `rapport reports rebuild` sums them.
  const counts = emptyCounts();
  for (const c of customers) {
    const { state, history } = contributions(c, { currency: deps.config.currency });
    merge(counts, state);
    merge(counts, history);
  }
  await writeCounters(deps, counts);
  log(`  written in ${Math.round((performance.now() - started) / 100) / 10} s`);
  const { key } = await createApiKey(deps, { scopes: ["admin"], name: "bench" });
  deps.db.destroy();

  await ensureAppBuilt();
  const api = await startLocalApi({
    dynamodbEndpoint: dynamo.endpoint,
    tableName: table,
    sesEndpoint: "http://127.0.0.1:9",
    reportCounters: false,
    sesEvents: false,
    logLevel: "ERROR",
  });
  resources.api = api;
  const browser = await launchBrowser();
  resources.browser = browser;
  const { page } = await openWatched(browser, "laptop");

  log("signing in and opening every page ...");
  await page.goto(`${api.url}/app`);
  await page.getByLabel("Admin API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  await settled(page);
  // Every page of the main navigation (new pages join by being linked there), a customer's and a campaign's.
  const navigation = await page.locator("[data-nav]").evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).getAttribute("href") ?? ""));
  const hashes = [...new Set([...navigation.filter((h) => h.startsWith("#/")), `#/customers/${customers[0]!.id}`, "#/campaigns/birthday"])];

  const perPage: Record<string, number> = {};
  for (const hash of hashes) {
    const times: number[] = [];
    for (let i = 0; i < LOADS + 1; i++) {
      await page.goto("about:blank");
      const t0 = performance.now();
      await page.goto(`${api.url}/app${hash}`);
      await page
        .locator("main h1")
        .waitFor()
        .catch((err) => {
          throw new Error(`${hash}: no heading (${page.url()}): ${(err as Error).message.split("\n")[0]}`);
        });
      await settled(page);
      // The first load warms DynamoDB Local and the API's handlers; it is not counted.
      if (i > 0) times.push(performance.now() - t0);
      if (process.env.RAPPORT_BENCH_APP_TRACE && i === LOADS)
        log(
          `${hash}: ${JSON.stringify(
            await page.evaluate(() => {
              const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
              return {
                doc: Math.round(nav.responseEnd),
                dcl: Math.round(nav.domContentLoadedEventEnd),
                settled: Math.round(performance.now()),
                fetches: performance
                  .getEntriesByType("resource")
                  .map((r) => `${r.name.replace(location.origin, "")} ${Math.round(r.startTime)}+${Math.round(r.duration)}`),
              };
            }),
          )}`,
        );
    }
    times.sort((a, b) => a - b);
    perPage[hash] = Math.round(times[Math.floor(times.length / 2)]!);
  }
  const slowest = Object.entries(perPage).reduce((a, b) => (b[1] > a[1] ? b : a));
  results["app.interactive.maxMs"] = slowest[1];
  notes["app.interactive.maxMs"] =
    `slowest page ${slowest[0]}, median of ${LOADS} full loads each, signed in, ${CUSTOMERS.toLocaleString("en")} customers; headless Chromium on this machine`;
  breakdown.push(
    `Dashboard pages at ${CUSTOMERS.toLocaleString("en")} customers (ms from navigation to content rendered and settled, median of ${LOADS}):`,
    ...Object.entries(perPage).map(([hash, ms]) => `  ${hash.padEnd(48)} ${ms}`),
  );
}

/** Closes what the section opened, in reverse. */
export async function stopAppResources(resources: AppResources): Promise<void> {
  await resources.browser?.close().catch(() => {});
  await resources.api?.close().catch(() => {});
  await resources.dynamo?.stop().catch(() => {});
}
