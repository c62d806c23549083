import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import type { DomainEvent, DomainEventType } from "../core/ports.ts";
import { CUSTOMER_PREFIX, ERASED_SK } from "../entities/customer.ts";
import { TIMELINE_PREFIX } from "../entities/timeline.ts";

/**
 * The domain events, derived from the table's stream: every fact Rapport records goes on the
 * customer's timeline in the same write that changes the customer, so a timeline entry that
 * appears (an INSERT) is the event, exactly once per change, and a write that failed published
 * nothing. Two changes are not new entries: a feedback link clicked again updates its entry (a
 * MODIFY of a `feedback` entry), and an erasure replaces the profile with a tombstone (an INSERT
 * of `SK = ERASED`).
 *
 * Each event's id is the stream record's `eventID`, unique per change and the same on every
 * redelivery of the record, so consumers (and the webhook deliveries) can drop repeats.
 */

type Data = Record<string, unknown>;
type Scalar = string | number | boolean | null;

interface Derived {
  type: DomainEventType;
  data: Record<string, Scalar>;
}

/** Keeps the scalar fields (the bus and webhook payloads carry ids and facts, never nested customer data). */
function scalars(data: Data, keys: readonly string[]): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const key of keys) {
    const value = data[key];
    if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") out[key] = value;
  }
  return out;
}

const ATTRIBUTION = ["campaignId", "occurrence"] as const;

/** What one new timeline entry announces, by its kind; undefined: nothing (deliveries, opens, notes...). */
function fromEntry(kind: string, data: Data): Derived | undefined {
  const consent = (data.consent ?? {}) as Data;
  switch (kind) {
    case "form_submitted":
      return { type: "LeadCaptured", data: { created: data.created === true, consentPending: consent.pending === true } };
    case "imported":
      return data.created === true
        ? { type: "LeadCaptured", data: { created: true, consentPending: false, imported: true } }
        : { type: "CustomerUpdated", data: { fields: Object.keys((data.fields ?? {}) as Data).join(","), imported: true } };
    case "purchase":
      return {
        type: "PurchaseRecorded",
        data: { ...scalars(data, ["eventId"]), amount: typeof data.amount === "number" ? data.amount : 0, ...scalars(data, ["currency"]) },
      };
    case "hot_lead":
      return { type: "HotLead", data: scalars(data, ["score", "threshold", "source"]) };
    case "stage_changed":
      return { type: "StageChanged", data: scalars(data, ["from", "to", "reason"]) };
    case "email_sent":
      return { type: "EmailSent", data: scalars(data, ["campaignId", "occurrence", "messageId", "recipient"]) };
    case "feedback":
      return { type: "FeedbackReceived", data: { ...scalars(data, ["score", ...ATTRIBUTION]), updated: false } };
    case "unsubscribed":
      return { type: "Unsubscribed", data: scalars(data, ATTRIBUTION) };
    case "resubscribed":
      return { type: "CustomerUpdated", data: { change: "resubscribed" } };
    case "consent_confirmed":
      return { type: "CustomerUpdated", data: { change: "consent_confirmed" } };
    case "preferences_changed":
      return { type: "CustomerUpdated", data: { change: "preferences" } };
    case "profile_updated":
      return { type: "CustomerUpdated", data: { fields: Array.isArray(data.changed) ? data.changed.join(",") : "" } };
    case "shop_customer": {
      const platform = typeof data.platform === "string" ? data.platform : "shop";
      return { type: "CustomerUpdated", data: { change: data.created === true ? `created_in_${platform}` : "consent", source: platform } };
    }
    case "email_bounced":
    case "email_complained":
      // Only a bounce or complaint that changed the address's status (a permanent bounce, a complaint).
      return typeof data.status === "string"
        ? { type: "CustomerUpdated", data: { change: `email_${data.status}`, ...scalars(data, ["campaignId"]) } }
        : undefined;
    default:
      return undefined;
  }
}

function image(raw: unknown): Data | undefined {
  return raw ? (unmarshall(raw as Record<string, AttributeValue>) as Data) : undefined;
}

/**
 * The domain events a batch of stream records announces, in the records' order.
 *
 * @example eventsFromRecords(event.Records) // [{ id: "evt_…", type: "LeadCaptured", customerId: "cus_…", at: "…", data: { created: true, consentPending: false } }]
 */
export function eventsFromRecords(records: readonly DynamoDBRecord[]): DomainEvent[] {
  const events: DomainEvent[] = [];
  for (const record of records) {
    const pk = record.dynamodb?.Keys?.PK?.S;
    const sk = record.dynamodb?.Keys?.SK?.S;
    if (!pk?.startsWith(CUSTOMER_PREFIX) || !sk || !record.eventID) continue;
    const customerId = pk.slice(CUSTOMER_PREFIX.length);
    const id = `evt_${record.eventID}`;
    const item = image(record.dynamodb?.NewImage);
    if (!item) continue;
    if (sk === ERASED_SK && record.eventName === "INSERT") {
      events.push({ id, type: "CustomerErased", customerId, at: String(item.erasedAt), data: typeof item.erasedBy === "string" ? { by: item.erasedBy } : {} });
      continue;
    }
    if (!sk.startsWith(TIMELINE_PREFIX) || typeof item.kind !== "string") continue;
    const data = (item.data ?? {}) as Data;
    if (record.eventName === "INSERT") {
      const derived = fromEntry(item.kind, data);
      if (derived) events.push({ id, type: derived.type, customerId, at: String(item.at), data: derived.data });
    } else if (record.eventName === "MODIFY" && item.kind === "feedback") {
      // The same link clicked again: another score (or a comment) on the entry it wrote first.
      const at = typeof item.updatedAt === "string" ? item.updatedAt : String(item.at);
      events.push({ id, type: "FeedbackReceived", customerId, at, data: { ...scalars(data, ["score", ...ATTRIBUTION]), updated: true } });
    }
  }
  return events;
}
