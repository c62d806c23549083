import { QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { getCustomerItem } from "../shared/customers/repository.ts";
import type { TokenPurpose } from "../shared/email-links/tokens.ts";
import { linkAttribution, signToken } from "../shared/email-links/tokens.ts";
import type { CustomerItem } from "../shared/entities/customer.ts";
import { customerKey, customerPk } from "../shared/entities/customer.ts";
import { duePartition, dueShard, DUE_INDEX as GSI2 } from "../shared/entities/due.ts";
import { getSuppression, isSuppressed, suppress } from "../shared/mail-feedback/suppression.ts";
import { HAVE_BROWSER, launchBrowser, openWatched, seriousViolations } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

const SECRET = "test-secret-links-6f1c0e9a2b7d4e35";
const stack = useStack({ env: { TOKEN_SECRET: SECRET, BUSINESS_NAME: "Fjord Coffee" } });

const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Through HTTP, against the real handlers.

let counter = 0;
async function newCustomer(fields: Record<string, unknown> = {}): Promise<{ id: string; email: string }> {
  const email = `links-${++counter}-${Date.now()}@example.com`;
  const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email, consent: "yes", firstName: "Ingrid", ...fields } });
  expect(res.status).toBe(201);
  // The change stream writes its due-index entry a moment later: wait, so "before" is settled.
  await stack.settleReports();
  return { id: res.body.customerId, email };
}

function token(c: string, p: TokenPurpose, options: { k?: string; expiresAt?: Date } = {}): string {
  return signToken(SECRET, { c, p, ...(options.k ? { k: options.k } : {}) }, options.expiresAt ?? new Date(Date.now() + 30 * DAY));
}

async function customer(id: string): Promise<CustomerItem> {
  const item = await getCustomerItem(stack.deps, id, true);
  expect(item).toBeDefined();
  return item!;
}

/** Everything the customer's partition holds (profile, timeline, markers) plus their suppression: what "changes nothing" compares. */
async function everything(id: string) {
  const result = await stack.deps.db.send(
    new QueryCommand({
      TableName: stack.deps.table,
      KeyConditionExpression: "PK = :pk",
      ExpressionAttributeValues: { ":pk": customerPk(id) },
      ConsistentRead: true,
    }),
  );
  const item = await customer(id);
  return { items: result.Items, suppression: await getSuppression(stack.deps, item.email) };
}

async function timeline(id: string): Promise<{ type: string; summary?: string; data?: Record<string, any> }[]> {
  const res = await stack.api(`/v1/customers/${id}/timeline?limit=100`, { key: stack.adminKey });
  expect(res.status).toBe(200);
  return res.body.items;
}

const ofType = async (id: string, type: string) => (await timeline(id)).filter((e) => e.type === type);

