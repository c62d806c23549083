import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_CSP, makeHandler as makeApp } from "../functions/app.ts";
import type { SesEventBridgeEvent } from "../functions/ses-events.ts";
import { makeHandler as makeSesEvents } from "../functions/ses-events.ts";
import { httpEvent, lambdaContext } from "../local/lambda-events.ts";
import { buildApp, ensureAppBuilt, isAppBuildCurrent } from "../scripts/build-app.ts";
import { createApiKey, revokeApiKey } from "../shared/auth/api-keys.ts";
import { seedDemo } from "../shared/demo/seed.ts";
import type { CampaignsReport, FunnelReport, RevenueReport } from "../shared/reports/types.ts";
import { HAVE_BROWSER as haveBrowser, launchBrowser, openWatched, SHOTS, seriousViolations, settled, VIEWPORTS, type Watched } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

/**
 * The dashboard (app/, served by functions/app.ts at /app) in real headless Chromium against a
 * local stack with demo customers, a sweep's emails, SES outcomes and feedback answers: sign-in,
 * every page's figures against the API's own answers, editing a campaign, a revoked key, the
 * keyboard, axe-core on every page at laptop and phone sizes, and screenshots of each page under
 * screenshots/dashboard/ (git-ignored) for a person to look at.
 */

const stack = useStack();
let browser: Browser;
/** The key the browser signs in with (its own, so revoking it leaves the tests' key alone). */
let browserKey: string;

/** Formats as the page does (contexts run with locale en-US, time zone UTC). */
const int = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const pct = (n: number | null) => (n === null ? "n/a" : `${new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 }).format(n)}%`);

function sesEvent(
  eventType: "Delivery" | "Open" | "Click",
  to: string,
  send: { campaignId: string; occurrence: string; messageId: string },
  customerId: string,
): SesEventBridgeEvent {
  const at = new Date().toISOString();
  const detail = {
    eventType,
    mail: {
      timestamp: at,
      messageId: send.messageId,
      destination: [to],
      tags: { campaign: [send.campaignId], customer: [customerId], occurrence: [send.occurrence] },
    },
    ...(eventType === "Delivery"
      ? { delivery: { timestamp: at } }
      : eventType === "Open"
        ? { open: { timestamp: at } }
        : { click: { timestamp: at, link: "https://example.com/shop" } }),
  };
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": `Email ${eventType}`,
    source: "aws.ses",
    account: "123456789012",
    time: at,
    region: "us-east-1",
    resources: [],
    detail,
  } as unknown as SesEventBridgeEvent;
}

/**
 * A business with history: demo customers (the `rapport seed --demo` generator, fewer of them),
 * a sweep at midday today that sends what is due, SES reporting deliveries, opens and a click for
 * a few of those emails, and a few customers answering the score links in their feedback emails.
 */
async function seedBusiness(): Promise<void> {
  await seedDemo(stack.deps, { count: 60, seed: 42 });
  const midday = `${new Date().toISOString().slice(0, 10)}T12:00:00.000Z`;
  const sweep = await stack.api("/v1/sweeps", { key: stack.adminKey, body: { at: midday } });
  expect(sweep.status, JSON.stringify(sweep.body)).toBe(200);

  const store = (await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: { destination: { to: string[] }; body: { text?: string } }[] };
  expect(store.emails.length, "the sweep sent emails").toBeGreaterThan(0);
  const handle = makeSesEvents(stack.deps);
  for (const [i, mail] of store.emails.slice(0, 4).entries()) {
    const to = mail.destination.to[0]!;
    const found = await stack.api(`/v1/customers?email=${encodeURIComponent(to)}`, { key: stack.adminKey });
    const customer = found.body.items[0];
    if (!customer) continue; // an owner alert goes to the sales address, not a customer
    const view = await stack.api(`/v1/customers/${customer.id}`, { key: stack.adminKey });
    const send = view.body.emailsSent.find((e: { status: string }) => e.status === "sent");
    if (!send) continue;
    await handle(sesEvent("Delivery", to, send, customer.id));
    if (i < 3) await handle(sesEvent("Open", to, send, customer.id));
    if (i === 0) await handle(sesEvent("Click", to, send, customer.id));
  }
  // Score links exactly as the feedback emails carry them.
  const scoreLinks = store.emails.flatMap((m) =>
    [...(m.body.text ?? "").matchAll(/(https?:\/\/\S+\/v1\/feedback\?t=[^\s&]+)&score=\d+/g)].slice(0, 1).map((x) => x[1]!),
  );
  for (const [i, link] of scoreLinks.slice(0, 4).entries()) {
    const score = [10, 9, 4, 8][i]!;
    const res = await fetch(`${link}&score=${score}`);
    expect(res.status).toBe(200);
    // What the page's script does in the person's browser (the GET records nothing).
    const posted = await stack.api("/v1/feedback", { body: { t: new URL(link).searchParams.get("t")!, score } });
    expect(posted.status).toBe(200);
  }
  await stack.settleReports();
}

