import { BatchWriteCommand, GetCommand, QueryCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { listCampaigns } from "../shared/campaigns/store.ts";
import type { Mailer } from "../shared/core/ports.ts";
import type { TokenPurpose } from "../shared/email-links/tokens.ts";
import { linkAttribution, signToken } from "../shared/email-links/tokens.ts";
import { customerKey, customerPk, erasedCustomerKey, STAGE_INDEX as GSI1, stagePartition } from "../shared/entities/customer.ts";
import { duePartition, DUE_INDEX as GSI2 } from "../shared/entities/due.ts";
import { emailKey } from "../shared/entities/email.ts";
import { externalEventKey } from "../shared/entities/external-event.ts";
import { timelineKey } from "../shared/entities/timeline.ts";
import { holdLead } from "../shared/leads/quarantine.ts";
import type { LeadInput } from "../shared/leads/schema.ts";
import { applySesEvent } from "../shared/mail-feedback/outcomes.ts";
import { getSuppression, isSuppressed, suppress } from "../shared/mail-feedback/suppression.ts";
import { deliver } from "../shared/retention/send.ts";
import { TEST_TOKEN_SECRET, useStack } from "./support/stack.ts";

/**
 * GDPR erasure (DELETE /v1/customers/{id}) and access (GET /v1/customers/{id}/export), through
 * HTTP against the real handlers. The erasure proof reads the whole test table before and after.
 */
const stack = useStack();

const DAY = 86_400_000;
const T0 = Date.parse("2027-03-01T00:00:00Z");
const day = (n: number, time = "10:00") => new Date(T0 + n * DAY + (Number(time.slice(0, 2)) * 60 + Number(time.slice(3))) * 60_000).toISOString();

function token(c: string, p: TokenPurpose, k?: string): string {
  return signToken(TEST_TOKEN_SECRET, { c, p, ...(k ? { k } : {}) }, new Date(Date.now() + 30 * DAY));
}

async function lead(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string> {
  const res = await stack.api("/v1/leads", { key: stack.leadsKey, body, headers });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.customerId;
}

async function event(body: Record<string, unknown>) {
  const res = await stack.api("/v1/events", { key: stack.adminKey, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function sweep(at: string) {
  const res = await stack.api("/v1/sweeps", { key: stack.adminKey, body: { at } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { due: number; enqueued: number };
}

const erase = (id: string, key = stack.adminKey) => stack.api(`/v1/customers/${id}`, { method: "DELETE", key });

/** Test-only: every item in the table, as erasure's proof needs ("no string survives anywhere"). */
async function scanAll(): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await stack.deps.db.send(new ScanCommand({ TableName: stack.deps.table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** An item as text, sets included (JSON.stringify drops a Set's members). */
const text = (item: Record<string, unknown>) => JSON.stringify(item, (_k, v) => (v instanceof Set ? [...v] : v)).toLowerCase();
const mentions = (item: Record<string, unknown>, needles: string[]) => needles.some((n) => text(item).includes(n.toLowerCase()));
const kindOf = (item: Record<string, any>) => `${String(item.PK).split("#")[0]}/${String(item.SK).split(/#|_/)[0]}`;

async function partition(id: string) {
  const res = await stack.deps.db.send(
    new QueryCommand({
      TableName: stack.deps.table,
      KeyConditionExpression: "PK = :pk",
      ExpressionAttributeValues: { ":pk": customerPk(id) },
      ConsistentRead: true,
    }),
  );
  return res.Items ?? [];
}

/** A mailer that fails the test if anything is sent through it. */
const refusingMailer: Mailer = {
  send: async () => {
    throw new Error("nothing may be sent to an erased customer");
  },
};

describe("DELETE /v1/customers/{id}: erasure removes every trace of the person", () => {
  const email = "ingrid.fjellheim@example.no";
  const owner = "sam.owner@shop.example.com";
  const pii = {
    email,
    firstName: "Ingrid",
    lastName: "Fjellheim",
    phone: "+47 912 34 567",
    company: "Bakeri Nordlys",
    street: "Storgata 12",
    city: "Tromsø",
    postalCode: "N-9008",
    birthday: `1988-${day(3).slice(5, 10)}`,
    message: "Please ring me after five, my dog Balder barks",
    comment: "The kanelbolle was dry",
    userAgent: "ErasureTestBrowser/7.3",
    utm: "spring-kanel-campaign",
    product: "Rugbrød deluxe",
    owner,
  };
  /** Everything personal that went in; none of it may be in the table afterwards. */
  const needles = Object.values(pii);
  let id = "";
  let before: Record<string, any>[] = [];
  let profileBefore: Record<string, any> = {};

  beforeAll(async () => {
    // A form submission with every kind of personal data, consent, attribution and an Idempotency-Key.
    const form = {
      email: "  Ingrid.Fjellheim@Example.NO ",
      firstName: pii.firstName,
      lastName: pii.lastName,
      phone: pii.phone,
      company: pii.company,
      street: pii.street,
      city: pii.city,
      postalCode: pii.postalCode,
      country: "Norway",
      birthday: pii.birthday,
      timezone: "Europe/Oslo",
      message: pii.message,
      consent: "yes",
      utm_source: "newsletter",
      utm_campaign: pii.utm,
      tags: "vip,bakery",
    };
    const headers = { "idempotency-key": "erasure-lead-1", "user-agent": pii.userAgent, referer: `${stack.url}/contact-us?x=1` };
    id = await lead(form, headers);
    const replay = await stack.api("/v1/leads", { key: stack.leadsKey, body: form, headers });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await stack.api(`/v1/customers/${id}`, { method: "PATCH", key: stack.adminKey, body: { owner } })).status).toBe(200);

    // Two orders with external ids, then daily sweeps: thank-you, birthday greeting, feedback request.
    await event({ type: "purchase", customerId: id, at: day(1, "09:00"), amount: 40, externalId: "order-ef-1001", product: pii.product });
    for (let n = 1; n <= 9; n++) {
      if (n === 2) await event({ type: "purchase", customerId: id, at: day(2, "09:00"), amount: 25.5, externalId: "order-ef-1002" });
      await sweep(day(n));
    }
    // A low score with a comment (the owner gets an alert naming the customer), and an SES click.
    const fb = await stack.api("/v1/feedback", {
      body: { t: token(id, "feedback", linkAttribution("feedback-request", "o1")), score: 3, comment: pii.comment },
    });
    expect(fb.status, JSON.stringify(fb.body)).toBe(200);
    await sweep(day(10));
    const [mail] = await stack.mailsTo(email);
    expect(mail).toBeDefined();
    await applySesEvent(stack.deps, {
      eventType: "Click",
      mail: { messageId: mail!.messageId, destination: [email], tags: { customer: [id], campaign: ["thank-you"] } },
      click: { timestamp: day(2, "12:00"), link: "https://shop.example.com/ingrid-fjellheim/orders?t=abc" },
    });

    // A later submission from the same address, held as a suspected bot.
    const heldLead = { email, firstName: pii.firstName, phone: pii.phone, message: pii.message } as LeadInput;
    await holdLead(stack.deps, heldLead, { ip: "203.0.113.9", userAgent: pii.userAgent }, { reason: "too_fast" });

    profileBefore = (await stack.deps.db.send(new GetCommand({ TableName: stack.deps.table, Key: customerKey(id), ConsistentRead: true }))).Item!;
    before = (await scanAll()).filter((item) => mentions(item, [id, ...needles]) || String(item.PK).startsWith("EXT#order-ef-"));
  });

  it("the customer's data is really spread over every kind of item before erasure", () => {
    const kinds = new Set(before.map(kindOf));
    for (const kind of ["CUST/PROFILE", "CUST/TL", "CUST/SEND", "CUST/FB", "EMAIL/EMAIL", "EXT/EXT", "IDEM/IDEM", "QUARANTINE/q"])
      expect(kinds, kind).toContain(kind);
    // The send ledger keeps subject lines, which can carry the first name (the birthday greeting, the owner's alert).
    const sends = before.filter((i) => kindOf(i) === "CUST/SEND");
    expect(
      sends.some((s) => String(s.subject).includes(pii.firstName)),
      JSON.stringify(sends.map((s) => s.subject)),
    ).toBe(true);
    expect(before.filter((i) => kindOf(i) === "EXT/EXT").map((i) => i.customerId)).toEqual([id, id]);
    expect(profileBefore).toMatchObject({ email, firstName: pii.firstName, GSI1PK: expect.any(String), orders: 2, spendMinor: 6550 });
    for (const needle of [pii.phone, pii.message, pii.comment, pii.userAgent, pii.product, pii.utm]) {
      expect(
        before.some((i) => mentions(i, [needle])),
        needle,
      ).toBe(true);
    }
  });

  it("afterwards no email, name, phone or other personal text is anywhere in the table", async () => {
    const res = await erase(id);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ customerId: id, erased: true, alreadyErased: false, erasedAt: expect.any(String) });

    const after = await scanAll();
    for (const item of after) {
      for (const needle of needles) expect(text(item), `${item.PK} ${item.SK} holds ${needle}`).not.toContain(needle.toLowerCase());
    }
    // What still names the id: the tombstone, and idempotency records (the stored response; they expire in 24 hours).
    const naming = after.filter((item) => mentions(item, [id]));
    expect(naming.map(kindOf).sort()).toEqual(["CUST/ERASED", "IDEM/IDEM"]);
    expect(await partition(id)).toEqual([naming.find((i) => kindOf(i) === "CUST/ERASED")]);
  });

  it("keeps a tombstone with only ids and counts, outside both indexes", async () => {
    const tombstone = (await stack.deps.db.send(new GetCommand({ TableName: stack.deps.table, Key: erasedCustomerKey(id), ConsistentRead: true }))).Item!;
    expect(Object.keys(tombstone).sort()).toEqual(["PK", "SK", "createdAt", "currency", "erasedAt", "erasedBy", "id", "orders", "spendMinor", "stage", "type"]);
    expect(tombstone).toMatchObject({
      id,
      type: "erased_customer",
      stage: profileBefore.stage,
      orders: 2,
      spendMinor: 6550,
      currency: profileBefore.currency,
      createdAt: profileBefore.createdAt,
    });
    const profile = await stack.deps.db.send(new GetCommand({ TableName: stack.deps.table, Key: customerKey(id), ConsistentRead: true }));
    expect(profile.Item).toBeUndefined();

    const stageIndex = await stack.deps.db.send(
      new QueryCommand({
        TableName: stack.deps.table,
        IndexName: GSI1.name,
        KeyConditionExpression: "GSI1PK = :pk",
        ExpressionAttributeValues: { ":pk": stagePartition(profileBefore.stage) },
      }),
    );
    expect((stageIndex.Items ?? []).filter((i) => i.id === id)).toEqual([]);
    for (let shard = 0; shard < stack.deps.config.retention.dueShards; shard++) {
      const due = await stack.deps.db.send(
        new QueryCommand({
          TableName: stack.deps.table,
          IndexName: GSI2.name,
          KeyConditionExpression: "GSI2PK = :pk",
          ExpressionAttributeValues: { ":pk": duePartition(shard) },
        }),
      );
      expect((due.Items ?? []).filter((i) => String(i.GSI2SK).endsWith(id))).toEqual([]);
    }
  });

  it("keeps the order markers, so a redelivered webhook still counts once, without the customer or event id", async () => {
    for (const ref of ["order-ef-1001", "order-ef-1002"]) {
      const marker = (await stack.deps.db.send(new GetCommand({ TableName: stack.deps.table, Key: externalEventKey(ref), ConsistentRead: true }))).Item;
      expect(marker).toEqual({ ...externalEventKey(ref), type: "external", erased: true });
    }
  });

  it("a second DELETE answers already erased; an id that never existed is a 404", async () => {
    const again = await erase(id);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ customerId: id, erased: true, alreadyErased: true });
    const never = await erase("cus_01M841EYZH03RP8XS8FT83N5KE");
    expect(never.status).toBe(404);
    expect(never.body.error).toBe("not_found");
    expect((await erase("42")).status).toBe(400);
  });

  it("the erased customer is gone from every read, listing and write", async () => {
    const view = await stack.api(`/v1/customers/${id}`, { key: stack.adminKey });
    expect(view.status).toBe(404);
    expect(view.body).toEqual({ error: "not_found", message: "customer was erased" });
    expect((await stack.api(`/v1/customers/${id}/timeline`, { key: stack.adminKey })).status).toBe(404);
    expect((await stack.api(`/v1/customers/${id}`, { method: "PATCH", key: stack.adminKey, body: { firstName: "Back" } })).status).toBe(404);
    const all = await stack.api("/v1/customers?limit=100", { key: stack.adminKey });
    expect(all.body.items.map((c: { id: string }) => c.id)).not.toContain(id);
    expect((await stack.api(`/v1/customers?email=${encodeURIComponent(email)}`, { key: stack.adminKey })).body.items).toEqual([]);

    // Writes for the old id: an order, a feedback click, an unsubscribe click. None may bring data back.
    expect(
      (await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId: id, amount: 10, externalId: "order-ef-1003" } })).status,
    ).toBe(404);
    expect(
      (await stack.api("/v1/feedback", { body: { t: token(id, "feedback", linkAttribution("feedback-request", "o2")), score: 10, comment: "Ingrid again" } }))
        .status,
    ).toBe(404);
    expect((await stack.api(`/v1/unsubscribe?t=${token(id, "unsubscribe")}`, { method: "POST", body: {} })).status).toBe(200);
    expect((await partition(id)).map((i) => i.SK)).toEqual(["ERASED"]);
  });

  it("the sweep and the sender never mail the erased customer", async () => {
    const mailsBefore = (await stack.mailsTo(email)).length;
    for (const n of [12, 40, 120, 200]) await sweep(day(n));
    expect((await stack.mailsTo(email)).length).toBe(mailsBefore);
    // A send request already on the queue when the customer was erased: the sender skips it.
    const campaigns = new Map((await listCampaigns(stack.deps)).map((c) => [c.id, c]));
    const outcome = await deliver(stack.deps, refusingMailer, campaigns, { customerId: id, campaignId: "feedback-request", occurrence: "late", dueAt: day(9) });
    expect(outcome).toEqual({ status: "skipped", reason: "customer gone" });
    expect((await partition(id)).map((i) => i.SK)).toEqual(["ERASED"]);
  });

  it("the old address posts as a brand-new customer", async () => {
    const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email } });
    expect(res.status).toBe(201);
    expect(res.body.created).toBe(true);
    expect(res.body.customerId).not.toBe(id);
    const view = await stack.api(`/v1/customers/${res.body.customerId}`, { key: stack.adminKey });
    expect(view.body).toMatchObject({ email, profile: {}, stage: "lead", metrics: { orders: 0 } });
    expect(await isSuppressed(stack.deps, email)).toBe(false);
  });

  it("publishes CustomerErased once, with ids only", async () => {
    await stack.settleReports();
    const erased = stack.bus.events.filter((e) => e.type === "CustomerErased" && e.customerId === id);
    expect(erased).toEqual([
      {
        id: expect.stringMatching(/^evt_/),
        type: "CustomerErased",
        customerId: id,
        at: expect.any(String),
        data: { by: expect.stringMatching(/^[0-9a-f]{12}$/) },
      },
    ]);
    const published = JSON.stringify(erased);
    expect(published).not.toContain("@");
    for (const needle of needles) expect(published).not.toContain(needle);
  });
});

