import { beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../local/cognito.ts";
import { useStack } from "./support/stack.ts";

/**
 * Saved segments through HTTP: staff save and read segments, owners delete them; members are
 * evaluated from the customers as they are now, paged with a count of all, or exported as CSV; the
 * builder's preview counts a definition without saving it; nonsense conditions are a 400 naming them.
 */
const stack = useStack({ cognito: true });

let owner: string;
let staff: string;
const vipIds: string[] = [];

async function addAndSignIn(email: string, role: "owner" | "staff"): Promise<string> {
  const added = await stack.api("/v1/people", { key: stack.adminKey, body: { email, role, name: role } });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  return (await signIn(stack.cognito!, email, added.body.password)).idToken;
}

async function lead(email: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.customerId;
}

async function purchase(customerId: string, amount: number, ref: string): Promise<void> {
  const res = await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId, amount, externalId: ref } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

const VIP = {
  name: "VIP buyers",
  match: "all",
  conditions: [
    { field: "tags", op: "contains", value: "vip" },
    { field: "lifetimeSpend", op: "gte", value: 500 },
  ],
};

beforeAll(async () => {
  owner = await addAndSignIn("olive.segments@shop.example", "owner");
  staff = await addAndSignIn("sam.segments@shop.example", "staff");
  // Three VIPs who spent 500 or more, a VIP who spent less, a big spender without the tag, two leads.
  for (const [i, amount] of [600, 500, 900].entries()) {
    const id = await lead(`vip${i}@example.com`, { tags: "vip", firstName: `Vip${i}` });
    await purchase(id, amount, `order-vip-${i}`);
    vipIds.push(id);
  }
  await purchase(await lead("small.vip@example.com", { tags: "vip" }), 20, "order-small");
  await purchase(await lead("big.spender@example.com"), 1000, "order-big");
  await lead("lead.one@example.com");
  await lead("lead.two@example.com", { tags: "vip" });
});

describe("saved segments", () => {
  it("staff save a segment (201) and read it back and in the list; a PUT replaces its conditions", async () => {
    const created = await stack.api("/v1/segments", { key: staff, body: VIP });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^seg_/), ...VIP });
    const id = created.body.id as string;

    expect((await stack.api(`/v1/segments/${id}`, { key: staff })).body).toEqual(created.body);
    expect((await stack.api("/v1/segments", { key: staff })).body.items.map((s: { id: string }) => s.id)).toContain(id);

    const replaced = await stack.api(`/v1/segments/${id}`, { method: "PUT", key: staff, body: { ...VIP, name: "Big VIPs", match: "any" } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id, name: "Big VIPs", match: "any", createdAt: created.body.createdAt });
  });

  it("only an owner may delete a segment; a deleted one is gone", async () => {
    const id = (await stack.api("/v1/segments", { key: staff, body: { ...VIP, name: "To delete" } })).body.id as string;
    expect((await stack.api(`/v1/segments/${id}`, { method: "DELETE", key: staff })).status).toBe(403);
    expect((await stack.api(`/v1/segments/${id}`, { method: "DELETE", key: owner })).status).toBe(204);
    expect((await stack.api(`/v1/segments/${id}`, { key: staff })).status).toBe(404);
    expect((await stack.api(`/v1/segments/${id}`, { method: "DELETE", key: owner })).status).toBe(404);
  });

  it("members are the customers meeting every condition, paged most recently active first, with the count of all", async () => {
    const id = (await stack.api("/v1/segments", { key: staff, body: VIP })).body.id as string;

    const first = await stack.api(`/v1/segments/${id}/members?limit=2`, { key: staff });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.count).toBe(3);
    expect(first.body.items).toHaveLength(2);
    const second = await stack.api(`/v1/segments/${id}/members?limit=2&cursor=${first.body.nextCursor}`, { key: staff });
    expect(second.body).toMatchObject({ count: 3, nextCursor: null });
    const seen = [...first.body.items, ...second.body.items].map((c: { id: string }) => c.id);
    // The last purchase was the most recent activity.
    expect(seen).toEqual([...vipIds].reverse());
    expect(first.body.items[0]).toMatchObject({ email: "vip2@example.com", firstName: "Vip2", tags: ["vip"] });
  });

  it("any: members meeting at least one condition", async () => {
    const res = await stack.api("/v1/segments/preview", { key: staff, body: { ...VIP, match: "any" } });
    // Three VIPs, the small VIP, the tagged lead and the big spender.
    expect(res.body.count).toBe(6);
  });

  it("exports every member as CSV in the columns `rapport export` writes", async () => {
    const id = (await stack.api("/v1/segments", { key: staff, body: VIP })).body.id as string;
    const res = await stack.api(`/v1/segments/${id}/members?format=csv`, { key: staff, headers: { accept: "text/csv" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    expect(res.headers.get("content-disposition")).toContain(`segment-${id}.csv`);
    const lines = (res.body as string).trimEnd().split("\r\n");
    expect(lines[0]!.startsWith("id,email,firstName")).toBe(true);
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual([...vipIds].reverse());
    const header = lines[0]!.split(",");
    expect(lines[1]!.split(",")[header.indexOf("lifetimeSpend")]).toBe("900");
  });

  it("the preview answers the count and first page of a definition without saving it", async () => {
    const before = (await stack.api("/v1/segments", { key: staff })).body.items.length;
    const res = await stack.api("/v1/segments/preview", {
      key: staff,
      body: {
        match: "all",
        conditions: [
          { field: "orders", op: "gte", value: 1 },
          { field: "rfmSegment", op: "eq", value: "newcomers" },
        ],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.count).toBe(5);
    expect(res.body.items).toHaveLength(5);
    expect((await stack.api("/v1/segments", { key: staff })).body.items.length).toBe(before);
  });

  it("a segment on the stage alone is counted from the stage counters the stream keeps", async () => {
    await stack.settleReports();
    const res = await stack.api("/v1/segments/preview", { key: staff, body: { match: "all", conditions: [{ field: "stage", op: "eq", value: "lead" }] } });
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(2);
    expect(res.body.items.map((c: { email: string }) => c.email).sort()).toEqual(["lead.one@example.com", "lead.two@example.com"]);
    const notLeads = await stack.api("/v1/segments/preview", { key: staff, body: { conditions: [{ field: "stage", op: "neq", value: "lead" }] } });
    expect(notLeads.body.count).toBe(5);
  });

  it("an unknown field or operator, or an operator that makes no sense for the field, is a 400 naming it", async () => {
    const bad = (conditions: unknown[]) => stack.api("/v1/segments", { key: staff, body: { name: "Bad", conditions } });
    const unknownField = await bad([{ field: "shoeSize", op: "eq", value: 42 }]);
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.fields).toEqual([expect.objectContaining({ field: "conditions.0.field" })]);
    const wrongOp = await bad([
      { field: "tags", op: "contains", value: "vip" },
      { field: "tags", op: "gte", value: 3 },
    ]);
    expect(wrongOp.status).toBe(400);
    expect(wrongOp.body.fields).toEqual([{ field: "conditions.1.op", message: "gte does not apply to tags (use contains)" }]);
    const preview = await stack.api("/v1/segments/preview", { key: staff, body: { conditions: [{ field: "orders", op: "within", value: 1 }] } });
    expect(preview.status).toBe(400);
    expect(preview.body.fields[0].field).toBe("conditions.0.op");
  });

  it("no segment: a 404; a malformed id or cursor: a 400", async () => {
    expect((await stack.api("/v1/segments/seg_01JAAAAAAAAAAAAAAAAAAAAAAA/members", { key: staff })).status).toBe(404);
    expect((await stack.api("/v1/segments/nope", { key: staff })).status).toBe(400);
    const id = (await stack.api("/v1/segments", { key: staff, body: VIP })).body.id as string;
    const res = await stack.api(`/v1/segments/${id}/members?cursor=garbage`, { key: staff });
    expect(res.status).toBe(400);
    expect(res.body.fields[0].field).toBe("cursor");
  });
});
