import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../local/cognito.ts";
import { customerKey } from "../shared/entities/customer.ts";
import { getSuppression, suppress } from "../shared/mail-feedback/suppression.ts";
import { useStack } from "./support/stack.ts";

/**
 * The everyday work behind the dashboard's workplace pages, through HTTP as each kind of caller:
 * lists of a stage or an RFM segment (and their CSV), subscription changes a customer asked for,
 * campaign previews and test sends, and the API keys an owner manages.
 */
const stack = useStack({ cognito: true });
let owner = "";
let staff = "";

async function person(email: string, role: "owner" | "staff") {
  const added = await stack.api("/v1/people", { key: stack.adminKey, body: { email, role, name: role === "owner" ? "Olu Owner" : "Sam Staff" } });
  return (await signIn(stack.cognito!, email, added.body.password)).idToken;
}

async function lead(email: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email, firstName: "Test", ...extra } });
  return res.body.customerId;
}

async function purchases(customerId: string, n: number, at?: string) {
  for (let i = 0; i < n; i++)
    await stack.api("/v1/events", {
      key: stack.adminKey,
      body: { type: "purchase", customerId, amount: 20, externalId: `${customerId}-${i}`, ...(at ? { at } : {}) },
    });
}

const monthsAgo = (n: number) => {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - n);
  return d.toISOString();
};

let newcomer = "";
let champion = "";
let slipping = "";
let leadOnly = "";

beforeAll(async () => {
  owner = await person("olu.owner@shop.example", "owner");
  staff = await person("sam.staff@shop.example", "staff");
  newcomer = await lead("nia.new@example.com");
  await purchases(newcomer, 1);
  champion = await lead("cai.champ@example.com", { locale: "nb-NO" });
  await purchases(champion, 5);
  slipping = await lead("sol.slip@example.com");
  await purchases(slipping, 3, monthsAgo(8));
  leadOnly = await lead("lee.lead@example.com");
  await lead("lin.lead@example.com");
}, 120_000);

const ids = (body: { items: { id: string }[] }) => body.items.map((c) => c.id).sort();

