import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { SesMailer } from "../shared/aws/ses-mailer.ts";
import { customerPk } from "../shared/entities/customer.ts";
import { type TestStack, useStack } from "./support/stack.ts";

async function lead(s: TestStack, body: Record<string, unknown>): Promise<string> {
  const res = await s.api("/v1/leads", { key: s.leadsKey, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.customerId;
}

async function sweep(s: TestStack, at: string) {
  const res = await s.api("/v1/sweeps", { key: s.adminKey, body: { at } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { due: number; enqueued: number; stageChanges: number; deferred: number };
}

async function sends(s: TestStack, customerId: string) {
  const res = await s.deps.db.send(
    new QueryCommand({
      TableName: s.deps.table,
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :p)",
      ExpressionAttributeValues: { ":pk": customerPk(customerId), ":p": "SEND#" },
      ConsistentRead: true,
    }),
  );
  return (res.Items ?? []) as { campaignId: string; occurrence: string; status: string; sentAt?: string }[];
}

describe("birthdays, send windows and the frequency cap", () => {
  const stack = useStack();

  it("a birthday greeting goes out on the customer's local date, even while it is still the day before in UTC", async () => {
    // 10:00 on 15 March in Auckland (UTC+13) is 21:00 on 14 March UTC.
    const id = await lead(stack, { email: "kiri@example.nz", firstName: "Kiri", timezone: "Pacific/Auckland", birthday: "1985-03-15", consent: "yes" });
    await sweep(stack, "2027-03-14T20:00:00Z"); // 09:00 local: not yet 10:00
    expect((await sends(stack, id)).map((s) => s.campaignId)).toEqual([]);
    await sweep(stack, "2027-03-14T21:30:00Z"); // 10:30 local on the 15th; still the 14th in UTC
    expect((await sends(stack, id)).map((s) => `${s.campaignId}:${s.occurrence}`)).toEqual(["birthday:2027"]);
    await sweep(stack, "2027-03-15T21:30:00Z");
    expect(await sends(stack, id)).toHaveLength(1);
  });

  it("marketing due outside the local send window waits for it instead of being dropped", async () => {
    // Tokyo (UTC+9). A purchase at 23:00 local; 90 days later, at 23:00 local, the customer is at risk.
    const id = await lead(stack, { email: "haruto@example.jp", firstName: "陽翔", timezone: "Asia/Tokyo", consent: "yes" });
    await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId: id, amount: 25, at: "2027-01-10T14:00:00Z" } });
    await sweep(stack, "2027-01-10T14:30:00Z"); // thank-you: transactional, any hour
    await sweep(stack, "2027-01-17T14:30:00Z"); // feedback request
    const night = await sweep(stack, "2027-04-10T14:30:00Z"); // 23:30 local: at risk now, win-back must wait
    expect(night.stageChanges).toBe(1);
    expect(night.deferred).toBe(1);
    expect((await sends(stack, id)).map((s) => s.campaignId).sort()).toEqual(["feedback-request", "thank-you"]);
    // The due entry sits at the window's opening: 09:00 local on 11 April = 00:00 UTC.
    const profile = (
      await stack.deps.db.send(
        new QueryCommand({
          TableName: stack.deps.table,
          KeyConditionExpression: "PK = :pk AND SK = :sk",
          ExpressionAttributeValues: { ":pk": customerPk(id), ":sk": "PROFILE" },
        }),
      )
    ).Items![0]!;
    expect(profile.nextDueAt).toBe("2027-04-11T00:00:00.000Z");
    expect((await sweep(stack, "2027-04-10T23:55:00Z")).enqueued).toBe(0); // 08:55 local
    await sweep(stack, "2027-04-11T00:05:00Z"); // 09:05 local
    expect((await sends(stack, id)).map((s) => s.campaignId).sort()).toEqual(["feedback-request", "thank-you", "win-back"]);
    // Only the marketing mail (the win-back) carries the one-click header.
    const oneClick = (await stack.mailsTo("haruto@example.jp")).filter((m) =>
      m.headers?.some((h) => h.name === "List-Unsubscribe-Post" && h.value === "List-Unsubscribe=One-Click"),
    );
    expect(oneClick).toHaveLength(1);
  });

  it("no marketing without consent, and none to an unsubscribed address; transactional mail needs no consent", async () => {
    const quiet = await lead(stack, { email: "noconsent@example.com", firstName: "Nils", birthday: "1980-07-10" });
    await sweep(stack, "2027-07-10T12:00:00Z");
    expect(await sends(stack, quiet)).toEqual([]);
    await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId: quiet, amount: 30, at: "2027-07-11T09:00:00Z" } });
    await sweep(stack, "2027-07-11T12:00:00Z");
    expect((await sends(stack, quiet)).map((s) => s.campaignId)).toEqual(["thank-you"]);
  });

  it("at most one marketing email per three days: a second one due waits for the cap", async () => {
    // At risk and birthday on the same day: the birthday goes, the win-back waits three days.
    const id = await lead(stack, { email: "cap@example.com", firstName: "Cap", birthday: "1990-10-05", consent: "yes" });
    await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId: id, amount: 20, at: "2027-07-07T09:00:00Z" } });
    await sweep(stack, "2027-07-07T12:00:00Z"); // thank-you
    // 90 days of silence later (5 October), the customer is at risk and has a birthday.
    await sweep(stack, "2027-10-05T12:00:00Z");
    const first = (await sends(stack, id)).map((s) => s.campaignId).sort();
    expect(first.filter((c) => c === "birthday" || c === "win-back")).toHaveLength(1);
    await sweep(stack, "2027-10-06T12:00:00Z");
    expect((await sends(stack, id)).length).toBe(first.length);
    await sweep(stack, "2027-10-08T12:30:00Z");
    expect((await sends(stack, id)).map((s) => s.campaignId).sort()).toEqual(
      ["birthday", "feedback-request", "thank-you", "win-back"].filter((c) => c !== "feedback-request" || first.includes(c)).sort(),
    );
  });
});