describe("erasure keeps the address suppressed", () => {
  it("an unsubscribed customer's suppression survives: the address posted again is a new customer who still gets no mail", async () => {
    const email = "ola.nordmann@example.no";
    const id = await lead({ email, firstName: "Ola", consent: "yes" });
    expect((await stack.api(`/v1/unsubscribe?t=${token(id, "unsubscribe")}`, { method: "POST", body: {} })).status).toBe(200);
    const suppressed = await getSuppression(stack.deps, email);
    expect(suppressed?.reason).toBe("unsubscribed");

    expect((await erase(id)).status).toBe(200);
    expect(await getSuppression(stack.deps, email)).toEqual(suppressed);
    const again = await lead({ email, firstName: "Ola" });
    expect(again).not.toBe(id);
    expect(await isSuppressed(stack.deps, email)).toBe(true);
    // The suppression item is keyed by a hash and holds no address.
    const items = await scanAll();
    const suppression = items.filter((i) => String(i.PK).startsWith("SUPPRESS#"));
    expect(suppression.length).toBeGreaterThan(0);
    for (const item of suppression) expect(text(item)).not.toContain("@");
  });

  it("writes the suppression when the record says bounced or complained but the list lacks it, and never changes one that exists", async () => {
    const bounced = "bounced.person@example.no";
    const b = await lead({ email: bounced });
    // A record whose suppression item is missing (lost, or from before the list existed).
    await stack.deps.db.send(
      new UpdateCommand({
        TableName: stack.deps.table,
        Key: customerKey(b),
        UpdateExpression: "SET emailStatus = :s",
        ExpressionAttributeValues: { ":s": "bounced" },
      }),
    );
    expect(await isSuppressed(stack.deps, bounced)).toBe(false);
    expect((await erase(b)).status).toBe(200);
    expect((await getSuppression(stack.deps, bounced))?.reason).toBe("bounced");

    const complained = "complained.person@example.no";
    const c = await lead({ email: complained });
    await suppress(stack.deps, complained, "complained", "2026-01-02T03:04:05.000Z");
    await stack.deps.db.send(
      new UpdateCommand({
        TableName: stack.deps.table,
        Key: customerKey(c),
        UpdateExpression: "SET emailStatus = :s",
        ExpressionAttributeValues: { ":s": "complained" },
      }),
    );
    expect((await erase(c)).status).toBe(200);
    expect(await getSuppression(stack.deps, complained)).toEqual({ reason: "complained", at: "2026-01-02T03:04:05.000Z" });
  });

  it("a customer who was never suppressed gets no suppression", async () => {
    const email = "free.person@example.no";
    const id = await lead({ email });
    expect((await erase(id)).status).toBe(200);
    expect(await isSuppressed(stack.deps, email)).toBe(false);
  });
});

