import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../infra/functions.ts";
import { signToken } from "../shared/email-links/tokens.ts";
import { visitorKey } from "../shared/entities/visitor.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, seriousViolations, settled } from "./support/browser.ts";
import { TEST_TOKEN_SECRET, useStack } from "./support/stack.ts";

/**
 * The snippet on a real site in headless Chromium: a tiny shop served from this test on its own
 * origin, with the tag pasted in, browsed through three pages by a visitor who then posts the
 * Rapport form there; the visit and interests then show on the new customer, through the API and
 * in the 360° view. Also: nothing identifying without consent, or under Global Privacy Control.
 */

/** A free port for the shop, found before the stack starts, so the stack can allow its origin. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const sitePort = await freePort();
const site = `http://127.0.0.1:${sitePort}`;
const stack = useStack({ allowedOrigins: [site], env: { INTEREST_PATHS: "/shoes=shoes" } });
const SHOTS = path.join(PROJECT_ROOT, "screenshots", "track");
/** Headless Chromium says so in its user agent, which the endpoint drops as a bot: the visitor uses a desktop Chrome's. */
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

function shopPage(title: string, body: string, consent: string): string {
  const tag = `<script src="${stack.url}/v1/t.js" async${consent}></script>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${tag}</head><body><main><h1>${title}</h1>${body}
<nav><a href="/">Home</a> <a href="/shoes/trail">Trail shoes</a> <a href="/bags/tote">Tote bag</a></nav></main></body></html>`;
}

function shop(): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", site);
    // ?consent=no: the tag without data-consent (the site has not asked yet).
    const consent = url.searchParams.get("consent") === "no" ? "" : ' data-consent="true"';
    const pages: Record<string, string> = {
      "/": shopPage("Crumb & Co", "<p>Welcome.</p>", consent),
      "/shoes/trail": shopPage("Trail shoes", "<p>Light and grippy.</p>", consent),
      "/bags/tote": shopPage(
        "Tote bag",
        `<div data-rapport-interest="bags"><p>Waxed canvas.</p></div>
<form action="${stack.url}/v1/leads" method="post">
<input type="hidden" name="_next" value="${site}/thanks">
<label>Email <input name="email" type="email" required></label>
<label>First name <input name="firstName"></label>
<label><input type="checkbox" name="consent" value="yes"> Send me news</label>
<button type="submit">Keep me posted</button></form>`,
        consent,
      ),
      "/thanks": shopPage("Thanks", "<p>We will be in touch.</p>", consent),
    };
    const body = pages[url.pathname];
    res.writeHead(body ? 200 : 404, { "content-type": "text/html; charset=utf-8" }).end(body ?? "not found");
  });
}

let server: Server;
let browser: Browser;

beforeAll(async () => {
  server = shop();
  await new Promise<void>((resolve) => server.listen(sitePort, "127.0.0.1", resolve));
  if (HAVE_BROWSER) browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function visitorContext(options: { gpc?: boolean } = {}): Promise<{ context: BrowserContext; page: Page; beacons: Record<string, unknown>[] }> {
  const context = await browser.newContext({ userAgent: USER_AGENT, locale: "en-US", timezoneId: "UTC" });
  if (options.gpc) await context.addInitScript(() => Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true }));
  const page = await context.newPage();
  const beacons: Record<string, unknown>[] = [];
  page.on("request", (request) => {
    if (request.url() === `${stack.url}/v1/track`) beacons.push(JSON.parse(request.postData() ?? "{}"));
  });
  return { context, page, beacons };
}

async function views(visitorId: string): Promise<number | undefined> {
  const item = await stack.deps.db.send(new GetCommand({ TableName: stack.deps.table, Key: visitorKey(visitorId), ConsistentRead: true }));
  return item.Item?.views as number | undefined;
}

