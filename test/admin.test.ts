import { describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey } from "../shared/auth/api-keys.ts";
import { routes } from "../shared/http/routes.ts";
import { useStack } from "./support/stack.ts";

const stack = useStack();

/** A request that would be valid for each admin route, so only the key decides the answer. */
function sampleRequest(method: string, path: string): { path: string; body?: unknown } {
  const concrete = path.replace("{id}", "cus_01M841EYZH03RP8XS8FT83N5KE");
  if (method === "PATCH") return { path: concrete, body: { firstName: "X" } };
  if (method === "POST") return { path: concrete, body: { type: "note", email: "auth@example.com" } };
  return { path: concrete };
}

describe("every admin route checks the key and its scope", () => {
  // Staff routes (day-to-day work) and admin routes (owners and admin keys only) alike.
  const adminRoutes = routes.filter((r) => r.auth === "admin" || r.auth === "staff");

  it("there are admin routes to check", () => {
    expect(adminRoutes.length).toBeGreaterThanOrEqual(5);
  });

  it("401 without a key, with a malformed key, with an unknown key and with a revoked key; 403 with a leads:write key", async () => {
    const revoked = await createApiKey(stack.deps, { scopes: ["admin"], name: "to revoke" });
    await revokeApiKey(stack.deps, revoked.info.id);
    const unknown = `rk_${"A".repeat(43)}`;
    for (const route of adminRoutes) {
      const req = sampleRequest(route.method, route.path);
      const call = (key?: string, raw?: string) =>
        stack.api(req.path, { method: route.method, body: req.body, ...(key ? { key } : {}), ...(raw ? { headers: { authorization: raw } } : {}) });
      const label = `${route.method} ${route.path}`;
      expect((await call()).status, `${label} without key`).toBe(401);
      expect((await call(undefined, "Basic abc")).status, `${label} malformed`).toBe(401);
      expect((await call(unknown)).status, `${label} unknown`).toBe(401);
      expect((await call(revoked.key)).status, `${label} revoked`).toBe(401);
      const wrongScope = await call(stack.leadsKey);
      expect(wrongScope.status, `${label} leads:write`).toBe(403);
      expect(wrongScope.body.error).toBe("forbidden");
      expect((await call(stack.adminKey)).status, `${label} admin`).toBeLessThan(500);
    }
  });
});

async function lead(body: Record<string, unknown>): Promise<string> {
  const res = await stack.api("/v1/leads", { key: stack.leadsKey, body });
  expect(res.status).toBe(201);
  return res.body.customerId;
}

describe("GET /v1/customers", () => {
  it("pages through every customer exactly once, most recently active first", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push(await lead({ email: `page${i}@example.com`, tags: i % 3 === 0 ? "vip" : "" }));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await stack.api(`/v1/customers?limit=5${cursor ? `&cursor=${cursor}` : ""}`, { key: stack.adminKey });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(5);
      seen.push(...res.body.items.map((c: { id: string }) => c.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    const ours = seen.filter((id) => ids.includes(id));
    expect(ours).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("filters by tag, by stage and by email (any spelling)", async () => {
    const vip = await stack.api("/v1/customers?tag=vip&limit=100", { key: stack.adminKey });
    expect(vip.body.items.length).toBe(8);
    expect(vip.body.items.every((c: { tags: string[] }) => c.tags.includes("vip"))).toBe(true);

    const buyer = await lead({ email: "buyer@example.com" });
    await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId: buyer, amount: 20 } });
    const customers = await stack.api("/v1/customers?stage=customer", { key: stack.adminKey });
    expect(customers.body.items.map((c: { id: string }) => c.id)).toEqual([buyer]);

    const byEmail = await stack.api(`/v1/customers?email=${encodeURIComponent(" BUYER@example.com ")}`, { key: stack.adminKey });
    expect(byEmail.body.items.map((c: { id: string }) => c.id)).toEqual([buyer]);
  });

  it("400 for bad filters and cursors, naming the parameter", async () => {
    for (const [query, field] of [
      ["stage=vip", "stage"],
      ["limit=0", "limit"],
      ["limit=abc", "limit"],
      ["cursor=nonsense", "cursor"],
      ["email=nope", "email"],
    ]) {
      const res = await stack.api(`/v1/customers?${query}`, { key: stack.adminKey });
      expect(res.status, query).toBe(400);
      expect(
        res.body.fields.map((f: { field: string }) => f.field),
        query,
      ).toEqual([field]);
    }
  });
});

