import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../infra/functions.ts";
import { FileConnectionSecrets } from "../shared/connections/secrets.ts";
import { addConnection, noteProblem } from "../shared/connections/store.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, seriousViolations, settled, VIEWPORTS, type Watched } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

/**
 * The Connections and Webhooks pages in real Chromium, signed in as a Cognito person: an owner
 * adds an endpoint, sees its secret once, sends a test event that a receiver verifies with the
 * standardwebhooks library, and removes it; staff see the connections but no webhooks. Both pages
 * are axe-core clean at laptop and phone sizes, with screenshots in screenshots/webhooks/.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), "rapport-dashboard-webhooks-"));
const stack = useStack({
  cognito: true,
  env: { CONNECTIONS_FILE: path.join(dataDir, "connections.json"), WEBHOOKS_FILE: path.join(dataDir, "webhooks.json") },
});
const SHOTS = path.join(PROJECT_ROOT, "screenshots", "webhooks");
const POLL = { timeout: 10_000 };
let browser: Browser;
const people: Record<"owner" | "staff", { email: string; password: string }> = {
  owner: { email: "olga.owner@shop.example", password: "" },
  staff: { email: "sam.staff@shop.example", password: "" },
};
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
    res.writeHead(204).end();
  });
});

beforeAll(async () => {
  for (const role of ["owner", "staff"] as const) {
    const added = await stack.api("/v1/people", { key: stack.adminKey, body: { email: people[role].email, role, name: role === "owner" ? "Olga" : "Sam" } });
    people[role].password = added.body.password;
  }
  await new FileConnectionSecrets(path.join(dataDir, "connections.json")).put("shopify", "shpss_dashboard_test_secret");
  await addConnection(stack.deps, "shopify");
  await noteProblem(stack.deps, "shopify", {
    kind: "currency_EUR",
    message: "an amount in EUR was kept on the timeline but not counted: lifetime spend is kept in USD",
    example: { event: "e1", order: "1001" },
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  mkdirSync(SHOTS, { recursive: true });
  if (HAVE_BROWSER) browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  receiver.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function signedIn(role: "owner" | "staff", viewport: keyof typeof VIEWPORTS = "laptop"): Promise<Watched> {
  const w = await openWatched(browser, viewport);
  await w.page.goto(`${stack.url}/app`);
  await w.page.getByLabel("Email", { exact: true }).fill(people[role].email);
  await w.page.getByLabel("Password", { exact: true }).fill(people[role].password);
  await w.page.getByRole("button", { name: "Sign in", exact: true }).click();
  await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  return w;
}

describe.skipIf(!HAVE_BROWSER)("the Connections and Webhooks pages", () => {
  it("an owner adds an endpoint, sees its secret once, sends a verified test event and removes it", async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/rapport`;
    const w = await signedIn("owner");
    await w.page.getByRole("link", { name: "Webhooks" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Webhooks" }).waitFor();
    await settled(w.page);

    // A missing event is named by the API and shown next to the form.
    await w.page.getByLabel("Endpoint URL").fill(url);
    await w.page.getByRole("button", { name: "Add endpoint" }).click();
    await expect.poll(() => w.page.getByRole("alert").textContent(), POLL).toMatch(/event/);

    await w.page.getByLabel(/LeadCaptured/).check();
    await w.page.getByLabel(/PurchaseRecorded/).check();
    await w.page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = (await w.page.locator("#new-webhook-secret").textContent({ timeout: 10_000 }))!;
    expect(secret).toMatch(/^whsec_/);
    const listed = (await stack.api("/v1/webhooks", { key: stack.adminKey })).body.webhooks;
    expect(listed).toEqual([expect.objectContaining({ url, events: ["LeadCaptured", "PurchaseRecorded"] })]);
    expect(JSON.stringify(listed)).not.toContain(secret);

    await w.page.getByRole("button", { name: `Send test to ${url}` }).click();
    await expect.poll(() => w.page.getByText("Test event: Delivered (HTTP 204).").count(), POLL).toBeGreaterThan(0);
    const test = received.find((r) => r.body.includes("webhook.test"))!;
    expect(
      new Webhook(secret).verify(test.body, {
        "webhook-id": String(test.headers["webhook-id"]),
        "webhook-timestamp": String(test.headers["webhook-timestamp"]),
        "webhook-signature": String(test.headers["webhook-signature"]),
      }),
    ).toMatchObject({ type: "webhook.test" });

    w.page.once("dialog", (d) => void d.accept());
    await w.page.getByRole("button", { name: `Remove the endpoint ${url}` }).click();
    await expect.poll(async () => (await stack.api("/v1/webhooks", { key: stack.adminKey })).body.webhooks, POLL).toEqual([]);
    expect(w.problems).toEqual([]);
    await w.context.close();
  }, 120_000);

  it("shows staff the connections with their endpoint URL and problems, but no webhooks", async () => {
    const w = await signedIn("staff");
    expect(await w.page.getByRole("link", { name: "Webhooks" }).isVisible()).toBe(false);
    await w.page.getByRole("link", { name: "Connections" }).click();
    await w.page.getByRole("heading", { level: 1, name: "Connections" }).waitFor();
    await settled(w.page);
    await expect.poll(() => w.page.getByText(`${stack.url}/v1/hooks/shopify`).count(), POLL).toBe(1);
    await expect.poll(() => w.page.getByText(/an amount in EUR was kept on the timeline but not counted/).count(), POLL).toBe(1);
    await w.page.getByRole("button", { name: "Copy the Shopify endpoint URL" }).waitFor();
    await w.page.goto(`${stack.url}/app#/webhooks`);
    await expect.poll(() => w.page.getByText("Only an owner manages the webhooks").count(), POLL).toBe(1);
    expect(w.problems).toEqual([]);
    await w.context.close();
  }, 120_000);

  it.each(Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[])(
    "has no serious or critical axe-core violations on either page (%s), and writes a screenshot of each",
    async (viewport) => {
      await stack.api("/v1/webhooks", {
        key: stack.adminKey,
        body: { url: "https://crm-sync.example.com/hooks/rapport", events: ["LeadCaptured", "PurchaseRecorded"], description: "Accounting sync" },
      });
      const w = await signedIn("owner", viewport);
      const violations: Record<string, string[]> = {};
      for (const name of ["connections", "webhooks"]) {
        await w.page.goto(`${stack.url}/app#/${name}`);
        await w.page.getByRole("heading", { level: 1 }).waitFor();
        await settled(w.page);
        await w.page.getByRole("table").first().waitFor();
        violations[name] = await seriousViolations(w.page);
        await w.page.screenshot({ path: path.join(SHOTS, `${name}-${viewport}.png`), fullPage: true });
      }
      expect(violations).toEqual({ connections: [], webhooks: [] });
      expect(w.problems).toEqual([]);
      await w.context.close();
    },
    120_000,
  );
});
