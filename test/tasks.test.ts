import { beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../local/cognito.ts";
import { useStack } from "./support/stack.ts";

/**
 * Tasks through HTTP: a person creates tasks about customers for themselves or a teammate, sees
 * Today (their open tasks due by the end of the day, overdue first), reassigns and completes them.
 */
const stack = useStack({ cognito: true });

let olive: { id: string; token: string };
let sam: { id: string; token: string };

async function addAndSignIn(email: string, role: "owner" | "staff", name: string) {
  const added = await stack.api("/v1/people", { key: stack.adminKey, body: { email, role, name } });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  const tokens = await signIn(stack.cognito!, email, added.body.password);
  return { id: added.body.person.id as string, token: tokens.idToken };
}

async function newCustomer(email: string): Promise<string> {
  return (await stack.api("/v1/leads", { key: stack.leadsKey, body: { email } })).body.customerId;
}

const hoursFromNow = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const today = (token: string) => stack.api("/v1/tasks?assignee=me&due=today", { key: token });

beforeAll(async () => {
  olive = await addAndSignIn("olive.tasks@shop.example", "owner", "Olive Owner");
  sam = await addAndSignIn("sam.tasks@shop.example", "staff", "Sam Staff");
});

describe("Today", () => {
  it("shows my open tasks due by the end of today, overdue first, and not later ones or anyone else's", async () => {
    // Given tasks for Sam due two days ago, an hour ago and in three days, and one for Olive
    const customerId = await newCustomer("today.one@example.com");
    const create = (title: string, dueAt: string, token = sam.token, assignee?: string) =>
      stack.api("/v1/tasks", { key: token, body: { customerId, title, dueAt, ...(assignee ? { assignee } : {}) } });
    const later = await create("Send the quote", hoursFromNow(72));
    const recent = await create("Call back", hoursFromNow(-1));
    const old = await create("Follow up on the lead", hoursFromNow(-48));
    const olives = await create("Olive's own", hoursFromNow(-5), olive.token);
    for (const r of [later, recent, old, olives]) expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(recent.body).toMatchObject({ customerId, assignee: sam.id, status: "open", overdue: true, by: { type: "person", id: sam.id, name: "Sam Staff" } });

    // When Sam asks for Today
    const res = await today(sam.token);

    // Then the overdue ones come, oldest first, and nothing else
    expect(res.status).toBe(200);
    expect(res.body.items.map((t: { title: string }) => t.title)).toEqual(["Follow up on the lead", "Call back"]);
    const all = await stack.api("/v1/tasks?assignee=me&due=all", { key: sam.token });
    expect(all.body.items.map((t: { title: string }) => t.title)).toEqual(["Follow up on the lead", "Call back", "Send the quote"]);
  });

  it("a reassigned task moves to the new person's Today; a completed one leaves it", async () => {
    // Given a task of Sam's
    const customerId = await newCustomer("today.two@example.com");
    const created = await stack.api("/v1/tasks", { key: sam.token, body: { customerId, title: "Send catalogue", dueAt: hoursFromNow(-2) } });
    const id = created.body.id as string;

    // When Sam hands it to Olive by email
    const moved = await stack.api(`/v1/tasks/${id}`, { method: "PATCH", key: sam.token, body: { assignee: "olive.tasks@shop.example" } });

    // Then it is on Olive's Today and not on Sam's
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.assignee).toBe(olive.id);
    expect((await today(olive.token)).body.items.map((t: { id: string }) => t.id)).toContain(id);
    expect((await today(sam.token)).body.items.map((t: { id: string }) => t.id)).not.toContain(id);

    // When Olive completes it
    const done = await stack.api(`/v1/tasks/${id}`, { method: "PATCH", key: olive.token, body: { status: "done" } });

    // Then it is done, with when and by whom, and off Today; the customer's tasks still list it
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: "done", overdue: false, by: { type: "person", id: olive.id } });
    expect(done.body.completedAt).toEqual(expect.any(String));
    expect((await today(olive.token)).body.items.map((t: { id: string }) => t.id)).not.toContain(id);
    const ofCustomer = await stack.api(`/v1/tasks?customerId=${customerId}`, { key: olive.token });
    expect(ofCustomer.body.items).toEqual([expect.objectContaining({ id, status: "done" })]);

    // And reopening puts it back on Today
    await stack.api(`/v1/tasks/${id}`, { method: "PATCH", key: olive.token, body: { status: "open" } });
    expect((await today(olive.token)).body.items.map((t: { id: string }) => t.id)).toContain(id);
  });
});

