import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runOutbox } from "../shared/outbox/outbox.ts";
import { useStack } from "./support/stack.ts";

const dataDir = mkdtempSync(join(tmpdir(), "rapport-webhooks-"));
const secretsFile = join(dataDir, "webhooks.json");
// A day of retries in about nine seconds: every wait (and the 24 hours) times 1/10,000.
const stack = useStack({ env: { WEBHOOKS_FILE: secretsFile, CURRENCY: "USD" }, webhookRetryScale: 0.0001 });

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on a port of its own: records what it took, and answers `status()` (503 while "down"). */
async function receiver(status: () => number = () => 200) {
  const received: Received[] = [];
  let refused = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const code = status();
      if (code >= 200 && code < 300) received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      else refused++;
      res.writeHead(code).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    refused: () => refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const servers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function addEndpoint(url: string, events: string[]) {
  const res = await stack.api("/v1/webhooks", { key: stack.adminKey, body: { url, events } });
  expect(res.status).toBe(201);
  return res.body as { webhook: { id: string }; secret: string };
}

/** Verified as a receiver would, with the standardwebhooks library; answers the body. */
function verify(secret: string, r: Received) {
  return new Webhook(secret).verify(r.body, {
    "webhook-id": String(r.headers["webhook-id"]),
    "webhook-timestamp": String(r.headers["webhook-timestamp"]),
    "webhook-signature": String(r.headers["webhook-signature"]),
  }) as { type: string; timestamp: string; data: Record<string, unknown> };
}

/** With a key: the answer names the customer (a public post's does not). */
const lead = (email: string) => stack.api("/v1/leads", { key: stack.leadsKey, body: { email, firstName: "Ada" } });

describe("outbound webhooks", () => {
  let open: Awaited<ReturnType<typeof receiver>>;
  let endpoint: { webhook: { id: string }; secret: string };

  beforeAll(async () => {
    open = await receiver();
    servers.push(open);
    endpoint = await addEndpoint(open.url, ["LeadCaptured", "PurchaseRecorded"]);
  });

  it("keeps the signing secret out of the table and the list, in an owner-only file", async () => {
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(readFileSync(secretsFile, "utf8"))[endpoint.webhook.id]).toBe(endpoint.secret);
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const list = await stack.api("/v1/webhooks", { key: stack.adminKey });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(endpoint.secret);
    expect(list.body.webhooks.map((w: { id: string }) => w.id)).toContain(endpoint.webhook.id);
  });

  it("delivers a new lead as a signed Standard Webhook, with the bus event's id", async () => {
    const res = await lead("webhook-lead@example.com");
    const customerId = res.body.customerId as string;
    await expect.poll(() => open.received.filter((r) => r.body.includes(customerId)).length, { timeout: 10_000 }).toBe(1);
    const delivery = open.received.find((r) => r.body.includes(customerId))!;
    const body = verify(endpoint.secret, delivery);
    expect(body).toEqual({ type: "LeadCaptured", timestamp: expect.any(String), data: { customerId, created: true, consentPending: false } });
    expect(delivery.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const published = stack.bus.events.find((e) => e.type === "LeadCaptured" && e.customerId === customerId)!;
    expect(delivery.headers["webhook-id"]).toBe(published.id);
    // Not subscribed to: no delivery, though the bus has it.
    expect(open.received.some((r) => JSON.parse(r.body).type === "CustomerUpdated")).toBe(false);
  });

  it("delivers a purchase with its amount and the stage change only to who asked for it", async () => {
    const { body } = await lead("webhook-buyer@example.com");
    const customerId = body.customerId as string;
    const purchase = await stack.api("/v1/events", { key: stack.adminKey, body: { customerId, type: "purchase", amount: 42.5, externalId: "ord-wh-1" } });
    expect(purchase.status).toBe(201);
    await expect.poll(() => open.received.filter((r) => r.body.includes(customerId)).length, { timeout: 10_000 }).toBe(2);
    const bought = open.received.map((r) => verify(endpoint.secret, r)).find((b) => b.type === "PurchaseRecorded" && b.data.customerId === customerId);
    expect(bought?.data).toMatchObject({ customerId, amount: 42.5, currency: "USD", eventId: purchase.body.eventId });
    await stack.settleReports();
    expect(stack.bus.events.filter((e) => e.customerId === customerId).map((e) => e.type)).toEqual(["LeadCaptured", "PurchaseRecorded", "StageChanged"]);
  });

  it("delivers an event once however often the stream hands its record over", async () => {
    const record: DynamoDBRecord = {
      eventID: "0b7d2f3c9a6e4d1f8b2a5c7e9d0f1a3b",
      eventName: "INSERT",
      dynamodb: {
        Keys: marshall({ PK: "CUST#cus_01JWEBHOOKREDELIVERY0000000", SK: "TL#2026-12-01T10:00:00.000Z#01JWEBHOOKREDELIVERY0000000" }) as never,
        NewImage: marshall({
          PK: "CUST#cus_01JWEBHOOKREDELIVERY0000000",
          SK: "TL#2026-12-01T10:00:00.000Z#01JWEBHOOKREDELIVERY0000000",
          type: "timeline",
          kind: "purchase",
          at: "2026-12-01T10:00:00.000Z",
          data: { eventId: "01JWEBHOOKREDELIVERY0000000", amount: 10, currency: "USD" },
        }) as never,
      },
    };
    for (let i = 0; i < 3; i++) await runOutbox(stack.deps, [record], stack.webhooks);
    await stack.webhooks.idle();
    await new Promise((r) => setTimeout(r, 300));
    expect(open.received.filter((r) => r.headers["webhook-id"] === "evt_0b7d2f3c9a6e4d1f8b2a5c7e9d0f1a3b")).toHaveLength(1);
  });

  it("sends a signed webhook.test event on request and notes it as the last delivery", async () => {
    const res = await stack.api(`/v1/webhooks/${endpoint.webhook.id}/test`, { key: stack.adminKey, method: "POST" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, status: 200, eventType: "webhook.test" });
    const test = open.received.find((r) => r.headers["webhook-id"] === res.body.eventId)!;
    expect(verify(endpoint.secret, test)).toMatchObject({ type: "webhook.test", data: { endpointId: endpoint.webhook.id } });
    const list = await stack.api("/v1/webhooks", { key: stack.adminKey });
    const mine = list.body.webhooks.find((w: { id: string }) => w.id === endpoint.webhook.id);
    expect(mine.lastDelivery).toMatchObject({ ok: true, status: 200, eventType: "webhook.test" });
    expect(mine.deliveries).toBeGreaterThanOrEqual(4);
  });
});

describe("a receiver that is down", () => {
  it("gets every event once it is back, each once, and the failed attempts are counted", async () => {
    let downUntil = Date.now() + 60_000;
    const flaky = await receiver(() => (Date.now() < downUntil ? 503 : 200));
    servers.push(flaky);
    const { webhook, secret } = await addEndpoint(flaky.url, ["LeadCaptured"]);
    const ids: string[] = [];
    for (const email of ["down-1@example.com", "down-2@example.com", "down-3@example.com"]) ids.push((await lead(email)).body.customerId);
    await expect.poll(() => flaky.refused(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    // A minute down on the real schedule; here, back after the first few retries.
    downUntil = Date.now() + 1_000;
    await expect.poll(() => flaky.received.length, { timeout: 15_000 }).toBe(3);
    const customers = flaky.received.map((r) => verify(secret, r).data.customerId).sort();
    expect(customers).toEqual([...ids].sort());
    const list = await stack.api("/v1/webhooks", { key: stack.adminKey });
    const mine = list.body.webhooks.find((w: { id: string }) => w.id === webhook.id);
    expect(mine).toMatchObject({ deliveries: 3, deadLetters: 0, lastDelivery: { ok: true, status: 200 } });
    expect(mine.failures).toBe(flaky.refused());
  });

  it("dead-letters what still fails after 24 hours of retries, and shows it", async () => {
    const down = await receiver(() => 500);
    servers.push(down);
    const { webhook } = await addEndpoint(down.url, ["LeadCaptured"]);
    const { body } = await lead("never-delivered@example.com");
    await expect.poll(() => stack.bus.events.some((e) => e.type === "LeadCaptured" && e.customerId === body.customerId), { timeout: 10_000 }).toBe(true);
    await expect
      .poll(async () => (await stack.api("/v1/webhooks", { key: stack.adminKey })).body.webhooks.find((w: { id: string }) => w.id === webhook.id).deadLetters, {
        timeout: 20_000,
      })
      .toBe(1);
    const mine = (await stack.api("/v1/webhooks", { key: stack.adminKey })).body.webhooks.find((w: { id: string }) => w.id === webhook.id);
    // Every attempt failed, and was counted: as many as fit in the (scaled) day, at most the schedule's eleven.
    expect(mine.recentDeadLetters).toEqual([
      { at: expect.any(String), eventId: expect.stringMatching(/^evt_/), eventType: "LeadCaptured", attempts: mine.failures, lastError: "HTTP 500" },
    ]);
    expect(mine.failures).toBeGreaterThanOrEqual(8);
    expect(mine.failures).toBeLessThanOrEqual(11);
    expect(down.refused()).toBe(mine.failures);
  });
});

describe("webhook endpoints are the owner's", () => {
  it("refuses a leads key and names bad fields", async () => {
    expect((await stack.api("/v1/webhooks", { key: stack.leadsKey })).status).toBe(403);
    const bad = await stack.api("/v1/webhooks", { key: stack.adminKey, body: { url: "ftp://example.com/x", events: ["Nope"] } });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field)).toContain("events.0");
    const badUrl = await stack.api("/v1/webhooks", { key: stack.adminKey, body: { url: "ftp://example.com/x", events: ["LeadCaptured"] } });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.fields).toEqual([{ field: "url", message: expect.stringContaining("http") }]);
  });

  it("removes an endpoint with its secret; a second removal is a 404", async () => {
    const { webhook } = await addEndpoint("https://example.com/gone", ["Unsubscribed"]);
    expect((await stack.api(`/v1/webhooks/${webhook.id}`, { key: stack.adminKey, method: "DELETE" })).status).toBe(204);
    expect(JSON.parse(readFileSync(secretsFile, "utf8"))[webhook.id]).toBeUndefined();
    expect((await stack.api(`/v1/webhooks/${webhook.id}`, { key: stack.adminKey, method: "DELETE" })).status).toBe(404);
  });
});

