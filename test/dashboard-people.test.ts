import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appCsp } from "../functions/app.ts";
import { cognitoCall } from "../shared/aws/cognito.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, SHOTS, seriousViolations, settled, VIEWPORTS, type Watched } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

/**
 * People sign in to the dashboard as themselves, in real Chromium against a stack with its own
 * cognito-local: email and password checked by the pool from the browser, the tokens kept in the
 * tab and refreshed, who is signed in shown in the header, an owner inviting a staff teammate who
 * then sees no owner-only actions, a first sign-in choosing a new password; axe-core on the
 * sign-in and People pages at laptop and phone sizes.
 */
const stack = useStack({ cognito: true });
let browser: Browser;
let ownerPassword = "";
let customerId = "";

/** Answers come from a real stack on a busy machine: allow them a few seconds. */
const POLL = { timeout: 10_000 };

async function addPerson(email: string, role: "owner" | "staff", name: string): Promise<string> {
  const added = await stack.api("/v1/people", { key: stack.adminKey, body: { email, role, name } });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  return added.body.password as string;
}

beforeAll(async () => {
  ownerPassword = await addPerson("olive.owner@shop.example", "owner", "Olive Owner");
  customerId = (await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "carla.customer@example.com" } })).body.customerId;
  if (HAVE_BROWSER) browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

async function signInAs(w: Watched, email: string, password: string): Promise<void> {
  await w.page.goto(`${stack.url}/app`);
  await w.page.getByLabel("Email", { exact: true }).fill(email);
  await w.page.getByLabel("Password", { exact: true }).fill(password);
  await w.page.getByRole("button", { name: "Sign in", exact: true }).click();
  await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor({ timeout: 15_000 });
}

const stored = (w: Watched) =>
  w.page.evaluate(() => ({
    tokens: sessionStorage.getItem("rapport.tokens"),
    key: sessionStorage.getItem("rapport.apiKey"),
    me: sessionStorage.getItem("rapport.me"),
  }));

describe("the dashboard's CSP with a user pool", () => {
  it("lets the page reach the pool's endpoint and nothing else beyond its own origin", async () => {
    const res = await fetch(`${stack.url}/app`);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain(`connect-src 'self' ${stack.cognito!.endpoint};`);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe");
    // On AWS: Cognito's regional endpoint.
    expect(appCsp({ region: "eu-west-1", people: { userPoolId: "eu-west-1_x", clientId: "c" } })).toContain(
      "connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com;",
    );
  });
});