describe("refusals", () => {
  it('an API key has no "me": Today and a task without an assignee are a 400 naming assignee', async () => {
    const customerId = await newCustomer("today.key@example.com");
    const list = await stack.api("/v1/tasks?assignee=me", { key: stack.adminKey });
    expect(list.status).toBe(400);
    expect(list.body.fields.map((f: { field: string }) => f.field)).toEqual(["assignee"]);
    const create = await stack.api("/v1/tasks", { key: stack.adminKey, body: { customerId, title: "x" } });
    expect(create.status).toBe(400);
    expect(create.body.fields.map((f: { field: string }) => f.field)).toEqual(["assignee"]);
    // A key may name a person
    const named = await stack.api("/v1/tasks", { key: stack.adminKey, body: { customerId, title: "From a script", assignee: sam.id } });
    expect(named.status).toBe(201);
    expect(named.body.by).toEqual({ type: "key", id: expect.any(String) });
  });

  it("bad fields are named; an unknown customer, task or person is refused", async () => {
    const bad = await stack.api("/v1/tasks", { key: sam.token, body: { customerId: "nope", title: "", dueAt: "tomorrow" } });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(["customerId", "dueAt", "title"]);
    const nobody = await stack.api("/v1/tasks", {
      key: sam.token,
      body: { customerId: await newCustomer("today.nobody@example.com"), title: "x", assignee: "ghost@shop.example" },
    });
    expect(nobody.status).toBe(400);
    expect(nobody.body.fields.map((f: { field: string }) => f.field)).toEqual(["assignee"]);
    const noCustomer = await stack.api("/v1/tasks", { key: sam.token, body: { customerId: "cus_01JZZZZZZZZZZZZZZZZZZZZZZZ", title: "x" } });
    expect(noCustomer.status).toBe(404);
    const noTask = await stack.api(`/v1/tasks/tsk_${"0".repeat(52)}`, { method: "PATCH", key: sam.token, body: { status: "done" } });
    expect(noTask.status).toBe(404);
    const badStatus = await stack.api(`/v1/tasks/tsk_${"0".repeat(52)}`, { method: "PATCH", key: sam.token, body: { status: "maybe" } });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.fields.map((f: { field: string }) => f.field)).toEqual(["status"]);
  });
});

describe("erasure", () => {
  it("erasing a customer removes their tasks, from Today too", async () => {
    // Given a task about a customer on Sam's Today
    const customerId = await newCustomer("today.erase@example.com");
    const created = await stack.api("/v1/tasks", { key: sam.token, body: { customerId, title: "Call about the order", dueAt: hoursFromNow(-3) } });
    expect(created.status).toBe(201);

    // When the customer is erased
    expect((await stack.api(`/v1/customers/${customerId}`, { method: "DELETE", key: stack.adminKey })).status).toBe(200);

    // Then the task is gone everywhere
    expect((await today(sam.token)).body.items.map((t: { id: string }) => t.id)).not.toContain(created.body.id);
    expect((await stack.api(`/v1/tasks/${created.body.id}`, { method: "PATCH", key: sam.token, body: { status: "done" } })).status).toBe(404);
    expect((await stack.api(`/v1/tasks?customerId=${customerId}`, { key: sam.token })).body.items).toEqual([]);
  });
});
