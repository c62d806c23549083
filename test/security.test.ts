import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Logger, type LogItem } from "@aws-lambda-powertools/logger";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiKey, hashKey, revokeApiKey, verifyAuthorization } from "../shared/auth/api-keys.ts";
import { SesMailer } from "../shared/aws/ses-mailer.ts";
import type { Deps } from "../shared/core/deps.ts";
import type { Mailer, OutgoingMail } from "../shared/core/ports.ts";
import { signToken, verifyToken } from "../shared/email-links/tokens.ts";
import { customerPk } from "../shared/entities/customer.ts";
import { QUARANTINE_PARTITION } from "../shared/entities/quarantine.ts";
import { routeKey, routes } from "../shared/http/routes.ts";
import type { CaptchaOutcome, CaptchaVerifier } from "../shared/leads/bot-protection.ts";
import { SiteverifyCaptchaVerifier } from "../shared/leads/siteverify.ts";
import { TEST_TOKEN_SECRET, type TestStack, useStack } from "./support/stack.ts";

/**
 * The security review, in code (the README's Security section lists it): key checks on every admin route, constant-time
 * secret comparison, request size limits, no PII or keys in logs, CORS and `_next` only for
 * configured origins, and bot protection with its quarantine.
 */

// Counts calls to timingSafeEqual, passing them through: proves link tokens are compared with it.
const timing = vi.hoisted(() => ({ calls: 0 }));
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      timing.calls++;
      return actual.timingSafeEqual(a, b);
    },
  };
});

const SHOP = "https://shop.example.com";
const stack = useStack({ allowedOrigins: [SHOP] });

/** A path parameter each route's schema accepts, so with a good key only the route's own logic answers. */
const SAMPLE_IDS = ["cus_01M841EYZH03RP8XS8FT83N5KE", "q_01M841EYZH03RP8XS8FT83N5KE", "welcome", "thank-you"];

function concretePath(route: (typeof routes)[number]): string {
  return route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const schema = route.request?.params?.[name];
    return SAMPLE_IDS.find((id) => schema?.safeParse(id).success) ?? SAMPLE_IDS[0]!;
  });
}

function sampleBody(route: (typeof routes)[number]): unknown {
  if (route.method === "GET" || route.method === "DELETE") return undefined;
  if (route.method === "PATCH") return { firstName: "X" };
  if (route.path === "/v1/events") return { type: "note", email: "auth@example.com" };
  return {};
}

describe("every admin route checks the key and its scope", () => {
  const adminRoutes = routes.filter((r) => r.auth === "admin" || r.auth === "staff");

  it("leaves no route with credentials out of the checks: the others are open to any valid key, and only say who it is", () => {
    expect(routes.filter((r) => r.auth !== null && !adminRoutes.includes(r)).map(routeKey)).toEqual(["GET /v1/me"]);
  });

  it("GET /v1/me: 401 without a key and with a revoked key; any valid key learns only its own id and scopes", async () => {
    const revoked = await createApiKey(stack.deps, { scopes: ["admin"], name: "revoked before asking" });
    await revokeApiKey(stack.deps, revoked.info.id);
    expect((await stack.api("/v1/me")).status).toBe(401);
    expect((await stack.api("/v1/me", { key: revoked.key })).status).toBe(401);
    const me = await stack.api("/v1/me", { key: stack.leadsKey });
    expect(me.status).toBe(200);
    expect(Object.keys(me.body).sort()).toEqual(["id", "scopes", "type"]);
  });

  it("covers the routes added since the first review: campaigns, sweeps and the quarantine", () => {
    const keys = adminRoutes.map(routeKey);
    expect(keys).toEqual(
      expect.arrayContaining([
        "GET /v1/customers",
        "POST /v1/events",
        "GET /v1/campaigns",
        "PUT /v1/campaigns/{id}",
        "POST /v1/sweeps",
        "GET /v1/quarantine",
        "POST /v1/quarantine/{id}/release",
        "DELETE /v1/quarantine/{id}",
      ]),
    );
  });

  it("exposes without a key only the routes meant to be public: forms, links in emails, health, the document", () => {
    // A new public route must be added here on purpose, after a look at what it exposes.
    expect(
      routes
        .filter((r) => r.auth === null)
        .map(routeKey)
        .sort(),
    ).toEqual(
      [
        "POST /v1/leads",
        "GET /v1/thanks",
        "GET /v1/health",
        "GET /v1/openapi.json",
        "GET /v1/unsubscribe",
        "POST /v1/unsubscribe",
        "POST /v1/resubscribe",
        // The preference page: the unsubscribe link's signed token, like the routes around it.
        "GET /v1/preferences",
        "POST /v1/preferences",
        "GET /v1/confirm",
        "POST /v1/confirm",
        // The re-permission email's keep-me link: its own signed token; it grants no consent.
        "GET /v1/keep",
        "POST /v1/keep",
        "GET /v1/feedback",
        "POST /v1/feedback",
        // The dashboard's static files (functions/app.ts): no data; the app signs in to the admin routes.
        "GET /app",
        "GET /app/{proxy+}",
        // Which user pool, app client and endpoint a browser signs people in with: public in every token anyway; no secrets.
        "GET /v1/app-config",
        // Shop webhooks (functions/hooks.ts): each delivery is verified by its platform's signature
        // over the raw body before anything is read, or refused with 401 (test/hooks.test.ts).
        "POST /v1/hooks/stripe",
        "POST /v1/hooks/shopify",
        "POST /v1/hooks/woocommerce",
        // Website tracking (shared/tracking/): the snippet (a static script), its page views (stored
        // only with a visitor id the site's consent made; bounded, rate-limited, bots dropped) and
        // recommendations by visitor id (interests and product names, no personal data).
        "GET /v1/t.js",
        "POST /v1/track",
        "GET /v1/public/recommendations",
        // A promoter's referral link (shared/referrals/): a redirect to the website that writes nothing;
        // whether a code exists shows only as the ref it adds, and codes are 50 random bits.
        "GET /r/{code}",
      ].sort(),
    );
  });

  it("401 without a key and with a revoked key, 403 with a leads:write key, and an answer from the route itself with an admin key", async () => {
    const revoked = await createApiKey(stack.deps, { scopes: ["admin"], name: "revoked in the review" });
    await revokeApiKey(stack.deps, revoked.info.id);
    for (const route of adminRoutes) {
      const label = routeKey(route);
      const call = (key?: string) => stack.api(concretePath(route), { method: route.method, body: sampleBody(route), ...(key ? { key } : {}) });
      expect((await call()).status, `${label} without a key`).toBe(401);
      const withRevoked = await call(revoked.key);
      expect(withRevoked.status, `${label} with a revoked key`).toBe(401);
      expect(withRevoked.body.error, label).toBe("unauthorized");
      const wrongScope = await call(stack.leadsKey);
      expect(wrongScope.status, `${label} with a leads:write key`).toBe(403);
      expect(wrongScope.body.error, label).toBe("forbidden");
      const admin = await call(stack.adminKey);
      expect([401, 403], `${label} with the admin key`).not.toContain(admin.status);
      expect(admin.status, `${label} with the admin key`).toBeLessThan(500);
    }
    // Four requests per route, for some thirty routes: more than the default 30 s on a busy machine.
  }, 90_000);
});

