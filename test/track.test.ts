import { gzipSync } from "node:zlib";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { signToken } from "../shared/email-links/tokens.ts";
import { visitorKey } from "../shared/entities/visitor.ts";
import { TEST_TOKEN_SECRET, useStack } from "./support/stack.ts";

/**
 * Website tracking through HTTP: the snippet, POST /v1/track, tying a visitor to the customer
 * who posts a form, visits and interests on the customer, the interest campaign and cross-sell.
 */
const stack = useStack({
  env: {
    INTEREST_PATHS: "/shoes=shoes,/bags=bags",
    // Marketing may go out at any hour here, so a sweep "now" sends whatever is due.
    SEND_WINDOW: "00:00-24:00",
  },
});

const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
let n = 0;
const newVisitor = () => `visitor${String(++n).padStart(4, "0")}${Math.random().toString(36).slice(2, 12)}`.padEnd(22, "x");

async function track(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.url}/v1/track`, {
    method: "POST",
    headers: { "content-type": "text/plain;charset=UTF-8", "user-agent": BROWSER, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const pageView = (visitorId: string | undefined, path: string, extra: Record<string, unknown> = {}) =>
  track({ type: "pageview", path, ...(visitorId ? { visitorId } : {}), ...extra });

async function visitor(visitorId: string) {
  return (await stack.deps.db.send(new GetCommand({ TableName: stack.deps.table, Key: visitorKey(visitorId), ConsistentRead: true }))).Item;
}

/** A form post as a server-side integration makes it (a leads key gets the customer id back). */
async function lead(body: Record<string, unknown>): Promise<string> {
  const res = await stack.api("/v1/leads", { body, key: stack.leadsKey });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body.customerId;
}

describe("the snippet", () => {
  it("is served as cacheable JavaScript any site may load, under 3,000 bytes gzipped", async () => {
    const res = await fetch(`${stack.url}/v1/t.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=3600");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    const source = await res.text();
    expect(source).toContain("sendBeacon");
    expect(source).toContain("globalPrivacyControl");
    expect(gzipSync(source, { level: 9 }).length).toBeLessThanOrEqual(3000);
    const again = await fetch(`${stack.url}/v1/t.js`, { headers: { "if-none-match": res.headers.get("etag")! } });
    expect(again.status).toBe(304);
  });
});

describe("POST /v1/track", () => {
  it("names each bad field, and refuses what is not JSON", async () => {
    const missing = await track({ type: "pageview" });
    expect(missing.status).toBe(400);
    expect(missing.body.fields.map((f: { field: string }) => f.field)).toContain("path");
    const event = await track({ type: "event", path: "/" });
    expect(event.status).toBe(400);
    expect(event.body.fields).toEqual([{ field: "name", message: "is required for an event" }]);
    const unknown = await track({ type: "pageview", path: "/", email: "ada@example.com" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields.map((f: { field: string }) => f.field)).toContain("email");
    expect((await track("{not json")).status).toBe(400);
    const form = await fetch(`${stack.url}/v1/track`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "type=pageview",
    });
    expect(form.status).toBe(415);
  });

  it("refuses a body over 4 KiB with 413", async () => {
    const res = await track({ type: "pageview", path: `/${"a".repeat(5000)}` });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe("payload_too_large");
  });

  it("stores nothing for a bot, or for a visitor without an id (no consent, or Global Privacy Control)", async () => {
    const id = newVisitor();
    expect((await pageView(id, "/shoes")).body).toEqual({ stored: true });
    const crawler = await track(
      { type: "pageview", path: "/shoes", visitorId: newVisitor() },
      { "user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)" },
    );
    expect(crawler).toEqual({ status: 202, body: { stored: false, reason: "bot" } });
    const headless = await track({ type: "pageview", path: "/shoes", visitorId: id }, { "user-agent": "Mozilla/5.0 HeadlessChrome/131.0.0.0" });
    expect(headless.body).toEqual({ stored: false, reason: "bot" });
    expect(await pageView(undefined, "/shoes")).toEqual({ status: 202, body: { stored: false, reason: "no_visitor" } });
    // Only the one browser page view of `id` counted.
    expect((await visitor(id))?.views).toBe(1);
  });

  it("keeps an anonymous visitor with a TTL, one visit for page views under 30 minutes apart, and interests from paths and the page", async () => {
    const id = newVisitor();
    const before = Math.floor(Date.now() / 1000);
    expect(await pageView(id, "/shoes/trail-runner")).toEqual({ status: 202, body: { stored: true } });
    await pageView(id, "/bags/tote", { interests: ["Leather"] });
    await track({ type: "event", path: "/bags/tote", visitorId: id, name: "add_to_cart", props: { interest: "bags" } });
    const item = await visitor(id);
    expect(item).toMatchObject({
      views: 2,
      visitPages: 2,
      visitEntry: "/shoes/trail-runner",
      visitPath: "/bags/tote",
      "int#shoes": 1,
      "int#bags": 2,
      "int#leather": 1,
    });
    expect(item?.vi).toEqual({ shoes: 1, bags: 2, leather: 1 });
    expect(item?.ve).toEqual({ add_to_cart: 1 });
    // 90 days (VISITOR_TTL_DAYS) after the last page view, in epoch seconds.
    expect(item?.expiresAt).toBeGreaterThanOrEqual(before + 90 * 86_400);
    expect(item?.expiresAt).toBeLessThan(before + 90 * 86_400 + 120);
    expect(item?.customerId).toBeUndefined();
  });
});

