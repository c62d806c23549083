import { describe, expect, it } from "vitest";
import { useStack } from "./support/stack.ts";

const stack = useStack({ env: { LOYAL_ORDERS: "3", LOYAL_SPEND: "500" } });

async function newLead(email: string): Promise<string> {
  const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email } });
  return res.body.customerId;
}

const event = (body: Record<string, unknown>, headers: Record<string, string> = {}) => stack.api("/v1/events", { key: stack.adminKey, body, headers });
const view = async (id: string) => (await stack.api(`/v1/customers/${id}`, { key: stack.adminKey })).body;

describe("POST /v1/events: purchases move the counters and the stage", () => {
  it("lead → customer on the first purchase, → loyal on the third, each change on the timeline", async () => {
    const id = await newLead("journey@example.com");
    const first = await event({ type: "purchase", customerId: id, amount: 19.99, product: "Mug", externalId: "o-1", at: "2026-03-01T10:00:00Z" });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ customerId: id, duplicate: false, stage: "customer" });
    await event({ type: "purchase", customerId: id, amount: 5.01, externalId: "o-2", at: "2026-04-01T10:00:00Z" });
    const third = await event({ type: "purchase", customerId: id, amount: 10, externalId: "o-3", at: "2026-05-01T10:00:00Z" });
    expect(third.body.stage).toBe("loyal");

    const c = await view(id);
    expect(c.stage).toBe("loyal");
    expect(c.metrics).toMatchObject({
      orders: 3,
      lifetimeSpend: 35,
      currency: "USD",
      firstPurchaseAt: "2026-03-01T10:00:00.000Z",
      lastPurchaseAt: "2026-05-01T10:00:00.000Z",
    });
    const changes = c.recentTimeline
      .filter((e: { type: string }) => e.type === "stage_changed")
      .map((e: { data: { from: string; to: string } }) => `${e.data.from}>${e.data.to}`);
    expect(changes.sort()).toEqual(["customer>loyal", "lead>customer"]);
  });

  it("spend over the threshold makes a customer loyal with fewer orders", async () => {
    const id = await newLead("bigspender@example.com");
    const res = await event({ type: "purchase", customerId: id, amount: 650 });
    expect(res.body.stage).toBe("loyal");
  });

  it("a repeated externalId counts once, even when the webhook arrives 10 times at once", async () => {
    const id = await newLead("webhook@example.com");
    const results = await Promise.all(Array.from({ length: 10 }, () => event({ type: "purchase", customerId: id, amount: 42, externalId: "shop-9001" })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200 && r.body.duplicate)).toHaveLength(9);
    const c = await view(id);
    expect(c.metrics.orders).toBe(1);
    expect(c.metrics.lifetimeSpend).toBe(42);
    expect(c.recentTimeline.filter((e: { type: string }) => e.type === "purchase")).toHaveLength(1);
  });

  it("concurrent different purchases for one customer all count (no lost update)", async () => {
    const id = await newLead("rush@example.com");
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => event({ type: "purchase", customerId: id, amount: 10, externalId: `rush-${i}` })));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(201));
    const c = await view(id);
    expect(c.metrics.orders).toBe(12);
    expect(c.metrics.lifetimeSpend).toBe(120);
    expect(c.stage).toBe("loyal");
  });

  it("a backfilled purchase keeps last activity at the latest instant and sorts into its place on the timeline", async () => {
    const id = await newLead("backfill@example.com");
    const before = (await view(id)).metrics.lastActivityAt;
    await event({ type: "purchase", customerId: id, amount: 1, at: "2025-01-01T00:00:00Z" });
    const c = await view(id);
    expect(c.metrics.lastActivityAt).toBe(before);
    expect(c.recentTimeline[c.recentTimeline.length - 1].at).toBe("2025-01-01T00:00:00.000Z");
  });

  it("an order for an unknown email creates the contact; a known email finds its customer", async () => {
    const res = await event({ type: "purchase", email: "Walk.In@Example.com", amount: 12.5 });
    expect(res.status).toBe(201);
    const c = await view(res.body.customerId);
    expect(c.email).toBe("walk.in@example.com");
    expect(c.stage).toBe("customer");
    expect(c.attribution).toEqual({ source: "event:purchase" });
    const again = await event({ type: "call", email: "walk.in@example.com" });
    expect(again.body.customerId).toBe(res.body.customerId);
  });

  it("a refund lowers lifetime spend but not the order count", async () => {
    const id = await newLead("refund@example.com");
    await event({ type: "purchase", customerId: id, amount: 100 });
    const refund = await event({ type: "refund", customerId: id, amount: 30 });
    expect(refund.body).toMatchObject({ stage: "customer" });
    expect(refund.status).toBe(201);
    expect((await view(id)).metrics).toMatchObject({ orders: 1, lifetimeSpend: 70 });
  });

  it("other interactions go on the timeline and count as activity", async () => {
    const id = await newLead("talk@example.com");
    const res = await event({ type: "support_ticket", customerId: id, data: { subject: "Where is my parcel?" } });
    expect(res.status).toBe(201);
    const c = await view(id);
    expect(c.recentTimeline[0]).toMatchObject({ type: "support_ticket", data: { data: { subject: "Where is my parcel?" } } });
    expect(c.stage).toBe("lead");
  });

  it("an Idempotency-Key makes a retried request count once", async () => {
    const id = await newLead("idem-event@example.com");
    const body = { type: "purchase", customerId: id, amount: 9 };
    const a = await event(body, { "idempotency-key": "evt-1" });
    const b = await event(body, { "idempotency-key": "evt-1" });
    expect(b.body).toEqual(a.body);
    expect((await view(id)).metrics.orders).toBe(1);
  });
});

describe("POST /v1/events refuses bad input", () => {
  it("names each bad field", async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ type: "purchase", email: "x@example.com" }, ["amount"]],
      [{ type: "purchase", email: "x@example.com", amount: -5 }, ["amount"]],
      [{ type: "teleport", email: "x@example.com" }, ["type"]],
      [{ type: "note" }, ["customerId"]],
      [{ type: "note", email: "x@example.com", at: "yesterday" }, ["at"]],
      [{ type: "purchase", email: "x@example.com", amount: 5, currency: "EUR" }, ["currency"]],
      [{ type: "purchase", email: "x@example.com", amount: "5" }, ["amount"]],
    ];
    for (const [body, fields] of cases) {
      const res = await event(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(
        res.body.fields.map((f: { field: string }) => f.field),
        JSON.stringify(body),
      ).toEqual(fields);
    }
  });

  it("404 for a customer id that does not exist", async () => {
    const res = await event({ type: "note", customerId: "cus_01M841EYZH03RP8XS8FT83N5KE" });
    expect(res.status).toBe(404);
  });
});
