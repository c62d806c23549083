import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../shared/auth/api-keys.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, seriousViolations, settled, type VIEWPORTS, type Watched } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

/**
 * The Newsletters page in real Chromium: the list with a sent newsletter's figures, writing one
 * for a saved segment (its live count shown) to go at 10:00 in each recipient's time zone, the
 * API's field errors next to the fields, cancelling; axe-core at laptop and phone sizes, with
 * screenshots under screenshots/broadcasts/ for a person to look at.
 */
const stack = useStack();
const SHOTS = path.join(import.meta.dirname, "..", "screenshots", "broadcasts");
let browser: Browser;
let key: string;
let segmentId: string;

const LETTER = {
  en: { subject: "Hello {{firstName|there}}", text: "News.\n{{unsubscribeUrl}}", html: '<p>News.</p><a href="{{unsubscribeUrl}}">Unsubscribe</a>' },
};

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  key = (await createApiKey(stack.deps, { scopes: ["admin"], name: "newsletters browser" })).key;
  for (const name of ["Ada", "Bo", "Cy"])
    await stack.api("/v1/leads", {
      key: stack.leadsKey,
      body: { email: `${name.toLowerCase()}.weekly@example.com`, firstName: name, tags: ["weekly"], consent: "yes" },
    });
  segmentId = (
    await stack.api("/v1/segments", {
      key: stack.adminKey,
      body: { name: "Weekly readers", match: "all", conditions: [{ field: "tags", op: "contains", value: "weekly" }] },
    })
  ).body.id;
  // One newsletter already sent, so the list has figures to show.
  await stack.api("/v1/broadcasts", { key: stack.adminKey, body: { name: "August letter", segmentId, templates: LETTER, sendAt: "2027-08-02T12:00:00Z" } });
  await stack.api("/v1/sweeps", { key: stack.adminKey, body: { at: "2027-08-02T12:00:00Z" } });
  await stack.settleReports();
  if (HAVE_BROWSER) browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

async function openPage(viewport: keyof typeof VIEWPORTS = "laptop"): Promise<Watched> {
  const w = await openWatched(browser, viewport);
  await w.page.goto(`${stack.url}/app`);
  await w.page.getByLabel("Admin API key").fill(key);
  await w.page.getByRole("button", { name: "Sign in" }).click();
  await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  await w.page.getByRole("link", { name: "Newsletters" }).click();
  await w.page.getByRole("heading", { level: 1, name: "Newsletters" }).waitFor();
  await settled(w.page);
  return w;
}

describe.skipIf(!HAVE_BROWSER)("the Newsletters page", () => {
  it("lists a sent newsletter with its figures, and opens it with its skips, preview and test", async () => {
    const w = await openPage();
    const row = w.page.getByRole("row", { name: /August letter/ });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain("Sent");
    await w.page.getByRole("button", { name: "Open August letter" }).click();
    await w.page.getByRole("heading", { level: 2, name: "August letter" }).waitFor();
    await settled(w.page);
    await expect.poll(() => w.page.locator(".stats").textContent()).toContain("Recipients3");
    await w.page.getByLabel("Find a customer").fill("ada.weekly");
    await w.page.getByLabel("Find a customer").press("Enter");
    await expect.poll(() => w.page.getByLabel("Customer to preview").isEnabled()).toBe(true);
    await w.page.getByRole("button", { name: "Show preview" }).click();
    await expect.poll(() => w.page.locator(".preview").textContent()).toContain("Hello Ada");
    expect(await seriousViolations(w.page)).toEqual([]);
    await w.page.screenshot({ path: path.join(SHOTS, "newsletter-open-laptop.png"), fullPage: true });
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it("writes a newsletter for a saved segment, showing its live count, to go at 10:00 in each recipient's zone; bad input is named at the field; it can be cancelled", async () => {
    const w = await openPage();
    const { page } = w;
    // Bad input first: the API's messages land next to the fields.
    await page.getByRole("button", { name: "Save newsletter" }).click();
    const summary = page.locator(".error-summary");
    await summary.waitFor();
    expect(await summary.textContent()).toContain("Name");
    expect(await page.getByLabel("Name", { exact: true }).getAttribute("aria-invalid")).toBe("true");

    await page.getByLabel("Name", { exact: true }).fill("September letter");
    await page.getByLabel("Segment", { exact: true }).selectOption(segmentId);
    await expect.poll(() => page.locator("#newsletter-segment-count").textContent(), { timeout: 10_000 }).toMatch(/^3 members now/);
    const english = page.getByRole("group", { name: /English/ });
    await english.getByLabel("Subject").fill("September news for {{firstName|you}}");
    await english.getByLabel("Plain text").fill("Hi.\nUnsubscribe: {{unsubscribeUrl}}");
    await english.getByLabel("HTML").fill('<p>Hi.</p><a href="{{unsubscribeUrl}}">Unsubscribe</a>');
    await page.getByLabel("When", { exact: true }).selectOption("local");
    await page.getByLabel("Date and time").fill("2027-09-01T10:00");
    await page.getByLabel("Time zone for recipients who gave none").fill("Europe/Oslo");
    // Submitted from the keyboard.
    await page.getByRole("button", { name: "Save newsletter" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator(".form-status").first().textContent(), { timeout: 10_000 }).toContain("Scheduled “September letter”");
    const saved = (await stack.api("/v1/broadcasts", { key: stack.adminKey })).body.items.find((b: { name: string }) => b.name === "September letter");
    expect(saved).toMatchObject({ state: "scheduled", segmentId, sendAt: { localTime: "2027-09-01T10:00", fallbackZone: "Europe/Oslo" } });
    await page.getByRole("heading", { level: 2, name: "September letter" }).waitFor();
    await settled(page);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, "newsletters-laptop.png"), fullPage: true });

    await page.getByRole("button", { name: "Cancel newsletter…" }).click();
    await page.getByRole("button", { name: /Yes, cancel it/ }).press("Enter");
    await expect.poll(async () => (await stack.api(`/v1/broadcasts/${saved.id}`, { key: stack.adminKey })).body.state, { timeout: 10_000 }).toBe("cancelled");
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it("has no serious accessibility problems on a phone", async () => {
    const w = await openPage("phone");
    expect(await seriousViolations(w.page)).toEqual([]);
    await w.page.screenshot({ path: path.join(SHOTS, "newsletters-phone.png"), fullPage: true });
    expect(w.problems).toEqual([]);
    await w.context.close();
  });
});