describe("a visitor who posts a Rapport form", () => {
  it("becomes the customer: the TTL goes, the visit shows once on the timeline and the interests in the 360° view", async () => {
    const id = newVisitor();
    for (const path of ["/", "/shoes/trail-runner", "/shoes/road"]) await pageView(id, path);
    const customerId = await lead({ email: "visitor.one@example.com", firstName: "Vera", visitorId: id });
    const item = await visitor(id);
    expect(item?.customerId).toBe(customerId);
    expect(item?.expiresAt).toBeUndefined();

    const view = async () => (await stack.api(`/v1/customers/${customerId}`, { key: stack.adminKey })).body;
    await expect
      .poll(async () => (await view()).interests, { timeout: 10_000 })
      .toEqual([{ name: "shoes", views: 2, recentViews: 2, lastViewedAt: expect.any(String), bought: false }]);
    const visits = async () => (await view()).recentTimeline.filter((e: { type: string }) => e.type === "visit");
    await expect.poll(visits, { timeout: 10_000 }).toMatchObject([{ data: { pages: 3, entryPath: "/", lastPath: "/shoes/road", interests: { shoes: 2 } } }]);

    // From then on the visit grows on the customer: still one entry.
    await pageView(id, "/shoes/sale");
    await expect.poll(visits, { timeout: 10_000 }).toMatchObject([{ data: { pages: 4, lastPath: "/shoes/sale", interests: { shoes: 3 } } }]);
    await expect.poll(async () => (await view()).interests[0].views, { timeout: 10_000 }).toBe(3);
    expect(await visits()).toHaveLength(1);
  });

  it("is erased with the customer", async () => {
    const id = newVisitor();
    await pageView(id, "/shoes/trail-runner");
    const customerId = await lead({ email: "forget.me@example.com", visitorId: id });
    await expect
      .poll(async () => (await stack.api(`/v1/customers/${customerId}`, { key: stack.adminKey })).body.interests?.length, { timeout: 10_000 })
      .toBe(1);
    const erased = await stack.api(`/v1/customers/${customerId}`, { method: "DELETE", key: stack.adminKey });
    expect(erased.status).toBe(200);
    expect(await visitor(id)).toBeUndefined();
  });

  it("a link in a Rapport email ties the visitor who lands with its rapport_c; a forged one does not", async () => {
    const customerId = await lead({ email: "clicker@example.com" });
    const expires = new Date(Date.now() + 86_400_000);
    const id = newVisitor();
    const forged = signToken("another-secret-0123456789abcdef", { c: customerId, p: "visit" }, expires);
    expect(await pageView(id, "/", { link: forged })).toEqual({ status: 202, body: { stored: true } });
    expect((await visitor(id))?.customerId).toBeUndefined();
    const unsubscribe = signToken(TEST_TOKEN_SECRET, { c: customerId, p: "unsubscribe" }, expires);
    await pageView(id, "/", { link: unsubscribe });
    expect((await visitor(id))?.customerId).toBeUndefined();

    await pageView(id, "/shoes/sale", { link: signToken(TEST_TOKEN_SECRET, { c: customerId, p: "visit", k: "interest-nudge:shoes@2026-12" }, expires) });
    expect((await visitor(id))?.customerId).toBe(customerId);
    await expect
      .poll(
        async () =>
          (await stack.api(`/v1/customers/${customerId}`, { key: stack.adminKey })).body.recentTimeline.filter((e: { type: string }) => e.type === "visit"),
        {
          timeout: 10_000,
        },
      )
      .toMatchObject([{ data: { pages: 3, lastPath: "/shoes/sale" } }]);
  });

  it("ignores a malformed visitor id rather than losing the lead", async () => {
    const res = await stack.api("/v1/leads", { body: { email: "visitor.two@example.com", visitorId: "not a visitor id!" }, key: stack.leadsKey });
    expect(res.status).toBe(201);
  });
});