beforeAll(async () => {
  browserKey = (await createApiKey(stack.deps, { scopes: ["admin"], name: "dashboard browser" })).key;
  await seedBusiness();
  if (haveBrowser) {
    browser = await launchBrowser();
  }
  mkdirSync(SHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

function open(viewport: keyof typeof VIEWPORTS = "laptop"): Promise<Watched> {
  return openWatched(browser, viewport);
}

async function signIn(w: Watched, key = browserKey): Promise<void> {
  await w.page.goto(`${stack.url}/app`);
  await w.page.getByLabel("Admin API key").fill(key);
  await w.page.getByRole("button", { name: "Sign in" }).click();
  await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  await settled(w.page);
}

async function go(w: Watched, hash: string, heading: string | RegExp): Promise<void> {
  await w.page.goto(`${stack.url}/app${hash}`);
  await w.page.getByRole("heading", { level: 1, name: heading }).waitFor();
  await settled(w.page);
}

/** The rows of a table found by its caption, as cell texts. */
async function tableRows(page: Page, caption: string | RegExp): Promise<string[][]> {
  const table = page.getByRole("table", { name: caption });
  return table.locator("tbody tr").evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("th, td")].map((c) => (c.textContent ?? "").trim())));
}

/** A key figure's value, by its exact label. */
function stat(page: Page, label: string) {
  return page
    .locator(".stat")
    .filter({ has: page.getByText(label, { exact: true }) })
    .locator(".stat-value");
}

