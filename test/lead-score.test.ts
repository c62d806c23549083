import { randomUUID } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { makeHandler as makeReportsStream } from "../functions/reports-stream.ts";
import { makeHandler as makeSesEvents, type SesEventBridgeEvent } from "../functions/ses-events.ts";
import type { Clock } from "../shared/core/clock.ts";
import { customerPk } from "../shared/entities/customer.ts";
import { TIMELINE_PREFIX } from "../shared/entities/timeline.ts";
import type { SesEvent } from "../shared/mail-feedback/outcomes.ts";
import { useStack } from "./support/stack.ts";

/**
 * The lead score through HTTP: a form post, a key-page visit through the tracking endpoint, an
 * email click from SES, a reply and a purchase each add their weight (by the stream consumer, a
 * moment later); a replayed stream record adds nothing; the score decays at a later clock; the
 * customer list sorts by it; crossing the hot threshold makes one task and a HotLead event.
 */

/** Real time shifted by `offsetDays`: the stream, tokens and TTLs keep working while the test moves the calendar. */
let offsetDays = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetDays * 86_400_000) };

const stack = useStack({
  env: {
    LEAD_SCORE_WEIGHTS: "form=10,page=5,click=3,reply=15,purchase=25",
    LEAD_SCORE_HALF_LIFE_DAYS: "30",
    LEAD_SCORE_KEY_PAGES: "/pricing,/demo",
    LEAD_SCORE_HOT_THRESHOLD: "50",
  },
  deps: { clock },
});

const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
let n = 0;
const unique = (name: string) => `${name}.${++n}.${randomUUID().slice(0, 8)}@example.com`;
const newVisitor = () => `visitor${String(++n).padStart(4, "0")}${Math.random().toString(36).slice(2, 12)}`.padEnd(22, "x");

async function lead(body: Record<string, unknown>): Promise<string> {
  const res = await stack.api("/v1/leads", { body, key: stack.leadsKey });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body.customerId;
}

async function record(body: Record<string, unknown>) {
  const res = await stack.api("/v1/events", { body, key: stack.adminKey });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
}

const purchase = (customerId: string, externalId = randomUUID()) =>
  record({ type: "purchase", customerId, amount: 20, currency: "USD", product: "Notebook", externalId });

async function pageView(visitorId: string, path: string) {
  const res = await fetch(`${stack.url}/v1/track`, {
    method: "POST",
    headers: { "content-type": "text/plain;charset=UTF-8", "user-agent": BROWSER },
    body: JSON.stringify({ type: "pageview", path, visitorId }),
  });
  expect(res.status).toBe(202);
}

async function view(id: string) {
  const res = await stack.api(`/v1/customers/${id}`, { key: stack.adminKey });
  expect(res.status).toBe(200);
  return res.body;
}

const scoreOf = async (id: string) => (await view(id)).leadScore?.score ?? 0;

/** An SES click as the configuration set's EventBridge destination delivers it. */
function click(to: string, customerId: string): SesEventBridgeEvent {
  const messageId = `0100018e-${randomUUID()}-000000`;
  const at = clock.now().toISOString();
  const detail = {
    eventType: "Click",
    mail: {
      timestamp: at,
      source: "Fjord Coffee <hello@example.com>",
      messageId,
      destination: [to],
      headersTruncated: false,
      commonHeaders: { from: ["Fjord Coffee <hello@example.com>"], to: [to], messageId, subject: "News" },
      tags: { "ses:configuration-set": ["rapport"], campaign: ["newsletter"], customer: [customerId], occurrence: ["2027-01"] },
    },
    click: { timestamp: at, link: "https://shop.example/pricing", ipAddress: "198.51.100.4", userAgent: BROWSER },
  } as unknown as SesEvent;
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Email Clicked",
    source: "aws.ses",
    account: "123456789012",
    time: at,
    region: "eu-west-1",
    resources: [],
    detail,
  };
}