describe("erasure works a page at a time", () => {
  it("erases a customer whose history spans many pages (600 timeline entries, pages of 100)", async () => {
    const id = await lead({ email: "long.history@example.no", firstName: "Hanne" });
    // Test-only bulk load: 600 entries written straight to the table.
    const entries = Array.from({ length: 600 }, (_, i) => ({
      ...timelineKey(id, new Date(T0 - i * 60_000).toISOString(), `e${String(i).padStart(6, "0")}`),
      type: "timeline",
      id: `e${i}`,
      kind: "note",
      at: new Date(T0 - i * 60_000).toISOString(),
      summary: "Hanne called",
    }));
    for (let i = 0; i < entries.length; i += 25) {
      let request: Record<string, any> | undefined = { [stack.deps.table]: entries.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) };
      while (request && Object.keys(request).length) request = (await stack.deps.db.send(new BatchWriteCommand({ RequestItems: request }))).UnprocessedItems;
    }
    expect((await partition(id)).length).toBeGreaterThan(600);
    const res = await erase(id);
    expect(res.status).toBe(200);
    expect((await partition(id)).map((i) => i.SK)).toEqual(["ERASED"]);
  }, 120_000);
});

describe("GET /v1/customers/{id}/export: everything held, as one document", () => {
  let id = "";
  const email = "export.person@example.no";

  beforeAll(async () => {
    id = await lead({
      email,
      firstName: "Eirik",
      lastName: "Export",
      phone: "+47 400 00 000",
      message: "Hello there",
      consent: "yes",
      utm_source: "ads",
      tags: "a,b",
    });
    await event({ type: "purchase", customerId: id, at: day(300, "09:00"), amount: 12, externalId: "order-export-1" });
    await holdLead(stack.deps, { email, firstName: "Eirik" } as LeadInput, { ip: "198.51.100.7" }, { reason: "captcha_missing" });
    await sweep(day(300));
    for (let i = 0; i < 130; i++) await event({ type: "note", customerId: id, at: new Date(T0 - (i + 1) * DAY).toISOString(), data: { n: i } });
    expect((await stack.api(`/v1/unsubscribe?t=${token(id, "unsubscribe")}`, { method: "POST", body: {} })).status).toBe(200);
  }, 120_000);

  async function fullTimeline(): Promise<{ id: string }[]> {
    const all: { id: string }[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await stack.api(
        `/v1/customers/${id}/timeline?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
        { key: stack.adminKey },
      );
      all.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return all;
  }

  it("holds the profile, consent and its ledger, every timeline entry, the sends, suppression and external ids, as an attachment", async () => {
    const res = await stack.api(`/v1/customers/${id}/export`, { key: stack.adminKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="customer-${id}.json"`);
    expect(res.headers.get("content-type")).toContain("application/json");
    const doc = res.body;
    expect(doc).toMatchObject({ customerId: id, generatedAt: expect.any(String), description: expect.any(String) });
    for (const section of ["profile", "consent", "timeline", "emailsSent", "suppression", "externalIds", "heldSubmissions", "otherRecords"]) {
      expect(doc[section].description, section).toEqual(expect.any(String));
    }
    expect(doc.profile.record).toMatchObject({ id, email, firstName: "Eirik", lastName: "Export", phone: "+47 400 00 000", tags: ["a", "b"], orders: 1 });
    expect(doc.profile.record.PK).toBeUndefined();

    const timeline = await fullTimeline();
    expect(timeline.length).toBeGreaterThan(130);
    expect(doc.timeline.entries.map((e: { id: string }) => e.id).sort()).toEqual(timeline.map((e) => e.id).sort());
    expect(doc.timeline.entries.find((e: { type: string }) => e.type === "form_submitted").data).toMatchObject({
      message: "Hello there",
      attribution: { utm_source: "ads" },
    });

    expect(doc.consent.current).toMatchObject({ marketing: false, emailStatus: "unsubscribed" });
    expect(doc.consent.ledger.map((e: { type: string }) => e.type).sort()).toEqual(["form_submitted", "unsubscribed"]);
    expect(doc.consent.ledger.find((e: { type: string }) => e.type === "form_submitted").data.consent).toMatchObject({
      granted: true,
      version: expect.any(String),
      ip: expect.any(String),
    });

    expect(doc.emailsSent.items).toEqual([expect.objectContaining({ campaignId: "thank-you", status: "sent", subject: expect.any(String) })]);
    expect(doc.suppression).toMatchObject({ suppressed: true, reason: "unsubscribed" });
    expect(doc.heldSubmissions.items).toEqual([
      expect.objectContaining({ reason: "captcha_missing", lead: { email, firstName: "Eirik" }, context: { ip: "198.51.100.7" } }),
    ]);
    expect(doc.externalIds.items).toEqual([expect.objectContaining({ externalId: "order-export-1", type: "purchase" })]);
  });

  it("after erasure the export holds only the tombstone", async () => {
    expect((await erase(id)).status).toBe(200);
    const res = await stack.api(`/v1/customers/${id}/export`, { key: stack.adminKey });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(["customerId", "description", "erased", "generatedAt"]);
    expect(res.body.erased.record).toMatchObject({ id, orders: 1, lifetimeSpend: 12, erasedAt: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toContain(email);
  });

  it("404 for an unknown id, 400 for a malformed one, 401 without a key, 403 with a leads:write key", async () => {
    const unknown = await stack.api("/v1/customers/cus_01M841EYZH03RP8XS8FT83N5KE/export", { key: stack.adminKey });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("not_found");
    expect((await stack.api("/v1/customers/nope/export", { key: stack.adminKey })).status).toBe(400);
    expect((await stack.api(`/v1/customers/${id}/export`)).status).toBe(401);
    expect((await stack.api(`/v1/customers/${id}/export`, { key: stack.leadsKey })).status).toBe(403);
    expect((await stack.api(`/v1/customers/${id}`, { method: "DELETE" })).status).toBe(401);
    expect((await stack.api(`/v1/customers/${id}`, { method: "DELETE", key: stack.leadsKey })).status).toBe(403);
  });
});

describe("erasure racing a form post", () => {
  it("a lead that read the email lookup before the erasure does not bring the erased customer back", async () => {
    const email = "race-erase@example.com";
    const erased = await lead({ email, firstName: "Rita", consent: "yes" });
    expect((await stack.api(`/v1/customers/${erased}`, { method: "DELETE", key: stack.adminKey })).status).toBe(200);
    // The state a concurrent post sees when it read the lookup just before the erasure's transaction:
    // the lookup still names the erased id.
    await stack.deps.db.send(
      new BatchWriteCommand({ RequestItems: { [stack.deps.table]: [{ PutRequest: { Item: { ...emailKey(email), type: "email", customerId: erased } } }] } }),
    );

    const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email, firstName: "Rita", consent: "yes" } });
    expect([200, 201]).toContain(res.status);
    const fresh = res.body.customerId as string;
    expect(fresh).not.toBe(erased);
    // The erased id holds nothing but its tombstone; the address leads to the new customer.
    const left = await partition(erased);
    expect(left.map((i) => i.SK)).toEqual(["ERASED"]);
    expect((await stack.api(`/v1/customers?email=${encodeURIComponent(email)}`, { key: stack.adminKey })).body.items.map((c: { id: string }) => c.id)).toEqual([
      fresh,
    ]);
  });
});