describe("triggers", () => {
  it("sends the interest campaign once a consenting customer viewed an interest 3 times without buying in it, with cross-sell picks", async () => {
    // Cross-sell data: two customers bought the trail runner with socks, one with a cap.
    for (const [email, items] of [
      ["buyer.a@example.com", ["Trail runner", "Wool socks"]],
      ["buyer.b@example.com", ["Trail runner", "Wool socks"]],
      ["buyer.c@example.com", ["Trail runner", "Sun cap"]],
    ] as const) {
      const res = await stack.api("/v1/events", {
        key: stack.adminKey,
        body: {
          type: "purchase",
          email,
          amount: 50,
          externalId: `order-${email}`,
          data: { items: items.map((name, i) => ({ productId: `P-${name.replace(/ /g, "-")}`, name, quantity: 1, price: 25 + i })) },
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const id = newVisitor();
    const email = "nudge.me@example.com";
    const customerId = await lead({ email, firstName: "Nina", consent: "yes", visitorId: id });
    const bought = await stack.api("/v1/events", {
      key: stack.adminKey,
      body: {
        type: "purchase",
        customerId,
        amount: 60,
        externalId: "order-nina",
        data: { items: [{ productId: "P-Trail-runner", name: "Trail runner", quantity: 1, price: 60 }] },
      },
    });
    expect(bought.status).toBe(201);
    for (const path of ["/bags/tote", "/bags/duffel", "/bags/backpack"]) await pageView(id, path);

    // Recommendations for this visitor: what buyers of the trail runner also bought, never the runner itself.
    await expect
      .poll(async () => (await stack.api(`/v1/public/recommendations?visitor=${id}`)).body, { timeout: 10_000 })
      .toEqual({
        interests: ["bags"],
        products: [
          { id: "P-Wool-socks", name: "Wool socks", score: 2 },
          { id: "P-Sun-cap", name: "Sun cap", score: 1 },
        ],
      });

    await expect
      .poll(async () => (await stack.api(`/v1/customers/${customerId}`, { key: stack.adminKey })).body.interests?.[0]?.views, { timeout: 10_000 })
      .toBe(3);
    const sweep = await stack.api("/v1/sweeps", { key: stack.adminKey, body: { at: new Date(Date.now() + 60_000).toISOString() } });
    expect(sweep.status).toBe(200);
    await expect.poll(async () => (await stack.mailsTo(email)).map((m) => m.subject), { timeout: 10_000 }).toContain("Still thinking about bags?");
    const mail = (await stack.mailsTo(email)).find((m) => m.subject === "Still thinking about bags?")!;
    expect(mail.body.text).toContain("- Wool socks");
    expect(mail.body.text).not.toContain("- Trail runner");

    // Again: nothing new (one per interest and month).
    await stack.api("/v1/sweeps", { key: stack.adminKey, body: { at: new Date(Date.now() + 120_000).toISOString() } });
    await new Promise((r) => setTimeout(r, 500));
    expect((await stack.mailsTo(email)).filter((m) => m.subject === "Still thinking about bags?")).toHaveLength(1);
  });

  it("sends no interest mail without marketing consent, or once something in the interest was bought", async () => {
    const quiet = newVisitor();
    const quietEmail = "no.consent@example.com";
    const quietId = await lead({ email: quietEmail, visitorId: quiet });
    const buyer = newVisitor();
    const buyerEmail = "bought.shoes@example.com";
    const buyerId = await lead({ email: buyerEmail, consent: "yes", visitorId: buyer });
    await stack.api("/v1/events", {
      key: stack.adminKey,
      body: { type: "purchase", customerId: buyerId, amount: 80, externalId: "order-shoes", data: { items: [{ name: "Road shoes", quantity: 1, price: 80 }] } },
    });
    for (const path of ["/shoes/a", "/shoes/b", "/shoes/c"]) {
      await pageView(quiet, path);
      await pageView(buyer, path);
    }
    for (const customerId of [quietId, buyerId])
      await expect
        .poll(async () => (await stack.api(`/v1/customers/${customerId}`, { key: stack.adminKey })).body.interests?.[0]?.views, { timeout: 10_000 })
        .toBe(3);
    await expect
      .poll(async () => (await stack.api(`/v1/customers/${buyerId}`, { key: stack.adminKey })).body.interests[0].bought, { timeout: 10_000 })
      .toBe(true);
    await stack.api("/v1/sweeps", { key: stack.adminKey, body: { at: new Date(Date.now() + 60_000).toISOString() } });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await stack.mailsTo(quietEmail)).map((m) => m.subject)).not.toContain("Still thinking about shoes?");
    expect((await stack.mailsTo(buyerEmail)).map((m) => m.subject)).not.toContain("Still thinking about shoes?");
  });
});

// Last: it empties this address's bucket for a while.
describe("the rate limit", () => {
  it("answers 429 once one address sent more than TRACK_RATE_PER_MINUTE requests", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 130; i++) statuses.push((await pageView(undefined, "/")).status);
    expect(statuses).toContain(429);
    expect(statuses.slice(0, 50).every((s) => s === 202)).toBe(true);
  });
});