describe("serving the dashboard at /app", () => {
  it("answers index.html with a strict CSP, nosniff and no-cache, revalidated by ETag", async () => {
    for (const url of ["/app", "/app/", "/app/index.html"]) {
      const res = await fetch(`${stack.url}${url}`);
      expect(res.status, url).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("content-security-policy")).toBe(APP_CSP);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      const html = await res.text();
      expect(html).toMatch(/<script type="module" src="\/app\/main-[A-Z0-9]{8}\.js"><\/script>/);
      // No inline script or style: the CSP allows none.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style|style="/);
      const again = await fetch(`${stack.url}${url}`, { headers: { "if-none-match": res.headers.get("etag")! } });
      expect(again.status).toBe(304);
    }
    expect(APP_CSP).toContain("script-src 'self'");
    expect(APP_CSP).toContain("connect-src 'self'");
    expect(APP_CSP).not.toContain("unsafe");
  });

  it("serves the hashed script and stylesheet with their types, cached for a year, gzipped when asked", async () => {
    const html = await (await fetch(`${stack.url}/app`)).text();
    const script = html.match(/\/app\/main-[A-Z0-9]{8}\.js/)![0];
    const styles = html.match(/\/app\/styles-[A-Z0-9]{8}\.css/)![0];
    const js = await fetch(`${stack.url}${script}`, { headers: { "accept-encoding": "gzip" } });
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(js.headers.get("x-content-type-options")).toBe("nosniff");
    const body = await js.text(); // fetch undoes the gzip
    expect(body).toContain("rapport.apiKey");
    expect(body).not.toMatch(/localStorage|document\.cookie/);
    const css = await fetch(`${stack.url}${styles}`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await fetch(`${stack.url}/app/favicon.svg`)).headers.get("content-type")).toBe("image/svg+xml");
  });

  it("answers 404 for unknown files and for any path that tries to leave the folder", async () => {
    for (const url of [
      "/app/nope.js",
      "/app/build.json",
      "/app/..%2Fpackage.json",
      "/app/%2e%2e/%2e%2e/package.json",
      "/app/..%5C..%5Cpackage.json",
      "/app/src/main.ts",
      "/app/.hidden.js",
      "/app/main.js%00.css",
    ]) {
      const res = await fetch(`${stack.url}${url}`);
      expect(res.status, url).toBe(404);
      // fetch resolves `%2e%2e` segments itself (so does API Gateway): those never reach /app.
      if (new URL(url, stack.url).pathname.startsWith("/app/")) expect(res.headers.get("x-content-type-options"), url).toBe("nosniff");
    }
  });

  it("rebuilds app/dist when a source changed since the last build, and serves a folder given to it", async () => {
    const outdir = mkdtempSync(path.join(tmpdir(), "rapport-app-"));
    try {
      const manifest = await buildApp(outdir);
      expect(isAppBuildCurrent(outdir)).toBe(true);
      expect(await ensureAppBuilt(outdir)).toBe(false);
      // As if app/src/main.ts had been edited after that build (the sources are shared: not touched here).
      const file = path.join(outdir, "build.json");
      writeFileSync(file, JSON.stringify({ ...manifest, inputs: { ...manifest.inputs, "app/src/main.ts": "0".repeat(64) } }));
      expect(isAppBuildCurrent(outdir)).toBe(false);
      expect(await ensureAppBuilt(outdir)).toBe(true);
      expect(isAppBuildCurrent(outdir)).toBe(true);

      const handler = makeApp(stack.deps, { dir: outdir });
      const event = (path: string, proxy?: string) =>
        httpEvent({ route: { method: "GET", path }, path: "/app", ...(proxy !== undefined ? { pathParameters: { proxy } } : {}) });
      const index = await handler(event("/app"), lambdaContext("app"));
      expect(index.statusCode).toBe(200);
      expect(Buffer.from(index.body!, "base64").toString()).toContain(manifest.files.script);
      expect((await handler(event("/app/{proxy+}", manifest.files.styles), lambdaContext("app"))).statusCode).toBe(200);
      expect((await handler(event("/app/{proxy+}", "../build.json"), lambdaContext("app"))).statusCode).toBe(404);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!haveBrowser)("the dashboard in a real browser", () => {
  it("refuses a wrong key with a message, then signs in with an admin key kept only in this tab's sessionStorage", async () => {
    const w = await open();
    await w.page.goto(`${stack.url}/app#/customers`);
    await w.page.getByRole("heading", { level: 1, name: "Sign in to Rapport" }).waitFor();
    await w.page.getByLabel("Admin API key").fill("rk_not-a-real-key");
    await w.page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => w.page.locator("#key-error").textContent()).toBe("That key was not accepted: it is unknown or has been revoked.");
    expect(await w.page.getByLabel("Admin API key").getAttribute("aria-invalid")).toBe("true");
    expect(await w.page.evaluate(() => sessionStorage.getItem("rapport.apiKey"))).toBeNull();
    await w.page.screenshot({ path: path.join(SHOTS, "signin-wrong-key-laptop.png") });

    // A key without the admin scope is told apart from an unknown one.
    await w.page.getByLabel("Admin API key").fill(stack.leadsKey);
    await w.page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => w.page.locator("#key-error").textContent()).toBe("That key works, but lacks the admin scope the dashboard needs.");

    await w.page.getByLabel("Admin API key").fill(browserKey);
    await w.page.getByRole("button", { name: "Sign in" }).click();
    // Back to the page asked for before signing in.
    await w.page.getByRole("heading", { level: 1, name: "Customers" }).waitFor();
    expect(await w.page.evaluate(() => sessionStorage.getItem("rapport.apiKey"))).toBe(browserKey);
    expect(await w.page.evaluate(() => localStorage.length)).toBe(0);
    expect(await w.page.evaluate(() => document.cookie)).toBe("");
    expect(await w.context.cookies()).toEqual([]);
    expect(w.page.url()).not.toContain(browserKey);

    await w.page.getByRole("button", { name: "Sign out" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Sign in to Rapport" }).waitFor();
    expect(await w.page.evaluate(() => sessionStorage.getItem("rapport.apiKey"))).toBeNull();
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it("shows the funnel, revenue and NPS the API reports, for the period picked", async () => {
    const w = await open();
    await signIn(w);
    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 10);
    await w.page.getByLabel("Period", { exact: true }).selectOption("custom");
    await w.page.getByLabel("From", { exact: true }).fill(from);
    await w.page.getByLabel("To", { exact: true }).fill(to);
    await w.page.getByRole("button", { name: "Show" }).click();
    await w.page.waitForURL(/preset=custom/);
    await settled(w.page);

    const funnel = (await stack.api(`/v1/reports/funnel?from=${from}&to=${to}`, { key: stack.adminKey })).body as FunnelReport;
    expect(funnel.total).toBe(60);
    // The chart's data table: one row per stage with today's count.
    expect(await tableRows(w.page, /^Contacts per stage now$/)).toEqual(
      funnel.stages.map((s) => [s.stage === "at_risk" ? "At risk" : s.stage[0]!.toUpperCase() + s.stage.slice(1), int.format(s.count)]),
    );
    expect(await w.page.getByRole("img", { name: /^Contacts per stage now\./ }).getAttribute("aria-label")).toContain(`${funnel.total} contacts now`);
    // The conversion table, for this period.
    const conversions = await tableRows(w.page, /^Conversion in the period, /);
    expect(conversions.map((row) => row.slice(1))).toEqual(funnel.conversions.map((c) => [int.format(c.moved), int.format(c.eligible), pct(c.rate)]));
    expect(await stat(w.page, "Contacts now").textContent()).toBe(int.format(funnel.total));
    expect(await stat(w.page, "New contacts in the period").textContent()).toBe(int.format(funnel.newContacts));

    const revenue = (await stack.api(`/v1/reports/revenue?from=${from}&to=${to}&interval=month`, { key: stack.adminKey })).body as RevenueReport;
    expect(await stat(w.page, "Revenue in the period").textContent()).toBe(usd.format(revenue.totals.revenue));
    expect((await tableRows(w.page, "Revenue per month")).map((r) => r[1])).toEqual(revenue.rows.map((r) => usd.format(r.revenue)));

    const campaigns = (await stack.api("/v1/reports/campaigns", { key: stack.adminKey })).body as CampaignsReport;
    const answered = campaigns.campaigns.filter((c) => c.feedback.count > 0);
    expect(answered.length, "the seeded business has feedback answers").toBeGreaterThan(0);
    expect(await tableRows(w.page, "NPS per campaign")).toEqual(answered.map((c) => [c.name, String(c.feedback.nps)]));
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it("finds customers by stage and email, pages with nextCursor both ways, and opens a customer's 360 view", async () => {
    const w = await open();
    await signIn(w);
    await go(w, "#/customers", "Customers");
    const emailsOn = async () => (await tableRows(w.page, "Customers")).map((row) => row[1]);
    const apiPage = async (q: string) =>
      (await stack.api(`/v1/customers?limit=25${q}`, { key: stack.adminKey })).body as { items: { email: string; id: string }[]; nextCursor: string | null };

    const first = await apiPage("");
    await expect.poll(emailsOn).toEqual(first.items.map((c) => c.email));
    expect(first.nextCursor).not.toBeNull();
    await w.page.getByRole("button", { name: "Next page" }).click();
    await w.page.waitForURL(/cursor=/);
    await settled(w.page);
    const second = await apiPage(`&cursor=${encodeURIComponent(first.nextCursor!)}`);
    await expect.poll(emailsOn).toEqual(second.items.map((c) => c.email));
    await w.page.getByRole("button", { name: "Previous page" }).click();
    await settled(w.page);
    await expect.poll(emailsOn).toEqual(first.items.map((c) => c.email));

    await w.page.getByLabel("Stage").selectOption("loyal");
    await w.page.getByRole("button", { name: "Search" }).click();
    await w.page.waitForURL(/stage=loyal/);
    await settled(w.page);
    const loyal = await apiPage("&stage=loyal");
    expect(loyal.items.length).toBeGreaterThan(0);
    // The address changes before the filtered page has replaced the table: wait for the rows.
    await expect.poll(emailsOn).toEqual(loyal.items.map((c) => c.email));

    // A search the API refuses is named next to the field, by the API.
    await w.page.getByRole("link", { name: "Clear" }).click();
    await settled(w.page);
    await w.page.getByLabel("Search", { exact: true }).fill("a");
    await w.page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => w.page.locator("#filter-q-error").textContent()).toBe("Search needs at least 2 letters or digits");

    // A whole address finds exactly that customer, whatever its case.
    const wanted = loyal.items[0]!;
    await w.page.getByLabel("Search", { exact: true }).fill(wanted.email.toUpperCase());
    await w.page.getByRole("button", { name: "Search" }).click();
    await expect.poll(emailsOn).toEqual([wanted.email]);

    await w.page.locator("table.data tbody a").first().click();
    await w.page.waitForURL(new RegExp(`#/customers/${wanted.id}$`));
    await settled(w.page);
    const view = (await stack.api(`/v1/customers/${wanted.id}`, { key: stack.adminKey })).body;
    const name = [view.profile.firstName, view.profile.lastName].filter(Boolean).join(" ");
    await expect.poll(() => w.page.getByRole("heading", { level: 1 }).textContent()).toBe(name);
    expect(await stat(w.page, "Orders").textContent()).toBe(String(view.metrics.orders));
    expect(await stat(w.page, "Lifetime spend").textContent()).toBe(usd.format(view.metrics.lifetimeSpend));
    expect(await w.page.getByText(view.consent.marketing ? "Yes, consented" : "No consent").count()).toBeGreaterThan(0);
    const timeline = (await stack.api(`/v1/customers/${wanted.id}/timeline?limit=20`, { key: stack.adminKey })).body;
    const entries = w.page.locator("ol.timeline > li");
    await expect.poll(() => entries.count()).toBe(timeline.items.length);
    expect(await entries.locator("time").evaluateAll((times) => times.map((t) => t.getAttribute("datetime")))).toEqual(
      timeline.items.map((e: { at: string }) => e.at),
    );
    if (timeline.nextCursor) {
      const all = (await stack.api(`/v1/customers/${wanted.id}/timeline?limit=100`, { key: stack.adminKey })).body.items.length;
      await w.page.getByRole("button", { name: "Show older entries" }).click();
      await expect.poll(() => entries.count()).toBe(Math.min(all, 40));
    }
    const sent = await w.page
      .locator("section", { has: w.page.getByRole("heading", { name: "Emails sent" }) })
      .locator("tbody tr")
      .count();
    expect(sent).toBe(view.emailsSent.length);
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it("edits a campaign: the API's field errors show next to the fields, a valid edit is saved and survives a reload", async () => {
    const w = await open();
    await signIn(w);
    await go(w, "#/campaigns", "Campaigns");
    await w.page.getByRole("link", { name: "Feedback request" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Feedback request" }).waitFor();
    await settled(w.page);
    const before = (await stack.api("/v1/campaigns/feedback-request", { key: stack.adminKey })).body;
    expect(await w.page.getByLabel("Delay in days").inputValue()).toBe(String(before.trigger.delayDays));

    // Bad input: the API's 400 names each field, and the form puts each message by its field.
    await w.page.getByLabel("Delay in days").fill("-2");
    await w.page.locator('details[data-lang="en"]').getByLabel("Subject").fill("");
    await w.page.getByRole("button", { name: "Save campaign" }).click();
    const summary = w.page.getByRole("alert").filter({ hasText: "fields need fixing" });
    await summary.waitFor();
    expect(await summary.getByRole("heading").textContent()).toBe("2 fields need fixing");
    expect(await w.page.locator("#campaign-trigger-delayDays-error").textContent()).toBe("must be at least 0");
    expect(await w.page.locator("#campaign-templates-en-subject-error").textContent()).toBe("must not be empty");
    expect(await w.page.getByLabel("Delay in days").getAttribute("aria-invalid")).toBe("true");
    expect(await w.page.evaluate(() => document.activeElement?.classList.contains("error-summary"))).toBe(true);
    await w.page.screenshot({ path: path.join(SHOTS, "campaign-errors-laptop.png") });
    // The summary's links take you to the field.
    await summary.getByRole("link", { name: /Delay in days/ }).click();
    expect(await w.page.evaluate(() => document.activeElement?.id)).toBe("campaign-trigger-delayDays");
    expect((await stack.api("/v1/campaigns/feedback-request", { key: stack.adminKey })).body.trigger.delayDays).toBe(before.trigger.delayDays);

    await w.page.getByLabel("Name", { exact: true }).fill("Feedback request (edited in the dashboard)");
    await w.page.getByLabel("Delay in days").fill("5");
    await w.page.locator('details[data-lang="en"]').getByLabel("Subject").fill("How was your order, {{firstName|friend}}?");
    await w.page.getByLabel("Customer", { exact: true }).check();
    await w.page.getByLabel("Only customers tagged").fill("vip, newsletter");
    await w.page.getByRole("button", { name: "Save campaign" }).click();
    await expect.poll(() => w.page.locator(".save-status").textContent()).toMatch(/^Saved /);
    expect(await w.page.locator(".error-summary").isHidden()).toBe(true);
    expect(await w.page.getByLabel("Delay in days").getAttribute("aria-invalid")).toBeNull();

    const saved = (await stack.api("/v1/campaigns/feedback-request", { key: stack.adminKey })).body;
    expect(saved).toMatchObject({
      name: "Feedback request (edited in the dashboard)",
      trigger: { type: "purchase", delayDays: 5 },
      audience: { stages: ["customer"], tags: ["vip", "newsletter"] },
      templates: { en: { subject: "How was your order, {{firstName|friend}}?" } },
    });
    // What was not touched is kept as it was.
    expect(saved.templates.nb).toEqual(before.templates.nb);
    expect(saved.minDaysBetween).toBe(before.minDaysBetween);

    await w.page.reload();
    await w.page.getByRole("heading", { level: 1, name: "Feedback request (edited in the dashboard)" }).waitFor();
    await settled(w.page);
    expect(await w.page.getByLabel("Delay in days").inputValue()).toBe("5");
    expect(await w.page.getByLabel("Customer", { exact: true }).isChecked()).toBe(true);
    expect(await w.page.getByLabel("Only customers tagged").inputValue()).toBe("vip, newsletter");
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it("shows an error with a way to retry where the API cannot answer, and the rest of the page still works", async () => {
    const w = await open();
    await signIn(w);
    await w.page.goto(`${stack.url}/app#/customers/cus_01M841EYZH03RP8XS8FT83N5KE`);
    const missing = w.page.getByRole("alert");
    await missing.waitFor();
    expect(await missing.locator(".error-title").textContent()).toBe("No customer cus_01M841EYZH03RP8XS8FT83N5KE");
    expect(await missing.getByRole("button", { name: "Try again" }).isVisible()).toBe(true);

    // A report that fails (a 500 cannot be provoked from outside, so the browser is made to see one).
    let failing = true;
    await w.page.route("**/v1/reports/retention*", (route) =>
      failing
        ? route.fulfill({
            status: 500,
            contentType: "application/json",
            body: JSON.stringify({ error: "internal", message: "something went wrong on our side; retry later" }),
          })
        : route.continue(),
    );
    await go(w, "#/overview", "Overview");
    const churn = w.page.locator("section", { has: w.page.getByRole("heading", { name: "Churn in the period" }) });
    expect(await churn.getByRole("alert").locator(".error-title").textContent()).toBe("Something went wrong on our side; retry later");
    expect(await stat(w.page, "Churn rate in the period").textContent()).toBe("n/a");
    // The other parts are there.
    expect(await w.page.getByRole("img", { name: /^Contacts per stage now\./ }).count()).toBe(1);
    await w.page.screenshot({ path: path.join(SHOTS, "overview-error-laptop.png") });
    failing = false;
    await churn.getByRole("button", { name: "Try again" }).click();
    await churn.getByRole("img", { name: /^Churn rate per month\./ }).waitFor();
    expect(await churn.getByRole("alert").count()).toBe(0);
    await w.context.close();
  });

  it("sends a reader whose key was revoked back to sign-in, saying why", async () => {
    const { key, info } = await createApiKey(stack.deps, { scopes: ["admin"], name: "revoked while signed in" });
    const w = await open();
    await signIn(w, key);
    await revokeApiKey(stack.deps, info.id);
    await w.page.getByRole("link", { name: "Segments", exact: true }).click();
    await w.page.getByRole("heading", { level: 1, name: "Sign in to Rapport" }).waitFor();
    expect(await w.page.getByRole("alert").filter({ hasText: "not accepted" }).textContent()).toBe(
      "Your API key was not accepted (it may have been revoked). Sign in again.",
    );
    expect(await w.page.evaluate(() => sessionStorage.getItem("rapport.apiKey"))).toBeNull();
    // Signing in again comes back to where the reader was going.
    await w.page.getByLabel("Admin API key").fill(browserKey);
    await w.page.getByRole("button", { name: "Sign in" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Segments" }).waitFor();
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it("works from the keyboard: skip link, navigation, focus moved to each new page's heading, focus always visible", async () => {
    const w = await open();
    await signIn(w);
    await go(w, "#/customers", "Customers");
    // A fresh load: focus starts at the top of the document.
    await w.page.reload();
    await settled(w.page);
    await w.page.keyboard.press("Tab");
    const focused = () =>
      w.page.evaluate(() => ({
        id: document.activeElement?.id,
        text: document.activeElement?.textContent?.trim(),
        outline: getComputedStyle(document.activeElement!).outlineStyle,
      }));
    expect(await focused()).toMatchObject({ id: "skip-link", text: "Skip to content" });
    expect((await w.page.locator("#skip-link").boundingBox())!.y).toBeGreaterThanOrEqual(0);
    await w.page.keyboard.press("Enter");
    expect((await focused()).id).toBe("main");
    await w.page.keyboard.press("Tab");
    expect(await focused()).toMatchObject({ text: "Add a contact", outline: "solid" });
    await w.page.keyboard.press("Tab");
    expect(await focused()).toMatchObject({ id: "filter-q", outline: "solid" });

    // Every focusable control shows where focus is.
    await w.page.locator('[data-nav="campaigns"]').focus();
    expect((await focused()).outline).toBe("solid");
    await w.page.keyboard.press("Enter");
    await w.page.getByRole("heading", { level: 1, name: "Campaigns" }).waitFor();
    await expect.poll(async () => (await focused()).id).toBe("page-title");
    expect(await w.page.locator('[data-nav="campaigns"]').getAttribute("aria-current")).toBe("page");
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it.each(Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[])(
    "has no serious or critical axe-core violations on any page (%s), and writes a screenshot of each",
    async (viewport) => {
      const w = await open(viewport);
      const shot = (name: string) => w.page.screenshot({ path: path.join(SHOTS, `${name}-${viewport}.png`), fullPage: true });
      await w.page.goto(`${stack.url}/app`);
      await w.page.getByRole("heading", { level: 1, name: "Sign in to Rapport" }).waitFor();
      const violations: Record<string, string[]> = { signin: await seriousViolations(w.page) };
      await shot("signin");
      await signIn(w);
      const customer = (await stack.api("/v1/customers?stage=loyal&limit=1", { key: stack.adminKey })).body.items[0];
      const pages: [string, string, string | RegExp][] = [
        ["overview", "#/overview", "Overview"],
        ["customers", "#/customers", "Customers"],
        ["customer", `#/customers/${customer.id}`, [customer.firstName, customer.lastName].filter(Boolean).join(" ") || customer.email],
        ["campaigns", "#/campaigns", "Campaigns"],
        ["campaign", "#/campaigns/thank-you", /Thank you/],
        ["segments", "#/segments", "Segments"],
      ];
      for (const [name, hash, heading] of pages) {
        await go(w, hash, heading);
        violations[name] = await seriousViolations(w.page);
        await shot(name);
      }
      expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
      // Nothing is wider than the screen (tables scroll or stack inside their own box).
      expect(await w.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS[viewport].width);
      expect(w.problems).toEqual([]);
      await w.context.close();
    },
  );
});
