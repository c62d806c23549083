import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../infra/functions.ts";
import { customerKey } from "../shared/entities/customer.ts";
import { suppress } from "../shared/mail-feedback/suppression.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, seriousViolations, settled, VIEWPORTS, type Watched } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

/**
 * The everyday CRM work in the dashboard, in real Chromium, signed in as people of the team: the
 * people of a stage or segment (and their CSV), segment names apart from stages, period and "now"
 * figures told apart, a campaign's preview, test send and new language, a customer's subscription
 * changed on request, and the owner's API keys. Each new page is checked with axe-core at laptop
 * and phone sizes, and photographed under screenshots/workplace/ for a person to look at.
 */
const stack = useStack({ cognito: true });
const SHOTS = path.join(PROJECT_ROOT, "screenshots", "workplace");
const POLL = { timeout: 10_000 };
let browser: Browser;
const passwords: Record<string, string> = {};
const OWNER = "ola.owner@shop.example";
const STAFF = "sia.staff@shop.example";

let champion = "";
let subscriber = "";
let bounced = "";

async function lead(email: string, extra: Record<string, unknown> = {}): Promise<string> {
  return (await stack.api("/v1/leads", { key: stack.leadsKey, body: { email, ...extra } })).body.customerId;
}

beforeAll(async () => {
  for (const [email, role, name] of [
    [OWNER, "owner", "Ola Owner"],
    [STAFF, "staff", "Sia Staff"],
  ] as const) {
    passwords[email] = (await stack.api("/v1/people", { key: stack.adminKey, body: { email, role, name } })).body.password;
  }
  champion = await lead("cam.champion@example.com", { firstName: "Cam" });
  for (let i = 0; i < 5; i++)
    await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId: champion, amount: 40, externalId: `champ-${i}` } });
  await lead("lia.lead@example.com", { firstName: "Lia" });
  subscriber = await lead("una.mail@example.com", { firstName: "Una", consent: true });
  bounced = await lead("bea.bounce@example.com", { firstName: "Bea" });
  await suppress(stack.deps, "bea.bounce@example.com", "bounced", new Date().toISOString());
  await stack.deps.db.send(
    new UpdateCommand({
      TableName: stack.deps.table,
      Key: customerKey(bounced),
      UpdateExpression: "SET emailStatus = :b",
      ExpressionAttributeValues: { ":b": "bounced" },
    }),
  );
  await stack.settleReports();
  if (HAVE_BROWSER) browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

async function signedIn(email: string, viewport: keyof typeof VIEWPORTS = "laptop"): Promise<Watched> {
  const w = await openWatched(browser, viewport);
  await w.page.goto(`${stack.url}/app`);
  await w.page.getByLabel("Email", { exact: true }).fill(email);
  await w.page.getByLabel("Password", { exact: true }).fill(passwords[email]!);
  await w.page.getByRole("button", { name: "Sign in", exact: true }).click();
  await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  await settled(w.page);
  return w;
}

/** axe-core at this size, and a screenshot to look at. */
async function check(w: Watched, name: string, viewport: string): Promise<string[]> {
  await settled(w.page);
  const violations = await seriousViolations(w.page);
  await w.page.screenshot({ path: path.join(SHOTS, `${name}-${viewport}.png`), fullPage: true });
  return violations.map((v) => `${name} ${viewport}: ${v}`);
}