/** A browser: no Accept: application/json. */
async function browser(path: string, init: { method?: string; form?: Record<string, string>; body?: string; contentType?: string } = {}) {
  const body = init.form ? new URLSearchParams(init.form).toString() : init.body;
  const res = await fetch(`${stack.url}${path}`, {
    method: init.method ?? (body === undefined ? "GET" : "POST"),
    headers: {
      accept: "text/html,application/xhtml+xml",
      ...(body !== undefined ? { "content-type": init.contentType ?? "application/x-www-form-urlencoded" } : {}),
    },
    ...(body !== undefined ? { body } : {}),
    redirect: "manual",
  });
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

/** What a mail provider sends for RFC 8058 one-click: a form POST to the List-Unsubscribe URL. */
const oneClick = (t: string) => browser(`/v1/unsubscribe?t=${encodeURIComponent(t)}`, { body: "List-Unsubscribe=One-Click" });

describe("GET /v1/unsubscribe: a page, never an unsubscribe", () => {
  it("shows a page with one Unsubscribe button that POSTs the token, and changes nothing (mail scanners prefetch links)", async () => {
    const c = await newCustomer();
    const t = token(c.id, "unsubscribe", { k: linkAttribution("win-back", "2027-01-10") });
    const before = await everything(c.id);
    const page = await browser(`/v1/unsubscribe?t=${t}`);
    expect(page.status).toBe(200);
    expect(page.type).toContain("text/html");
    expect(page.text).toContain('<form method="post" action="');
    expect(page.text).toContain(`/v1/unsubscribe"`);
    expect(page.text).toContain(`name="t" value="${t}"`);
    expect(page.text.match(/<button/g)).toHaveLength(1);
    expect(page.text).toContain(">Unsubscribe</button>");
    expect(page.text).toContain("Fjord Coffee");
    expect(await everything(c.id)).toEqual(before);
    expect((await customer(c.id)).emailStatus).toBeUndefined();
  });

  it("a script gets JSON saying the token is valid, and nothing changes either", async () => {
    const c = await newCustomer();
    const before = await everything(c.id);
    const res = await stack.api(`/v1/unsubscribe?t=${token(c.id, "unsubscribe")}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: true, unsubscribeWith: "POST /v1/unsubscribe" });
    expect(await everything(c.id)).toEqual(before);
  });
});

describe("POST /v1/unsubscribe: RFC 8058 one-click", () => {
  it("unsubscribes at once: email status, consent withdrawn, suppression, timeline with the campaign, Unsubscribed event", async () => {
    const c = await newCustomer();
    expect((await customer(c.id)).consentMarketing).toBe(true);
    const res = await oneClick(token(c.id, "unsubscribe", { k: linkAttribution("win-back", "2027-01-10") }));
    expect(res.status).toBe(200);

    const after = await customer(c.id);
    expect(after).toMatchObject({ emailStatus: "unsubscribed", consentMarketing: false, unsubscribedAt: expect.any(String) });
    expect(await getSuppression(stack.deps, c.email)).toEqual({ reason: "unsubscribed", at: after.unsubscribedAt });
    expect(await isSuppressed(stack.deps, c.email.toUpperCase())).toBe(true);
    const entries = await ofType(c.id, "unsubscribed");
    expect(entries).toHaveLength(1);
    expect(entries[0]!.data).toMatchObject({ campaignId: "win-back", occurrence: "2027-01-10" });
    // Published from the timeline entry through the table's stream, a moment later.
    await stack.settleReports();
    expect(stack.bus.events.filter((e) => e.type === "Unsubscribed" && e.customerId === c.id)).toEqual([
      {
        id: expect.stringMatching(/^evt_/),
        type: "Unsubscribed",
        customerId: c.id,
        at: after.unsubscribedAt,
        data: { campaignId: "win-back", occurrence: "2027-01-10" },
      },
    ]);
    const view = await stack.api(`/v1/customers/${c.id}`, { key: stack.adminKey });
    expect(view.body.consent.marketing).toBe(false);
  });

  it("the done page offers a Resubscribe button that POSTs the token to /v1/resubscribe", async () => {
    const c = await newCustomer();
    const t = token(c.id, "unsubscribe");
    const page = await browser("/v1/unsubscribe", { form: { t, "List-Unsubscribe": "One-Click" } });
    expect(page.status).toBe(200);
    expect(page.text).toContain("You are unsubscribed");
    expect(page.text).toMatch(/<form method="post" action="[^"]*\/v1\/resubscribe">/);
    expect(page.text).toContain(`name="t" value="${t}"`);
    expect(page.text).toContain(">Resubscribe</button>");
    expect((await customer(c.id)).emailStatus).toBe("unsubscribed");
  });

  it("a repeated POST still answers 200 and leaves one timeline entry, even ten at once", async () => {
    const c = await newCustomer();
    const t = token(c.id, "unsubscribe");
    expect((await oneClick(t)).status).toBe(200);
    const first = await customer(c.id);
    const again = await stack.api(`/v1/unsubscribe?t=${t}`, { method: "POST", body: { "List-Unsubscribe": "One-Click" } });
    expect(again).toMatchObject({ status: 200, body: { unsubscribed: true, changed: false } });
    expect((await customer(c.id)).unsubscribedAt).toBe(first.unsubscribedAt);
    expect(await ofType(c.id, "unsubscribed")).toHaveLength(1);

    const d = await newCustomer();
    const td = token(d.id, "unsubscribe");
    const results = await Promise.all(Array.from({ length: 10 }, () => stack.api(`/v1/unsubscribe?t=${td}`, { method: "POST", body: {} })));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(results.filter((r) => r.body.changed)).toHaveLength(1);
    expect(await ofType(d.id, "unsubscribed")).toHaveLength(1);
    await stack.settleReports();
    expect(stack.bus.events.filter((e) => e.type === "Unsubscribed" && e.customerId === d.id)).toHaveLength(1);
  });

  it("accepts the token in a multipart body too (RFC 8058 allows either form encoding)", async () => {
    const c = await newCustomer();
    const form = new FormData();
    form.set("List-Unsubscribe", "One-Click");
    form.set("t", token(c.id, "unsubscribe"));
    const res = await fetch(`${stack.url}/v1/unsubscribe`, { method: "POST", body: form });
    expect(res.status).toBe(200);
    expect((await customer(c.id)).emailStatus).toBe("unsubscribed");
  });
});

describe("refused links change nothing", () => {
  it("forged, altered, expired and wrong-purpose tokens get 403 (page or JSON) and the customer stays as they were", async () => {
    const c = await newCustomer();
    const other = await newCustomer();
    const good = token(c.id, "unsubscribe");
    const [body, signature] = good.split(".") as [string, string];
    const forged = `${body}.${signature.slice(0, 10)}${signature[10] === "x" ? "y" : "x"}${signature.slice(11)}`;
    const decoded = JSON.parse(Buffer.from(body, "base64url").toString());
    const altered = `${Buffer.from(JSON.stringify({ ...decoded, c: other.id })).toString("base64url")}.${signature}`;
    const expired = token(c.id, "unsubscribe", { expiresAt: new Date(Date.now() - 1000) });
    const wrongPurpose = token(c.id, "feedback");
    const otherSecret = signToken("some-other-secret-0123456789", { c: c.id, p: "unsubscribe" }, new Date(Date.now() + DAY));

    const before = await everything(c.id);
    const beforeOther = await everything(other.id);
    for (const [name, t] of Object.entries({ forged, altered, expired, wrongPurpose, otherSecret })) {
      const json = await stack.api(`/v1/unsubscribe?t=${t}`, { method: "POST", body: {} });
      expect(json.status, name).toBe(403);
      expect(json.body.error, name).toBe("forbidden");
      const page = await oneClick(t);
      expect(page.status, name).toBe(403);
      expect(page.type, name).toContain("text/html");
      expect(page.text, name).toContain("This link does not work");
      expect((await browser(`/v1/unsubscribe?t=${t}`)).status, name).toBe(403);
      expect((await stack.api("/v1/resubscribe", { body: { t } })).status, name).toBe(403);
    }
    expect((await stack.api(`/v1/unsubscribe?t=${expired}`, { method: "POST", body: {} })).body.message).toContain("expired");
    expect(await everything(c.id)).toEqual(before);
    expect(await everything(other.id)).toEqual(beforeOther);
    expect(stack.bus.events.filter((e) => e.customerId === c.id && e.type === "Unsubscribed")).toHaveLength(0);
  });

  it("feedback and confirm links are refused the same way, and record nothing", async () => {
    const c = await newCustomer();
    const before = await everything(c.id);
    const expired = token(c.id, "feedback", { expiresAt: new Date(Date.now() - 1000) });
    const good = token(c.id, "feedback");
    const altered = `${Buffer.from(JSON.stringify({ c: c.id, p: "feedback", e: 9999999999 })).toString("base64url")}.${good.split(".")[1]}`;
    for (const t of [expired, altered, token(c.id, "unsubscribe")]) {
      expect((await browser(`/v1/feedback?t=${t}&score=10`)).status).toBe(403);
      expect((await stack.api("/v1/feedback", { body: { t, score: 1, comment: "x" } })).status).toBe(403);
    }
    expect((await browser(`/v1/confirm?t=${token(c.id, "confirm", { expiresAt: new Date(Date.now() - 1000) })}`)).status).toBe(403);
    expect((await browser("/v1/confirm", { form: { t: token(c.id, "confirm", { expiresAt: new Date(Date.now() - 1000) }) } })).status).toBe(403);
    expect(await everything(c.id)).toEqual(before);
  });

  it("a missing or malformed token is a 400 naming t", async () => {
    const missing = await stack.api("/v1/unsubscribe", { method: "POST", body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: "validation", fields: [{ field: "t", message: expect.any(String) }] });
    const malformed = await stack.api("/v1/unsubscribe?t=this-is-not-a-token", { method: "POST", body: {} });
    expect(malformed.status).toBe(400);
    expect(malformed.body.fields).toEqual([{ field: "t", message: expect.stringContaining("not a valid link token") }]);
    const page = await browser("/v1/unsubscribe?t=this-is-not-a-token");
    expect(page.status).toBe(400);
    expect(page.type).toContain("text/html");
    expect(page.text).toContain("(t)");
    expect((await browser("/v1/unsubscribe")).status).toBe(400);
    expect((await stack.api("/v1/feedback?score=5")).body.fields.map((f: { field: string }) => f.field)).toEqual(["t"]);
    expect((await stack.api("/v1/confirm?t=a.b.c.d.e.f.g")).status).toBe(400);
  });
});

describe("POST /v1/resubscribe: undo an unsubscribe made by mistake", () => {
  it("email status ok again, suppression gone, timeline entry; marketing consent is not restored, and the page says so", async () => {
    const c = await newCustomer();
    const t = token(c.id, "unsubscribe", { k: "win-back" });
    await oneClick(t);
    const page = await browser("/v1/resubscribe", { form: { t } });
    expect(page.status).toBe(200);
    expect(page.text).toContain("You are subscribed again");
    expect(page.text).toContain("not restored automatically");

    const after = await customer(c.id);
    expect(after.emailStatus).toBe("ok");
    expect(after.unsubscribedAt).toBeUndefined();
    expect(after.consentMarketing).toBe(false);
    expect(await isSuppressed(stack.deps, c.email)).toBe(false);
    expect(await ofType(c.id, "resubscribed")).toEqual([expect.objectContaining({ data: { campaignId: "win-back", marketingConsent: false } })]);

    const again = await stack.api("/v1/resubscribe", { body: { t } });
    expect(again).toMatchObject({ status: 200, body: { resubscribed: true, changed: false, marketingConsent: false } });
    expect(await ofType(c.id, "resubscribed")).toHaveLength(1);

    // A later unsubscribe works again.
    await oneClick(t);
    expect((await customer(c.id)).emailStatus).toBe("unsubscribed");
    expect(await ofType(c.id, "unsubscribed")).toHaveLength(2);
  });

  it("never clears a bounce or a complaint (409), and an unsubscribe keeps the bounce as the reason", async () => {
    const c = await newCustomer();
    const at = new Date().toISOString();
    await suppress(stack.deps, c.email, "bounced", at);
    await stack.deps.db.send(
      new UpdateCommand({
        TableName: stack.deps.table,
        Key: customerKey(c.id),
        UpdateExpression: "SET emailStatus = :b",
        ExpressionAttributeValues: { ":b": "bounced" },
      }),
    );
    const t = token(c.id, "unsubscribe");
    expect((await oneClick(t)).status).toBe(200);
    expect(await getSuppression(stack.deps, c.email)).toEqual({ reason: "bounced", at });
    expect((await customer(c.id)).emailStatus).toBe("bounced");

    const res = await stack.api("/v1/resubscribe", { body: { t } });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe("cannot_resubscribe");
    const page = await browser("/v1/resubscribe", { form: { t } });
    expect(page.status).toBe(409);
    expect(await getSuppression(stack.deps, c.email)).toEqual({ reason: "bounced", at });
    expect((await customer(c.id)).emailStatus).toBe("bounced");
  });
});

async function dueEntries(id: string): Promise<Record<string, unknown>[]> {
  const shard = dueShard(id, stack.deps.config.retention.dueShards);
  const result = await stack.deps.db.send(
    new QueryCommand({
      TableName: stack.deps.table,
      IndexName: GSI2.name,
      KeyConditionExpression: "GSI2PK = :pk",
      ExpressionAttributeValues: { ":pk": duePartition(shard) },
    }),
  );
  return (result.Items ?? []).filter((item) => item.PK === customerPk(id));
}

describe("feedback links: the score link opens a page, a POST records score and comment", () => {
  it("a 10 makes the customer an advocate: stage, stage index, stage_changed entry, StageChanged event; the page has a comment box", async () => {
    const c = await newCustomer();
    const k = linkAttribution("feedback-request", "01JPURCHASE0000000000000000");
    const t = token(c.id, "feedback", { k });
    const page = await browser(`/v1/feedback?t=${t}&score=10`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("10 out of 10");
    expect(page.text).toMatch(/<form method="post" action="[^"]*\/v1\/feedback">/);
    expect(page.text).toContain('<textarea id="comment" name="comment"');
    expect(page.text).toContain('name="score" value="10"');
    // Opening the page records nothing; its script (or the Send button) posts the score.
    expect(await ofType(c.id, "feedback")).toEqual([]);
    expect((await stack.api("/v1/feedback", { body: { t, score: 10 } })).status).toBe(200);

    const after = await customer(c.id);
    expect(after).toMatchObject({ stage: "advocate", GSI1PK: "STAGE#advocate", latestFeedbackScore: 10, latestFeedbackAt: expect.any(String) });
    expect(after.lowFeedbackAt).toBeUndefined();
    expect(await ofType(c.id, "feedback")).toEqual([
      expect.objectContaining({ data: { score: 10, campaignId: "feedback-request", occurrence: "01JPURCHASE0000000000000000" } }),
    ]);
    expect(await ofType(c.id, "stage_changed")).toEqual([expect.objectContaining({ data: { from: "lead", to: "advocate", reason: "feedback" } })]);
    const advocates = await stack.api("/v1/customers?stage=advocate", { key: stack.adminKey });
    expect(advocates.body.items.map((i: { id: string }) => i.id)).toContain(c.id);
    await stack.settleReports();
    const events = stack.bus.events.filter((e) => e.customerId === c.id);
    expect(events.find((e) => e.type === "FeedbackReceived")?.data).toEqual({
      score: 10,
      campaignId: "feedback-request",
      occurrence: "01JPURCHASE0000000000000000",
      updated: false,
    });
    expect(events.find((e) => e.type === "StageChanged")?.data).toEqual({ from: "lead", to: "advocate", reason: "feedback" });

    // Already an advocate: another 9 from another link changes no stage.
    await stack.api("/v1/feedback", { body: { t: token(c.id, "feedback", { k: "feedback-request:other" }), score: 9 } });
    expect(await ofType(c.id, "stage_changed")).toHaveLength(1);
    expect(await ofType(c.id, "feedback")).toHaveLength(2);
  });

  it("a 3 sets lowFeedbackAt and puts the customer in the due index now, so the sweep alerts the owner", async () => {
    // Given a customer with nothing due (a new lead is due for its follow-up alert; the sweep has looked)
    const c = await newCustomer();
    await stack.deps.db.send(new UpdateCommand({ TableName: stack.deps.table, Key: customerKey(c.id), UpdateExpression: "REMOVE nextDueAt, GSI2PK, GSI2SK" }));
    expect(await dueEntries(c.id)).toEqual([]);
    const started = new Date().toISOString();
    const res = await stack.api("/v1/feedback", { body: { t: token(c.id, "feedback", { k: "feedback-request:p-1" }), score: 3 } });
    expect(res).toMatchObject({ status: 200, body: { recorded: true, score: 3, updated: false, stage: "lead" } });
    const after = await customer(c.id);
    expect(after.lowFeedbackAt).toBeDefined();
    expect(after.lowFeedbackAt! >= started).toBe(true);
    expect(after.nextDueAt).toBe(after.lowFeedbackAt);
    const due = await dueEntries(c.id);
    expect(due).toHaveLength(1);
    expect(due[0]!.GSI2SK).toBe(`${after.nextDueAt}#${c.id}`);
    expect(after.stage).toBe("lead");
  });

  it("a low score leaves an earlier due time alone", async () => {
    const c = await newCustomer();
    const earlier = "2020-01-01T00:00:00.000Z";
    await stack.deps.db.send(
      new UpdateCommand({
        TableName: stack.deps.table,
        Key: customerKey(c.id),
        UpdateExpression: "SET nextDueAt = :d",
        ExpressionAttributeValues: { ":d": earlier },
      }),
    );
    expect((await stack.api("/v1/feedback", { body: { t: token(c.id, "feedback", { k: "x:1" }), score: 0 } })).status).toBe(200);
    const after = await customer(c.id);
    expect(after.nextDueAt).toBe(earlier);
    expect(after.lowFeedbackAt).toBeDefined();
  });

  it("the same link clicked twice gives one feedback entry with the latest score, and the detractor alert's occurrence stays", async () => {
    const c = await newCustomer();
    const t = token(c.id, "feedback", { k: "feedback-request:p-2" });
    await stack.api("/v1/feedback", { body: { t: t, score: 2 } });
    const low = (await customer(c.id)).lowFeedbackAt;
    const again = await stack.api("/v1/feedback", { body: { t: t, score: 5 } });
    expect(again.body).toMatchObject({ score: 5, updated: true });
    expect((await customer(c.id)).lowFeedbackAt).toBe(low);
    const last = await stack.api("/v1/feedback", { body: { t: t, score: 9 } });
    expect(last.body).toMatchObject({ score: 9, updated: true, stage: "advocate" });

    const entries = await ofType(c.id, "feedback");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ summary: "Feedback score 9/10", data: { score: 9, campaignId: "feedback-request", occurrence: "p-2" } });
    const after = await customer(c.id);
    expect(after).toMatchObject({ latestFeedbackScore: 9, stage: "advocate", lowFeedbackAt: low });
    const view = await stack.api(`/v1/customers/${c.id}`, { key: stack.adminKey });
    expect(view.body.metrics.latestFeedbackScore).toBe(9);
  });

  it("ten concurrent clicks of one link (a scanner and a person) still give one feedback entry", async () => {
    const c = await newCustomer();
    const t = token(c.id, "feedback", { k: "feedback-request:p-3" });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => stack.api("/v1/feedback", { body: { t: t, score: i } })));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await ofType(c.id, "feedback")).toHaveLength(1);
    expect(results.filter((r) => !r.body.updated)).toHaveLength(1);
  });

  it("a mail scanner fetching all eleven score links (GET and HEAD, as Safe Links does) records nothing", async () => {
    const c = await newCustomer();
    const t = token(c.id, "feedback", { k: "feedback-request:scanned" });
    const before = await everything(c.id);
    for (let score = 0; score <= 10; score++) {
      for (const method of ["HEAD", "GET"]) {
        const res = await fetch(`${stack.url}/v1/feedback?t=${t}&score=${score}`, {
          method,
          headers: { "user-agent": "Mozilla/5.0 (compatible; Microsoft Office Protocol Discovery)", accept: "*/*" },
        });
        await res.arrayBuffer();
        // HEAD has no route (404, as API Gateway answers too); GET shows the page.
        expect(res.status, `${method} score ${score}`).toBe(method === "GET" ? 200 : 404);
      }
      // A script asking what the link is learns how to record, and records nothing either.
      const asked = await stack.api(`/v1/feedback?t=${t}&score=${score}`);
      expect(asked.body).toEqual({ valid: true, score, recordWith: "POST /v1/feedback" });
    }
    expect(await everything(c.id)).toEqual(before);
    expect(stack.bus.events.filter((e) => e.customerId === c.id && e.type === "FeedbackReceived")).toEqual([]);
  });

  it.runIf(HAVE_BROWSER)(
    "a person who clicks a score in Chromium has it recorded by the page, and can add a comment",
    async () => {
      const c = await newCustomer();
      const t = token(c.id, "feedback", { k: "feedback-request:clicked" });
      const chromium = await launchBrowser();
      try {
        const w = await openWatched(chromium, "phone");
        await w.page.goto(`${stack.url}/v1/feedback?t=${t}&score=9`);
        await expect.poll(() => w.page.locator("#feedback-status").textContent(), { timeout: 15_000 }).toContain("recorded");
        expect(await ofType(c.id, "feedback")).toEqual([expect.objectContaining({ data: expect.objectContaining({ score: 9 }) })]);
        expect(await seriousViolations(w.page)).toEqual([]);
        await w.page.getByLabel("Anything you would like to add? (optional)").fill("Lovely beans");
        await w.page.getByRole("button", { name: "Send comment" }).click();
        await w.page.getByText("has your score and your comment").waitFor();
        expect((await ofType(c.id, "feedback"))[0]!.data).toMatchObject({ score: 9, comment: "Lovely beans" });
        expect(w.problems).toEqual([]);
      } finally {
        await chromium.close();
      }
    },
    60_000,
  );

  it("a comment POSTed from the thank-you page joins the same feedback entry; the event never carries it", async () => {
    const c = await newCustomer();
    const t = token(c.id, "feedback", { k: "feedback-request:p-4" });
    await browser("/v1/feedback", { form: { t, score: "8" } });
    const page = await browser("/v1/feedback", { form: { t, score: "8", comment: "  Great coffee, slow delivery <b>!</b>  " } });
    expect(page.status).toBe(200);
    expect(page.text).toContain("your comment");

    const entries = await ofType(c.id, "feedback");
    expect(entries).toHaveLength(1);
    expect(entries[0]!.data).toMatchObject({ score: 8, comment: "Great coffee, slow delivery <b>!</b>" });
    // A score again without a comment keeps the comment.
    await stack.api("/v1/feedback", { body: { t: t, score: 7 } });
    expect((await ofType(c.id, "feedback"))[0]!.data).toMatchObject({ score: 7, comment: "Great coffee, slow delivery <b>!</b>" });
    await stack.settleReports();
    expect(stack.bus.events.filter((e) => e.customerId === c.id && e.type === "FeedbackReceived").map((e) => e.data?.score)).toEqual([8, 8, 7]);
    expect(JSON.stringify(stack.bus.events.filter((e) => e.customerId === c.id))).not.toContain("slow delivery");
    expect((await customer(c.id)).stage).toBe("lead");
  });

  it("a POST with score and comment and no earlier click records both", async () => {
    const c = await newCustomer();
    const res = await stack.api("/v1/feedback", { body: { t: token(c.id, "feedback", { k: "feedback-request:p-5" }), score: 6, comment: "ok" } });
    expect(res).toMatchObject({ status: 200, body: { recorded: true, score: 6, updated: false } });
    expect((await ofType(c.id, "feedback"))[0]!.data).toMatchObject({ score: 6, comment: "ok" });
  });

  it("a score outside 0-10 is a 400 naming score, recording nothing", async () => {
    const c = await newCustomer();
    const before = await everything(c.id);
    const t = token(c.id, "feedback");
    for (const score of ["11", "-1", "abc", "7.5"]) {
      const res = await stack.api(`/v1/feedback?t=${t}&score=${score}`);
      expect(res.status, score).toBe(400);
      expect(res.body.fields.map((f: { field: string }) => f.field)).toEqual(["score"]);
    }
    expect((await browser(`/v1/feedback?t=${t}&score=12`)).status).toBe(400);
    expect(await everything(c.id)).toEqual(before);
  });
});