describe("the people of a stage or a value segment", () => {
  it("lists an RFM segment's members as the segments report counts them, to staff", async () => {
    const champions = await stack.api("/v1/customers?segment=champions", { key: staff });
    expect(champions.status).toBe(200);
    expect(ids(champions.body)).toEqual([champion]);
    expect(ids((await stack.api("/v1/customers?segment=newcomers", { key: staff })).body)).toEqual([newcomer]);
    expect(ids((await stack.api("/v1/customers?segment=slipping", { key: stack.adminKey })).body)).toEqual([slipping]);
    expect((await stack.api("/v1/customers?segment=hibernating", { key: staff })).body.items).toEqual([]);
  });

  it("lists a stage by the same parameter, and pages with the cursor", async () => {
    const first = await stack.api("/v1/customers?segment=lead&limit=1", { key: staff });
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).not.toBeNull();
    const rest = await stack.api(`/v1/customers?segment=lead&limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`, { key: staff });
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.items[0].id).not.toBe(first.body.items[0].id);
    expect(ids({ items: [...first.body.items, ...rest.body.items] })).toContain(leadOnly);
  });

  it("exports a segment as CSV in rapport export's columns", async () => {
    const res = await fetch(`${stack.url}/v1/exports/customers?segment=champions`, { headers: { authorization: `Bearer ${staff}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="customers-champions-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines[0]!.startsWith("id,email,")).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("cai.champ@example.com");
  });

  it("refuses an unknown segment and a segment with a search, naming the field", async () => {
    const unknown = await stack.api("/v1/customers?segment=loyalists", { key: staff });
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields.map((f: { field: string }) => f.field)).toEqual(["segment"]);
    const mixed = await stack.api("/v1/customers?segment=champions&q=cai", { key: staff });
    expect(mixed.status).toBe(400);
    expect(mixed.body.fields[0].field).toBe("segment");
  });

  it("names segments apart from stages in the segments report", async () => {
    const report = await stack.api("/v1/reports/segments", { key: staff });
    expect(report.body.segments.map((s: { segment: string }) => s.segment)).toEqual([
      "champions",
      "regulars",
      "newcomers",
      "potential",
      "slipping",
      "hibernating",
    ]);
  });
});

describe("subscription changes a customer asked for", () => {
  it("unsubscribes and subscribes again, with who and why on the timeline", async () => {
    const id = await lead("una.sub@example.com", { consent: true });
    const customer = async () => (await stack.api(`/v1/customers/${id}`, { key: staff })).body;
    const off = await stack.api(`/v1/customers/${id}/subscription`, { key: staff, body: { marketing: false, reason: "asked on the phone" } });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ customerId: id, changed: true, marketing: false });
    const unsubscribed = await customer();
    expect(unsubscribed.emailStatus).toBe("unsubscribed");
    expect(unsubscribed.consent.marketing).toBe(false);
    expect(await getSuppression(stack.deps, "una.sub@example.com")).toMatchObject({ reason: "unsubscribed" });
    const entry = unsubscribed.recentTimeline.find((e: { type: string }) => e.type === "unsubscribed");
    expect(entry).toMatchObject({ data: { via: "staff", reason: "asked on the phone" }, by: { type: "person", name: "Sam Staff" } });
    // Asked twice: nothing more happens.
    expect((await stack.api(`/v1/customers/${id}/subscription`, { key: staff, body: { marketing: false } })).body.changed).toBe(false);

    const again = await stack.api(`/v1/customers/${id}/subscription`, { key: staff, body: { marketing: true } });
    expect(again.status).toBe(200);
    expect(again.body.changed).toBe(true);
    const resubscribed = await customer();
    expect(resubscribed.emailStatus).toBeUndefined();
    expect(resubscribed.consent).toMatchObject({ marketing: true, source: "staff_request" });
    expect(await getSuppression(stack.deps, "una.sub@example.com")).toBeUndefined();
    expect(resubscribed.recentTimeline.find((e: { type: string }) => e.type === "resubscribed")).toMatchObject({ by: { type: "person" } });
  });

  it("refuses to resubscribe an address that bounced, saying why (409)", async () => {
    const id = await lead("bo.bounce@example.com");
    await suppress(stack.deps, "bo.bounce@example.com", "bounced", new Date().toISOString());
    await stack.deps.db.send(
      new UpdateCommand({
        TableName: stack.deps.table,
        Key: customerKey(id),
        UpdateExpression: "SET emailStatus = :b",
        ExpressionAttributeValues: { ":b": "bounced" },
      }),
    );
    const res = await stack.api(`/v1/customers/${id}/subscription`, { key: staff, body: { marketing: true } });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe("cannot_resubscribe");
    expect(res.body.message).toContain("bounced");
    expect(await getSuppression(stack.deps, "bo.bounce@example.com")).toMatchObject({ reason: "bounced" });
  });

  it("answers 404 for an unknown customer and 400 for a body without marketing", async () => {
    expect((await stack.api("/v1/customers/cus_00000000000000000000000000/subscription", { key: staff, body: { marketing: false } })).status).toBe(404);
    const bad = await stack.api(`/v1/customers/${leadOnly}/subscription`, { key: staff, body: { reason: "x" } });
    expect(bad.status).toBe(400);
    expect(bad.body.fields[0].field).toBe("marketing");
  });
});

describe("campaign preview and test send", () => {
  it("renders a campaign for a customer with the real renderer, in the language asked for", async () => {
    const res = await stack.api("/v1/campaigns/thank-you/preview", { key: staff, body: { customerId: newcomer } });
    expect(res.status).toBe(200);
    expect(res.body.language).toBe("en");
    expect(res.body.subject.length).toBeGreaterThan(0);
    expect(res.body.html).toMatch(/^<!doctype html>/);
    expect(res.body.text).toContain("Test");
    // Links are inert: no token a link page would accept.
    expect(res.body.html).not.toMatch(/t=[A-Za-z0-9_-]{20,}/);
  });

  it("answers 404 for an unknown customer and 400 naming locale for a language the campaign lacks", async () => {
    expect((await stack.api("/v1/campaigns/thank-you/preview", { key: staff, body: { customerId: "cus_00000000000000000000000000" } })).status).toBe(404);
    const res = await stack.api("/v1/campaigns/thank-you/preview", { key: staff, body: { customerId: newcomer, locale: "xx" } });
    expect(res.status).toBe(400);
    expect(res.body.fields[0].field).toBe("locale");
  });

  it("sends a test to the signed-in person only, prefixed [Test], on no customer's record", async () => {
    const res = await stack.api("/v1/campaigns/thank-you/test", { key: staff, body: { customerId: newcomer } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ queued: true, to: "sam.staff@shop.example", language: "en" });
    await expect
      .poll(async () => (await stack.mailsTo("sam.staff@shop.example")).map((m) => m.subject), { timeout: 10_000 })
      .toEqual([expect.stringMatching(/^\[Test\] /)]);
    expect(await stack.mailsTo("nia.new@example.com")).toEqual([]);
    const customer = await stack.api(`/v1/customers/${newcomer}`, { key: staff });
    expect(customer.body.emailsSent).toEqual([]);
    expect(customer.body.recentTimeline.map((e: { type: string }) => e.type)).not.toContain("email_sent");
  });

  it("lets only an owner or an admin key name another address, and asks a key for one", async () => {
    expect((await stack.api("/v1/campaigns/thank-you/test", { key: staff, body: { customerId: newcomer, to: "x@elsewhere.example" } })).status).toBe(403);
    const noTo = await stack.api("/v1/campaigns/thank-you/test", { key: stack.adminKey, body: { customerId: newcomer } });
    expect(noTo.status).toBe(400);
    expect(noTo.body.fields[0].field).toBe("to");
    const ownerTo = await stack.api("/v1/campaigns/thank-you/test", { key: owner, body: { customerId: newcomer, to: "copy@shop.example" } });
    expect(ownerTo.status).toBe(202);
    await expect.poll(async () => (await stack.mailsTo("copy@shop.example")).length, { timeout: 10_000 }).toBe(1);
  });

  it("keeps campaign edits to owners while staff preview", async () => {
    const campaign = (await stack.api("/v1/campaigns/thank-you", { key: staff })).body;
    const { id: _id, isDefault: _d, updatedAt: _u, updatedBy: _b, ...input } = campaign;
    expect((await stack.api("/v1/campaigns/thank-you", { method: "PUT", key: staff, body: input })).status).toBe(403);
  });
});

describe("API keys", () => {
  it("are an owner's: staff get 403 listing, creating or revoking", async () => {
    expect((await stack.api("/v1/keys", { key: staff })).status).toBe(403);
    expect((await stack.api("/v1/keys", { key: staff, body: { name: "x", scopes: ["staff"] } })).status).toBe(403);
    expect((await stack.api("/v1/keys", { key: stack.leadsKey })).status).toBe(403);
    const created = await stack.api("/v1/keys", { key: owner, body: { name: "shop sync", scopes: ["leads:write"] } });
    expect(created.status).toBe(201);
    expect((await stack.api(`/v1/keys/${created.body.info.id}`, { method: "DELETE", key: staff })).status).toBe(403);
    expect((await stack.api(`/v1/keys/${created.body.info.id}`, { method: "DELETE", key: owner })).status).toBe(200);
  });
});
