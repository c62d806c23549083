import { beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../local/cognito.ts";
import { signToken } from "../shared/email-links/tokens.ts";
import { TEST_TOKEN_SECRET, useStack } from "./support/stack.ts";

/**
 * Alerts become tasks, through HTTP: a low feedback score, a lead nobody followed up and a
 * valuable customer gone quiet each put a task on the owner's Today (or the team's first owner's),
 * once; the optional alert email (SALES_EMAIL) links to the dashboard, not the API.
 */
const SALES = "sales.alerts@shop.example";
const stack = useStack({ cognito: true, env: { SALES_EMAIL: SALES } });

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Person {
  id: string;
  token: string;
}
interface TaskView {
  id: string;
  title: string;
  notes?: string;
  assignee: string;
  status: string;
}

let olive: Person;
let sam: Person;

async function addAndSignIn(email: string, role: "owner" | "staff", name: string): Promise<Person> {
  const added = await stack.api("/v1/people", { key: stack.adminKey, body: { email, role, name } });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  const tokens = await signIn(stack.cognito!, email, added.body.password);
  return { id: added.body.person.id as string, token: tokens.idToken };
}

async function lead(body: Record<string, unknown>): Promise<string> {
  const res = await stack.api("/v1/leads", { key: stack.leadsKey, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  // A new lead's due-index entry is written from the change stream, a moment later.
  await stack.settleReports();
  return res.body.customerId;
}

async function sweep(at: number) {
  const res = await stack.api("/v1/sweeps", { key: stack.adminKey, body: { at: new Date(at).toISOString() } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { due: number; enqueued: number; tasks: number };
}

async function tasksOf(customerId: string): Promise<TaskView[]> {
  const res = await stack.api(`/v1/tasks?customerId=${customerId}`, { key: stack.adminKey });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}

async function openTasksOf(person: Person): Promise<TaskView[]> {
  const res = await stack.api("/v1/tasks?assignee=me&due=all", { key: person.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}

const feedbackToken = (customerId: string, k: string) => signToken(TEST_TOKEN_SECRET, { c: customerId, p: "feedback", k }, new Date(Date.now() + 30 * DAY));

beforeAll(async () => {
  // Olive joins first: she is the team's first owner, who gets the alerts nobody else owns.
  olive = await addAndSignIn("olive.alerts@shop.example", "owner", "Olive Owner");
  sam = await addAndSignIn("sam.alerts@shop.example", "staff", "Sam Staff");
});

describe("a low feedback score", () => {
  it("puts a task with the customer's comment on the owner's Today at once, and the same link again makes no second task", async () => {
    // Given a customer Sam owns
    const id = await lead({ email: "low.score@example.com", firstName: "Lena", lastName: "Low" });
    expect((await stack.api(`/v1/customers/${id}`, { method: "PATCH", key: stack.adminKey, body: { owner: "Sam.Alerts@shop.example" } })).status).toBe(200);
    const t = feedbackToken(id, "feedback-request:order-1");

    // When they score 3 and then post a comment from the thank-you page
    expect((await stack.api(`/v1/feedback?t=${t}&score=3`)).status).toBe(200);
    expect((await stack.api("/v1/feedback", { body: { t, score: 3, comment: "The parcel came two weeks late." } })).status).toBeLessThan(400);

    // Then Sam has one task about it, with the score in the title and the comment in the notes
    const tasks = await tasksOf(id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ assignee: sam.id, status: "open", title: "Low feedback score 3/10 from Lena Low" });
    expect(tasks[0]!.notes).toContain("The parcel came two weeks late.");
    expect((await openTasksOf(sam)).map((x) => x.id)).toContain(tasks[0]!.id);

    // And a sweep (which raises the same alert again) adds none
    await sweep(Date.now() + HOUR);
    expect(await tasksOf(id)).toHaveLength(1);
  });
});

describe("a lead nobody followed up", () => {
  it("becomes a task for the team's first owner after the lead follow-up hours, once however often the sweep looks again", async () => {
    // Given a lead without an owner, captured now
    const capturedAt = Date.now();
    const id = await lead({ email: "waiting.lead@example.com", firstName: "Walt", company: "Waiting Ltd" });

    // When the sweep runs before the 48 hours are up, nothing
    await sweep(capturedAt + 47 * HOUR);
    expect(await tasksOf(id)).toEqual([]);

    // When it runs after them
    const first = await sweep(capturedAt + 49 * HOUR);

    // Then Olive, the first owner, has a task to follow up
    expect(first.tasks).toBeGreaterThanOrEqual(1);
    const tasks = await tasksOf(id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ assignee: olive.id, title: "Follow up with Walt" });
    expect(tasks[0]!.notes).toContain("48 hours");

    // When the customer is looked at again (a tag makes them due now) and the sweep repeats
    expect((await stack.api(`/v1/customers/${id}`, { method: "PATCH", key: stack.adminKey, body: { tags: ["b2b"] } })).status).toBe(200);
    await sweep(capturedAt + 50 * HOUR);
    await sweep(capturedAt + 50 * HOUR);

    // Then there is still exactly one task
    expect(await tasksOf(id)).toHaveLength(1);
  });

  it("emails SALES_EMAIL a link to the customer's page in the dashboard, which a browser can open", async () => {
    // Given a lead nobody followed up, past the hours
    const capturedAt = Date.now();
    const id = await lead({ email: "digest.lead@example.com", firstName: "Dina" });
    await sweep(capturedAt + 49 * HOUR);

    // Then the alert email to SALES_EMAIL links to /app/#/customers/<id>, not to the API
    await expect.poll(async () => (await stack.mailsTo(SALES)).filter((m) => m.body.text?.includes(id)).length, { timeout: 10_000 }).toBe(1);
    const mail = (await stack.mailsTo(SALES)).find((m) => m.body.text?.includes(id))!;
    const link = `${stack.url}/app/#/customers/${id}`;
    expect(mail.body.text).toContain(link);
    expect(mail.body.html).toContain(`href="${link}"`);
    expect(mail.body.text).not.toContain("/v1/customers/");
    const page = await fetch(link.split("#")[0]!);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
  });
});

describe("a valuable customer at risk", () => {
  async function buyer(email: string, orders: number, amount: number, at: number): Promise<string> {
    const id = await lead({ email, firstName: email.split("@")[0] });
    for (let i = 0; i < orders; i++) {
      const res = await stack.api("/v1/events", {
        key: stack.adminKey,
        body: { type: "purchase", customerId: id, amount, at: new Date(at + i * HOUR).toISOString(), externalId: `${email}-${i}` },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    return id;
  }

  it("raises a task for the owner when a loyal-sized customer goes quiet, and none for a one-time buyer", async () => {
    // Given a customer of Sam's with three orders, and a one-time buyer, both buying today
    const now = Date.now();
    const regular = await buyer("regular.buyer@example.com", 3, 40, now);
    const once = await buyer("once.buyer@example.com", 1, 20, now);
    expect((await stack.api(`/v1/customers/${regular}`, { method: "PATCH", key: stack.adminKey, body: { owner: "sam.alerts@shop.example" } })).status).toBe(
      200,
    );

    // When the sweep runs 91 days later, when both become at risk
    await sweep(now + 91 * DAY);

    // Then Sam has a task to win the regular back, and the one-time buyer got none
    const tasks = await tasksOf(regular);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ assignee: sam.id, title: expect.stringContaining("valuable customer at risk") });
    expect(tasks[0]!.notes).toContain("3 orders");
    expect(await tasksOf(once)).toEqual([]);

    // And a repeated sweep adds nothing
    await sweep(now + 91 * DAY);
    expect(await tasksOf(regular)).toHaveLength(1);
  });
});