describe("keys and link tokens are compared in constant time", () => {
  function recordingDeps(stored: Record<string, Record<string, unknown>>): { deps: Deps; requests: unknown[] } {
    const requests: unknown[] = [];
    const db = {
      send: async (command: { input: { Key?: { SK?: string } } }) => {
        requests.push(command);
        return { Item: stored[command.input.Key?.SK ?? ""] };
      },
    };
    return { deps: { db, table: "t" } as unknown as Deps, requests };
  }

  it("verifyAuthorization looks a key up by its SHA-256 only: the key itself never reaches a comparison or the table", async () => {
    const key = `rk_${"a".repeat(42)}B`;
    const hash = createHash("sha256").update(key).digest("hex");
    expect(hashKey(key)).toBe(hash);
    const { deps, requests } = recordingDeps({ [hash]: { id: hash.slice(0, 12), scopes: ["admin"], SK: hash } });
    expect(await verifyAuthorization(deps, `Bearer ${key}`)).toEqual({ keyId: hash.slice(0, 12), scopes: "admin" });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toBeInstanceOf(GetCommand);
    expect((requests[0] as GetCommand).input.Key).toEqual({ PK: "APIKEY", SK: hash });
    expect(JSON.stringify(requests)).not.toContain(key);
  });

  it("a key differing only in its last character is a different hash, so it finds nothing", async () => {
    const key = `rk_${"a".repeat(42)}B`;
    const near = `${key.slice(0, -1)}C`;
    const { deps, requests } = recordingDeps({ [hashKey(key)]: { id: "x", scopes: ["admin"] } });
    expect(await verifyAuthorization(deps, `Bearer ${near}`)).toBeNull();
    expect((requests[0] as GetCommand).input.Key?.SK).toBe(hashKey(near));

    // The same against the real table, and over HTTP.
    const real = stack.adminKey;
    const last = real.at(-1) === "A" ? "B" : "A";
    expect(await verifyAuthorization(stack.deps, `Bearer ${real.slice(0, -1)}${last}`)).toBeNull();
    expect((await stack.api("/v1/customers", { key: `${real.slice(0, -1)}${last}` })).status).toBe(401);
    expect(await verifyAuthorization(stack.deps, `Bearer ${real}`)).not.toBeNull();
  });

  it("malformed keys are refused before any lookup", async () => {
    const { deps, requests } = recordingDeps({});
    for (const header of [undefined, "", "Bearer", "Basic abc", `Bearer rk_${"a".repeat(42)}`, `Bearer rk_${"a".repeat(44)}`, `Bearer ${stack.adminKey}x`]) {
      expect(await verifyAuthorization(deps, header)).toBeNull();
    }
    expect(requests).toHaveLength(0);
  });

  it("link tokens' signatures are checked with timingSafeEqual, and a changed last character is refused", () => {
    const token = signToken(TEST_TOKEN_SECRET, { c: "cus_01M841EYZH03RP8XS8FT83N5KE", p: "unsubscribe" }, new Date(Date.now() + 86_400_000));
    const before = timing.calls;
    expect(verifyToken(TEST_TOKEN_SECRET, token, "unsubscribe", new Date()).ok).toBe(true);
    expect(timing.calls).toBe(before + 1);
    const forged = `${token.slice(0, -1)}${token.at(-1) === "A" ? "B" : "A"}`;
    expect(verifyToken(TEST_TOKEN_SECRET, forged, "unsubscribe", new Date())).toEqual({ ok: false, error: "forged" });
    expect(timing.calls).toBe(before + 2);
  });
});

describe("request size limits", () => {
  it("a lead over 16 KiB gets 413 (see also test/leads.test.ts), and so does an admin JSON body", async () => {
    const lead = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "size@example.com", message: "x".repeat(16 * 1024) } });
    expect(lead.status).toBe(413);
    expect(lead.body.error).toBe("payload_too_large");
    const id = (await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "size-ok@example.com" } })).body.customerId;
    const patch = await stack.api(`/v1/customers/${id}`, { method: "PATCH", key: stack.adminKey, body: { company: "y".repeat(17 * 1024) } });
    expect(patch.status).toBe(413);
  });

  it("the local server stops at 1 MiB with 413, as API Gateway stops at its own limit, and stores nothing", async () => {
    const email = "huge@example.com";
    const body = JSON.stringify({ email, message: "z".repeat(1024 * 1024) });
    const res = await stack.api("/v1/leads", { key: stack.leadsKey, body });
    expect(res.status).toBe(413);
    const found = await stack.api(`/v1/customers?email=${email}`, { key: stack.adminKey });
    expect(found.body.items).toEqual([]);
  });
});