describe("exactly once when SES fails", () => {
  // The sender's SES client fails on the 3rd call, then recovers; everything else is real.
  const real = new SESv2Client({});
  const client = new SESv2Client({});
  const mock = mockClient(client);
  let calls = 0;
  const stack = useStack({ mailer: new SesMailer({ region: "us-east-1", client }), retryDelayMs: 0 });

  it("a send that fails after its ledger claim is retried by the queue and each due email goes out once", async () => {
    const realSes = new SESv2Client({ region: "aws-ses-v2-local", endpoint: stack.sesUrl, credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    mock.on(SendEmailCommand).callsFake(async (input) => {
      calls++;
      if (calls === 3) throw Object.assign(new Error("Service Unavailable"), { name: "ServiceUnavailable", $fault: "server" });
      return realSes.send(new SendEmailCommand(input));
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await lead(stack, { email: `buyer${i}@example.com`, firstName: `B${i}` });
      await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId: id, amount: 10, at: "2027-02-01T09:00:00Z" } });
      ids.push(id);
    }
    const result = await sweep(stack, "2027-02-01T12:00:00Z");
    expect(result.enqueued).toBe(5);
    expect(calls).toBe(6); // five sends, one of them twice
    for (const [i, id] of ids.entries()) {
      expect((await sends(stack, id)).map((s) => s.status)).toEqual(["sent"]);
      expect(await stack.mailsTo(`buyer${i}@example.com`)).toHaveLength(1);
    }
    // The same sweep again and a stray duplicate message: nothing more.
    await sweep(stack, "2027-02-01T12:00:00Z");
    await stack.queue.enqueue([{ customerId: ids[0]!, campaignId: "thank-you", occurrence: "first", dueAt: "2027-02-01T09:00:00.000Z" }]);
    await stack.queue.drain();
    expect(calls).toBe(6);
    expect(stack.queue.deadLetters).toEqual([]);
    void real;
  });

  it("throttling is retried with backoff inside the sender", async () => {
    let throttled = 0;
    const realSes = new SESv2Client({ region: "aws-ses-v2-local", endpoint: stack.sesUrl, credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    mock.on(SendEmailCommand).callsFake(async (input) => {
      if (throttled < 2) {
        throttled++;
        throw Object.assign(new Error("Maximum sending rate exceeded."), { name: "TooManyRequestsException", $metadata: { httpStatusCode: 429 } });
      }
      return realSes.send(new SendEmailCommand(input));
    });
    const id = await lead(stack, { email: "throttle@example.com" });
    await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId: id, amount: 10, at: "2027-03-01T09:00:00Z" } });
    await sweep(stack, "2027-03-01T12:00:00Z");
    expect(throttled).toBe(2);
    expect((await sends(stack, id)).map((s) => s.status)).toEqual(["sent"]);
  });

  it("a message that keeps failing ends in the dead-letter list after five receives, and its claim can be retried later", async () => {
    mock.on(SendEmailCommand).rejects(Object.assign(new Error("down"), { name: "ServiceUnavailable" }));
    const id = await lead(stack, { email: "dlq@example.com" });
    await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId: id, amount: 10, at: "2027-04-01T09:00:00Z" } });
    await sweep(stack, "2027-04-01T12:00:00Z");
    expect(stack.queue.deadLetters.map((r) => r.customerId)).toEqual([id]);
    expect((await sends(stack, id)).map((s) => s.status)).toEqual(["failed"]);
  });
});