describe("/v1/preferences: each kind of marketing email on or off, instead of all or nothing", () => {
  it("the unsubscribe page links to the preference page; a form post with two boxes ticked switches the third off", async () => {
    const c = await newCustomer();
    const t = token(c.id, "unsubscribe", { k: "win-back:2027-01" });
    const unsubscribePage = await browser(`/v1/unsubscribe?t=${encodeURIComponent(t)}`);
    const link = /href="([^"]*\/v1\/preferences\?t=[^"]+)"/.exec(unsubscribePage.text)?.[1]?.replaceAll("&amp;", "&");
    expect(link).toBeDefined();

    const page = await fetch(link!, { headers: { accept: "text/html" } }).then((r) => r.text());
    for (const c of ["newsletters", "offers", "birthday"]) expect(page).toMatch(new RegExp(`name="${c}" value="on" checked`));
    expect(await ofType(c.id, "preferences_changed")).toEqual([]);

    const saved = await browser("/v1/preferences", { form: { t, form: "preferences", newsletters: "on", birthday: "on" } });
    expect(saved.status).toBe(200);
    expect(saved.text).toContain("Saved.");
    expect(saved.text).toMatch(/name="offers" value="on">/);
    expect((await customer(c.id)).mailPreferences).toEqual({ newsletters: true, offers: false, birthday: true });
    expect(await ofType(c.id, "preferences_changed")).toEqual([
      expect.objectContaining({
        summary: "Email preferences: newsletters on, offers off, birthday on",
        data: expect.objectContaining({ campaignId: "win-back" }),
      }),
    ]);
    // Not an unsubscribe: consent and the address's status are as they were.
    expect(await customer(c.id)).toMatchObject({ consentMarketing: true });
    expect((await customer(c.id)).emailStatus ?? "ok").toBe("ok");
    const view = await stack.api(`/v1/customers/${c.id}`, { key: stack.adminKey });
    expect(view.body.mailPreferences).toEqual({ newsletters: true, offers: false, birthday: true });
  });

  it("JSON names only what it changes; saving the same again changes nothing", async () => {
    const c = await newCustomer();
    const t = token(c.id, "unsubscribe");
    const first = await stack.api("/v1/preferences", { body: { t, birthday: false } });
    expect(first.body).toEqual({ preferences: { newsletters: true, offers: true, birthday: false }, unsubscribed: false, changed: true });
    const second = await stack.api("/v1/preferences", { body: { t, offers: false } });
    expect(second.body.preferences).toEqual({ newsletters: true, offers: false, birthday: false });
    const same = await stack.api("/v1/preferences", { body: { t, offers: false } });
    expect(same.body.changed).toBe(false);
    expect(await ofType(c.id, "preferences_changed")).toHaveLength(2);
    expect((await stack.api(`/v1/preferences?t=${encodeURIComponent(t)}`)).body).toEqual({
      preferences: { newsletters: true, offers: false, birthday: false },
      unsubscribed: false,
    });
  });

  it("a bad value is a 400 naming it; a forged or feedback token is refused; nothing changes", async () => {
    const c = await newCustomer();
    const before = await everything(c.id);
    const bad = await stack.api("/v1/preferences", { body: { t: token(c.id, "unsubscribe"), offers: "maybe" } });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field)).toEqual(["offers"]);
    expect((await stack.api("/v1/preferences", { body: { t: token(c.id, "feedback"), offers: false } })).status).toBe(403);
    expect((await stack.api(`/v1/preferences?t=${encodeURIComponent(`${token(c.id, "unsubscribe")}x`)}`)).status).toBe(403);
    expect(await everything(c.id)).toEqual(before);
  });
});

