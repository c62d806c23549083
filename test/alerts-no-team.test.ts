import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../infra/functions.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, seriousViolations, settled, VIEWPORTS } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

/**
 * A deployment with no people to sign in (no user pool): an alert still becomes a task, on the
 * shared "unassigned" list everyone sees on Today, never dropped; and no alert email goes out
 * when SALES_EMAIL is not set.
 */
const stack = useStack();

const HOUR = 3_600_000;

describe("alerts with nobody in the team", () => {
  it("a lead nobody followed up becomes an unassigned task, listed for everyone (an API key included)", async () => {
    // Given a lead, and no people at all
    const capturedAt = Date.now();
    const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "nobody.follows@example.com", firstName: "Nora" } });
    const id = res.body.customerId as string;
    // Its due-index entry comes from the change stream, a moment later.
    await stack.settleReports();

    // When the sweep runs past the follow-up hours
    const swept = await stack.api("/v1/sweeps", { key: stack.adminKey, body: { at: new Date(capturedAt + 49 * HOUR).toISOString() } });
    expect(swept.status).toBe(200);
    expect(swept.body.tasks).toBe(1);
    expect(swept.body.enqueued).toBe(0);

    // Then the task is on the unassigned list
    const unassigned = await stack.api("/v1/tasks?assignee=unassigned&due=all", { key: stack.adminKey });
    expect(unassigned.status).toBe(200);
    expect(unassigned.body.items).toEqual([expect.objectContaining({ customerId: id, title: "Follow up with Nora", assignee: "unassigned", status: "open" })]);
  });

  it.skipIf(!HAVE_BROWSER)(
    "Today shows the unassigned tasks to someone signed in with an API key, keyboard-usable and axe-clean",
    { timeout: 60_000 },
    async () => {
      const browser = await launchBrowser();
      try {
        const shots = path.join(PROJECT_ROOT, "screenshots", "alerts");
        mkdirSync(shots, { recursive: true });
        for (const viewport of ["laptop", "phone"] as const) {
          const w = await openWatched(browser, viewport);
          await w.page.goto(`${stack.url}/app`);
          await w.page.getByLabel("Admin API key").fill(stack.adminKey);
          await w.page.getByRole("button", { name: "Sign in" }).click();
          await w.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
          await w.page.goto(`${stack.url}/app#/today`);
          await w.page.getByRole("heading", { level: 1, name: "Today" }).waitFor();
          await settled(w.page);
          await expect.poll(() => w.page.getByText("Follow up with Nora").count()).toBeGreaterThan(0);
          await expect(w.page.getByRole("heading", { level: 2, name: "Unassigned" }).count()).resolves.toBe(1);
          await w.page.getByRole("button", { name: "Complete “Follow up with Nora”" }).focus();
          expect(await seriousViolations(w.page)).toEqual([]);
          expect(w.problems).toEqual([]);
          await w.page.screenshot({ path: path.join(shots, `today-unassigned-${VIEWPORTS[viewport].width}.png`), fullPage: true });
          await w.context.close();
        }
      } finally {
        await browser.close();
      }
    },
  );
});
