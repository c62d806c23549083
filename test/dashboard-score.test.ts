import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../infra/functions.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, seriousViolations, settled, VIEWPORTS, type Watched } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

/**
 * The lead score in the dashboard, in real Chromium, signed in as a person: the customers page
 * orders by the Score column's heading (with the keyboard), the customer page shows the score
 * panel; both axe-core clean at laptop and phone sizes, with screenshots in screenshots/score/.
 */
const stack = useStack({ cognito: true, env: { LEAD_SCORE_HOT_THRESHOLD: "50" } });
const SHOTS = path.join(PROJECT_ROOT, "screenshots", "score");
const POLL = { timeout: 10_000 };
let browser: Browser;
let password = "";
const ids: Record<"low" | "mid" | "high", string> = { low: "", mid: "", high: "" };

async function event(body: Record<string, unknown>) {
  const res = await stack.api("/v1/events", { key: stack.adminKey, body });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
}

beforeAll(async () => {
  password = (await stack.api("/v1/people", { key: stack.adminKey, body: { email: "sol.score@shop.example", role: "staff", name: "Sol" } })).body.password;
  const names = { low: ["Lars", "Low"], mid: ["Mona", "Middle"], high: ["Hedda", "High"] } as const;
  for (const key of ["low", "mid", "high"] as const) {
    const [firstName, lastName] = names[key];
    ids[key] = (
      await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: `${firstName.toLowerCase()}.score@example.com`, firstName, lastName } })
    ).body.customerId;
  }
  await event({ type: "purchase", customerId: ids.mid, amount: 30, currency: "USD", product: "Mug", externalId: "score-mid-1" });
  await event({ type: "purchase", customerId: ids.high, amount: 90, currency: "USD", product: "Kettle", externalId: "score-high-1" });
  await event({ type: "email_reply", customerId: ids.high, text: "Can you do a bulk price?" });
  // The stream consumer scores them a moment later.
  await stack.settleReports();
  await stack.settleReports();
  mkdirSync(SHOTS, { recursive: true });
  if (HAVE_BROWSER) browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

async function signedIn(viewport: keyof typeof VIEWPORTS = "laptop"): Promise<Watched> {
  const w = await openWatched(browser, viewport);
  await w.page.goto(`${stack.url}/app`);
  await w.page.getByLabel("Email", { exact: true }).fill("sol.score@shop.example");
  await w.page.getByLabel("Password", { exact: true }).fill(password);
  await w.page.getByRole("button", { name: "Sign in", exact: true }).click();
  await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  return w;
}

describe.skipIf(!HAVE_BROWSER)("the lead score in the dashboard", () => {
  it("orders the customers by the Score heading from the keyboard, and shows the score panel on a customer's page", async () => {
    const w = await signedIn();
    await w.page.goto(`${stack.url}/app#/customers`);
    await w.page.getByRole("table").waitFor();
    const sortLink = w.page.getByRole("link", { name: /^Score/ });
    await sortLink.focus();
    await w.page.keyboard.press("Enter");
    await expect.poll(() => w.page.getByText("highest lead score first").count(), POLL).toBe(1);
    await expect.poll(() => w.page.locator("th[aria-sort=descending]").textContent(), POLL).toMatch(/^Score/);
    const names = await w.page.locator("tbody th").allTextContents();
    expect(names).toEqual(["Hedda High", "Mona Middle", "Lars Low"]);

    await w.page.getByRole("link", { name: "Hedda High" }).click();
    const panel = w.page.getByRole("region", { name: "Lead score" });
    await panel.waitFor();
    expect(await panel.getByText("Hot", { exact: true }).count()).toBe(1);
    expect(await panel.getByRole("row", { name: /Purchases/ }).textContent()).toContain("25");
    expect(await panel.getByRole("row", { name: /Replies/ }).textContent()).toContain("15");
    expect(w.problems).toEqual([]);
    await w.context.close();
  }, 120_000);

  it.each(Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[])(
    "has no serious or critical axe-core violations on the sorted list or the score panel (%s), and writes a screenshot of each",
    async (viewport) => {
      const w = await signedIn(viewport);
      const violations: Record<string, string[]> = {};
      for (const [name, hash] of [
        ["customers-by-score", "#/customers?sort=leadScore"],
        ["customer-score", `#/customers/${ids.high}`],
      ] as const) {
        await w.page.goto(`${stack.url}/app${hash}`);
        await w.page.getByRole("heading", { level: 1 }).waitFor();
        await w.page.getByRole("table").first().waitFor();
        await settled(w.page);
        violations[name] = await seriousViolations(w.page);
        await w.page.screenshot({ path: path.join(SHOTS, `${name}-${viewport}.png`), fullPage: true });
      }
      expect(violations).toEqual({ "customers-by-score": [], "customer-score": [] });
      expect(w.problems).toEqual([]);
      await w.context.close();
    },
    120_000,
  );
});