describe.skipIf(!HAVE_BROWSER)("people signing in to the dashboard", () => {
  it("refuses a wrong password with a clear message and keeps nothing", async () => {
    const w = await openWatched(browser);
    await w.page.goto(`${stack.url}/app`);
    await w.page.getByRole("heading", { level: 1, name: "Sign in to Rapport" }).waitFor();
    await w.page.getByLabel("Email", { exact: true }).fill("olive.owner@shop.example");
    await w.page.getByLabel("Password", { exact: true }).fill("not-her-Passw0rd!");
    await w.page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect
      .poll(() => w.page.locator("#signin-password-error").textContent(), POLL)
      .toBe("That email and password do not match. Check both and try again.");
    expect(await w.page.getByLabel("Password", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    expect(await stored(w)).toEqual({ tokens: null, key: null, me: null });
    await w.page.screenshot({ path: path.join(SHOTS, "signin-person-wrong-password-laptop.png") });
    await w.context.close();
  });

  it("an owner signs in, sees their name and role, invites a staff teammate and signs out, forgetting the tokens", async () => {
    const w = await openWatched(browser);
    await signInAs(w, "olive.owner@shop.example", ownerPassword);
    await expect.poll(() => w.page.locator("#whoami").textContent(), POLL).toBe("Olive Owner · Owner");
    const kept = await stored(w);
    expect(JSON.parse(kept.tokens!)).toMatchObject({ idToken: expect.any(String), refreshToken: expect.any(String), expiresAt: expect.any(Number) });
    expect(kept.key).toBeNull();
    expect(await w.page.evaluate(() => localStorage.length)).toBe(0);
    expect(await w.context.cookies()).toEqual([]);

    await w.page.getByRole("link", { name: "People" }).click();
    await w.page.getByRole("heading", { level: 1, name: "People" }).waitFor();
    await settled(w.page);
    await expect
      .poll(() => w.page.getByRole("table", { name: "People who may sign in" }).locator("tbody tr").allTextContents(), POLL)
      .toEqual([expect.stringContaining("Olive Owner")]);
    await w.page.getByLabel("Email", { exact: true }).fill("sam.staff@shop.example");
    await w.page.getByLabel("Name", { exact: true }).fill("Sam Staff");
    await w.page.getByLabel("Role", { exact: true }).selectOption("staff");
    await w.page.getByRole("button", { name: "Invite" }).click();
    await w.page.locator("#new-password").waitFor({ timeout: 10_000 });
    const samPassword = (await w.page.locator("#new-password").textContent())!;
    expect(samPassword.length).toBeGreaterThan(8);
    const people = (await stack.api("/v1/people", { key: stack.adminKey })).body.items as { email: string; role: string; name?: string }[];
    expect(people).toContainEqual(expect.objectContaining({ email: "sam.staff@shop.example", role: "staff", name: "Sam Staff" }));
    await expect.poll(() => w.page.getByRole("table", { name: "People who may sign in" }).locator("tbody tr").count(), POLL).toBe(2);

    await w.page.getByRole("button", { name: "Sign out" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Sign in to Rapport" }).waitFor();
    expect(await stored(w)).toEqual({ tokens: null, key: null, me: null });
    expect(await w.page.locator("#whoami").isHidden()).toBe(true);

    // The teammate signs in with the password they were given, and sees no owner-only action.
    await signInAs(w, "sam.staff@shop.example", samPassword);
    await expect.poll(() => w.page.locator("#whoami").textContent(), POLL).toBe("Sam Staff · Staff");
    expect(await w.page.getByRole("link", { name: "People" }).count()).toBe(0);
    await w.page.goto(`${stack.url}/app#/customers/${encodeURIComponent(customerId)}`);
    await w.page.getByRole("heading", { level: 1, name: /carla/i }).waitFor();
    await settled(w.page);
    await w.page.getByText("Export (privacy requests)").click();
    expect(await w.page.getByRole("button", { name: "Erase this customer" }).count()).toBe(0);
    const campaigns = (await stack.api("/v1/campaigns", { key: stack.adminKey })).body.items as { id: string; name: string }[];
    if (campaigns[0]) {
      await w.page.goto(`${stack.url}/app#/campaigns/${encodeURIComponent(campaigns[0].id)}`);
      await w.page.getByText("Only an owner may change a campaign.").waitFor({ timeout: 10_000 });
      expect(await w.page.getByRole("button", { name: "Save campaign" }).count()).toBe(0);
    }
    await w.page.goto(`${stack.url}/app#/people`);
    await w.page.getByText("Only an owner manages the people who may sign in.").waitFor();
    expect(await w.page.getByRole("button", { name: "Invite" }).count()).toBe(0);
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it("refreshes a person's tokens before they expire, and once when the API refuses one", async () => {
    const w = await openWatched(browser);
    await signInAs(w, "olive.owner@shop.example", ownerPassword);
    const before = JSON.parse((await stored(w)).tokens!) as { idToken: string; refreshToken: string; expiresAt: number };

    // As if the id token were about to expire: the next call refreshes it first.
    await w.page.evaluate((t) => sessionStorage.setItem("rapport.tokens", JSON.stringify({ ...t, expiresAt: Date.now() + 10_000 })), before);
    await w.page.goto(`${stack.url}/app#/customers`);
    await w.page.getByRole("heading", { level: 1, name: "Customers" }).waitFor();
    await settled(w.page);
    await expect.poll(async () => (JSON.parse((await stored(w)).tokens!) as { expiresAt: number }).expiresAt, POLL).toBeGreaterThan(Date.now() + 60_000);

    // A token the API refuses (as after a key rotation): one refresh, one retry, and the page shows.
    await w.page.evaluate(() => {
      const t = JSON.parse(sessionStorage.getItem("rapport.tokens")!);
      sessionStorage.setItem("rapport.tokens", JSON.stringify({ ...t, idToken: "e30.e30.e30" }));
    });
    await w.page.goto(`${stack.url}/app#/quarantine`);
    await w.page.getByRole("heading", { level: 1, name: "Held submissions" }).waitFor();
    await settled(w.page);
    expect(await w.page.locator(".error").count()).toBe(0);
    expect((JSON.parse((await stored(w)).tokens!) as { idToken: string }).idToken).not.toBe("e30.e30.e30");

    // A refresh token the pool refuses ends the session with a message.
    await w.page.evaluate(() => {
      const t = JSON.parse(sessionStorage.getItem("rapport.tokens")!);
      sessionStorage.setItem("rapport.tokens", JSON.stringify({ ...t, idToken: "e30.e30.e30", refreshToken: "not-a-refresh-token" }));
    });
    await w.page.goto(`${stack.url}/app#/customers`);
    await w.page.getByRole("heading", { level: 1, name: "Sign in to Rapport" }).waitFor();
    await expect.poll(() => w.page.locator(".notice").textContent(), POLL).toBe("Your session has ended. Sign in again.");
    expect((await stored(w)).tokens).toBeNull();
    await w.context.close();
  });

  it("a person whose password is temporary chooses a new one at first sign-in", async () => {
    const temporary = await addPerson("nina.new@shop.example", "staff", "Nina New");
    const pool = stack.cognito!;
    await cognitoCall({ region: "us-east-1", endpoint: pool.endpoint }, "AdminSetUserPassword", {
      UserPoolId: pool.userPoolId,
      Username: "nina.new@shop.example",
      Password: temporary,
      Permanent: false,
    });
    const w = await openWatched(browser);
    await w.page.goto(`${stack.url}/app`);
    await w.page.getByLabel("Email", { exact: true }).fill("nina.new@shop.example");
    await w.page.getByLabel("Password", { exact: true }).fill(temporary);
    await w.page.getByRole("button", { name: "Sign in", exact: true }).click();
    await w.page.getByRole("heading", { name: "Choose a new password" }).waitFor({ timeout: 10_000 });
    await w.page.getByLabel("New password", { exact: true }).fill("Nina-Own-Passw0rd!");
    await w.page.getByRole("button", { name: "Set password and sign in" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor({ timeout: 15_000 });
    await expect.poll(() => w.page.locator("#whoami").textContent(), POLL).toBe("Nina New · Staff");
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it("an owner removes a teammate after confirming: gone from the list and from the API", async () => {
    await addPerson("rex.removed@shop.example", "staff", "Rex Removed");
    const w = await openWatched(browser);
    await signInAs(w, "olive.owner@shop.example", ownerPassword);
    await w.page.goto(`${stack.url}/app#/people`);
    await w.page.getByRole("heading", { level: 1, name: "People" }).waitFor();
    await settled(w.page);
    // Nobody removes themselves from here.
    expect(await w.page.getByRole("button", { name: "Remove Olive Owner" }).count()).toBe(0);
    w.page.once("dialog", (dialog) => void dialog.accept());
    await w.page.getByRole("button", { name: "Remove Rex Removed" }).click();
    await expect.poll(() => w.page.getByRole("button", { name: "Remove Rex Removed" }).count(), POLL).toBe(0);
    const people = (await stack.api("/v1/people", { key: stack.adminKey })).body.items as { email: string }[];
    expect(people.map((p) => p.email)).not.toContain("rex.removed@shop.example");
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  for (const viewport of Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[]) {
    it(`has no serious or critical accessibility problems on the sign-in and People pages (${viewport})`, async () => {
      const w = await openWatched(browser, viewport);
      await w.page.goto(`${stack.url}/app`);
      await w.page.getByRole("heading", { level: 1, name: "Sign in to Rapport" }).waitFor();
      expect(await seriousViolations(w.page)).toEqual([]);
      await w.page.getByText("Use an API key instead").click();
      expect(await seriousViolations(w.page)).toEqual([]);
      await w.page.screenshot({ path: path.join(SHOTS, `signin-person-${viewport}.png`) });
      await signInAs(w, "olive.owner@shop.example", ownerPassword);
      await w.page.goto(`${stack.url}/app#/people`);
      await w.page.getByRole("heading", { level: 1, name: "People" }).waitFor();
      await settled(w.page);
      expect(await seriousViolations(w.page)).toEqual([]);
      await w.page.screenshot({ path: path.join(SHOTS, `people-${viewport}.png`), fullPage: true });
      expect(w.problems).toEqual([]);
      await w.context.close();
    });
  }
});