describe("CORS and _next only for configured origins", () => {
  // test/leads.test.ts covers: an allowed origin's preflight and post, a post from another origin
  // held in the quarantine with no Access-Control-Allow-Origin, and a _next on another origin ignored.

  it("a preflight from an origin not configured gets no Access-Control-Allow-* headers, for public and admin routes", async () => {
    for (const path of ["/v1/leads", "/v1/customers", "/v1/quarantine"]) {
      const res = await fetch(`${stack.url}${path}`, {
        method: "OPTIONS",
        headers: { origin: "https://evil.example.net", "access-control-request-method": "POST" },
      });
      expect(res.headers.get("access-control-allow-origin"), path).toBeNull();
      expect(res.headers.get("access-control-allow-methods"), path).toBeNull();
      expect(res.headers.get("access-control-allow-headers"), path).toBeNull();
    }
    // Look-alikes of the configured origin are other origins.
    for (const origin of [
      "http://shop.example.com",
      "https://shop.example.com.evil.example",
      "https://evil-shop.example.com",
      "https://shop.example.com:8443",
    ]) {
      const res = await fetch(`${stack.url}/v1/leads`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
      expect(res.headers.get("access-control-allow-origin"), origin).toBeNull();
    }
  });

  it("an answer to an origin not configured carries no Access-Control-Allow-Origin, so its page cannot read it", async () => {
    const res = await stack.api("/v1/customers", { key: stack.adminKey, headers: { origin: "https://evil.example.net" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const allowed = await stack.api("/v1/health", { headers: { origin: SHOP } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(SHOP);
  });

  it("_next is followed only when exactly on a configured origin: look-alikes, other schemes and protocol-relative URLs go to the thank-you page", async () => {
    for (const next of [
      "http://shop.example.com/thanks",
      "https://shop.example.com:8443/thanks",
      "https://shop.example.com.evil.example/",
      "https://shop.example.com@evil.example/",
      "//evil.example/thanks",
      "/thanks",
      "data:text/html,hi",
      "javascript:alert(1)",
    ]) {
      const res = await fetch(`${stack.url}/v1/leads`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email: "next-probe@example.com", _next: next }).toString(),
        redirect: "manual",
      });
      expect(res.status, next).toBe(303);
      expect(res.headers.get("location"), next).toBe(`${stack.url}/v1/thanks`);
    }
    // The lead itself was fine: stored once, however many times the form was posted.
    const found = await stack.api("/v1/customers?email=next-probe@example.com", { key: stack.adminKey });
    expect(found.body.items).toHaveLength(1);
    const ok = await fetch(`${stack.url}/v1/leads`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: "next-ok@example.com", _next: `${SHOP}/thanks` }).toString(),
      redirect: "manual",
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe(`${SHOP}/thanks`);
  });
});

/** A Powertools logger that keeps every line it would print, at DEBUG, instead of printing it. */
class CapturingLogger extends Logger {
  readonly lines: string[] = [];
  protected override printLog(_level: number, log: LogItem): void {
    this.lines.push(JSON.stringify(log.getAttributes()));
  }
}

/** SES local, except for one address, whose sends fail the way SES rejects an unverified identity: quoting it. */
class PickyMailer implements Mailer {
  private inner: SesMailer | undefined;
  private readonly endpoint: () => string;
  private readonly refused: string;
  constructor(endpoint: () => string, refused: string) {
    this.endpoint = endpoint;
    this.refused = refused;
  }
  async send(mail: OutgoingMail) {
    if (mail.to === this.refused) {
      throw Object.assign(new Error(`Email address is not verified. The following identities failed the check in region US-EAST-1: ${mail.to}`), {
        name: "MessageRejected",
      });
    }
    this.inner ??= new SesMailer({ region: "us-east-1", endpoint: this.endpoint() });
    return this.inner.send(mail);
  }
}

describe("no PII or keys in logs", () => {
  const logger = new CapturingLogger({ serviceName: "rapport", logLevel: "DEBUG" });
  const person = { email: "zebulon.quixote@example.org", firstName: "Zebulon", lastName: "Quixote", phone: "+47 912 34 567" };
  const other = { email: "philippa.marchbanks@example.net", firstName: "Philippa", lastName: "Marchbanks", phone: "+44 20 7946 0958" };
  const refused = { email: "ottoline.vasquez@example.com", firstName: "Ottoline", lastName: "Vasquez", phone: "+1 415 555 0199" };
  const held = { email: "bartholomew.snark@example.com", firstName: "Bartholomew", lastName: "Snark", phone: "+61 2 9374 4000" };
  const secrets: string[] = [];
  let logStack: TestStack;
  const picky = new PickyMailer(() => logStack.sesUrl, refused.email);
  logStack = useStack({
    logger,
    mailer: picky,
    env: { MIN_SUBMIT_SECONDS: "1", CAPTCHA_PROVIDER: "turnstile", CAPTCHA_SECRET: "turnstile-secret-for-the-log-test" },
    deps: { captcha: passingVerifier() },
  });

  function passingVerifier(): CaptchaVerifier {
    return { verify: async (token) => ({ success: token.startsWith("pass-"), errorCodes: token.startsWith("pass-") ? [] : ["invalid-input-response"] }) };
  }

  it("a full scenario (leads, purchase, edit, sweep with mail, feedback, unsubscribe, quarantine, error paths) logs ids and outcomes only", async () => {
    const s = logStack;
    const rendered = () => String(Date.now() - 5000);
    secrets.push(s.adminKey, s.leadsKey);
    for (const p of [person, other, refused, held]) secrets.push(p.email, p.firstName, p.lastName, p.phone, p.phone.replace(/\D/g, ""));

    // Leads: JSON with an idempotency key, a browser form, and one from a bot (held, then released).
    const lead = await s.api("/v1/leads", {
      key: s.leadsKey,
      body: { ...person, consent: "yes", message: `Call me on ${person.phone}`, _ts: rendered(), "cf-turnstile-response": "pass-token-zebulon" },
      headers: { "idempotency-key": "log-test-1" },
    });
    expect(lead.status).toBe(201);
    const id = lead.body.customerId as string;
    secrets.push("pass-token-zebulon");
    const form = await fetch(`${s.url}/v1/leads`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", referer: `${s.url}/contact?email=${other.email}` },
      body: new URLSearchParams({ ...other, consent: "on", _ts: rendered(), "cf-turnstile-response": "pass-token-philippa" }).toString(),
      redirect: "manual",
    });
    expect(form.status).toBe(303);
    const refusedLead = await s.api("/v1/leads", { key: s.leadsKey, body: { ...refused, _ts: rendered(), "cf-turnstile-response": "pass-token-ottoline" } });
    const bot = await s.api("/v1/leads", { key: s.leadsKey, body: { ...held, _ts: String(Date.now()), "cf-turnstile-response": "fail-token-bartholomew" } });
    expect(bot.status).toBe(201);
    secrets.push("fail-token-bartholomew");
    const quarantine = await s.api("/v1/quarantine", { key: s.adminKey });
    expect(quarantine.body.items).toHaveLength(1);
    const release = await s.api(`/v1/quarantine/${quarantine.body.items[0].id}/release`, { method: "POST", key: s.adminKey });
    expect(release.status).toBe(200);

    // A purchase by email, an edit, then a sweep that mails the thank-you (one address refused by "SES").
    expect(
      (
        await s.api("/v1/events", {
          key: s.adminKey,
          body: { type: "purchase", email: person.email, amount: 42, at: "2027-01-05T09:00:00Z", externalId: "order-1" },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await s.api("/v1/events", {
          key: s.adminKey,
          body: { type: "purchase", customerId: refusedLead.body.customerId, amount: 9, at: "2027-01-05T09:00:00Z" },
        })
      ).status,
    ).toBe(201);
    expect(
      (await s.api(`/v1/customers/${id}`, { method: "PATCH", key: s.adminKey, body: { lastName: "Quixote", phone: person.phone, owner: other.email } })).status,
    ).toBe(200);
    expect((await s.api(`/v1/customers?email=${encodeURIComponent(person.email)}`, { key: s.adminKey })).status).toBe(200);
    expect((await s.api(`/v1/customers/${id}/timeline`, { key: s.adminKey })).status).toBe(200);
    expect((await s.api("/v1/sweeps", { key: s.adminKey, body: { at: "2027-01-05T10:00:00Z" } })).status).toBe(200);
    const mails = await s.mailsTo(person.email);
    expect(mails.length).toBeGreaterThan(0);

    // Links from the mail: feedback (score, then a comment) and one-click unsubscribe.
    const unsubscribeHeader = mails[0]!.headers!.find((h) => h.name.toLowerCase() === "list-unsubscribe")!.value;
    const unsubscribeUrl = /<(http[^>]+)>/.exec(unsubscribeHeader)![1]!;
    const unsubscribeToken = new URL(unsubscribeUrl).searchParams.get("t")!;
    const feedbackToken = signToken(TEST_TOKEN_SECRET, { c: id, p: "feedback", k: "feedback-request" }, new Date(Date.now() + 86_400_000));
    secrets.push(unsubscribeToken, feedbackToken);
    expect((await fetch(`${s.url}/v1/feedback?t=${feedbackToken}&score=9`)).status).toBe(200);
    expect((await s.api("/v1/feedback", { body: { t: feedbackToken, score: 9 } })).status).toBe(200);
    const comment = await s.api("/v1/feedback", { body: { t: feedbackToken, score: 9, comment: `Lovely, ${person.firstName} here, call ${person.phone}` } });
    expect(comment.status).toBe(200);
    expect(
      (await fetch(unsubscribeUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" }))
        .status,
    ).toBe(200);

    // Error paths: bad input quoting PII, a taken email, a forged token, bad keys, a dependency failure.
    expect((await s.api("/v1/leads", { key: s.leadsKey, body: { email: person.email, phone: `call ${person.firstName}`, birthday: "tomorrow" } })).status).toBe(
      400,
    );
    expect((await s.api(`/v1/customers/${id}`, { method: "PATCH", key: s.adminKey, body: { email: other.email } })).status).toBe(409);
    expect(
      (
        await s.api(`/v1/unsubscribe?t=${unsubscribeToken.slice(0, -1)}${unsubscribeToken.endsWith("x") ? "y" : "x"}`, {
          method: "POST",
          body: "List-Unsubscribe=One-Click",
          headers: { "content-type": "application/x-www-form-urlencoded" },
        })
      ).status,
    ).toBe(403);
    expect((await s.api("/v1/customers", { key: `${s.adminKey.slice(0, -1)}${s.adminKey.endsWith("Q") ? "R" : "Q"}` })).status).toBe(401);
    expect((await s.api("/v1/customers", { key: s.leadsKey })).status).toBe(403);
    // A corrupt stored value that a dependency fails on, quoting it (as JSON.parse does) in its message.
    s.deps.db.middlewareStack.add(
      (next) => async (args) => {
        if (JSON.stringify(args.input).includes("Corrupt")) JSON.parse(`${person.firstName} ${person.lastName} ${person.phone} <${person.email}>`);
        return next(args);
      },
      { step: "initialize", name: "corruptOnPurpose" },
    );
    const failed = await s.api(`/v1/customers/${id}`, { method: "PATCH", key: s.adminKey, body: { company: "Corrupt Co" } });
    s.deps.db.middlewareStack.remove("corruptOnPurpose");
    expect(failed.status).toBe(500);
    expect(JSON.stringify(failed.body)).not.toContain(person.firstName);

    const log = logger.lines.join("\n");
    // The capture works: every request left a line, and the failures are there by name.
    expect(logger.lines.filter((l) => l.includes('"message":"request"')).length).toBeGreaterThanOrEqual(20);
    expect(log).toContain('"quarantineId":"q_');
    expect(log).toContain("MessageRejected");
    expect(log).toContain('"message":"request failed"');
    expect(log).toContain(id);
    for (const secret of secrets) expect(log.toLowerCase(), `the log must not contain ${secret}`).not.toContain(secret.toLowerCase());
  });
});

/** A verifier that answers what the test says, and remembers what it was asked. */
class FakeVerifier implements CaptchaVerifier {
  readonly calls: { token: string; remoteIp?: string }[] = [];
  answer: "pass" | "fail" | "throw" = "pass";
  async verify(token: string, remoteIp?: string): Promise<CaptchaOutcome> {
    this.calls.push({ token, remoteIp });
    if (this.answer === "throw") throw Object.assign(new Error("connect ETIMEDOUT challenges.cloudflare.com"), { name: "TimeoutError" });
    return this.answer === "pass" ? { success: true, errorCodes: [] } : { success: false, errorCodes: ["invalid-input-response"] };
  }
}

async function heldItems(s: TestStack) {
  const res = await s.api("/v1/quarantine?limit=100", { key: s.adminKey });
  expect(res.status).toBe(200);
  return res.body.items as {
    id: string;
    reason: string;
    detail?: string;
    heldAt: string;
    lead: Record<string, unknown>;
    context: Record<string, string>;
    expiresAt: string;
  }[];
}

async function customersWithEmail(s: TestStack, email: string) {
  return (await s.api(`/v1/customers?email=${encodeURIComponent(email)}`, { key: s.adminKey })).body.items as { id: string }[];
}

describe("bot protection with a captcha and a minimum time to submit", () => {
  const verifier = new FakeVerifier();
  const s = useStack({
    allowedOrigins: [SHOP],
    env: { CAPTCHA_PROVIDER: "turnstile", CAPTCHA_SECRET: "unused-by-the-fake", MIN_SUBMIT_SECONDS: "3" },
    deps: { captcha: verifier },
  });
  const slow = () => Date.now() - 10_000;

  it("a solved captcha posted after the minimum time becomes a customer; the token is verified with the client IP and never stored", async () => {
    verifier.answer = "pass";
    const res = await s.api("/v1/leads", {
      key: s.leadsKey,
      body: { email: "human@example.com", firstName: "Hu", _ts: slow(), "cf-turnstile-response": "tok-human-123" },
    });
    expect(res.status).toBe(201);
    expect(verifier.calls.at(-1)).toEqual({ token: "tok-human-123", remoteIp: "127.0.0.1" });
    const stored = await s.deps.db.send(
      new QueryCommand({ TableName: s.deps.table, KeyConditionExpression: "PK = :pk", ExpressionAttributeValues: { ":pk": customerPk(res.body.customerId) } }),
    );
    expect(stored.Items!.length).toBeGreaterThan(0);
    expect(JSON.stringify(stored.Items)).not.toContain("tok-human-123");
    expect(JSON.stringify(stored.Items)).not.toContain("cf-turnstile-response");
  });

  it("a missing or refused captcha, or a verifier that cannot be reached, holds the lead and answers exactly like a real one", async () => {
    const real = await s.api("/v1/leads", { key: s.leadsKey, body: { email: "shape@example.com", _ts: slow(), "cf-turnstile-response": "ok" } });
    const cases = [
      { answer: "pass", body: { email: "nocaptcha@example.com", _ts: slow() }, reason: "captcha_missing" },
      {
        answer: "fail",
        body: { email: "refused@example.com", _ts: slow(), "cf-turnstile-response": "forged" },
        reason: "captcha_failed",
        detail: "invalid-input-response",
      },
      {
        answer: "throw",
        body: { email: "outage@example.com", firstName: "Otto", _ts: slow(), "cf-turnstile-response": "tok-outage" },
        reason: "captcha_unavailable",
      },
      { answer: "pass", body: { email: "hcaptcha-field@example.com", _ts: slow(), "h-captcha-response": "wrong-provider" }, reason: "captcha_missing" },
    ] as const;
    for (const c of cases) {
      verifier.answer = c.answer;
      const res = await s.api("/v1/leads", { key: s.leadsKey, body: c.body });
      expect(res.status, c.reason).toBe(real.status);
      expect(Object.keys(res.body).sort(), c.reason).toEqual(Object.keys(real.body).sort());
      expect(res.body.created).toBe(true);
      expect(res.body.customerId).toMatch(/^cus_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect((await s.api(`/v1/customers/${res.body.customerId}`, { key: s.adminKey })).status).toBe(404);
      expect(await customersWithEmail(s, c.body.email), c.reason).toEqual([]);
      const item = (await heldItems(s)).find((h) => h.lead.email === c.body.email);
      expect(item, c.reason).toMatchObject({ reason: c.reason, context: { ip: "127.0.0.1" } });
      if ("detail" in c) expect(item!.detail).toBe(c.detail);
      expect(item!.lead).not.toHaveProperty("cf-turnstile-response");
      expect(item!.lead).not.toHaveProperty("h-captcha-response");
    }
    const outage = (await heldItems(s)).find((h) => h.lead.email === "outage@example.com")!;
    expect(outage.lead).toMatchObject({ email: "outage@example.com", firstName: "Otto" });
    expect(Date.parse(outage.expiresAt) - Date.parse(outage.heldAt)).toBe(30 * 86_400_000 - (Date.parse(outage.heldAt) % 1000));
  });

  it("posted too soon after the form rendered, without _ts, or with _ts in the future: held, without asking the captcha provider", async () => {
    verifier.answer = "pass";
    const asked = verifier.calls.length;
    for (const [email, ts, reason] of [
      ["fast@example.com", Date.now(), "too_fast"],
      ["nots@example.com", undefined, "no_timestamp"],
      ["garbled@example.com", "yesterday", "no_timestamp"],
      ["future@example.com", Date.now() + 60_000, "future_timestamp"],
    ] as const) {
      const res = await s.api("/v1/leads", { key: s.leadsKey, body: { email, "cf-turnstile-response": "ok", ...(ts === undefined ? {} : { _ts: ts }) } });
      expect(res.status, reason).toBe(201);
      expect(await customersWithEmail(s, email), reason).toEqual([]);
      expect((await heldItems(s)).find((h) => h.lead.email === email)?.reason, email).toBe(reason);
    }
    expect(verifier.calls.length).toBe(asked);
  });

  it("a browser form that is held is redirected like any other, to _next or the thank-you page", async () => {
    const post = (fields: Record<string, string>) =>
      fetch(`${s.url}/v1/leads`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", referer: `${SHOP}/contact?utm=x` },
        body: new URLSearchParams(fields).toString(),
        redirect: "manual",
      });
    const heldForm = await post({ email: "formbot@example.com", _next: `${SHOP}/thanks` });
    expect(heldForm.status).toBe(303);
    expect(heldForm.headers.get("location")).toBe(`${SHOP}/thanks`);
    const plain = await post({ email: "formbot2@example.com" });
    expect(plain.headers.get("location")).toBe(`${s.url}/v1/thanks`);
    const item = (await heldItems(s)).find((h) => h.lead.email === "formbot@example.com")!;
    expect(item.context).toMatchObject({ ip: "127.0.0.1", page: `${SHOP}/contact`, userAgent: expect.any(String) });
  });

  it("the honeypot still discards without holding anything", async () => {
    const before = (await heldItems(s)).length;
    const res = await s.api("/v1/leads", { key: s.leadsKey, body: { email: "honey@example.com", _gotcha: "spam", _ts: Date.now() } });
    expect(res.status).toBe(201);
    expect((await heldItems(s)).length).toBe(before);
  });

  it("an Idempotency-Key replays the held answer and holds the submission once", async () => {
    const body = { email: "idem-bot@example.com", _ts: Date.now() };
    const first = await s.api("/v1/leads", { key: s.leadsKey, body, headers: { "idempotency-key": "bot-1" } });
    const again = await s.api("/v1/leads", { key: s.leadsKey, body, headers: { "idempotency-key": "bot-1" } });
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect((await heldItems(s)).filter((h) => h.lead.email === "idem-bot@example.com")).toHaveLength(1);
  });

  it("the admin lists the quarantine newest first, a page at a time", async () => {
    for (let i = 0; i < 5; i++) await s.api("/v1/leads", { key: s.leadsKey, body: { email: `page-bot-${i}@example.com` } });
    const all = await heldItems(s);
    const heldAt = all.map((h) => h.id);
    expect(heldAt).toEqual([...heldAt].sort().reverse());
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await s.api(`/v1/quarantine?limit=3${cursor ? `&cursor=${cursor}` : ""}`, { key: s.adminKey });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((h: { id: string }) => h.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((h) => h.id));
    expect((await s.api("/v1/quarantine?cursor=nonsense", { key: s.adminKey })).status).toBe(400);
    expect((await s.api("/v1/quarantine?limit=0", { key: s.adminKey })).status).toBe(400);
  });

  it("release captures the held lead as if it had passed (consent dated when it was posted) and empties its place; a second release is 404", async () => {
    verifier.answer = "fail";
    const posted = await s.api("/v1/leads", {
      key: s.leadsKey,
      body: {
        email: "Released.Person@Example.com",
        firstName: "Rel",
        phone: "+47 22 33 44 55",
        consent: "yes",
        source: "landing",
        tags: "spring",
        _ts: slow(),
        "cf-turnstile-response": "x",
      },
      headers: { "user-agent": "Mozilla/5.0 (test)", referer: `${SHOP}/landing?x=1` },
    });
    expect(posted.status).toBe(201);
    const item = (await heldItems(s)).find((h) => h.lead.email === "released.person@example.com")!;
    const released = await s.api(`/v1/quarantine/${item.id}/release`, { method: "POST", key: s.adminKey });
    expect(released.status).toBe(200);
    expect(released.body).toEqual({ customerId: expect.stringMatching(/^cus_/), created: true });
    expect(released.body.customerId).not.toBe(posted.body.customerId);
    const view = await s.api(`/v1/customers/${released.body.customerId}`, { key: s.adminKey });
    expect(view.body.email).toBe("released.person@example.com");
    expect(view.body.profile).toEqual({ firstName: "Rel", phone: "+47 22 33 44 55" });
    expect(view.body.tags).toEqual(["spring"]);
    expect(view.body.consent.marketing).toBe(true);
    const entry = view.body.recentTimeline.find((e: { type: string }) => e.type === "form_submitted");
    expect(entry.data).toMatchObject({
      submittedAt: item.heldAt,
      releasedFromQuarantine: true,
      userAgent: "Mozilla/5.0 (test)",
      attribution: { source: "landing", page: `${SHOP}/landing` },
      consent: { granted: true, at: item.heldAt, ip: "127.0.0.1" },
    });
    expect((await heldItems(s)).find((h) => h.id === item.id)).toBeUndefined();
    const again = await s.api(`/v1/quarantine/${item.id}/release`, { method: "POST", key: s.adminKey });
    expect(again.status).toBe(404);
    expect((await s.api(`/v1/quarantine/${item.id}`, { method: "DELETE", key: s.adminKey })).status).toBe(404);
  });

  it("two concurrent releases of one held lead capture it once", async () => {
    await s.api("/v1/leads", { key: s.leadsKey, body: { email: "race@example.com" } });
    const item = (await heldItems(s)).find((h) => h.lead.email === "race@example.com")!;
    const answers = await Promise.all([1, 2, 3].map(() => s.api(`/v1/quarantine/${item.id}/release`, { method: "POST", key: s.adminKey })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const a of answers.filter((a) => a.status !== 200)) expect([404, 409]).toContain(a.status);
    const [customer] = await customersWithEmail(s, "race@example.com");
    const timeline = await s.api(`/v1/customers/${customer!.id}/timeline`, { key: s.adminKey });
    expect(timeline.body.items.filter((e: { type: string }) => e.type === "form_submitted")).toHaveLength(1);
  });

  it("drop deletes a held lead for good: 204, then 404, and it never becomes a customer", async () => {
    await s.api("/v1/leads", { key: s.leadsKey, body: { email: "dropme@example.com" } });
    const item = (await heldItems(s)).find((h) => h.lead.email === "dropme@example.com")!;
    const dropped = await s.api(`/v1/quarantine/${item.id}`, { method: "DELETE", key: s.adminKey });
    expect(dropped.status).toBe(204);
    expect((await s.api(`/v1/quarantine/${item.id}`, { method: "DELETE", key: s.adminKey })).status).toBe(404);
    expect((await s.api(`/v1/quarantine/${item.id}/release`, { method: "POST", key: s.adminKey })).status).toBe(404);
    expect(await customersWithEmail(s, "dropme@example.com")).toEqual([]);
    const raw = await s.deps.db.send(new GetCommand({ TableName: s.deps.table, Key: { PK: QUARANTINE_PARTITION, SK: item.id } }));
    expect(raw.Item).toBeUndefined();
  });

  it("400 for something that is not a quarantine id", async () => {
    const res = await s.api("/v1/quarantine/cus_01M841EYZH03RP8XS8FT83N5KE/release", { method: "POST", key: s.adminKey });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([{ field: "id", message: "is not a quarantine id" }]);
  });
});

/** A stand-in for a provider's siteverify endpoint: answers what the test says, records what it got. */
function siteverifyStandIn() {
  const received: { method: string; contentType: string; form: Record<string, string> }[] = [];
  let answer: (form: Record<string, string>) => { status: number; body: string } | "hang" = () => ({ status: 200, body: '{"success":true,"error-codes":[]}' });
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
      received.push({ method: req.method ?? "", contentType: req.headers["content-type"] ?? "", form });
      const a = answer(form);
      if (a === "hang") return;
      res.writeHead(a.status, { "content-type": "application/json" }).end(a.body);
    });
  });
  return {
    received,
    server,
    set answer(fn: typeof answer) {
      answer = fn;
    },
    async start(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/siteverify`;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("captcha verification over HTTP (the real client, against a local siteverify)", () => {
  const siteverify = siteverifyStandIn();
  // Filled in before the stack starts: the stand-in's port is known only once it listens.
  const env: Record<string, string> = { CAPTCHA_PROVIDER: "hcaptcha", CAPTCHA_SECRET: "0x-hcaptcha-secret-for-tests" };
  beforeAll(async () => {
    env.CAPTCHA_VERIFY_URL = await siteverify.start();
  });
  afterAll(() => siteverify.stop());
  const s = useStack({ env });

  it("posts the secret, the token and the client IP form-encoded, and a success makes a customer", async () => {
    siteverify.answer = () => ({ status: 200, body: '{"success":true,"challenge_ts":"2026-01-01T00:00:00Z","hostname":"shop.example.com","credit":false}' });
    const res = await s.api("/v1/leads", { key: s.leadsKey, body: { email: "verified@example.com", "h-captcha-response": "P1_token-from-the-widget" } });
    expect(res.status).toBe(201);
    expect(siteverify.received.at(-1)).toEqual({
      method: "POST",
      contentType: "application/x-www-form-urlencoded",
      form: { secret: "0x-hcaptcha-secret-for-tests", response: "P1_token-from-the-widget", remoteip: "127.0.0.1" },
    });
    expect(await customersWithEmail(s, "verified@example.com")).toHaveLength(1);
  });

  it("success: false holds the lead with the provider's error codes", async () => {
    siteverify.answer = () => ({ status: 200, body: '{"success":false,"error-codes":["invalid-or-already-seen-response"]}' });
    await s.api("/v1/leads", { key: s.leadsKey, body: { email: "replayed@example.com", "h-captcha-response": "used-token" } });
    expect(await customersWithEmail(s, "replayed@example.com")).toEqual([]);
    expect((await heldItems(s)).find((h) => h.lead.email === "replayed@example.com")).toMatchObject({
      reason: "captcha_failed",
      detail: "invalid-or-already-seen-response",
    });
  });

  it("a provider outage (5xx, an answer that is not JSON, nobody listening) holds the lead instead of losing it", async () => {
    for (const [email, reply] of [
      ["outage500@example.com", { status: 503, body: "upstream unavailable" }],
      ["outagehtml@example.com", { status: 200, body: "<html>captive portal</html>" }],
      ["outagenosuccess@example.com", { status: 200, body: '{"error":"x"}' }],
    ] as const) {
      siteverify.answer = () => reply;
      const res = await s.api("/v1/leads", { key: s.leadsKey, body: { email, "h-captcha-response": "tok" } });
      expect(res.status, email).toBe(201);
      expect((await heldItems(s)).find((h) => h.lead.email === email)?.reason, email).toBe("captcha_unavailable");
    }
  });

  it("a siteverify that never answers times out, and a closed port fails fast: both throw, so the lead is held", async () => {
    siteverify.answer = () => "hang";
    const slow = new SiteverifyCaptchaVerifier({ provider: "turnstile", secret: async () => "s", url: env.CAPTCHA_VERIFY_URL!, timeoutMs: 200 });
    await expect(slow.verify("tok")).rejects.toMatchObject({ name: "TimeoutError" });
    const closed = new SiteverifyCaptchaVerifier({ provider: "turnstile", secret: async () => "s", url: "http://127.0.0.1:9/siteverify" });
    await expect(closed.verify("tok")).rejects.toThrow();
  });
});

const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

describe.skipIf(!existsSync(chromiumPath))("the embeddable form's _ts in a real browser", () => {
  // Generous, so a loaded machine never makes the hasty post look patient.
  const s = useStack({ env: { MIN_SUBMIT_SECONDS: "5" } });

  it("the inline script stamps the render time: a person who takes their time gets through, a form posted at once is held", async () => {
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] });
    try {
      const page = await browser.newPage();
      await page.goto(`${s.url}/`);
      const ts = Number(await page.locator('input[name="_ts"]').inputValue());
      expect(Math.abs(ts - Date.now())).toBeLessThan(5000);
      await page.getByLabel("Email").fill("patient.person@example.com");
      await page.waitForTimeout(5500);
      await page.getByRole("button", { name: "Send" }).click();
      await page.waitForURL(`${s.url}/v1/thanks`);
      expect(await customersWithEmail(s, "patient.person@example.com")).toHaveLength(1);

      await page.goto(`${s.url}/`);
      await page.getByLabel("Email").fill("hasty.bot@example.com");
      await page.getByRole("button", { name: "Send" }).click();
      await page.waitForURL(`${s.url}/v1/thanks`);
      expect(await customersWithEmail(s, "hasty.bot@example.com")).toEqual([]);
      expect((await heldItems(s)).find((h) => h.lead.email === "hasty.bot@example.com")?.reason).toBe("too_fast");
    } finally {
      await browser.close();
    }
  });
});

describe("text hygiene: what a body may carry into storage", () => {
  const customer = async (id: string) => (await stack.api(`/v1/customers/${id}`, { key: stack.adminKey })).body;

  it("NUL characters are dropped and unpaired surrogates replaced before anything is stored, in JSON and in forms, keys included", async () => {
    const json = await stack.api("/v1/leads", {
      key: stack.leadsKey,
      body: '{"email":"nul-json@example.com","firstName":"Ada\\u0000","lastName":"\\ud800Love\\udfff"}',
    });
    expect(json.status).toBe(201);
    const stored = await customer(json.body.customerId);
    expect(stored.profile).toMatchObject({ firstName: "Ada", lastName: "\ufffdLove\ufffd" });

    const form = await stack.api("/v1/leads", {
      key: stack.leadsKey,
      body: "email=nul-form%40example.com&first%00Name=Bo&lastName=Grace%00Hopper",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(201);
    expect((await customer(form.body.customerId)).profile).toMatchObject({ firstName: "Bo", lastName: "GraceHopper" });

    const event = await stack.api("/v1/events", {
      key: stack.adminKey,
      body: `{"type":"note","customerId":"${json.body.customerId}","data":{"ke\\u0000y":"v\\ud83d"}}`,
    });
    expect(event.status, JSON.stringify(event.body)).toBe(201);
    const timeline = (await stack.api(`/v1/customers/${json.body.customerId}/timeline`, { key: stack.adminKey })).body.items;
    const note = timeline.find((e: { type: string }) => e.type === "note");
    expect(note?.data?.data).toMatchObject({ key: "v\ufffd" });
    expect(Object.keys(note?.data?.data ?? {})).toEqual(["key"]);
    expect(JSON.stringify(timeline)).not.toMatch(/\\u0000|\\ud8/i);
  });

  it("JSON with a UTF-8 byte order mark is accepted (RFC 8259 lets a parser ignore it)", async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ email: "bom@example.com", firstName: "Bom" }))]);
    const res = await fetch(`${stack.url}/v1/leads`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${stack.leadsKey}` },
      body,
    });
    expect(res.status).toBe(201);
    expect((await customer(((await res.json()) as { customerId: string }).customerId)).profile.firstName).toBe("Bom");
  });

  it("every route with a body takes exactly the content types its OpenAPI entry lists, and 415 for the others", async () => {
    const id = (await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "content-types@example.com" } })).body.customerId as string;
    const samples: Record<string, string> = {
      "application/json": "{}",
      "application/x-www-form-urlencoded": "x=1",
      "multipart/form-data; boundary=xyz": '--xyz\r\ncontent-disposition: form-data; name="x"\r\n\r\n1\r\n--xyz--\r\n',
      "text/plain": "x=1",
      "application/merge-patch+json": "{}",
    };
    const document = (await stack.api("/v1/openapi.json")).body;
    for (const route of routes.filter((r) => r.request?.body || r.request?.rawBody)) {
      const listed = Object.keys(document.paths[route.path][route.method.toLowerCase()].requestBody.content);
      const path = route.path.replace("{id}", route.fn === "campaigns" ? "content-type-check" : id);
      for (const [type, body] of Object.entries(samples)) {
        const res = await fetch(`${stack.url}${path}`, {
          method: route.method,
          headers: { "content-type": type, accept: "application/json", authorization: `Bearer ${stack.adminKey}` },
          body,
        });
        const documented = listed.includes(type.split(";")[0]!);
        expect(res.status === 415, `${route.method} ${route.path} with ${type}: ${res.status}`).toBe(!documented);
      }
    }
    const patch = await stack.api(`/v1/customers/${id}`, {
      method: "PATCH",
      key: stack.adminKey,
      body: "company=Acme",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(patch.status).toBe(415);
    expect(patch.body.message).toContain("application/json");
    expect((await customer(id)).profile.company).toBeUndefined();
  });
});
