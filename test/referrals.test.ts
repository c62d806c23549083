/**
 * The advocate programme through HTTP, against the real handlers: a promoter's referral link on
 * the feedback thank-you page, the link's redirect, a referred lead credited on both timelines,
 * a first purchase counted once, the ambassador reward with a perk code from the pool (and its
 * wait while the pool is empty), the referrals report and the perk pool's CLI.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { afterAll, describe, expect, inject, it } from "vitest";
import { PROJECT_ROOT } from "../infra/functions.ts";
import { normalizeEmail } from "../shared/customers/email.ts";
import { findCustomerIdByEmail, getCustomerItem } from "../shared/customers/repository.ts";
import { signToken } from "../shared/email-links/tokens.ts";
import { customerKey, customerPk } from "../shared/entities/customer.ts";
import { claimPerk, importPerks, perkSummary } from "../shared/referrals/perks.ts";
import { applyReferralRecords } from "../shared/referrals/referrals.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, seriousViolations, settled, type Watched } from "./support/browser.ts";
import { TEST_TOKEN_SECRET, useStack } from "./support/stack.ts";

/**
 * The business's website, served by this file on its own origin: where referral links land. It
 * listens from the start (its origin goes into the stack's allowed origins), so no other file can
 * take its port between a probe and a later listen; a test sets what it answers.
 */
let sitePage: (url: string) => string = () => "<!doctype html><title>Fjord Coffee</title><h1>Fjord Coffee</h1>";
const siteServer = createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(sitePage(req.url ?? "/"));
});
const sitePort = await new Promise<number>((resolve) => siteServer.listen(0, "127.0.0.1", () => resolve((siteServer.address() as AddressInfo).port)));
afterAll(() => {
  siteServer.closeAllConnections();
  return new Promise((resolve) => siteServer.close(resolve));
});
const site = `http://127.0.0.1:${sitePort}`;
const LANDING = `${site}/welcome?lang=en`;
const stack = useStack({ allowedOrigins: [site], env: { BUSINESS_NAME: "Fjord Coffee", AMBASSADOR_REFERRALS: "2", REFERRAL_LANDING_URL: LANDING } });
const DAY = 86_400_000;
const HOUR = 3_600_000;

let counter = 0;
const unique = (name: string) => `${name}.${++counter}.${Date.now()}@example.com`;

async function lead(body: Record<string, unknown>): Promise<{ id: string; email: string; status: number }> {
  const email = (body.email as string | undefined) ?? unique("lead");
  const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return { id: res.body.customerId, email, status: res.status };
}

/** A customer who scored 10: their referral link and its code. */
async function promoter(firstName: string): Promise<{ id: string; email: string; link: string; code: string }> {
  const { id, email } = await lead({ firstName, lastName: "Advocate" });
  const t = signToken(TEST_TOKEN_SECRET, { c: id, p: "feedback", k: "feedback-request:order-1" }, new Date(Date.now() + 30 * DAY));
  const res = await stack.api("/v1/feedback", { body: { t, score: 10 } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const link = res.body.referralLink as string;
  return { id, email, link, code: link.slice(link.lastIndexOf("/") + 1) };
}

async function purchase(customerId: string, externalId: string, amount = 40) {
  const res = await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId, amount, externalId } });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res;
}

async function timeline(id: string): Promise<{ type: string; summary?: string; data?: Record<string, unknown> }[]> {
  const res = await stack.api(`/v1/customers/${id}/timeline?limit=100`, { key: stack.adminKey });
  expect(res.status).toBe(200);
  return res.body.items;
}

async function sweep(at: number) {
  const res = await stack.api("/v1/sweeps", { key: stack.adminKey, body: { at: new Date(at).toISOString() } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await stack.queue.drain();
  return res.body as { due: number; enqueued: number };
}

/** An ambassador the dashboard test opens. */
let shownAmbassador = "";

const customer = async (id: string) => (await getCustomerItem(stack.deps, id, true))!;

/** Makes `referrer` an ambassador: AMBASSADOR_REFERRALS (2) referred people who each buy once. */
async function ambassador(referrer: { code: string; id: string }): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const friend = await lead({ email: unique("friend"), firstName: `Friend${i}`, ref: referrer.code });
    await purchase(friend.id, `order-${friend.id}`);
  }
  await expect.poll(async () => (await customer(referrer.id)).ambassadorAt, { timeout: 10_000 }).toBeDefined();
}