describe("double opt-in", () => {
  const stack = useStack({ env: { DOUBLE_OPT_IN: "true" } });

  it("a form lead that ticks consent gets the confirmation email at once, and consent counts only after the link is clicked", async () => {
    const id = await lead(stack, { email: "doi@example.com", firstName: "Dora", consent: "yes" });
    // LeadCaptured reaches the bus through the table's stream; its rule queues the confirmation.
    await stack.settleReports();
    await stack.queue.drain();
    const [mail] = await stack.mailsTo("doi@example.com");
    expect(mail, "confirmation mail sent without a sweep").toBeDefined();
    let view = (await stack.api(`/v1/customers/${id}`, { key: stack.adminKey })).body;
    expect(view.consent.marketing).toBe(false);
    const link = /(http[^\s"<>]+\/v1\/confirm\?t=[A-Za-z0-9._-]+)/.exec(mail!.body.text ?? mail!.body.html ?? "")![1]!;
    const page = await fetch(link.replaceAll("&amp;", "&"));
    expect(page.status).toBe(200);
    expect((await stack.api(`/v1/customers/${id}`, { key: stack.adminKey })).body.consent.marketing).toBe(false);
    const t = new URL(link.replaceAll("&amp;", "&")).searchParams.get("t")!;
    const res = await fetch(`${stack.url}/v1/confirm`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ t }).toString(),
    });
    expect(res.status).toBe(200);
    view = (await stack.api(`/v1/customers/${id}`, { key: stack.adminKey })).body;
    expect(view.consent.marketing).toBe(true);
    expect(stack.bus.events.filter((e) => e.type === "LeadCaptured").map((e) => e.data?.consentPending)).toEqual([true]);
  });
});

describe("the local scheduler", () => {
  // Sweeps every 0.6 s here; `npm start` sweeps hourly, as the EventBridge rule does.
  const stack = useStack({ sweepIntervalMinutes: 0.01 });

  it("sweeps on its own, handing the sweep handler the schedule rule's event, and the thank-you arrives without anyone asking", async () => {
    const id = await lead(stack, { email: "scheduled@example.com", firstName: "Sam" });
    await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId: id, amount: 12 } });
    // SES local stores the mail a moment before the sender marks its ledger entry sent: wait for both.
    await expect.poll(async () => (await stack.mailsTo("scheduled@example.com")).length, { timeout: 10_000, interval: 200 }).toBe(1);
    await expect
      .poll(async () => (await sends(stack, id)).map((s) => `${s.campaignId}:${s.status}`), { timeout: 10_000, interval: 200 })
      .toEqual(["thank-you:sent"]);
  });
});