describe("the lead score", () => {
  it("adds a form post, a key-page visit, an email click, a reply and a purchase by their weights, broken down by source", async () => {
    const email = unique("ada");
    const visitorId = newVisitor();
    await pageView(visitorId, "/");
    const id = await lead({ email, firstName: "Ada", visitorId });
    await expect.poll(() => scoreOf(id), { timeout: 10_000 }).toBeCloseTo(10, 0);

    await pageView(visitorId, "/pricing/teams");
    await pageView(visitorId, "/blog");
    await expect.poll(() => scoreOf(id), { timeout: 10_000 }).toBeCloseTo(15, 0);
    // The same key page again in the same visit is not another 5.
    await pageView(visitorId, "/pricing");
    expect(await makeSesEvents(stack.deps)(click(email, id))).toBe("recorded");
    await record({ type: "email_reply", customerId: id, text: "Sounds good, send me a quote." });
    await purchase(id);
    await expect.poll(() => scoreOf(id), { timeout: 10_000 }).toBeCloseTo(58, 0);

    const score = (await view(id)).leadScore;
    expect(score.breakdown).toEqual({ form: 10, page: 5, click: 3, reply: 15, purchase: 25 });
    expect(score.hot).toBe(true);
    expect(score.threshold).toBe(50);
    expect(score.recent.map((r: { source: string }) => r.source).sort()).toEqual(["click", "form", "page", "purchase", "reply"]);
    expect(score.trend.change).toBeCloseTo(58, 0);
  });

  it("counts a replayed stream record once", async () => {
    const id = await lead({ email: unique("replay") });
    await expect.poll(() => scoreOf(id), { timeout: 10_000 }).toBeCloseTo(10, 0);
    // The form's timeline entry, delivered to the consumer again as the stream would redeliver it.
    const entries = await stack.deps.db.send(
      new QueryCommand({
        TableName: stack.deps.table,
        KeyConditionExpression: "PK = :pk AND begins_with(SK, :tl)",
        ExpressionAttributeValues: { ":pk": customerPk(id), ":tl": TIMELINE_PREFIX },
      }),
    );
    const entry = entries.Items!.find((e) => e.kind === "form_submitted")!;
    const replay: DynamoDBRecord = {
      eventID: randomUUID(),
      eventName: "INSERT",
      dynamodb: {
        Keys: marshall({ PK: entry.PK, SK: entry.SK }) as Record<string, AttributeValue> as never,
        NewImage: marshall(entry, { removeUndefinedValues: true }) as never,
      },
    };
    const consumer = makeReportsStream(stack.deps);
    await consumer({ Records: [replay] });
    await consumer({ Records: [replay, replay] });
    expect(await scoreOf(id)).toBeCloseTo(10, 0);
    expect((await view(id)).leadScore.recent).toHaveLength(1);
  });

  it("decays with the clock: half after the half-life, read without any write", async () => {
    const id = await lead({ email: unique("decay") });
    await purchase(id);
    await expect.poll(() => scoreOf(id), { timeout: 10_000 }).toBeCloseTo(35, 0);
    offsetDays = 30;
    try {
      expect(await scoreOf(id)).toBeCloseTo(17.5, 0);
      const score = (await view(id)).leadScore;
      expect(score.breakdown.purchase).toBeCloseTo(12.5, 0);
      expect(score.hot).toBe(false);
    } finally {
      offsetDays = 0;
    }
  });

  it("sorts the customer list by score, highest first, a page at a time", async () => {
    const low = await lead({ email: unique("low") });
    const mid = await lead({ email: unique("mid") });
    const high = await lead({ email: unique("high") });
    await purchase(mid);
    await purchase(high);
    await record({ type: "email_reply", customerId: high, text: "Yes please" });
    await expect.poll(() => scoreOf(high), { timeout: 10_000 }).toBeCloseTo(50, 0);
    await expect.poll(() => scoreOf(mid), { timeout: 10_000 }).toBeCloseTo(35, 0);
    await expect.poll(() => scoreOf(low), { timeout: 10_000 }).toBeCloseTo(10, 0);

    const all = await stack.api("/v1/customers?sort=leadScore&limit=100", { key: stack.adminKey });
    expect(all.status).toBe(200);
    const scores = all.body.items.map((c: { leadScore: number }) => c.leadScore);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const order = all.body.items.map((c: { id: string }) => c.id).filter((i: string) => [low, mid, high].includes(i));
    expect(order).toEqual([high, mid, low]);

    // Page by page, the same order.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await stack.api(
        `/v1/customers?sort=leadScore&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        { key: stack.adminKey },
      );
      paged.push(...res.body.items.map((c) => c.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.body.items.map((c: { id: string }) => c.id));

    // The plain list shows the score too.
    const plain = await stack.api(`/v1/customers?email=${encodeURIComponent((await view(high)).email)}`, { key: stack.adminKey });
    expect(plain.body.items[0].leadScore).toBeCloseTo(50, 0);

    const mixed = await stack.api("/v1/customers?sort=leadScore&stage=lead", { key: stack.adminKey });
    expect(mixed.status).toBe(400);
    expect(mixed.body.fields.map((f: { field: string }) => f.field)).toEqual(["sort"]);
  });

  it("makes one hot lead task and one HotLead event when a lead's score crosses the threshold, not again while it stays hot", async () => {
    const id = await lead({ email: unique("hot"), firstName: "Hana" });
    const reply = () => record({ type: "email_reply", customerId: id, text: "When can you deliver?" });
    await reply();
    await reply();
    await expect.poll(() => scoreOf(id), { timeout: 10_000 }).toBeCloseTo(40, 0);
    const tasks = async () => (await stack.api(`/v1/tasks?customerId=${id}`, { key: stack.adminKey })).body.items as { title: string }[];
    expect(await tasks()).toEqual([]);

    await reply();
    await expect.poll(async () => (await tasks()).map((t) => t.title), { timeout: 10_000 }).toEqual(["Hot lead: reach out to Hana"]);
    await expect.poll(() => stack.bus.events.filter((e) => e.type === "HotLead" && e.customerId === id).length, { timeout: 10_000 }).toBe(1);

    // More points while hot: no second task.
    await reply();
    await expect.poll(() => scoreOf(id), { timeout: 10_000 }).toBeCloseTo(70, 0);
    await stack.settleReports();
    expect(await tasks()).toHaveLength(1);

    // Two months on it has cooled down to 17.5; rising over 50 again is a new crossing.
    offsetDays = 60;
    try {
      expect(await scoreOf(id)).toBeCloseTo(17.5, 0);
      await reply();
      await reply();
      await reply();
      await expect.poll(async () => (await tasks()).length, { timeout: 10_000 }).toBe(2);
    } finally {
      offsetDays = 0;
    }
  });

  it("ranks a buyer by score but makes no hot lead task for purchases", async () => {
    const id = await lead({ email: unique("buyer") });
    await purchase(id);
    await purchase(id);
    await expect.poll(() => scoreOf(id), { timeout: 10_000 }).toBeCloseTo(60, 0);
    expect((await view(id)).leadScore.hot).toBe(true);
    await stack.settleReports();
    expect((await stack.api(`/v1/tasks?customerId=${id}`, { key: stack.adminKey })).body.items).toEqual([]);
  });
});
