import { describe, expect, it } from "vitest";
import { runDueBroadcasts } from "../shared/broadcasts/dispatch.ts";
import { fixedClock } from "../shared/core/clock.ts";
import type { SendQueue, SendRequest } from "../shared/core/ports.ts";
import { signToken } from "../shared/email-links/tokens.ts";
import { suppress } from "../shared/mail-feedback/suppression.ts";
import { useStack } from "./support/stack.ts";

/**
 * Newsletters through HTTP against the local stack: written, scheduled, started by a sweep as of
 * their time (as their one-time schedule does on AWS), sent by the real sender through SES local.
 */

const SECRET = "test-secret-broadcasts-3b9e1d7c5a2f";
// SES's events come back as on AWS (a delivery per mail, a complaint for the simulator's address): the figures count them.
const stack = useStack({ env: { TOKEN_SECRET: SECRET }, sesEvents: true });

const admin = (path: string, body?: unknown) => stack.api(path, { key: stack.adminKey, ...(body === undefined ? {} : { body }) });

const LETTERS = {
  en: {
    subject: "News for {{firstName|you}}",
    text: "Hello {{firstName|there}}.\nUnsubscribe: {{unsubscribeUrl}}",
    html: '<p>Hello {{firstName|there}}.</p><p><a href="{{unsubscribeUrl}}">Unsubscribe</a></p>',
  },
  nb: { subject: "Nytt til {{firstName|deg}}", text: "Hei {{firstName|}}.", html: "<p>Hei {{firstName|}}.</p>" },
};

async function lead(email: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.customerId;
}

