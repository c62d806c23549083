import { existsSync, mkdirSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useStack } from "./support/stack.ts";

/** Debian's chromium (installed by .ci/run); elsewhere point CHROMIUM_PATH at a Chromium or Chrome. */
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveBrowser = existsSync(executablePath);

const stack = useStack();
let browser: Browser;

beforeAll(async () => {
  if (!haveBrowser) return;
  browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
});
afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!haveBrowser)("a person submits the lead form in a real browser", () => {
  it("fills in the form at /, lands on the thank-you page, and the admin sees the customer with the consent ledger", async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.url}/`);
    await page.getByLabel("Email").fill("Browser.Person@Example.com");
    await page.getByLabel("First name").fill("Åse");
    await page.getByLabel("Last name").fill("Ødegård");
    await page.getByLabel("Message").fill("Hei! Kan dere ringe meg?");
    await page.getByLabel(/Send me news/).check();
    mkdirSync("screenshots", { recursive: true });
    await page.screenshot({ path: "screenshots/lead-form.png", fullPage: true });
    await page.getByRole("button", { name: "Send" }).click();
    await page.waitForURL(`${stack.url}/v1/thanks`);
    await expect(page.getByRole("heading", { name: "Thank you!" }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: "screenshots/thank-you.png" });

    const list = await stack.api("/v1/customers?email=browser.person@example.com", { key: stack.adminKey });
    expect(list.body.items).toHaveLength(1);
    const view = await stack.api(`/v1/customers/${list.body.items[0].id}`, { key: stack.adminKey });
    expect(view.body.profile).toEqual({ firstName: "Åse", lastName: "Ødegård" });
    expect(view.body.consent).toMatchObject({ marketing: true, source: "website-contact-form", version: "v1" });
    const entry = view.body.recentTimeline[0];
    expect(entry.data).toMatchObject({
      message: "Hei! Kan dere ringe meg?",
      consent: { granted: true, ip: "127.0.0.1" },
      attribution: { source: "website-contact-form", page: `${stack.url}/` },
    });
  });

  it("a form with a bad email shows the browser what to fix", async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.url}/`);
    // Bypass the browser's own type=email check, as an old browser or a bot would.
    await page.locator("#email").evaluate((el) => el.setAttribute("type", "text"));
    await page.getByLabel("Email").fill("not an email");
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.getByRole("heading", { name: "Please check the form" }).isVisible()).resolves.toBe(true);
    await expect(page.getByText("is not a valid email address").isVisible()).resolves.toBe(true);
    await page.screenshot({ path: "screenshots/form-error.png" });
    await page.getByRole("link", { name: "Go back to the form" }).click();
    await page.waitForURL(`${stack.url}/`);
  });
});
