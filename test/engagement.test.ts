import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import type { SesEventBridgeEvent } from "../functions/ses-events.ts";
import { makeHandler } from "../functions/ses-events.ts";
import type { Clock } from "../shared/core/clock.ts";
import { getCustomerItem } from "../shared/customers/repository.ts";
import { customerPk } from "../shared/entities/customer.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, SHOTS, seriousViolations, settled, VIEWPORTS } from "./support/browser.ts";
import { type TestStack, useStack } from "./support/stack.ts";

/**
 * Engagement with marketing mail, through HTTP and the SES event path: the open streak
 * (opens_without_clicks) and the sunset (one re-permission email, then marketing stops).
 * One clock for the whole stack, moved by the test, so links, SES events and sweeps agree on "now".
 */
let current = new Date("2027-03-01T08:00:00Z");
const clock: Clock = { now: () => new Date(current) };
const DAY = 86_400_000;
const day = (n: number, time = "12:00") => new Date(Date.parse(`2027-03-01T${time}:00Z`) + n * DAY).toISOString();

const stack = useStack({ deps: { clock }, env: { SUNSET_DAYS: "30", SUNSET_GRACE_DAYS: "7" } });
const ses = (event: SesEventBridgeEvent) => makeHandler(stack.deps)(event);

interface Send {
  campaignId: string;
  occurrence: string;
  kind: string;
  status: string;
  messageId?: string;
  sentAt?: string;
}

