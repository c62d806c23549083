import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../shared/auth/api-keys.ts";
import { holdLead } from "../shared/leads/quarantine.ts";
import type { LeadInput } from "../shared/leads/schema.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, SHOTS, seriousViolations, settled, VIEWPORTS, type Watched } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

/**
 * The everyday work of a CRM, done in the dashboard in real Chromium, each task checked against
 * the API afterwards: add a contact by hand, find them by part of their company, read what they
 * wrote, log a call with its text, record an order (a wrong amount named by the API first), edit
 * the profile, release a held submission, get the website form, erase on request with a typed
 * confirmation; axe-core on each page at laptop and phone sizes.
 */
const stack = useStack();
let browser: Browser;
let key: string;

beforeAll(async () => {
  key = (await createApiKey(stack.deps, { scopes: ["admin"], name: "workplace browser" })).key;
  if (HAVE_BROWSER) browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

async function signedIn(viewport: keyof typeof VIEWPORTS = "laptop"): Promise<Watched> {
  const w = await openWatched(browser, viewport);
  await w.page.goto(`${stack.url}/app`);
  await w.page.getByLabel("Admin API key").fill(key);
  await w.page.getByRole("button", { name: "Sign in" }).click();
  await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  return w;
}

async function go(w: Watched, hash: string, heading: string | RegExp): Promise<void> {
  await w.page.goto(`${stack.url}/app${hash}`);
  await w.page.getByRole("heading", { level: 1, name: heading }).waitFor();
  await settled(w.page);
}

/** Answers come from a real stack on a busy machine: allow them a few seconds. */
const POLL = { timeout: 10_000 };

const customer = async (id: string) => (await stack.api(`/v1/customers/${id}`, { key: stack.adminKey })).body;

describe.skipIf(!HAVE_BROWSER)("working with customers in the dashboard", () => {
  let id = "";

  it("adds a contact by hand, with the note they left, and lands on their page", async () => {
    const w = await signedIn();
    await go(w, "#/customers", "Customers");
    await w.page.getByRole("link", { name: "Add a contact" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Add a contact" }).waitFor();
    await w.page.getByLabel("Email", { exact: true }).fill("Anna.Berg@Nordlys.example.no");
    await w.page.getByLabel("First name").fill("Anna");
    await w.page.getByLabel("Last name").fill("Berg");
    await w.page.getByLabel("Company").fill("Bakeri Nordlys");
    await w.page.getByLabel(/Note/).fill("Wants a quote for 40 cakes");
    await w.page.getByRole("button", { name: "Add the contact" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Anna Berg" }).waitFor();
    id = decodeURIComponent(w.page.url().split("#/customers/")[1]!);
    expect(await customer(id)).toMatchObject({ email: "anna.berg@nordlys.example.no", profile: { company: "Bakeri Nordlys" }, stage: "lead" });
    // What they wrote is on the timeline, as they wrote it.
    await expect.poll(() => w.page.locator(".timeline .event-text").allTextContents(), POLL).toContain("Wants a quote for 40 cakes");
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it("finds the contact by part of the company name", async () => {
    await stack.settleReports();
    const w = await signedIn();
    await go(w, "#/customers", "Customers");
    await w.page.getByLabel("Search", { exact: true }).fill("nordl");
    await w.page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => w.page.locator("table.data tbody a").allTextContents(), POLL).toEqual(["Anna Berg"]);
    await w.context.close();
  });

  it("logs a call with what was said, and records an order after the API names a wrong amount", async () => {
    const w = await signedIn();
    await go(w, `#/customers/${id}`, "Anna Berg");
    await w.page.getByText("Log a call, meeting or note").click();
    await w.page.getByLabel("What happened").selectOption("call");
    await w.page.getByLabel("What was said or agreed").fill("Called back: delivery on Friday, 40 cakes.");
    await w.page.getByRole("button", { name: "Save to the timeline" }).click();
    await expect.poll(() => w.page.locator(".timeline .event-text").allTextContents(), POLL).toContain("Called back: delivery on Friday, 40 cakes.");

    await w.page.getByText("Record an order or refund").click();
    await w.page.getByLabel(/Amount/).fill("forty");
    await w.page.getByRole("button", { name: "Record", exact: true }).click();
    await expect.poll(() => w.page.locator("#order-amount-error").textContent(), POLL).toMatch(/^Amount \(USD\) /);
    expect(await w.page.getByLabel(/Amount/).getAttribute("aria-invalid")).toBe("true");
    await w.page.getByLabel(/Amount/).fill("120.50");
    await w.page.getByLabel("Order number").fill("ORD-1001");
    await w.page.getByRole("button", { name: "Record", exact: true }).click();
    await expect.poll(async () => (await customer(id)).metrics.orders, POLL).toBe(1);
    expect((await customer(id)).metrics.lifetimeSpend).toBe(120.5);
    expect((await customer(id)).stage).toBe("customer");
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it("edits profile fields, tags, owner and the next contact date", async () => {
    const w = await signedIn();
    await go(w, `#/customers/${id}`, "Anna Berg");
    await w.page.getByText("Edit profile, tags, owner, next contact").click();
    await w.page.locator("#profile-company").fill("Bakeri Nordlys AS");
    await w.page.locator("#profile-city").fill("Tromsø");
    await w.page.locator("#profile-tags").fill("wholesale, cakes");
    await w.page.locator("#profile-owner").fill("sam@shop.example.com");
    await w.page.locator("#profile-nextContactAt").fill("2027-03-01T10:00");
    await w.page.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(async () => (await customer(id)).profile.company, POLL).toBe("Bakeri Nordlys AS");
    expect(await customer(id)).toMatchObject({
      profile: { city: "Tromsø" },
      tags: ["cakes", "wholesale"],
      owner: "sam@shop.example.com",
      nextContactAt: "2027-03-01T10:00:00.000Z",
    });
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it("releases a held submission: it becomes a customer", async () => {
    await holdLead(
      stack.deps,
      { email: "hasty.human@example.com", firstName: "Hasty", message: "Sorry, I type fast" } as LeadInput,
      { ip: "203.0.113.9", page: "https://www.example.com/contact" },
      { reason: "too_fast" },
    );
    const w = await signedIn();
    await go(w, "#/quarantine", "Held submissions");
    expect(await w.page.getByText("Sent too fast for a person").count()).toBe(1);
    await w.page.getByRole("button", { name: "Release hasty.human@example.com" }).click();
    await expect.poll(() => w.page.getByText("Nothing is held.", { exact: false }).count(), POLL).toBe(1);
    const found = await stack.api("/v1/customers?email=hasty.human@example.com", { key: stack.adminKey });
    expect(found.body.items).toHaveLength(1);
    await w.context.close();
  });

  it("shows the website form with this deployment's real endpoint", async () => {
    const w = await signedIn();
    await go(w, "#/form", "Website form");
    expect(await w.page.locator("pre.snippet").textContent()).toContain(`action="${stack.url}/v1/leads"`);
    expect(await w.page.getByRole("button", { name: "Copy the HTML" }).count()).toBe(1);
    await w.context.close();
  });

  it("erases a customer on request only after the email address is typed to confirm", async () => {
    const w = await signedIn();
    await go(w, `#/customers/${id}`, "Anna Berg");
    await w.page.getByText("Export or erase (privacy requests)").click();
    await w.page.getByLabel("Type the email address to confirm").fill("someone.else@example.com");
    await w.page.getByRole("button", { name: "Erase this customer" }).click();
    await expect.poll(() => w.page.locator("#erase-confirm-error").textContent(), POLL).toContain("to confirm");
    expect((await stack.api(`/v1/customers/${id}`, { key: stack.adminKey })).status).toBe(200);
    await w.page.getByLabel("Type the email address to confirm").fill("anna.berg@nordlys.example.no");
    await w.page.getByRole("button", { name: "Erase this customer" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Customers" }).waitFor();
    expect((await stack.api(`/v1/customers/${id}`, { key: stack.adminKey })).status).not.toBe(200);
    await w.context.close();
  });

  it.each(Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[])("has no serious or critical axe-core violations on the work pages (%s)", async (viewport) => {
    const other = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "kari@example.no", firstName: "Kari", message: "Hello there" } });
    const w = await signedIn(viewport);
    const violations: Record<string, string[]> = {};
    const pages: [string, string, string][] = [
      ["contact-new", "#/customers/new", "Add a contact"],
      ["quarantine", "#/quarantine", "Held submissions"],
      ["form", "#/form", "Website form"],
      ["customer-actions", `#/customers/${other.body.customerId}`, "Kari"],
    ];
    for (const [name, hash, heading] of pages) {
      await go(w, hash, heading);
      for (const summary of await w.page.locator("details.action > summary").all()) await summary.click();
      violations[name] = await seriousViolations(w.page);
      await w.page.screenshot({ path: path.join(SHOTS, `${name}-${viewport}.png`), fullPage: true });
    }
    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
    expect(await w.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS[viewport].width);
    expect(w.problems).toEqual([]);
    await w.context.close();
  });
});
