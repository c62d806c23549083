import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { eventsFromRecords } from "../../shared/outbox/events.ts";

const CUSTOMER = "cus_01JOUTBOX000000000000000000";

function record(eventName: "INSERT" | "MODIFY" | "REMOVE", sk: string, item: Record<string, unknown>, eventID = `id-${sk}-${eventName}`): DynamoDBRecord {
  const keys = { PK: `CUST#${CUSTOMER}`, SK: sk };
  return {
    eventID,
    eventName,
    dynamodb: { Keys: marshall(keys) as never, NewImage: marshall({ ...keys, ...item }, { removeUndefinedValues: true }) as never },
  };
}

const entry = (kind: string, data: Record<string, unknown>, at = "2026-12-01T10:00:00.000Z") =>
  record("INSERT", `TL#${at}#01JENTRY${kind.length}`, { type: "timeline", kind, at, summary: "…", data });

describe("domain events from the table's stream", () => {
  it("announces each fact once, from its new timeline entry, with the stream record's id", () => {
    const events = eventsFromRecords([
      entry("form_submitted", { created: true, fields: { firstName: "Ada" }, consent: { granted: true, pending: true } }),
      entry("purchase", { eventId: "01JP", amount: 42.5, currency: "USD", product: "Mug", data: { platform: "shopify" } }),
      entry("stage_changed", { from: "lead", to: "customer", reason: "purchase" }),
      entry("email_sent", { campaignId: "thank-you", occurrence: "01JP", kind: "transactional", recipient: "customer", messageId: "m-1" }),
      entry("unsubscribed", { campaignId: "win-back", occurrence: "2027-01-10", via: "link" }),
      entry("email_delivered", { messageId: "m-1" }),
    ]);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ["LeadCaptured", { created: true, consentPending: true }],
      ["PurchaseRecorded", { eventId: "01JP", amount: 42.5, currency: "USD" }],
      ["StageChanged", { from: "lead", to: "customer", reason: "purchase" }],
      ["EmailSent", { campaignId: "thank-you", occurrence: "01JP", messageId: "m-1", recipient: "customer" }],
      ["Unsubscribed", { campaignId: "win-back", occurrence: "2027-01-10" }],
    ]);
    expect(events.every((e) => e.customerId === CUSTOMER && e.id.startsWith("evt_id-TL#"))).toBe(true);
    // Names and other personal fields never reach an event.
    expect(JSON.stringify(events)).not.toContain("Ada");
  });

  it("announces a sunset and a keep-me click as customer updates, so a tool that mails on its own can follow", () => {
    const events = eventsFromRecords([
      entry("sunset", { campaignId: "sunset-repermission", idleSince: "2027-01-05T00:00:00.000Z", sunsetAt: "2027-07-18T10:00:00.000Z" }),
      entry("sunset_kept", { campaignId: "sunset-repermission", occurrence: "2027-01-05T00:00:00.000Z" }, "2026-12-02T10:00:00.000Z"),
    ]);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ["CustomerUpdated", { change: "sunset", campaignId: "sunset-repermission" }],
      ["CustomerUpdated", { change: "kept", campaignId: "sunset-repermission", occurrence: "2027-01-05T00:00:00.000Z" }],
    ]);
  });

  it("announces a feedback entry updated by a second click, and an erasure's tombstone; ignores the rest", () => {
    const events = eventsFromRecords([
      record("MODIFY", "TL#2026-12-01T10:00:00.000Z#01JFB", {
        kind: "feedback",
        at: "2026-12-01T10:00:00.000Z",
        updatedAt: "2026-12-01T11:00:00.000Z",
        data: { score: 7, comment: "slow" },
      }),
      record("INSERT", "ERASED", { type: "erased_customer", erasedAt: "2026-12-02T09:00:00.000Z", erasedBy: "0123456789ab" }),
      record("MODIFY", "PROFILE", { type: "customer", email: "ada@example.com" }),
      record("MODIFY", "TL#2026-12-01T10:00:00.000Z#01JX", { kind: "email_sent", at: "2026-12-01T10:00:00.000Z", data: {} }),
      { eventID: "x", eventName: "INSERT", dynamodb: { Keys: marshall({ PK: "REPORT#day", SK: "2026-12-01" }) as never } },
    ]);
    expect(events).toEqual([
      { id: expect.any(String), type: "FeedbackReceived", customerId: CUSTOMER, at: "2026-12-01T11:00:00.000Z", data: { score: 7, updated: true } },
      { id: expect.any(String), type: "CustomerErased", customerId: CUSTOMER, at: "2026-12-02T09:00:00.000Z", data: { by: "0123456789ab" } },
    ]);
  });
});