describe("GET and PATCH /v1/customers/{id}", () => {
  it("404 for an unknown id, 400 for something that is not an id", async () => {
    expect((await stack.api("/v1/customers/cus_01M841EYZH03RP8XS8FT83N5KE", { key: stack.adminKey })).status).toBe(404);
    const bad = await stack.api("/v1/customers/42", { key: stack.adminKey });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual([{ field: "id", message: "is not a customer id" }]);
  });

  it("edits profile fields, clears one with null, replaces tags, sets owner and next contact, and logs it on the timeline", async () => {
    const id = await lead({ email: "edit@example.com", firstName: "Ed", company: "Old Co", tags: "a,b" });
    const res = await stack.api(`/v1/customers/${id}`, {
      method: "PATCH",
      key: stack.adminKey,
      body: { firstName: "Edith", company: null, tags: ["c"], owner: "sam@shop.example.com", nextContactAt: "2027-01-15T09:00:00Z" },
    });
    expect(res.status).toBe(200);
    expect(res.body.profile).toEqual({ firstName: "Edith" });
    expect(res.body.tags).toEqual(["c"]);
    expect(res.body.owner).toBe("sam@shop.example.com");
    expect(res.body.nextContactAt).toBe("2027-01-15T09:00:00Z");
    expect(res.body.recentTimeline[0]).toMatchObject({
      type: "profile_updated",
      data: { changed: expect.arrayContaining(["firstName", "company", "tags", "owner", "nextContactAt"]) },
    });
  });

  it("changing the email moves the lookup: the new address finds the customer, the old one is free", async () => {
    const id = await lead({ email: "old@example.com" });
    const res = await stack.api(`/v1/customers/${id}`, { method: "PATCH", key: stack.adminKey, body: { email: "New@Example.com" } });
    expect(res.status).toBe(200);
    expect(res.body.email).toBe("new@example.com");
    const again = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "new@example.com" } });
    expect(again.body).toEqual({ customerId: id, created: false });
    const fresh = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "old@example.com" } });
    expect(fresh.body.created).toBe(true);
    expect(fresh.body.customerId).not.toBe(id);
  });

  it("409 when the new email belongs to someone else, and nothing changes", async () => {
    const a = await lead({ email: "taken-a@example.com", firstName: "A" });
    await lead({ email: "taken-b@example.com" });
    const res = await stack.api(`/v1/customers/${a}`, { method: "PATCH", key: stack.adminKey, body: { email: "taken-b@example.com", firstName: "Changed" } });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe("email_taken");
    const view = await stack.api(`/v1/customers/${a}`, { key: stack.adminKey });
    expect(view.body.email).toBe("taken-a@example.com");
    expect(view.body.profile.firstName).toBe("A");
  });

  it("400 names unknown or bad fields in a PATCH", async () => {
    const id = await lead({ email: "patchbad@example.com" });
    const res = await stack.api(`/v1/customers/${id}`, { method: "PATCH", key: stack.adminKey, body: { stage: "loyal", birthday: "tomorrow" } });
    expect(res.status).toBe(400);
    expect(res.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(["birthday", "stage"]);
    const empty = await stack.api(`/v1/customers/${id}`, { method: "PATCH", key: stack.adminKey, body: {} });
    expect(empty.status).toBe(400);
  });
});

describe("GET /v1/customers/{id}/timeline", () => {
  it("pages newest first with a cursor", async () => {
    const id = await lead({ email: "timeline@example.com" });
    for (let i = 0; i < 6; i++)
      await stack.api("/v1/events", { key: stack.adminKey, body: { type: "note", customerId: id, at: `2026-0${i + 1}-10T10:00:00Z`, data: { n: i } } });
    const first = await stack.api(`/v1/customers/${id}/timeline?limit=4`, { key: stack.adminKey });
    const second = await stack.api(`/v1/customers/${id}/timeline?limit=4&cursor=${first.body.nextCursor}`, { key: stack.adminKey });
    const all = [...first.body.items, ...second.body.items];
    expect(all).toHaveLength(7);
    expect(second.body.nextCursor).toBeNull();
    const times = all.map((e: { at: string }) => e.at);
    expect(times).toEqual([...times].sort().reverse());
    expect(all[all.length - 1].data.data).toEqual({ n: 0 });
  });
});
