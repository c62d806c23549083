import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { customerPk } from "../shared/entities/customer.ts";
import { type TestStack, useStack } from "./support/stack.ts";

/**
 * A simulated 120 days for a small population, driven the way an operator would: leads through
 * the form API, purchases through the events API, a sweep a day through POST /v1/sweeps with a
 * simulated instant, mail read back from SES local.
 */
const stack = useStack();

const DAY = 24 * 3600 * 1000;
const T0 = Date.parse("2027-01-04T00:00:00Z");
const day = (n: number, time = "10:00") => new Date(T0 + n * DAY + (Number(time.slice(0, 2)) * 60 + Number(time.slice(3))) * 60_000).toISOString();
const birthdayOn = (n: number) => `1990-${day(n).slice(5, 10)}`;

async function lead(s: TestStack, body: Record<string, unknown>): Promise<string> {
  const res = await s.api("/v1/leads", { key: s.leadsKey, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.customerId;
}

async function purchase(s: TestStack, customerId: string, at: string, amount: number, ref: string) {
  const res = await s.api("/v1/events", { key: s.adminKey, body: { type: "purchase", customerId, at, amount, externalId: ref } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function sweep(s: TestStack, at: string) {
  const res = await s.api("/v1/sweeps", { key: s.adminKey, body: { at } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { due: number; enqueued: number; stageChanges: number; deferred: number };
}

async function ledger(s: TestStack, customerId: string) {
  const res = await s.deps.db.send(
    new QueryCommand({
      TableName: s.deps.table,
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :p)",
      ExpressionAttributeValues: { ":pk": customerPk(customerId), ":p": "SEND#" },
    }),
  );
  return (res.Items ?? []).map((i) => ({
    campaignId: i.campaignId as string,
    occurrence: i.occurrence as string,
    status: i.status as string,
    sentAt: i.sentAt as string,
  }));
}

describe("120 days of retention campaigns", () => {
  it("sends exactly the expected emails per customer, and re-running every sweep sends nothing new", async () => {
    const ada = await lead(stack, {
      email: "ada@example.no",
      firstName: "Ada",
      locale: "nb-NO",
      timezone: "Europe/Oslo",
      birthday: birthdayOn(40),
      consent: "yes",
    });
    const bao = await lead(stack, { email: "bao@example.cn", firstName: "宝", locale: "zh-CN", timezone: "Asia/Shanghai", birthday: birthdayOn(30) });
    const citra = await lead(stack, { email: "citra@example.id", firstName: "Citra", locale: "id", timezone: "Asia/Jakarta", consent: "yes" });
    const dan = await lead(stack, { email: "dan@example.com", firstName: "Dan", consent: "yes" });
    const eve = await lead(stack, { email: "eve@example.com", firstName: "Eve", consent: "yes" });

    const purchases: Record<number, [string, number][]> = {
      1: [[citra, 40]],
      2: [[ada, 120]],
      3: [[dan, 15]],
      5: [[bao, 60]],
      50: [[ada, 200]],
    };
    const sweepTimes: string[] = [];
    for (let n = 0; n <= 120; n++) {
      for (const [id, amount] of purchases[n] ?? []) await purchase(stack, id, day(n, "09:00"), amount, `order-${id}-${n}`);
      sweepTimes.push(day(n));
      await sweep(stack, day(n));
      if (n === 4) {
        // Dan unsubscribes with one click from the thank-you mail's List-Unsubscribe header.
        const [thanks] = await stack.mailsTo("dan@example.com");
        const header = thanks!.headers!.find((h) => h.name.toLowerCase() === "list-unsubscribe")!.value;
        const url = /<(http[^>]+)>/.exec(header)![1]!;
        const res = await fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
        expect(res.status).toBe(200);
      }
    }

    const expected: Record<string, string[]> = {
      [ada]: ["birthday", "feedback-request", "spend-milestone", "thank-you"],
      [bao]: ["feedback-request", "thank-you"],
      [citra]: ["feedback-request", "thank-you", "win-back"],
      [dan]: ["thank-you"],
      [eve]: [],
    };
    for (const [id, campaigns] of Object.entries(expected)) {
      const sent = (await ledger(stack, id)).filter((l) => l.status === "sent");
      expect(sent.map((l) => l.campaignId).sort(), id).toEqual(campaigns);
    }
    const addresses = ["ada@example.no", "bao@example.cn", "citra@example.id", "dan@example.com", "eve@example.com"];
    const mails = (await Promise.all(addresses.map((a) => stack.mailsTo(a)))).map((m) => m.length);
    expect(mails).toEqual([4, 2, 3, 1, 0]);

    // When each went out: thank-you on purchase day, feedback 7 days later, the birthday on the day.
    const adaLedger = Object.fromEntries((await ledger(stack, ada)).map((l) => [l.campaignId, l.sentAt.slice(0, 10)]));
    expect(adaLedger).toEqual({
      "thank-you": day(2).slice(0, 10),
      "feedback-request": day(9).slice(0, 10),
      birthday: day(40).slice(0, 10),
      "spend-milestone": day(50).slice(0, 10),
    });
    const citraView = (await stack.api(`/v1/customers/${citra}`, { key: stack.adminKey })).body;
    expect(citraView.stage).toBe("at_risk");
    expect(citraView.recentTimeline.some((e: { type: string; data?: { to?: string } }) => e.type === "stage_changed" && e.data?.to === "at_risk")).toBe(true);

    // Templates follow the customer's language.
    const [adaThanks] = (await stack.mailsTo("ada@example.no")).sort((a, b) => a.at - b.at);
    const [baoThanks] = (await stack.mailsTo("bao@example.cn")).sort((a, b) => a.at - b.at);
    expect(adaThanks!.body.html).toContain('lang="nb"');
    expect(baoThanks!.body.html).toContain('lang="zh"');

    // Marketing mail carries one-click unsubscribe headers.
    const birthdayMail = (await stack.mailsTo("ada@example.no")).find(
      (m) => m.body.html?.includes("lang") && m.headers?.some((h) => h.name === "List-Unsubscribe-Post"),
    );
    expect(birthdayMail?.headers?.find((h) => h.name === "List-Unsubscribe-Post")?.value).toBe("List-Unsubscribe=One-Click");

    // Every sweep again: nothing new.
    const before = (await Promise.all(addresses.map((a) => stack.mailsTo(a)))).map((m) => m.length);
    for (const at of sweepTimes) {
      const result = await sweep(stack, at);
      expect(result.enqueued, at).toBe(0);
    }
    const after = (await Promise.all(addresses.map((a) => stack.mailsTo(a)))).map((m) => m.length);
    expect(after).toEqual(before);
    expect(stack.queue.deadLetters).toEqual([]);

    // The domain events of all this, as they went on the bus: ids and facts, never an address or a name.
    const types = new Set(stack.bus.events.map((e) => e.type));
    for (const type of ["LeadCaptured", "PurchaseRecorded", "StageChanged", "EmailSent", "Unsubscribed"]) expect(types, type).toContain(type);
    const published = JSON.stringify(stack.bus.events);
    expect(published).not.toMatch(/@|Ada|Citra|宝/);
    expect(stack.bus.events.every((e) => /^cus_/.test(e.customerId))).toBe(true);
    // 121 simulated days, each a sweep and its sends, and all of them again: minutes when the machine is busy.
  }, 180_000);
});

describe("dates and dry runs", () => {
  const s = useStack();

  it("dates not on the calendar are refused with a 400 naming the field, and nothing runs", async () => {
    const id = await lead(s, { email: "dates@example.com" });
    const cases: [string, { method?: string; body?: unknown }, string][] = [
      ["/v1/sweeps", { body: { at: "2027-02-30T10:00:00Z" } }, "at"],
      ["/v1/events", { body: { type: "purchase", customerId: id, amount: 10, at: "2027-02-29T10:00:00Z" } }, "at"],
      [`/v1/customers/${id}`, { method: "PATCH", body: { nextContactAt: "2027-04-31T09:00:00Z" } }, "nextContactAt"],
      ["/v1/reports/funnel?from=2027-02-30", {}, "from"],
      ["/v1/reports/segments?at=2027-13-01T00:00:00Z", {}, "at"],
    ];
    for (const [path, init, field] of cases) {
      const res = await s.api(path, { key: s.adminKey, ...init } as Parameters<TestStack["api"]>[1]);
      expect(res.status, path).toBe(400);
      expect(
        res.body.fields.map((f: { field: string }) => f.field),
        path,
      ).toContain(field);
    }
    const view = await s.api(`/v1/customers/${id}`, { key: s.adminKey });
    expect(view.body.orders ?? 0).toBe(0);
    expect(s.queue.deadLetters).toEqual([]);
  });

  it("a dry run names exactly the sends and stage changes the sweep at the same instant then makes", async () => {
    const { planSweep } = await import("../shared/retention/sweep.ts");
    const ana = await lead(s, { email: "ana@example.id", firstName: "Ana", locale: "id-ID", consent: "yes" });
    const ben = await lead(s, { email: "ben@example.com", firstName: "Ben", consent: "yes" });
    await purchase(s, ana, "2027-04-15T08:00:00Z", 40, "dry-1");
    await purchase(s, ben, "2026-11-01T08:00:00Z", 30, "dry-2");
    // Ben's last activity is his form post today: by mid-April he is past 90 idle days, not 180.
    const at = "2027-04-15T12:00:00Z";
    const plan = await planSweep(s.deps, new Date(at));
    expect(plan.sends.filter((p) => p.customerId === ana)).toEqual([
      expect.objectContaining({ campaignId: "thank-you", to: "ana@example.id", language: "id" }),
    ]);
    expect(plan.stageChanges.filter((c) => c.customerId === ben)).toEqual([{ customerId: ben, from: "customer", to: "at_risk" }]);
    // The dry run wrote nothing: the same plan again.
    expect(await planSweep(s.deps, new Date(at))).toEqual(plan);

    const result = await sweep(s, at);
    expect(result).toMatchObject({ due: plan.due, enqueued: plan.sends.length, stageChanges: plan.stageChanges.length, deferred: plan.deferred });
    await s.queue.drain();
    expect((await ledger(s, ana)).map((l) => [l.campaignId, l.status])).toEqual([["thank-you", "sent"]]);
    const view = await s.api(`/v1/customers/${ben}`, { key: s.adminKey });
    expect(view.body.stage).toBe("at_risk");
  });
});