describe.skipIf(!HAVE_BROWSER)("the snippet on a site, in a real browser", () => {
  it("follows a visitor through three pages and the Rapport form to the new customer, visit and interests in the API and the 360° view", async () => {
    const { context, page, beacons } = await visitorContext();
    await page.goto(`${site}/`);
    await page.getByRole("link", { name: "Trail shoes" }).click();
    await page.getByRole("heading", { name: "Trail shoes" }).waitFor();
    await page.getByRole("link", { name: "Tote bag" }).click();
    await page.getByRole("heading", { name: "Tote bag" }).waitFor();
    const visitorId = await page.evaluate(() => localStorage.getItem("rapport_vid"));
    expect(visitorId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await expect.poll(() => views(visitorId!), { timeout: 10_000 }).toBe(3);
    expect(beacons.map((b) => b.path)).toEqual(["/", "/shoes/trail", "/bags/tote"]);
    expect(beacons[2]).toMatchObject({ type: "pageview", visitorId, interests: ["bags"] });

    await page.getByLabel("Email").fill("walker@example.com");
    await page.getByLabel("First name").fill("Wanda");
    await page.getByLabel("Send me news").check();
    await page.getByRole("button", { name: "Keep me posted" }).click();
    await page.getByRole("heading", { name: "Thanks" }).waitFor();
    await context.close();

    const found = await stack.api("/v1/customers?email=walker@example.com", { key: stack.adminKey });
    const customerId = found.body.items[0].id as string;
    const view = async () => (await stack.api(`/v1/customers/${customerId}`, { key: stack.adminKey })).body;
    await expect
      .poll(async () => (await view()).interests?.map((i: { name: string; views: number }) => [i.name, i.views]), { timeout: 10_000 })
      .toEqual([
        ["bags", 1],
        ["shoes", 1],
      ]);
    await expect
      .poll(async () => (await view()).recentTimeline.filter((e: { type: string }) => e.type === "visit"), { timeout: 10_000 })
      .toMatchObject([{ summary: "Visited the website: 4 pages", data: { pages: 4, entryPath: "/", lastPath: "/thanks" } }]);

    // The 360° view, as a person sees it.
    const w = await openWatched(browser);
    await w.page.goto(`${stack.url}/app`);
    await w.page.getByLabel("Admin API key").fill(stack.adminKey);
    await w.page.getByRole("button", { name: "Sign in" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    await w.page.goto(`${stack.url}/app#/customers/${customerId}`);
    await w.page.getByRole("heading", { level: 1, name: /Wanda/ }).waitFor();
    await settled(w.page);
    const interests = w.page.getByRole("region", { name: "Website interests" }).or(w.page.locator("section", { hasText: "Website interests" }));
    await expect.poll(() => interests.first().textContent()).toMatch(/bags[\s\S]*shoes/);
    await w.page.getByText("Visited the website: 4 pages").waitFor();
    await w.page.getByText("Interests: bags ×1, shoes ×1").waitFor();
    expect(await seriousViolations(w.page)).toEqual([]);
    await w.page.screenshot({ path: path.join(SHOTS, "customer-360-laptop.png"), fullPage: true });
    await w.page.setViewportSize({ width: 390, height: 844 });
    expect(await seriousViolations(w.page)).toEqual([]);
    await w.page.screenshot({ path: path.join(SHOTS, "customer-360-phone.png"), fullPage: true });
    expect(w.problems).toEqual([]);
    await w.context.close();
    // A browser, a shop and the dashboard on a busy two-core machine.
  }, 120_000);

  it("sends nothing identifying before consent, and under Global Privacy Control even with it", async () => {
    const before = await visitorContext();
    await before.page.goto(`${site}/shoes/trail?consent=no`);
    await expect.poll(() => before.beacons.length).toBe(1);
    expect(before.beacons[0]).toEqual({ type: "pageview", path: "/shoes/trail", interests: [] });
    expect(await before.page.evaluate(() => ({ storage: localStorage.length, cookies: document.cookie }))).toEqual({ storage: 0, cookies: "" });
    // The site's banner says yes: an id from then on, and on its forms.
    await before.page.evaluate(() => (window as unknown as { rapport: { consent(v: boolean): void; track(n: string): void } }).rapport.consent(true));
    await before.page.evaluate(() => (window as unknown as { rapport: { track(n: string, p: object): void } }).rapport.track("newsletter_open", {}));
    await expect.poll(() => before.beacons.length).toBe(2);
    expect(before.beacons[1]).toMatchObject({ type: "event", name: "newsletter_open", visitorId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
    await before.context.close();

    const gpc = await visitorContext({ gpc: true });
    await gpc.page.goto(`${site}/bags/tote`);
    await expect.poll(() => gpc.beacons.length).toBe(1);
    expect(gpc.beacons[0]).not.toHaveProperty("visitorId");
    expect(await gpc.page.evaluate(() => localStorage.length)).toBe(0);
    expect(await gpc.page.locator('input[name="visitorId"]').count()).toBe(0);
    await gpc.context.close();
  });

  it("ties the visitor who lands from a link in a Rapport email, and takes the token out of the address bar", async () => {
    const created = await stack.api("/v1/leads", { body: { email: "from.mail@example.com" }, key: stack.leadsKey });
    const customerId = created.body.customerId as string;
    const token = signToken(TEST_TOKEN_SECRET, { c: customerId, p: "visit" }, new Date(Date.now() + 86_400_000));
    const { context, page, beacons } = await visitorContext();
    await page.goto(`${site}/shoes/trail?ref=mail&rapport_c=${token}`);
    await expect.poll(() => beacons.length).toBe(1);
    expect(beacons[0]).toMatchObject({ type: "pageview", path: "/shoes/trail", link: token, visitorId: expect.any(String) });
    expect(page.url()).toBe(`${site}/shoes/trail?ref=mail`);
    const visitorId = beacons[0]!.visitorId as string;
    await expect
      .poll(
        async () =>
          (await stack.deps.db.send(new GetCommand({ TableName: stack.deps.table, Key: visitorKey(visitorId), ConsistentRead: true }))).Item?.customerId,
        {
          timeout: 10_000,
        },
      )
      .toBe(customerId);
    await context.close();
  });
});