describe("npx rapport webhooks", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  function rapport(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["bin/rapport.ts", ...args], {
        cwd: root,
        env: {
          ...process.env,
          DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"),
          RAPPORT_TABLE: stack.deps.table,
          RAPPORT_DATA_DIR: dataDir,
          PORT: String(stack.port),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  // Four CLI processes, each starting Node and connecting: slow on a busy machine.
  it("add prints the secret alone on the last line; the running stack delivers with it; list, test and remove work", { timeout: 180_000 }, async () => {
    const cli = await receiver();
    servers.push(cli);
    const added = await rapport(["webhooks", "add", cli.url, "--events", "LeadCaptured,Unsubscribed"]);
    expect(added.code).toBe(0);
    const secret = added.stdout.trim().split("\n").at(-1)!;
    expect(secret).toMatch(/^whsec_/);
    expect(added.stderr).not.toContain(secret);
    const id = /\b(wh_[0-9A-Z]{26})\b/.exec(added.stderr)![1]!;

    const { body } = await lead("cli-webhook@example.com");
    await expect.poll(() => cli.received.filter((r) => r.body.includes(body.customerId)).length, { timeout: 10_000 }).toBe(1);
    expect(verify(secret, cli.received.find((r) => r.body.includes(body.customerId))!).type).toBe("LeadCaptured");

    const listed = await rapport(["webhooks", "list"]);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(secret);
    const tested = await rapport(["webhooks", "test", id]);
    expect(tested.code).toBe(0);
    expect(tested.stdout).toMatch(/^delivered evt_test_/);
    expect((await rapport(["webhooks", "add", cli.url, "--events", "Nope"])).code).toBe(2);
    expect((await rapport(["webhooks", "remove", id])).code).toBe(0);
    expect((await rapport(["webhooks", "remove", id])).code).toBe(1);
  });
});