/** A saved segment of the customers tagged `tag`. */
async function segment(tag: string): Promise<string> {
  const res = await admin("/v1/segments", { name: `Tagged ${tag}`, match: "all", conditions: [{ field: "tags", op: "contains", value: tag }] });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

async function create(body: Record<string, unknown>): Promise<{ id: string; state: string }> {
  const res = await admin("/v1/broadcasts", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function sweep(at: string) {
  const res = await admin("/v1/sweeps", { at });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const get = async (id: string) => (await admin(`/v1/broadcasts/${id}`)).body;
const mailCount = async (address: string) => (await stack.mailsTo(address)).filter((m) => !m.subject.startsWith("[Test]")).length;

describe("writing a newsletter", () => {
  it("bad input is a 400 naming each bad field; an unknown segment names segmentId; only an owner (admin) may write, schedule or cancel", async () => {
    const empty = await admin("/v1/broadcasts", {});
    expect(empty.status).toBe(400);
    expect(empty.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(["name", "segmentId", "templates"]);

    const segmentId = await segment("never");
    const bad = await admin("/v1/broadcasts", {
      name: "Bad",
      segmentId,
      templates: { en: { ...LETTERS.en, subject: "Hi {{nickname}}" } },
      sendAt: "next tuesday",
    });
    expect(bad.status).toBe(400);
    const fields = Object.fromEntries(bad.body.fields.map((f: { field: string; message: string }) => [f.field, f.message]));
    expect(fields["templates.en.subject"]).toMatch(/unknown placeholder \{\{nickname\}\}/);
    expect(fields.sendAt).toMatch(/ISO 8601/);

    const noEnglish = await admin("/v1/broadcasts", { name: "No en", segmentId, templates: { nb: LETTERS.nb } });
    expect(noEnglish.body.fields).toEqual([{ field: "templates", message: expect.stringMatching(/needs an en template/) }]);

    const badZone = await admin("/v1/broadcasts", {
      name: "Zone",
      segmentId,
      templates: LETTERS,
      sendAt: { localTime: "2027-01-15T10:00", fallbackZone: "Mars/Olympus" },
    });
    expect(badZone.status).toBe(400);
    expect(JSON.stringify(badZone.body.fields)).toContain("sendAt");

    const past = await admin("/v1/broadcasts", { name: "Late", segmentId, templates: LETTERS, sendAt: "2020-01-01T00:00:00Z" });
    expect(past.body.fields).toEqual([{ field: "sendAt", message: "is in the past" }]);

    const unknown = await admin("/v1/broadcasts", { name: "Lost", segmentId: "seg_01J00000000000000000000000", templates: LETTERS });
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields).toEqual([{ field: "segmentId", message: "no saved segment has this id" }]);

    // Writing, scheduling and cancelling are an owner's (admin); a key for posting leads may do none of it.
    const leadsOnly = stack.leadsKey;
    expect((await stack.api("/v1/broadcasts", { key: leadsOnly, body: { name: "Script", segmentId, templates: LETTERS } })).status).toBe(403);
    const draft = await create({ name: "Draft", segmentId, templates: LETTERS });
    expect(draft).toMatchObject({ state: "draft", languages: ["en", "nb"] });
    expect((await stack.api(`/v1/broadcasts/${draft.id}`, { key: leadsOnly })).status).toBe(403);
    expect((await stack.api(`/v1/broadcasts/${draft.id}/cancel`, { key: leadsOnly, method: "POST" })).status).toBe(403);
    expect((await stack.api(`/v1/broadcasts/${draft.id}/schedule`, { key: leadsOnly, body: {} })).status).toBe(403);
    // A draft without a time cannot be scheduled without one.
    expect((await admin(`/v1/broadcasts/${draft.id}/schedule`, {})).body.fields).toEqual([{ field: "sendAt", message: expect.stringMatching(/is required/) }]);
  });

  it("a preview renders a member's letter in their language; a test send mails it, marked [Test], to the given address and changes nothing", async () => {
    const segmentId = await segment("preview");
    const ingrid = await lead("ingrid@example.no", { firstName: "Ingrid", locale: "nb-NO", tags: ["preview"], consent: "yes" });
    const { id } = await create({ name: "Preview", segmentId, templates: LETTERS });
    const preview = await admin(`/v1/broadcasts/${id}/preview`, { customerId: ingrid });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ language: "nb", subject: "Nytt til Ingrid" });
    expect((await admin(`/v1/broadcasts/${id}/preview`, { customerId: ingrid, locale: "en" })).body.subject).toBe("News for Ingrid");
    expect((await admin(`/v1/broadcasts/${id}/preview`, { customerId: ingrid, locale: "fr" })).body.fields[0].field).toBe("locale");

    const test = await admin(`/v1/broadcasts/${id}/test`, { customerId: ingrid, to: "editor@shop.example" });
    expect(test.status).toBe(202);
    expect(test.body).toEqual({ queued: true, to: "editor@shop.example", language: "nb" });
    const mails = await stack.mailsTo("editor@shop.example");
    expect(mails.map((m) => m.subject)).toEqual(["[Test] Nytt til Ingrid"]);
    expect(await mailCount("ingrid@example.no")).toBe(0);
    expect((await get(id)).counts.sent).toBe(0);
  });
});

describe("sending a newsletter", () => {
  it("at its time, only members with consent get it, once, with one-click unsubscribe; the skipped are counted by reason; the results reach the campaigns report", async () => {
    const tag = "spring";
    const segmentId = await segment(tag);
    const yes = { tags: [tag], consent: "yes" };
    await lead("ada@example.com", { firstName: "Ada", ...yes });
    await lead("bo@example.com", { firstName: "Bo", ...yes });
    await lead("quiet@example.com", { firstName: "Quiet", tags: [tag] });
    const unsubscribed = await lead("gone@example.com", yes);
    expect((await admin(`/v1/customers/${unsubscribed}/subscription`, { marketing: false })).status).toBe(200);
    await lead("suppressed@example.com", yes);
    await suppress(stack.deps, "suppressed@example.com", "bounced", "2026-11-01T00:00:00.000Z");
    const newsOff = await lead("offers-only@example.com", yes);
    const token = signToken(SECRET, { c: newsOff, p: "unsubscribe" }, new Date(Date.now() + 86_400_000));
    const prefs = await stack.api("/v1/preferences", { body: { t: token, newsletters: false }, headers: { accept: "application/json" } });
    expect(prefs.status, JSON.stringify(prefs.body)).toBe(200);
    await lead("outsider@example.com", { consent: "yes" });
    await lead("complaint@simulator.amazonses.com", yes);

    const { id, state } = await create({ name: "Spring letter", segmentId, templates: LETTERS, sendAt: "2027-03-01T12:00:00Z" });
    expect(state).toBe("scheduled");
    await sweep("2027-03-01T11:59:00Z");
    expect((await get(id)).state).toBe("scheduled");
    expect(await mailCount("ada@example.com")).toBe(0);

    await sweep("2027-03-01T12:00:00Z");
    for (const address of ["ada@example.com", "bo@example.com"]) {
      const mails = await stack.mailsTo(address);
      expect(
        mails.map((m) => m.subject),
        address,
      ).toEqual([address.startsWith("ada") ? "News for Ada" : "News for Bo"]);
      expect(mails[0]!.headers).toEqual(expect.arrayContaining([{ name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click" }]));
      expect(mails[0]!.headers?.find((h) => h.name === "List-Unsubscribe")?.value).toMatch(/^<http.*\/v1\/unsubscribe\?t=/);
    }
    for (const address of ["quiet@example.com", "gone@example.com", "suppressed@example.com", "offers-only@example.com", "outsider@example.com"])
      expect(await mailCount(address), address).toBe(0);

    // The same time again (a second schedule run, a retried sweep), and a stray duplicate message: nothing more.
    await sweep("2027-03-01T12:00:00Z");
    await sweep("2027-03-01T12:30:00Z");
    const ada = (await admin(`/v1/customers?q=ada@example.com`)).body.items[0].id as string;
    await stack.queue.enqueue([{ customerId: ada, campaignId: id, occurrence: id, dueAt: "2027-03-01T12:00:00.000Z" }]);
    await stack.queue.drain(fixedClock(new Date("2027-03-01T12:40:00Z")));
    expect(await mailCount("ada@example.com")).toBe(1);

    await stack.sesEvents?.settle();
    await stack.settleReports();
    await expect
      .poll(async () => (await get(id)).counts, { timeout: 10_000 })
      .toMatchObject({
        recipients: 7,
        queued: 4,
        waiting: 0,
        sent: 3,
        delivered: 3,
        complained: 1,
        skipped: 4,
        skippedReasons: {
          "no marketing consent": 1,
          "address unsubscribed": 1,
          "newsletters switched off": 1,
          "address suppressed": 1,
        },
      });
    expect((await get(id)).state).toBe("sent");
    const report = await admin("/v1/reports/campaigns");
    expect(report.body.campaigns.find((c: { id: string }) => c.id === id)).toMatchObject({
      name: "Spring letter",
      kind: "marketing",
      newsletter: true,
      sent: 3,
      delivered: 3,
      complained: 1,
    });
    const listed = (await admin("/v1/broadcasts")).body.items.find((b: { id: string }) => b.id === id);
    expect(listed).toMatchObject({ state: "sent", counts: { sent: 3 } });
  });

  it("at a local time, each member gets it at that time in their own zone (the fallback zone for those without one)", async () => {
    const tag = "zones";
    const segmentId = await segment(tag);
    await lead("haruto@example.jp", { tags: [tag], consent: "yes", timezone: "Asia/Tokyo" });
    await lead("kari@example.no", { tags: [tag], consent: "yes", timezone: "Europe/Oslo" });
    await lead("nozone@example.com", { tags: [tag], consent: "yes" });
    const { id } = await create({
      name: "Ten everywhere",
      segmentId,
      templates: LETTERS,
      sendAt: { localTime: "2027-02-10T10:00", fallbackZone: "America/New_York" },
    });
    // The earliest anyone's 10:00 can come is at UTC+14.
    expect((await get(id)).nextAt).toBe("2027-02-09T20:00:00.000Z");
    const got = async () => ({
      tokyo: await mailCount("haruto@example.jp"),
      oslo: await mailCount("kari@example.no"),
      fallback: await mailCount("nozone@example.com"),
    });
    await sweep("2027-02-10T01:00:00Z"); // 10:00 in Tokyo
    expect(await got()).toEqual({ tokyo: 1, oslo: 0, fallback: 0 });
    expect((await get(id)).nextAt).toBe("2027-02-10T09:00:00.000Z");
    await sweep("2027-02-10T08:59:00Z");
    expect(await got()).toEqual({ tokyo: 1, oslo: 0, fallback: 0 });
    await sweep("2027-02-10T09:00:00Z"); // 10:00 in Oslo
    expect(await got()).toEqual({ tokyo: 1, oslo: 1, fallback: 0 });
    await sweep("2027-02-10T15:00:00Z"); // 10:00 in New York
    expect(await got()).toEqual({ tokyo: 1, oslo: 1, fallback: 1 });
    // Sent once the sender has dealt with every queued send (the sent counter follows the stream).
    await expect.poll(async () => (await get(id)).state, { timeout: 10_000 }).toBe("sent");
  });

  it("a member the frequency cap holds back is deferred, not dropped, and gets it when the cap ends", async () => {
    const tag = "capped";
    const segmentId = await segment(tag);
    await lead("cap@example.com", { tags: [tag], consent: "yes" });
    const first = await create({ name: "First", segmentId, templates: LETTERS, sendAt: "2027-05-03T12:00:00Z" });
    const second = await create({ name: "Second", segmentId, templates: LETTERS, sendAt: "2027-05-04T12:00:00Z" });
    await sweep("2027-05-03T12:00:00Z");
    await sweep("2027-05-04T12:00:00Z");
    expect(await mailCount("cap@example.com")).toBe(1);
    const held = await get(second.id);
    // Three days after the first (the default cap).
    expect(held).toMatchObject({ state: "sending", nextAt: "2027-05-06T12:00:00.000Z", counts: { deferred: 1, waiting: 1 } });
    await sweep("2027-05-06T12:00:00Z");
    expect(await mailCount("cap@example.com")).toBe(2);
    await expect.poll(async () => (await get(second.id)).state, { timeout: 10_000 }).toBe("sent");
    expect((await get(first.id)).state).toBe("sent");
  });

  it("cancelled before its time it sends nothing; cancelled during the send, nobody not yet sent to gets it", async () => {
    const tag = "halt";
    const segmentId = await segment(tag);
    const addresses = Array.from({ length: 12 }, (_, i) => `halt${i}@example.com`);
    for (const email of addresses) await lead(email, { tags: [tag], consent: "yes" });

    const before = await create({ name: "Never", segmentId, templates: LETTERS, sendAt: "2027-06-01T12:00:00Z" });
    const cancelledEarly = await stack.api(`/v1/broadcasts/${before.id}/cancel`, { key: stack.adminKey, method: "POST" });
    expect(cancelledEarly.body.state, JSON.stringify(cancelledEarly.body)).toBe("cancelled");
    await sweep("2027-06-01T12:00:00Z");
    for (const email of addresses) expect(await mailCount(email)).toBe(0);
    expect((await stack.api(`/v1/broadcasts/${before.id}/cancel`, { key: stack.adminKey, method: "POST" })).status).toBe(409);

    // The start (what the schedule runs) queues all twelve; the sender has taken four when the cancel comes.
    const during = await create({ name: "Halted", segmentId, templates: LETTERS, sendAt: "2027-06-08T12:00:00Z" });
    const queued: SendRequest[] = [];
    const capture: SendQueue = { enqueue: async (requests) => void queued.push(...requests) };
    await runDueBroadcasts(stack.deps, capture, new Date("2027-06-08T12:00:00Z"));
    expect(queued).toHaveLength(12);
    const at = fixedClock(new Date("2027-06-08T12:00:00Z"));
    await stack.queue.enqueue(queued.slice(0, 4));
    await stack.queue.drain(at);
    const cancelled = await stack.api(`/v1/broadcasts/${during.id}/cancel`, { key: stack.adminKey, method: "POST" });
    expect(cancelled.body.state, JSON.stringify(cancelled.body)).toBe("cancelled");
    await stack.queue.enqueue(queued.slice(4));
    await stack.queue.drain(at);
    const counts = await Promise.all(addresses.map(mailCount));
    expect(counts.reduce((n, c) => n + c, 0)).toBe(4);
    expect((await get(during.id)).counts.skippedReasons).toEqual({ "campaign missing or disabled": 8 });
  });
});