async function lead(s: TestStack, email: string, at: string): Promise<string> {
  current = new Date(at);
  const res = await s.api("/v1/leads", { key: s.leadsKey, body: { email, firstName: "Ola", consent: "yes" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.customerId;
}

async function purchase(s: TestStack, customerId: string, at: string) {
  current = new Date(at);
  const res = await s.api("/v1/events", { key: s.adminKey, body: { type: "purchase", customerId, amount: 20, at } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function sweep(s: TestStack, at: string) {
  current = new Date(at);
  const res = await s.api("/v1/sweeps", { key: s.adminKey, body: { at } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { enqueued: number };
}

async function sends(s: TestStack, customerId: string): Promise<Send[]> {
  const res = await s.deps.db.send(
    new QueryCommand({
      TableName: s.deps.table,
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :p)",
      ExpressionAttributeValues: { ":pk": customerPk(customerId), ":p": "SEND#" },
      ConsistentRead: true,
    }),
  );
  return ((res.Items ?? []) as Send[]).filter((x) => x.status === "sent").sort((a, b) => (a.sentAt! < b.sentAt! ? -1 : 1));
}

const customer = async (id: string) => (await getCustomerItem(stack.deps, id, true))!;

/** An SES open or click event for one sent message, as the configuration set's EventBridge destination delivers it. */
function event(type: "Open" | "Click", to: string, send: Send, customerId: string, at: string, id = randomUUID()): SesEventBridgeEvent {
  const specific =
    type === "Open"
      ? { open: { timestamp: at, userAgent: "Mozilla/5.0", ipAddress: "192.0.2.1" } }
      : { click: { timestamp: at, link: "https://shop.example/new" } };
  return {
    version: "0",
    id,
    "detail-type": type === "Open" ? "Email Opened" : "Email Clicked",
    source: "aws.ses",
    account: "123456789012",
    time: at,
    region: "eu-west-1",
    resources: [],
    detail: {
      eventType: type,
      mail: {
        timestamp: send.sentAt,
        messageId: send.messageId,
        destination: [to],
        tags: { campaign: [send.campaignId], customer: [customerId], occurrence: [send.occurrence], recipient: ["customer"] },
      },
      ...specific,
    },
  } as unknown as SesEventBridgeEvent;
}

/** A marketing mail after every purchase and a receipt (transactional): the mail the tests open and click. */
async function campaigns(s: TestStack) {
  const template = { en: { subject: "News for {{firstName|you}}", text: "Hello. {{unsubscribeUrl}}", html: "<p>Hello. {{unsubscribeUrl}}</p>" } };
  const base = { enabled: true, recipient: "customer", audience: {}, minDaysBetween: 0, templates: template };
  for (const [id, body] of [
    ["news", { ...base, name: "News", kind: "marketing", trigger: { type: "purchase", delayDays: 0 } }],
    ["receipt", { ...base, name: "Receipt", kind: "transactional", trigger: { type: "purchase", delayDays: 0 } }],
  ] as const) {
    const res = await s.api(`/v1/campaigns/${id}`, { method: "PUT", key: s.adminKey, body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  // The streak campaign as any campaign is edited: 2 opens in a row is enough to show it.
  const streak = await s.api("/v1/campaigns/opens-no-clicks", { key: s.adminKey });
  const edited = await s.api("/v1/campaigns/opens-no-clicks", {
    method: "PUT",
    key: s.adminKey,
    body: { ...withoutMeta(streak.body), trigger: { type: "opens_without_clicks", opens: 2 } },
  });
  expect(edited.status, JSON.stringify(edited.body)).toBe(200);
}

function withoutMeta(c: Record<string, unknown>) {
  const { id: _id, isDefault: _d, updatedAt: _u, updatedBy: _b, ...rest } = c;
  return rest;
}

describe("the open streak (opens_without_clicks)", () => {
  it("counts each marketing message once, ignores transactional mail, resets on a click, and its campaign fires once per streak", async () => {
    await campaigns(stack);
    const email = "reader@example.com";
    const id = await lead(stack, email, day(0, "08:00"));
    for (const n of [0, 4, 8]) {
      await purchase(stack, id, day(n, "10:00"));
      await sweep(stack, day(n));
    }
    const all = await sends(stack, id);
    const news = all.filter((x) => x.campaignId === "news");
    const receipt = all.find((x) => x.campaignId === "receipt")!;
    expect(news).toHaveLength(3);
    expect(receipt.kind).toBe("transactional");

    // The first news opened, and the same open delivered twice by EventBridge, and opened again later.
    const first = event("Open", email, news[0]!, id, day(9, "09:00"));
    await ses(first);
    await ses(first);
    await ses(event("Open", email, news[0]!, id, day(9, "10:00")));
    // A transactional mail opened: not part of the streak.
    await ses(event("Open", email, receipt, id, day(9, "11:00")));
    expect((await customer(id)).opensWithoutClick).toBe(1);

    // A click ends the streak.
    await ses(event("Click", email, news[0]!, id, day(9, "12:00")));
    expect((await customer(id)).opensWithoutClick).toBe(0);
    expect((await customer(id)).opensStreakSince).toBeUndefined();

    // Two more marketing messages opened, none clicked: the streak reaches 2 and the customer is due.
    await ses(event("Open", email, news[1]!, id, day(9, "13:00")));
    await ses(event("Open", email, news[2]!, id, day(9, "14:00")));
    const streaking = await customer(id);
    expect(streaking.opensWithoutClick).toBe(2);
    expect(streaking.opensStreakSince).toBe(day(9, "13:00"));
    await sweep(stack, day(12));
    const asked = (await sends(stack, id)).filter((x) => x.campaignId === "opens-no-clicks");
    expect(asked.map((x) => x.occurrence)).toEqual([day(9, "13:00")]);
    const mail = (await stack.mailsTo(email)).find((m) => m.subject === "Are our emails still useful to you?")!;
    expect(mail.body.text).toContain("/v1/preferences?t=");

    // Opening that mail too (marketing, no click) keeps the same streak going: no second send.
    await ses(event("Open", email, asked[0]!, id, day(13, "09:00")));
    expect((await customer(id)).opensWithoutClick).toBe(3);
    await sweep(stack, day(16));
    expect((await sends(stack, id)).filter((x) => x.campaignId === "opens-no-clicks")).toHaveLength(1);
    // Done with this reader: unsubscribed, so the months the next test simulates ask them nothing.
    const off = await stack.api(`/v1/customers/${id}/subscription`, { key: stack.adminKey, body: { marketing: false } });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
  });
});

describe("sunset: no opens or clicks", () => {
  it("asks once, keeps who answers, stops marketing for the silent while transactional mail still goes, and an open lifts it", async () => {
    const before = await repermissionRow();
    const keeper = await lead(stack, "keeper@example.com", day(100, "08:00"));
    const silent = await lead(stack, "silent@example.com", day(100, "08:00"));
    const neverMailed = await lead(stack, "nomail@example.com", day(100, "08:00"));
    gone = await lead(stack, "gone@example.com", day(100, "08:00"));
    for (const id of [keeper, silent, gone]) await purchase(stack, id, day(100, "10:00"));
    await sweep(stack, day(100));
    expect((await customer(silent)).firstMarketingAt).toBe(day(100));

    // 30 days without an open or click after the first marketing mail: the re-permission email, once.
    await sweep(stack, day(129));
    expect((await sends(stack, silent)).map((x) => x.campaignId)).not.toContain("sunset-repermission");
    await sweep(stack, day(130, "13:00"));
    await sweep(stack, day(131, "13:00"));
    for (const id of [keeper, silent]) expect((await sends(stack, id)).filter((x) => x.campaignId === "sunset-repermission")).toHaveLength(1);
    // Nobody who never got a marketing email is asked: their idle clock has not started.
    expect(await sends(stack, neverMailed)).toEqual([]);

    // The keeper presses the button: the GET is a page that changes nothing, the POST keeps them.
    const ask = (await stack.mailsTo("keeper@example.com")).find((m) => m.subject === "Do you still want to hear from us?")!;
    const token = /\/v1\/keep\?t=([A-Za-z0-9_.-]+)/.exec(ask.body.text!)![1]!;
    current = new Date(day(133));
    const page = await stack.api(`/v1/keep?t=${token}`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.body).toContain("Yes, keep me subscribed");
    expect((await customer(keeper)).keptAt).toBeUndefined();
    const kept = await stack.api("/v1/keep", { body: { t: token } });
    expect(kept.body).toEqual({ changed: true, subscribed: true });
    expect((await stack.api("/v1/keep", { body: { t: token } })).body).toEqual({ changed: false, subscribed: true });

    // The grace period (7 days after the email) runs out: marketing stops for the silent one only.
    await sweep(stack, day(138, "14:00"));
    const stopped = await customer(silent);
    expect(stopped.sunsetAt).toBe(day(137, "13:00"));
    expect((await customer(keeper)).sunsetAt).toBeUndefined();
    const view = await stack.api(`/v1/customers/${silent}`, { key: stack.adminKey });
    expect(view.body.engagement).toMatchObject({ sunsetAt: day(137, "13:00"), idleSince: day(100) });

    // A purchase now: the receipt (transactional) goes, the news (marketing) does not.
    await purchase(stack, silent, day(140, "10:00"));
    await sweep(stack, day(140));
    const after = (await sends(stack, silent)).filter((x) => x.sentAt! >= day(140, "00:00")).map((x) => x.campaignId);
    expect(after).toEqual(["receipt"]);

    // An open (of any mail) lifts the sunset: the next purchase brings the news again.
    const receipt = (await sends(stack, silent)).find((x) => x.campaignId === "receipt" && x.sentAt! >= day(140, "00:00"))!;
    current = new Date(day(141, "09:00"));
    await ses(event("Open", "silent@example.com", receipt, silent, day(141, "09:00")));
    expect((await customer(silent)).sunsetAt).toBeUndefined();
    await purchase(stack, silent, day(144, "10:00"));
    await sweep(stack, day(144));
    expect((await sends(stack, silent)).filter((x) => x.sentAt! >= day(144, "00:00")).map((x) => x.campaignId)).toEqual(
      expect.arrayContaining(["news", "receipt"]),
    );

    // The campaign report counts the re-permission emails, the keeps and the sunsets.
    const row = await repermissionRow();
    expect({ sent: row.sent - before.sent, kept: row.kept - before.kept, sunset: row.sunset - before.sunset }).toEqual({ sent: 3, kept: 1, sunset: 2 });
    const segment = await stack.api("/v1/segments/preview", {
      key: stack.adminKey,
      body: { match: "all", conditions: [{ field: "sunset", op: "eq", value: true }] },
    });
    expect(segment.status, JSON.stringify(segment.body)).toBe(200);
    expect(segment.body.count).toBe(1);
  });

  it.skipIf(!HAVE_BROWSER)(
    "the customer page says when marketing stopped and since when nothing was opened, the campaigns page how many were kept and sunset",
    async () => {
      const browser = await launchBrowser();
      const shots = path.join(SHOTS, "..", "engagement");
      mkdirSync(shots, { recursive: true });
      const key = stack.adminKey;
      try {
        for (const viewport of Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[]) {
          const w = await openWatched(browser, viewport);
          await w.page.goto(`${stack.url}/app`);
          await w.page.getByLabel("Admin API key").fill(key);
          await w.page.getByRole("button", { name: "Sign in" }).click();
          await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
          await w.page.goto(`${stack.url}/app#/customers/${gone}`);
          await w.page.getByRole("heading", { level: 2, name: "Email engagement" }).waitFor();
          await settled(w.page);
          await expect.poll(() => w.page.getByText("Sunset on Jul 16, 2027 — no opens or clicks since Jun 9, 2027").count()).toBe(1);
          expect(await seriousViolations(w.page)).toEqual([]);
          await w.page.screenshot({ path: path.join(shots, `customer-sunset-${viewport}.png`), fullPage: true });
          // The campaigns page: who answered the re-permission email, and for whom marketing stopped.
          await w.page.goto(`${stack.url}/app#/campaigns`);
          await w.page.getByRole("heading", { level: 1, name: "Campaigns" }).waitFor();
          await settled(w.page);
          await expect.poll(() => w.page.getByText("Kept subscribed: 1 · Sunset: 2").count()).toBe(1);
          expect(await seriousViolations(w.page)).toEqual([]);
          await w.page.screenshot({ path: path.join(shots, `campaigns-${viewport}.png`), fullPage: true });
          expect(w.problems).toEqual([]);
          await w.context.close();
        }
      } finally {
        await browser.close();
      }
    },
  );
});

let gone = "";

async function repermissionRow(): Promise<{ sent: number; kept: number; sunset: number }> {
  await stack.settleReports();
  const report = await stack.api("/v1/reports/campaigns", { key: stack.adminKey });
  const row = report.body.campaigns.find((c: { id: string }) => c.id === "sunset-repermission");
  return { sent: row.sent, kept: row.repermission?.kept ?? 0, sunset: row.repermission?.sunset ?? 0 };
}