describe("a promoter's referral link", () => {
  it("is on the thank-you page after a score of 10, the same link every time, and not after an 8", async () => {
    const { id } = await lead({ firstName: "Ingrid" });
    const t = signToken(TEST_TOKEN_SECRET, { c: id, p: "feedback", k: "feedback-request:order-9" }, new Date(Date.now() + 30 * DAY));
    // A person's browser posts the score form: the thank-you page shows the link.
    const page = await fetch(`${stack.url}/v1/feedback`, {
      method: "POST",
      headers: { accept: "text/html", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ t, score: "10" }).toString(),
    });
    const html = await page.text();
    expect(page.status).toBe(200);
    const shown = /value="(http[^"]+\/r\/([0-9a-z]{10}))"/.exec(html);
    expect(shown, html).not.toBeNull();
    expect(html).toContain('<label for="referral-link">Your referral link</label>');
    // The comment posted from that page, and the JSON answer, carry the very same link.
    const again = await stack.api("/v1/feedback", { body: { t, score: 10, comment: "Lovely beans" } });
    expect(again.body.referralLink).toBe(shown![1]);
    const view = await stack.api(`/v1/customers/${id}`, { key: stack.adminKey });
    expect(view.body.referral).toMatchObject({ code: shown![2], link: shown![1], status: "promoter", referrals: 0, referredLeads: 0 });

    const passive = await lead({ firstName: "Pat" });
    const t8 = signToken(TEST_TOKEN_SECRET, { c: passive.id, p: "feedback", k: "feedback-request:order-8" }, new Date(Date.now() + 30 * DAY));
    const eight = await stack.api("/v1/feedback", { body: { t: t8, score: 8 } });
    expect(eight.body.referralLink).toBeUndefined();
    expect((await customer(passive.id)).referralCode).toBeUndefined();
  });

  it("redirects a new visitor to the landing page with ?ref=, sets no cookie and writes nothing", async () => {
    const p = await promoter("Rita");
    // The stream's own follow-up of the promoter's feedback (lead score, search) lands first.
    await stack.settleReports();
    const before = await stack.deps.db.send(
      new QueryCommand({
        TableName: stack.deps.table,
        KeyConditionExpression: "PK = :pk",
        ExpressionAttributeValues: { ":pk": customerPk(p.id) },
        ConsistentRead: true,
      }),
    );
    const res = await fetch(p.link, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${site}/welcome?lang=en&ref=${p.code}`);
    expect(res.headers.get("set-cookie")).toBeNull();
    // Typed in capitals from a phone call: the same code.
    expect((await fetch(`${stack.url}/r/${p.code.toUpperCase()}`, { redirect: "manual" })).headers.get("location")).toContain(`ref=${p.code}`);
    // An unknown code still reaches the website, without a ref.
    const unknown = await fetch(`${stack.url}/r/zzzzzzzzzz`, { redirect: "manual" });
    expect(unknown.status).toBe(302);
    expect(unknown.headers.get("location")).toBe(`${site}/welcome?lang=en`);
    await stack.settleReports();
    const after = await stack.deps.db.send(
      new QueryCommand({
        TableName: stack.deps.table,
        KeyConditionExpression: "PK = :pk",
        ExpressionAttributeValues: { ":pk": customerPk(p.id) },
        ConsistentRead: true,
      }),
    );
    expect(after.Items).toEqual(before.Items);
  });
});

describe("an erased promoter's link", () => {
  it("stops naming them: a later visit lands without ref and a lead with the code credits nobody", async () => {
    const p = await promoter("Erna");
    expect((await stack.api(`/v1/customers/${p.id}`, { method: "DELETE", key: stack.adminKey })).status).toBe(200);
    expect((await fetch(p.link, { redirect: "manual" })).headers.get("location")).toBe(`${site}/welcome?lang=en`);
    const friend = await lead({ firstName: "Fia", ref: p.code });
    expect(friend.status).toBe(201);
    expect((await customer(friend.id)).referredBy).toBeUndefined();
  });
});

describe("a lead who arrives through a referral link", () => {
  it("is credited to the referrer, with an entry on both timelines (a browser form post with ref)", async () => {
    const p = await promoter("Sigrid");
    const email = unique("nora");
    const res = await fetch(`${stack.url}/v1/leads`, {
      method: "POST",
      headers: { accept: "text/html", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, firstName: "Nora", lastName: "Newcomer", ref: p.code }).toString(),
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    const id = (await findCustomerIdByEmail(stack.deps, normalizeEmail(email)!))!;
    expect((await customer(id)).referredBy).toBe(p.id);
    expect(await timeline(id)).toContainEqual(expect.objectContaining({ type: "referred_by", summary: "Referred by Sigrid Advocate" }));
    expect(await timeline(p.id)).toContainEqual(expect.objectContaining({ type: "referred", summary: "Referred Nora Newcomer" }));
    expect((await customer(p.id)).referredLeads).toBe(1);
  });

  it("is not credited for their own code, when already a customer, or with an unknown code; the lead is kept every time", async () => {
    const p = await promoter("Selma");
    // Their own link: the same person, not a referral.
    const self = await lead({ email: p.email, ref: p.code });
    expect(self.id).toBe(p.id);
    expect((await customer(p.id)).referredBy).toBeUndefined();
    // Somebody already known arriving through a link was not brought by it.
    const known = await lead({ firstName: "Knut" });
    expect((await lead({ email: known.email, ref: p.code })).status).toBe(200);
    expect((await customer(known.id)).referredBy).toBeUndefined();
    // Unknown and malformed codes: the lead is stored, nobody credited.
    const unknown = await lead({ firstName: "Una", ref: "zzzzzzzzzz" });
    const malformed = await lead({ firstName: "Mal", ref: "<script>" });
    expect(unknown.status).toBe(201);
    expect(malformed.status).toBe(201);
    expect((await customer(unknown.id)).referredBy).toBeUndefined();
    expect((await customer(malformed.id)).referredBy).toBeUndefined();
    expect((await customer(p.id)).referredLeads).toBeUndefined();
    expect((await timeline(p.id)).filter((e) => e.type === "referred")).toEqual([]);
  });
});

describe("a referred person's first purchase", () => {
  it("grows the referrer's converted count once, however often the purchase or its stream record is replayed", async () => {
    const p = await promoter("Tora");
    const friend = await lead({ firstName: "Fred", ref: p.code });
    await purchase(friend.id, "order-fred-1");
    // The shop's webhook delivered twice, then a second order: still one converted referral.
    await purchase(friend.id, "order-fred-1");
    await purchase(friend.id, "order-fred-2");
    await expect.poll(async () => (await customer(p.id)).referrals, { timeout: 10_000 }).toBe(1);
    await stack.settleReports();
    // The stream delivering the first purchase's record again (Lambda retries a batch) credits nothing.
    const after = await customer(friend.id);
    const replayed = await applyReferralRecords(stack.deps, [
      {
        eventName: "MODIFY",
        dynamodb: {
          Keys: marshall(customerKey(friend.id)) as never,
          OldImage: marshall({ ...after, firstPurchaseAt: undefined }, { removeUndefinedValues: true, convertClassInstanceToMap: true }) as never,
          NewImage: marshall(after, { removeUndefinedValues: true, convertClassInstanceToMap: true }) as never,
        },
      },
    ]);
    expect(replayed.converted).toBe(0);
    expect((await customer(p.id)).referrals).toBe(1);
    expect((await timeline(p.id)).filter((e) => e.type === "referral_converted")).toHaveLength(1);
  });
});

describe("the ambassador reward", () => {
  it("waits while the perk pool is empty and tells the owner, then goes out once codes are imported", async () => {
    const p = await promoter("Wenche");
    await ambassador(p);
    const now = Date.now();
    await sweep(now + 1000);
    // No code to give: nothing sent, the customer waits for the pool.
    await expect.poll(async () => (await customer(p.id)).perkWaitingSince, { timeout: 10_000 }).toBeDefined();
    expect((await stack.mailsTo(p.email)).filter((m) => m.subject.includes("ambassador"))).toEqual([]);
    // The next sweep raises the owner's task.
    await sweep(now + HOUR + 60_000);
    const tasks = await stack.api(`/v1/tasks?customerId=${p.id}`, { key: stack.adminKey });
    expect(tasks.body.items.map((t: { title: string }) => t.title)).toContain("Perk pool empty: Wenche Advocate's ambassador reward is waiting");
    // Codes arrive: the reward goes out with one.
    await importPerks(stack.deps, [{ code: "FJORD-WAIT-1" }], new Date().toISOString());
    await sweep(now + 3 * HOUR);
    await expect.poll(async () => (await stack.mailsTo(p.email)).filter((m) => m.subject.includes("ambassador")).length, { timeout: 10_000 }).toBe(1);
    const [mail] = (await stack.mailsTo(p.email)).filter((m) => m.subject.includes("ambassador"));
    expect(mail!.body.text).toContain("FJORD-WAIT-1");
    expect(mail!.body.text).toContain("Hi Wenche,");
    expect(await customer(p.id)).toMatchObject({ perkCode: "FJORD-WAIT-1" });
    expect((await customer(p.id)).perkWaitingSince).toBeUndefined();
  });

  it("goes to each new ambassador with a code of their own, once", async () => {
    await importPerks(stack.deps, [{ code: "FJORD-A" }, { code: "FJORD-B" }, { code: "FJORD-C", description: "10% off" }], new Date().toISOString());
    const a = await promoter("Astrid");
    const b = await promoter("Bjørn");
    shownAmbassador = a.id;
    await ambassador(a);
    await ambassador(b);
    const view = await stack.api(`/v1/customers/${a.id}`, { key: stack.adminKey });
    expect(view.body.referral).toMatchObject({ status: "ambassador", referrals: 2, referredLeads: 2 });
    await sweep(Date.now() + 1000);
    const rewards = async (email: string) => (await stack.mailsTo(email)).filter((m) => m.subject === "A thank-you gift, ambassador");
    await expect.poll(async () => (await rewards(a.email)).length + (await rewards(b.email)).length, { timeout: 10_000 }).toBe(2);
    const codeA = (await customer(a.id)).perkCode!;
    const codeB = (await customer(b.id)).perkCode!;
    expect(codeA).toMatch(/^FJORD-[ABC]$/);
    expect(codeB).toMatch(/^FJORD-[ABC]$/);
    expect(codeA).not.toBe(codeB);
    expect((await rewards(a.email))[0]!.body.text).toContain(codeA);
    // A later sweep sends nothing more.
    await sweep(Date.now() + 2 * DAY);
    expect((await rewards(a.email)).length).toBe(1);
  });

  it("never hands one perk code to two people, however many claim at once", async () => {
    await importPerks(
      stack.deps,
      ["RACE-1", "RACE-2", "RACE-3"].map((code) => ({ code })),
      new Date().toISOString(),
    );
    const { available } = await perkSummary(stack.deps);
    const people = await Promise.all(Array.from({ length: available + 3 }, (_, i) => lead({ firstName: `Racer${i}` })));
    const codes = await Promise.all(people.map((p) => claimPerk(stack.deps, p.id)));
    const given = codes.filter((c): c is string => c !== undefined);
    expect(given).toHaveLength(available);
    expect(new Set(given).size).toBe(given.length);
    expect(await perkSummary(stack.deps)).toMatchObject({ available: 0 });
  });
});

describe("GET /v1/reports/referrals and GET /v1/perks", () => {
  it("reports referred leads, conversions, revenue and the top referrers, as JSON and CSV", async () => {
    const p = await promoter("Gunn");
    const friend = await lead({ firstName: "Gerd", ref: p.code });
    await lead({ firstName: "Geir", ref: p.code });
    await purchase(friend.id, "order-gerd", 123.5);
    await expect.poll(async () => (await customer(p.id)).referrals, { timeout: 10_000 }).toBe(1);
    await stack.settleReports();
    const res = await stack.api("/v1/reports/referrals?interval=day&top=50", { key: stack.adminKey });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    const row = res.body.rows.find((r: { period: string }) => r.period === today);
    expect(row.referredLeads).toBeGreaterThanOrEqual(2);
    expect(row.conversions).toBeGreaterThanOrEqual(1);
    expect(row.revenue).toBeGreaterThanOrEqual(123.5);
    expect(res.body.ambassadorAfter).toBe(2);
    expect(res.body.topReferrers).toContainEqual({
      customerId: p.id,
      name: "Gunn Advocate",
      referralCode: p.code,
      ambassador: false,
      leads: 2,
      conversions: 1,
      revenue: 123.5,
    });
    const csv = await fetch(`${stack.url}/v1/reports/referrals?interval=day&format=csv`, { headers: { authorization: `Bearer ${stack.adminKey}` } });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect((await csv.text()).split("\r\n")[0]).toBe("day,referred_leads,conversions,revenue_USD");
    expect((await stack.api("/v1/reports/referrals?top=0", { key: stack.adminKey })).body.fields.map((f: { field: string }) => f.field)).toEqual(["top"]);
  });

  it("shows an owner's key the perk pool, and refuses it to a key that may only post leads", async () => {
    const res = await stack.api("/v1/perks", { key: stack.adminKey });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...(await perkSummary(stack.deps)), ambassadorAfter: 2 });
    expect((await stack.api("/v1/perks", { key: stack.leadsKey })).status).toBe(403);
    expect((await stack.api("/v1/reports/referrals", { key: stack.leadsKey })).status).toBe(403);
  });
});

describe("rapport perks import and rapport reports referrals", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const rapport = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["bin/rapport.ts", ...args], {
        cwd: root,
        env: { ...process.env, DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"), RAPPORT_TABLE: stack.deps.table },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });

  it("imports each code once, skips bad rows by line, and says how many are available", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rapport-perks-"));
    try {
      const file = join(dir, "perks.csv");
      await writeFile(file, "Code;Description;expiresAt\nCLI-1;Free bag;2030-01-01\nCLI-2;;\nCLI-1;again;\nhas space;;\nCLI-3;;not a date\n");
      const { available: before } = await perkSummary(stack.deps);
      const first = await rapport(["perks", "import", file]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout.trim()).toBe(
        `imported 2 perk codes (1 already known, 2 invalid); ${before + 2} available, ${(await perkSummary(stack.deps)).used} handed out`,
      );
      expect(first.stderr).toContain("line 5: code must be 1-64 visible characters without spaces (skipped)");
      expect(first.stderr).toContain('line 6: expiresAt "not a date" is not a date');
      // The same file again adds nothing.
      const second = await rapport(["perks", "import", file]);
      expect(second.stdout).toContain("imported 0 perk codes (3 already known, 2 invalid)");
      const status = await rapport(["perks", "status"]);
      expect(status.stdout.trim()).toMatch(new RegExp(`^${before + 2} available, \\d+ handed out$`));
      // The referrals report, from the terminal.
      const report = await rapport(["reports", "referrals", "--interval", "day", "--csv"]);
      expect(report.stdout.split("\r\n")[0]).toBe("day,referred_leads,conversions,revenue_USD");
      // A file without a code column says so.
      await writeFile(file, "coupon\nX\n");
      const wrong = await rapport(["perks", "import", file]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('the header needs a "code" column');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(HAVE_BROWSER)("in a browser", () => {
  const shots = join(PROJECT_ROOT, "screenshots", "referrals");
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  afterAll(async () => browser?.close());

  async function open(viewport: "laptop" | "phone", hash: string, heading: string | RegExp): Promise<Watched> {
    browser ??= await launchBrowser();
    const w = await openWatched(browser, viewport);
    await w.page.goto(`${stack.url}/app`);
    await w.page.getByLabel("Admin API key").fill(stack.adminKey);
    await w.page.getByRole("button", { name: "Sign in" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    if (hash) {
      await w.page.goto(`${stack.url}/app${hash}`);
      await w.page.getByRole("heading", { level: 1, name: heading }).waitFor();
    }
    await settled(w.page);
    return w;
  }

  it("a new visitor follows a link to the website, where the snippet puts ref into the form: the lead is credited", async () => {
    const p = await promoter("Vilde");
    // The landing page with the snippet (no consent asked yet) and a Rapport form.
    const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Welcome</title><script src="${stack.url}/v1/t.js" async></script></head>
<body><main><h1>Welcome to Fjord Coffee</h1><form action="${stack.url}/v1/leads" method="post"><input type="hidden" name="_next" value="${site}/thanks">
<label>Email <input name="email" type="email" required></label><label>First name <input name="firstName"></label><button type="submit">Join</button></form></main></body></html>`;
    sitePage = (url) => (url.startsWith("/welcome") ? page : "<!doctype html><title>Thanks</title><h1>Thanks</h1>");
    try {
      browser ??= await launchBrowser();
      const w = await openWatched(browser);
      await w.page.goto(p.link);
      expect(w.page.url()).toBe(`${site}/welcome?lang=en&ref=${p.code}`);
      await expect.poll(() => w.page.locator('form input[name="ref"]').getAttribute("value")).toBe(p.code);
      const email = unique("visitor");
      await w.page.getByLabel("Email").fill(email);
      await w.page.getByLabel("First name").fill("Viggo");
      await w.page.getByRole("button", { name: "Join" }).click();
      await w.page.waitForURL(`${site}/thanks`);
      const id = (await findCustomerIdByEmail(stack.deps, normalizeEmail(email)!))!;
      expect((await customer(id)).referredBy).toBe(p.id);
      expect(await timeline(p.id)).toContainEqual(expect.objectContaining({ type: "referred", summary: "Referred Viggo" }));
      await w.context.close();
    } finally {
      sitePage = () => "<!doctype html><title>Fjord Coffee</title><h1>Fjord Coffee</h1>";
    }
  });

  it("the embeddable form alone (no snippet) carries ref from the page's address: the lead is credited", async () => {
    const p = await promoter("Wenche");
    browser ??= await launchBrowser();
    const w = await openWatched(browser);
    // The local stack's try-it page is the README's form as pasted, on the API's own origin.
    await w.page.goto(`${stack.url}/?ref=${p.code}`);
    expect(await w.page.locator('form input[name="ref"]').inputValue()).toBe(p.code);
    const email = unique("plainform");
    await w.page.getByLabel("Email").fill(email);
    await w.page.getByLabel("First name").fill("Wilma");
    await w.page.getByRole("button", { name: "Send" }).click();
    await w.page.waitForURL(/\/v1\/thanks/);
    const id = (await findCustomerIdByEmail(stack.deps, normalizeEmail(email)!))!;
    expect((await customer(id)).referredBy).toBe(p.id);
    await w.context.close();
  });

  it("shows a promoter their link on the score page and the thank-you page, without accessibility problems", async () => {
    mkdirSync(shots, { recursive: true });
    const { id } = await lead({ firstName: "Hedda" });
    const t = signToken(TEST_TOKEN_SECRET, { c: id, p: "feedback", k: "feedback-request:order-h" }, new Date(Date.now() + 30 * DAY));
    browser ??= await launchBrowser();
    const w = await openWatched(browser, "phone");
    // The score link: the page's script records the score and shows the link it gets back.
    await w.page.goto(`${stack.url}/v1/feedback?t=${encodeURIComponent(t)}&score=10`);
    const link = w.page.getByRole("link", { name: /\/r\/[0-9a-z]{10}$/ });
    await link.waitFor();
    expect(await seriousViolations(w.page)).toEqual([]);
    await w.page.screenshot({ path: join(shots, "score-page-phone.png"), fullPage: true });
    // A comment from there: the thank-you page repeats the link, in a labelled field to copy.
    await w.page.getByLabel("Anything you would like to add? (optional)").fill("Great beans");
    await w.page.getByRole("button", { name: "Send comment" }).click();
    await w.page.getByRole("heading", { name: "Thank you!" }).waitFor();
    expect(await w.page.getByLabel("Your referral link").inputValue()).toBe(await link.textContent());
    expect(await seriousViolations(w.page)).toEqual([]);
    await w.page.screenshot({ path: join(shots, "thank-you-phone.png"), fullPage: true });
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it("shows an ambassador's link, referrals and perk on their page, and the referrals in the overview, without accessibility problems", async () => {
    mkdirSync(shots, { recursive: true });
    for (const viewport of ["laptop", "phone"] as const) {
      const person = await open(viewport, `#/customers/${shownAmbassador}`, "Astrid Advocate");
      const panel = person.page.locator("section", { has: person.page.getByRole("heading", { name: "Referrals", exact: true }) });
      await expect.poll(() => panel.textContent()).toContain("Ambassador");
      expect(await panel.textContent()).toMatch(/\/r\/[0-9a-z]{10}/);
      expect(await panel.textContent()).toMatch(/FJORD-[ABC]/);
      expect(await seriousViolations(person.page)).toEqual([]);
      await panel.scrollIntoViewIfNeeded();
      await person.page.screenshot({ path: join(shots, `customer-${viewport}.png`), fullPage: viewport === "laptop" });
      expect(person.problems).toEqual([]);
      await person.context.close();

      const overview = await open(viewport, "", "Overview");
      const section = overview.page.locator("section", { has: overview.page.getByRole("heading", { name: "Referrals", exact: true }) });
      const table = section.getByRole("table", { name: "Top referrers, all time" });
      await expect.poll(() => table.textContent()).toContain("Astrid Advocate");
      expect(await seriousViolations(overview.page)).toEqual([]);
      await section.scrollIntoViewIfNeeded();
      await section.screenshot({ path: join(shots, `overview-${viewport}.png`) });
      expect(overview.problems).toEqual([]);
      await overview.context.close();
    }
  });
});