describe.skipIf(!HAVE_BROWSER)("the workplace in the dashboard", () => {
  it("opens a value segment from the segments page, lists its people and downloads them as CSV", async () => {
    const w = await signedIn(STAFF);
    await w.page.getByRole("link", { name: "Segments", exact: true }).click();
    await settled(w.page);
    // Segment names are not stage names.
    const table = w.page.getByRole("region", { name: /Value segments/ });
    for (const name of ["Champions", "Regulars", "Newcomers", "Potential", "Slipping", "Hibernating"])
      await expect(table.getByRole("link", { name, exact: true }).count()).resolves.toBe(1);
    expect(await table.getByText("Loyal", { exact: true }).count()).toBe(0);
    expect(await table.getByText("At risk", { exact: true }).count()).toBe(0);

    await table.getByRole("link", { name: "Champions", exact: true }).click();
    await w.page.getByRole("heading", { level: 1, name: "Segment: Champions" }).waitFor();
    await settled(w.page);
    expect(await w.page.getByRole("link", { name: "Cam", exact: true }).count()).toBe(1);
    const [download] = await Promise.all([w.page.waitForEvent("download"), w.page.getByRole("button", { name: "Export CSV" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^customers-champions-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, "utf8");
    expect(csv.split("\r\n")[0]).toMatch(/^id,email,/);
    expect(csv).toContain("cam.champion@example.com");
    expect(w.problems).toEqual([]);
    await w.context.close();
  }, 120_000);

  it("opens a stage from the overview's funnel, and labels period figures apart from figures of now", async () => {
    const w = await signedIn(STAFF);
    // Figures over the period say so, and so do figures of today.
    for (const heading of ["Contacts per stage now", "Churn in the period"])
      expect(await w.page.getByRole("heading", { level: 2, name: heading }).count()).toBe(1);
    for (const label of ["Contacts now", "New contacts in the period", "Revenue in the period", "Churn rate in the period", "NPS, all time"])
      expect(await w.page.getByText(label, { exact: true }).count()).toBe(1);
    expect(await w.page.getByText(/counts everyone churned today, whenever they left/).count()).toBe(1);

    await w.page
      .getByRole("region", { name: /Contacts per stage now, and their moves/ })
      .getByRole("link", { name: "Lead", exact: true })
      .click();
    await w.page.getByRole("heading", { level: 1, name: "Stage: Lead" }).waitFor();
    await settled(w.page);
    expect(await w.page.getByRole("link", { name: "Lia", exact: true }).count()).toBe(1);
    expect(await w.page.getByRole("link", { name: "Cam", exact: true }).count()).toBe(0);
    expect(w.problems).toEqual([]);
    await w.context.close();
  }, 120_000);

  it("previews a campaign for a customer and sends a test to me, with the keyboard only", async () => {
    const w = await signedIn(STAFF);
    await w.page.goto(`${stack.url}/app#/campaigns/thank-you`);
    await w.page.getByRole("heading", { level: 2, name: "Preview and test" }).waitFor();
    await settled(w.page);
    const keys = w.page.keyboard;
    // From the page's heading, Tab reaches the search field (nothing is clicked from here on).
    await w.page.locator("#page-title").focus();
    for (let i = 0; i < 200 && !(await w.page.evaluate(() => document.activeElement?.id === "preview-search")); i++) await keys.press("Tab");
    expect(await w.page.evaluate(() => document.activeElement?.id)).toBe("preview-search");
    await keys.type("Cam");
    await keys.press("Enter");
    await expect.poll(() => w.page.locator("#preview-customer option").first().textContent(), POLL).toContain("cam.champion@example.com");
    await keys.press("Tab"); // Find
    await keys.press("Tab"); // Customer (the first found is chosen)
    await keys.press("Tab"); // Language
    await keys.press("Tab"); // Show preview
    expect(await w.page.evaluate(() => document.activeElement?.textContent)).toBe("Show preview");
    await keys.press("Enter");
    await expect.poll(() => w.page.getByLabel("Plain text of the email").textContent(), POLL).toContain("Cam");
    await keys.press("Tab"); // Send a test to me
    expect(await w.page.evaluate(() => document.activeElement?.textContent)).toBe("Send a test to me");
    await keys.press("Enter");
    await expect.poll(() => w.page.getByText(/Test sent to sia\.staff@shop\.example/).count(), POLL).toBe(1);
    await expect.poll(async () => (await stack.mailsTo(STAFF)).map((m) => m.subject), POLL).toEqual([expect.stringMatching(/^\[Test\] /)]);
    expect(await stack.mailsTo("cam.champion@example.com")).toEqual([]);
    // Staff may preview but not edit.
    expect(await w.page.getByText("Only an owner may change a campaign.").count()).toBe(1);
    expect(await w.page.getByLabel("Add a language").count()).toBe(0);
    const violations = [...(await check(w, "campaign-preview", "laptop"))];
    await w.page.setViewportSize(VIEWPORTS.phone);
    violations.push(...(await check(w, "campaign-preview", "phone")));
    expect(violations).toEqual([]);
    expect(w.problems).toEqual([]);
    await w.context.close();
  }, 120_000);

  it("adds a language to a campaign, refusing a tag the campaign schema does not accept", async () => {
    const w = await signedIn(OWNER);
    await w.page.goto(`${stack.url}/app#/campaigns/thank-you`);
    await w.page.getByLabel("Add a language").waitFor();
    const before = Object.keys((await stack.api("/v1/campaigns/thank-you", { key: stack.adminKey })).body.templates);
    await w.page.getByLabel("Add a language").fill("not a tag");
    await w.page.getByLabel("Add a language").press("Enter");
    await expect.poll(() => w.page.locator("#campaign-add-language-error").textContent(), POLL).toContain("language tag");
    await w.page.getByLabel("Add a language").fill("de");
    await w.page.getByRole("button", { name: "Add language" }).click();
    await w.page.locator('details[data-lang="de"][open]').waitFor();
    const saved = await stack.api("/v1/campaigns/thank-you", { key: stack.adminKey });
    expect(Object.keys(saved.body.templates).sort()).toEqual([...before, "de"].sort());
    expect(saved.body.templates.de.subject).toBe(saved.body.templates.en.subject);
    expect(w.problems).toEqual([]);
    await w.context.close();
  }, 120_000);

  it("unsubscribes a customer on request with confirmation, and explains why a bounced address cannot be resubscribed", async () => {
    const w = await signedIn(STAFF);
    await w.page.goto(`${stack.url}/app#/customers/${subscriber}`);
    await settled(w.page);
    await w.page.getByText("Unsubscribe on their request").click();
    await w.page.getByLabel("What they said").fill("asked at the counter");
    w.page.once("dialog", (dialog) => void dialog.accept());
    await w.page.getByRole("button", { name: "Unsubscribe", exact: true }).click();
    await expect.poll(async () => (await stack.api(`/v1/customers/${subscriber}`, { key: stack.adminKey })).body.emailStatus, POLL).toBe("unsubscribed");
    await expect.poll(() => w.page.getByText("Unsubscribed: no marketing email").count(), POLL).toBe(1);
    const timeline = (await stack.api(`/v1/customers/${subscriber}`, { key: stack.adminKey })).body.recentTimeline;
    expect(timeline.find((e: { type: string }) => e.type === "unsubscribed")).toMatchObject({
      data: { reason: "asked at the counter" },
      by: { name: "Sia Staff" },
    });

    await w.page.goto(`${stack.url}/app#/customers/${bounced}`);
    await settled(w.page);
    await w.page.getByText("Subscribe again on their request").click();
    const violations = [...(await check(w, "customer-subscription", "laptop"))];
    w.page.once("dialog", (dialog) => void dialog.accept());
    await w.page.getByRole("button", { name: "Subscribe again", exact: true }).click();
    await expect.poll(() => w.page.getByRole("alert").filter({ hasText: "bounced" }).count(), POLL).toBeGreaterThan(0);
    expect((await stack.api(`/v1/customers/${bounced}`, { key: stack.adminKey })).body.emailStatus).toBe("bounced");
    await w.page.setViewportSize(VIEWPORTS.phone);
    violations.push(...(await check(w, "customer-subscription", "phone")));
    expect(violations).toEqual([]);
    await w.context.close();
  }, 120_000);

  it("lets an owner create an API key shown once with a copy button, and revoke it; staff see no keys", async () => {
    const w = await signedIn(OWNER);
    await w.page.getByRole("link", { name: "API keys" }).click();
    await w.page.getByRole("heading", { level: 1, name: "API keys" }).waitFor();
    await settled(w.page);
    await w.page.getByLabel("Name").fill("shop sync");
    await w.page.getByRole("button", { name: "Create key" }).click();
    const secret = w.page.getByLabel("The new API key");
    await secret.waitFor();
    const key = await secret.inputValue();
    expect(key).toMatch(/^rk_/);
    expect(await w.page.getByText("Copy this key now: it is shown only once.").count()).toBe(1);
    expect(await w.page.getByRole("button", { name: "Copy key" }).count()).toBe(1);
    expect((await stack.api("/v1/me", { key })).body).toMatchObject({ type: "key", scopes: ["leads:write"] });
    const violations = [...(await check(w, "keys", "laptop"))];
    await w.page.setViewportSize(VIEWPORTS.phone);
    violations.push(...(await check(w, "keys", "phone")));
    expect(violations).toEqual([]);
    await w.page.setViewportSize(VIEWPORTS.laptop);

    w.page.once("dialog", (dialog) => void dialog.accept());
    await w.page.getByRole("button", { name: "Revoke shop sync" }).click();
    await expect.poll(async () => (await stack.api("/v1/me", { key })).status, POLL).toBe(401);
    await expect
      .poll(
        () =>
          w.page
            .getByRole("region", { name: "API keys" })
            .getByText(/^Revoked /)
            .count(),
        POLL,
      )
      .toBe(1);
    expect(w.problems).toEqual([]);
    await w.context.close();

    const staff = await signedIn(STAFF);
    expect(await staff.page.getByRole("link", { name: "API keys" }).count()).toBe(0);
    await staff.page.goto(`${stack.url}/app#/keys`);
    await staff.page.getByText("Only an owner manages API keys.").waitFor();
    await staff.context.close();
  }, 120_000);

  it("keeps the segment list page free of serious accessibility problems at both sizes", async () => {
    const violations: string[] = [];
    for (const viewport of ["laptop", "phone"] as const) {
      const w = await signedIn(STAFF, viewport);
      await w.page.goto(`${stack.url}/app#/segments/champions`);
      await w.page.getByRole("heading", { level: 1, name: "Segment: Champions" }).waitFor();
      violations.push(...(await check(w, "segment-list", viewport)));
      await w.page.goto(`${stack.url}/app#/segments`);
      await w.page.getByRole("heading", { level: 1, name: "Segments" }).waitFor();
      violations.push(...(await check(w, "segments", viewport)));
      await w.page.goto(`${stack.url}/app#/overview`);
      violations.push(...(await check(w, "overview", viewport)));
      expect(w.problems).toEqual([]);
      await w.context.close();
    }
    expect(violations).toEqual([]);
  }, 180_000);
});
