/**
 * Website tracking: what the snippet weighs on a visitor's page (`track.tjs.gzipBytes`, the built
 * /v1/t.js gzipped) and what a page view costs (`track.pageview.wru`: write units per page view
 * on the request path, averaged over a visit of 5 page views, for an anonymous visitor and for one
 * tied to a customer), on DynamoDB Local without a stream. The stream consumer's writes for a
 * tied visitor (the visit's timeline entry, the customer's interests) are off the request path
 * and reported beside it as `track.pageview.streamWru`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { startDynamo } from "../local/dynamo.ts";
import { ensureTable } from "../local/table.ts";
import { buildApp, SNIPPET_FILE } from "../scripts/build-app.ts";
import { type Clock, fixedClock } from "../shared/core/clock.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { customerKey } from "../shared/entities/customer.ts";
import { visitorKey } from "../shared/entities/visitor.ts";
import { applyTrackingRecords } from "../shared/tracking/stream.ts";
import { tieVisitor } from "../shared/tracking/tie.ts";
import { recordHit } from "../shared/tracking/track.ts";
import { billedUnits, instrument } from "./meter.ts";
import type { Report } from "./sweep.ts";

export const TRACK_BUDGETS: Record<string, number> = { "track.tjs.gzipBytes": 3000, "track.pageview.wru": 1 };

export interface TrackResources {
  dynamo?: { stop(): Promise<void> };
}

const VISITS = 20;
const PAGES = 5;
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const PATHS = ["/", "/shoes", "/shoes/trail-runner-pro-2", "/bags/waxed-canvas-tote", "/checkout/cart"];

export async function trackFigures(report: Report, resources: TrackResources): Promise<void> {
  const { results, notes, log } = report;
  const out = mkdtempSync(path.join(tmpdir(), "rapport-snippet-"));
  try {
    await buildApp(out);
    const snippet = readFileSync(path.join(out, SNIPPET_FILE));
    results["track.tjs.gzipBytes"] = gzipSync(snippet, { level: 9 }).length;
    notes["track.tjs.gzipBytes"] = `GET /v1/t.js as served with Accept-Encoding: gzip (${snippet.length} bytes minified)`;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  log("starting DynamoDB Local (in memory) for tracking ...");
  const dynamo = await startDynamo();
  resources.dynamo = dynamo;
  const table = `rapport-bench-track-${randomUUID().slice(0, 8)}`;
  await ensureTable(dynamo.endpoint, table, { stream: false });
  const deps = depsFromEnv({ TABLE_NAME: table, DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_REGION: "us-east-1", INTEREST_PATHS: "/shoes=shoes,/bags=bags" });
  let now = Date.parse("2026-11-01T10:00:00Z");
  const clock: Clock = { now: () => new Date(now) };
  deps.clock = clock;
  const meter = instrument(deps.db);

  /** Write units of `PAGES` page views a minute apart, per page view. */
  const visit = async (visitorId: string) => {
    const from = meter.calls.length;
    for (const p of PATHS.slice(0, PAGES)) {
      now += 60_000;
      await recordHit(deps, { type: "pageview", path: p, visitorId, interests: p.includes("tote") ? ["leather"] : [] }, BROWSER);
    }
    return meter.calls.slice(from).reduce((sum, call) => sum + billedUnits(call).wru, 0) / PAGES;
  };

  const anonymous: number[] = [];
  const tied: number[] = [];
  for (let i = 0; i < VISITS; i++) {
    anonymous.push(await visit(randomBytes(16).toString("base64url")));
    // A visitor tied to a customer (as a form post does), on a later visit.
    const visitorId = randomBytes(16).toString("base64url");
    const customerId = `cus_BENCH${String(i).padStart(21, "0")}`;
    await deps.db.send(
      new PutCommand({
        TableName: table,
        Item: { ...customerKey(customerId), id: customerId, email: `bench.${i}@example.com`, stage: "lead", createdAt: new Date(now).toISOString() },
      }),
    );
    await tieVisitor({ ...deps, clock: fixedClock(new Date(now)) }, visitorId, customerId);
    now += 3_600_000;
    tied.push(await visit(visitorId));
  }
  const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100;
  results["track.pageview.wru"] = Math.max(mean(anonymous), mean(tied));
  results["track.pageview.anonymous.wru"] = mean(anonymous);
  results["track.pageview.tied.wru"] = mean(tied);
  notes["track.pageview.wru"] =
    `request path, per page view over a visit of ${PAGES} (the larger of anonymous and tied): one consistent GetItem and one UpdateItem of the visitor item`;

  // The stream consumer's writes for a tied visitor's page view (off the request path): a synthetic
  // MODIFY record per page view, as the stream would carry it.
  const visitorId = randomBytes(16).toString("base64url");
  const customerId = `cus_BENCHSTREAM${"0".repeat(15)}`;
  await deps.db.send(
    new PutCommand({
      TableName: table,
      Item: { ...customerKey(customerId), id: customerId, email: "bench.stream@example.com", stage: "lead", createdAt: new Date(now).toISOString() },
    }),
  );
  await tieVisitor(deps, visitorId, customerId);
  let before = (await deps.db.send(new GetCommand({ TableName: table, Key: visitorKey(visitorId), ConsistentRead: true }))).Item;
  const from = meter.calls.length;
  for (const p of PATHS) {
    now += 60_000;
    await recordHit(deps, { type: "pageview", path: p, visitorId }, BROWSER);
    const after = (await deps.db.send(new GetCommand({ TableName: table, Key: visitorKey(visitorId), ConsistentRead: true }))).Item;
    await applyTrackingRecords(deps, [
      {
        eventName: "MODIFY",
        dynamodb: {
          Keys: marshall(visitorKey(visitorId)) as never,
          OldImage: marshall(before!, { removeUndefinedValues: true }) as never,
          NewImage: marshall(after!, { removeUndefinedValues: true }) as never,
        },
      },
    ]);
    before = after;
  }
  const streamWru = meter.calls
    .slice(from)
    .filter((call) => call.command !== "GetItemCommand" && !(call.command === "UpdateItemCommand" && JSON.stringify(call.input?.Key).includes("VISITOR#")))
    .reduce((sum, call) => sum + billedUnits(call).wru, 0);
  results["track.pageview.streamWru"] = Math.round((streamWru / PATHS.length) * 100) / 100;
  notes["track.pageview.streamWru"] = "off the request path, tied visitors only: the visit's timeline entry (a whole-item put) and the customer's interests";
  deps.db.destroy();
}