describe("/v1/confirm: double opt-in", () => {
  async function pendingCustomer() {
    const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: `doi-${++counter}-${Date.now()}@example.com` } });
    const id = res.body.customerId as string;
    const pending = { at: "2027-01-15T08:59:00.000Z", source: "footer-form", version: "v3", ip: "203.0.113.7" };
    await stack.deps.db.send(
      new UpdateCommand({
        TableName: stack.deps.table,
        Key: customerKey(id),
        UpdateExpression: "SET consentPending = :p",
        ExpressionAttributeValues: { ":p": pending },
      }),
    );
    return { id, pending };
  }

  it("the link makes the pending grant take effect with its source, version and time; the ledger entry keeps the IP", async () => {
    const { id, pending } = await pendingCustomer();
    expect((await customer(id)).consentMarketing).toBeUndefined();
    const t = token(id, "confirm", { k: "consent-confirmation:x" });
    // The link opens a page with one button; opening it (or a scanner prefetching it) changes nothing.
    const page = await browser(`/v1/confirm?t=${t}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('method="post"');
    expect((await customer(id)).consentMarketing).toBeUndefined();
    const done = await browser("/v1/confirm", { form: { t } });
    expect(done.status).toBe(200);
    expect(done.text).toContain("you are subscribed");

    const after = await customer(id);
    expect(after).toMatchObject({ consentMarketing: true, consentAt: pending.at, consentSource: pending.source, consentVersion: pending.version });
    expect(after.consentPending).toBeUndefined();
    expect((after as unknown as Record<string, unknown>).consentConfirmedAt).toEqual(expect.any(String));
    const entries = await ofType(id, "consent_confirmed");
    expect(entries).toHaveLength(1);
    expect(entries[0]!.data!.consent).toMatchObject({
      granted: true,
      ...pending,
      confirmedAt: (after as unknown as Record<string, unknown>).consentConfirmedAt,
    });
    const view = await stack.api(`/v1/customers/${id}`, { key: stack.adminKey });
    expect(view.body.consent).toMatchObject({ marketing: true, source: "footer-form", version: "v3" });
  });

  it("is idempotent: a second click confirms nothing new and still shows the confirmation", async () => {
    const { id } = await pendingCustomer();
    const t = token(id, "confirm");
    await browser("/v1/confirm", { form: { t } });
    const again = await stack.api("/v1/confirm", { body: { t } });
    expect(again).toMatchObject({ status: 200, body: { changed: false, confirmed: true } });
    expect(await ofType(id, "consent_confirmed")).toHaveLength(1);
  });

  it("an unsubscribe drops a pending grant, so an old confirmation link grants nothing afterwards", async () => {
    const { id } = await pendingCustomer();
    await oneClick(token(id, "unsubscribe"));
    expect((await customer(id)).consentPending).toBeUndefined();
    const res = await stack.api("/v1/confirm", { body: { t: token(id, "confirm") } });
    expect(res.body).toEqual({ changed: false, confirmed: false });
    expect((await browser("/v1/confirm", { form: { t: token(id, "confirm") } })).text).toContain("Nothing to confirm");
    expect((await customer(id)).consentMarketing).toBe(false);
  });

  it("a grant made after an unsubscribe, once confirmed, lifts the unsubscribe", async () => {
    const { id } = await pendingCustomer();
    await stack.deps.db.send(new UpdateCommand({ TableName: stack.deps.table, Key: customerKey(id), UpdateExpression: "REMOVE consentPending" }));
    await oneClick(token(id, "unsubscribe"));
    const email = (await customer(id)).email;
    expect(await isSuppressed(stack.deps, email)).toBe(true);
    const pending = { at: new Date().toISOString(), source: "newsletter-form", version: "v3" };
    await stack.deps.db.send(
      new UpdateCommand({
        TableName: stack.deps.table,
        Key: customerKey(id),
        UpdateExpression: "SET consentPending = :p",
        ExpressionAttributeValues: { ":p": pending },
      }),
    );
    expect((await stack.api("/v1/confirm", { body: { t: token(id, "confirm") } })).body).toEqual({ changed: true, confirmed: true });
    const after = await customer(id);
    expect(after).toMatchObject({ consentMarketing: true, emailStatus: "ok" });
    expect(after.unsubscribedAt).toBeUndefined();
    expect(await isSuppressed(stack.deps, email)).toBe(false);
  });
});
