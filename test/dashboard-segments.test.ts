import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../local/cognito.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, seriousViolations, settled, VIEWPORTS, type Watched } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

/**
 * Saved segments in the dashboard, in real Chromium, signed in as a person: build a segment of two
 * conditions from the keyboard, watch the live count agree with the API, save it, open its members
 * and export them as CSV; axe-core at laptop and phone sizes, with screenshots under
 * screenshots/segments/ for a person to look at.
 */
const stack = useStack({ cognito: true });
const SHOTS = path.join(import.meta.dirname, "..", "screenshots", "segments");
let browser: Browser;
let password = "";
let token = "";

const POLL = { timeout: 10_000 };

async function purchase(customerId: string, amount: number, ref: string): Promise<void> {
  const res = await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId, amount, externalId: ref } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const added = await stack.api("/v1/people", { key: stack.adminKey, body: { email: "sid.segments@shop.example", role: "staff", name: "Sid" } });
  password = added.body.password;
  token = (await signIn(stack.cognito!, "sid.segments@shop.example", password)).idToken;
  for (const [i, amount] of [650, 800, 40].entries()) {
    const id = (await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: `vip${i}.ui@example.com`, firstName: `Vip${i}`, tags: "vip" } })).body
      .customerId;
    await purchase(id, amount, `ui-order-${i}`);
  }
  await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "plain.ui@example.com" } });
  if (HAVE_BROWSER) browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

async function signedIn(viewport: keyof typeof VIEWPORTS = "laptop"): Promise<Watched> {
  const w = await openWatched(browser, viewport);
  await w.page.goto(`${stack.url}/app`);
  await w.page.getByLabel("Email", { exact: true }).fill("sid.segments@shop.example");
  await w.page.getByLabel("Password", { exact: true }).fill(password);
  await w.page.getByRole("button", { name: "Sign in", exact: true }).click();
  await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  return w;
}

async function openPage(w: Watched): Promise<Page> {
  await w.page.getByRole("link", { name: "Saved segments" }).click();
  await w.page.getByRole("heading", { level: 1, name: "Saved segments" }).waitFor();
  await settled(w.page);
  return w.page;
}

const focusedLabel = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent?.trim());

describe.skipIf(!HAVE_BROWSER)("saved segments in the dashboard", () => {
  it("builds a segment of two conditions from the keyboard, with a live count equal to the API's, saves it, opens its members and exports CSV", async () => {
    const w = await signedIn();
    const page = await openPage(w);

    // When the segment is built: a name, then two conditions added and filled from the keyboard
    await page.getByLabel("Name", { exact: true }).fill("VIP buyers");
    await page.getByRole("button", { name: "Add condition" }).focus();
    await page.keyboard.press("Enter");
    expect(await focusedLabel(page)).toBe("Condition 1: field");
    // Stage comes first; the arrow key moves a closed select to the next field, Tags.
    await page.keyboard.press("ArrowDown");
    expect(await page.getByLabel("Condition 1: field").inputValue()).toBe("tags");
    await page.keyboard.press("Tab");
    expect(await focusedLabel(page)).toBe("Condition 1: operator");
    await page.keyboard.press("Tab");
    expect(await focusedLabel(page)).toBe("Condition 1: value");
    await page.keyboard.type("vip");
    await page.getByRole("button", { name: "Add condition" }).click();
    await page.getByLabel("Condition 2: field").selectOption("lifetimeSpend");
    await page.getByLabel("Condition 2: operator").selectOption("gte");
    await page.getByLabel("Condition 2: value").fill("500");

    // Then the live count is the API's count for the same definition
    const definition = {
      match: "all",
      conditions: [
        { field: "tags", op: "contains", value: "vip" },
        { field: "lifetimeSpend", op: "gte", value: 500 },
      ],
    };
    const preview = await stack.api("/v1/segments/preview", { key: token, body: definition });
    expect(preview.body.count).toBe(2);
    await expect.poll(() => page.locator("#segment-live-count").getAttribute("data-count"), POLL).toBe(String(preview.body.count));
    await expect.poll(() => page.locator("#segment-live-count").textContent(), POLL).toBe("2 customers match now");
    await page.screenshot({ path: path.join(SHOTS, "builder-laptop.png"), fullPage: true });

    // When it is saved
    await page.getByRole("button", { name: "Save segment" }).click();
    await expect.poll(() => page.getByText("Saved “VIP buyers”.").count(), POLL).toBeGreaterThan(0);
    const saved = (await stack.api("/v1/segments", { key: token })).body.items as { id: string; name: string; conditions: unknown[] }[];
    expect(saved).toEqual([expect.objectContaining({ name: "VIP buyers", match: "all", conditions: definition.conditions })]);

    // Then its members open, with the count
    await page.getByRole("button", { name: "Open members of VIP buyers" }).click();
    await page.getByRole("heading", { level: 2, name: "Members of VIP buyers" }).waitFor();
    await settled(page);
    expect(await page.locator(".segment-members .segment-count").textContent()).toBe("2 customers");
    expect(await page.getByRole("link", { name: "vip1.ui@example.com" }).count()).toBe(1);
    expect(await page.getByRole("link", { name: "vip2.ui@example.com" }).count()).toBe(0);

    // And the CSV export downloads every member
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
    expect(download.suggestedFilename()).toBe(`segment-${saved[0]!.id}.csv`);
    const csv = readFileSync((await download.path())!, "utf8")
      .trimEnd()
      .split("\r\n");
    expect(csv).toHaveLength(3);
    expect(
      csv
        .slice(1)
        .map((line) => line.split(",")[1])
        .sort(),
    ).toEqual(["vip0.ui@example.com", "vip1.ui@example.com"]);
    await page.screenshot({ path: path.join(SHOTS, "members-laptop.png"), fullPage: true });
    expect(w.problems).toEqual([]);
    await w.context.close();
  }, 120_000);

  it.each(Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[])(
    "has no serious or critical axe-core violations (%s)",
    async (viewport) => {
      const w = await signedIn(viewport);
      if (viewport === "phone") await w.page.goto(`${stack.url}/app#/saved-segments`);
      const page = viewport === "phone" ? w.page : await openPage(w);
      await page.getByRole("heading", { level: 1, name: "Saved segments" }).waitFor();
      await settled(page);
      await page.getByRole("button", { name: "Add condition" }).click();
      await page.getByLabel("Condition 1: field").selectOption("tags");
      await page.getByLabel("Condition 1: value").fill("vip");
      await expect.poll(() => page.locator("#segment-live-count").getAttribute("data-count"), POLL).not.toBeNull();
      const openMembers = page.getByRole("button", { name: /^Open members of/ }).first();
      if (await openMembers.count()) {
        await openMembers.click();
        await settled(page);
      }
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `saved-segments-${viewport}.png`), fullPage: true });
      expect(w.problems).toEqual([]);
      await w.context.close();
    },
    120_000,
  );
});
