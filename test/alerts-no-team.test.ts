import { describe, expect, it } from "vitest";
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
});
