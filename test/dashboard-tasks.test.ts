import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../local/cognito.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, settled, type Watched } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

/**
 * Tasks in the dashboard, in real Chromium, signed in as a person: add a task on a customer's
 * page, see it on Today, complete it there; each step checked against the API.
 */
const stack = useStack({ cognito: true });
let browser: Browser;
let password = "";
/** Tia's id token, for checking Today through the API as her. */
let token = "";

beforeAll(async () => {
  const added = await stack.api("/v1/people", { key: stack.adminKey, body: { email: "tia.tasks@shop.example", role: "staff", name: "Tia" } });
  password = added.body.password;
  token = (await signIn(stack.cognito!, "tia.tasks@shop.example", password)).idToken;
  if (HAVE_BROWSER) browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** Answers come from a real stack on a busy machine: allow them a few seconds. */
const POLL = { timeout: 10_000 };

async function signedIn(): Promise<Watched> {
  const w = await openWatched(browser, "laptop");
  await w.page.goto(`${stack.url}/app`);
  await w.page.getByLabel("Email", { exact: true }).fill("tia.tasks@shop.example");
  await w.page.getByLabel("Password", { exact: true }).fill(password);
  await w.page.getByRole("button", { name: "Sign in", exact: true }).click();
  await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  return w;
}

const today = async () => (await stack.api("/v1/tasks?assignee=me&due=today", { key: token })).body.items as { title: string; status: string }[];

describe.skipIf(!HAVE_BROWSER)("tasks in the dashboard", () => {
  it("adds a task on a customer's page, finds it on Today and completes it there", async () => {
    // Given a customer
    const customerId = (await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "kari.tasks@example.com", firstName: "Kari" } })).body.customerId;
    const w = await signedIn();

    // When a task is added on their page
    await w.page.goto(`${stack.url}/app#/customers/${customerId}`);
    await w.page.getByRole("heading", { level: 1 }).waitFor();
    await settled(w.page);
    await w.page.getByText("Add a task").click();
    await w.page.getByLabel("Task", { exact: true }).fill("Call Kari about the quote");
    await w.page.getByRole("button", { name: "Add task" }).click();

    // Then the API has it on Today, and the page lists it
    await expect.poll(async () => (await today()).map((t) => t.title), POLL).toContain("Call Kari about the quote");
    await expect.poll(() => w.page.getByRole("button", { name: "Complete “Call Kari about the quote”" }).count(), POLL).toBe(1);

    // When it is completed from Today
    await w.page.getByRole("link", { name: "Today" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
    await w.page.getByRole("button", { name: "Complete “Call Kari about the quote”" }).click();

    // Then it is off Today, in the API and on the page
    await expect.poll(async () => (await today()).map((t) => t.title), POLL).not.toContain("Call Kari about the quote");
    await expect.poll(() => w.page.getByText("Nothing due today").count(), POLL).toBe(1);
    expect(w.problems).toEqual([]);
    await w.context.close();
    // A real browser against a real stack: allow for a busy machine.
  }, 120_000);
});
