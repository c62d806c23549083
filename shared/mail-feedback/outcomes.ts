import { PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { cancellationCodes, isConditionFailed, type TransactItem, Update } from "../aws/db.ts";
import { parseInstant } from "../core/dates.ts";
import type { Deps } from "../core/deps.ts";
import { CUSTOMER_ID_PATTERN } from "../core/ids.ts";
import { normalizeEmail } from "../customers/email.ts";
import { findCustomerIdByEmail, getCustomerItem } from "../customers/repository.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { customerUpdate } from "../entities/customer.ts";
import { setDue } from "../entities/due.ts";
import { sendKey } from "../entities/send.ts";
import { deterministicEntryId, timelineKey } from "../entities/timeline.ts";
import { MIN_STREAK_OPENS, streakChange } from "../retention/engagement.ts";
import type { SuppressionReason } from "./suppression.ts";
import { suppress } from "./suppression.ts";

/**
 * SES email sending events (the configuration set's event destination, published to EventBridge
 * with source `aws.ses`), turned into what the CRM needs: a hard bounce or a complaint suppresses
 * the address and marks the customer; deliveries, opens and clicks go on the timeline.
 *
 * The detail is the SES event record ("Contents of event data that Amazon SES publishes"); only
 * the fields used here are typed.
 */
export interface SesEvent {
  eventType?: string;
  /** The field's name when events come from identity notifications rather than a configuration set. */
  notificationType?: string;
  mail: {
    timestamp?: string;
    messageId: string;
    destination?: string[];
    /** Message tags (the sender sets `campaign`, `customer`, `occurrence`), each a list of values. */
    tags?: Record<string, string[] | undefined>;
  };
  bounce?: {
    bounceType?: "Permanent" | "Transient" | "Undetermined" | string;
    bounceSubType?: string;
    bouncedRecipients?: { emailAddress: string }[];
    timestamp?: string;
  };
  complaint?: {
    complainedRecipients?: { emailAddress: string }[];
    complaintFeedbackType?: string;
    complaintSubType?: string | null;
    timestamp?: string;
  };
  delivery?: { timestamp?: string };
  open?: { timestamp?: string };
  click?: { timestamp?: string; link?: string };
}

export type SesOutcome = "recorded" | "duplicate" | "suppressed_only" | "no_customer" | "ignored";

interface Plan {
  kind: string;
  summary: string;
  data: Record<string, unknown>;
  /** Recipients to put on the suppression list, and why. */
  suppress?: SuppressionReason;
  /** What the customer record gets, besides the timeline entry. */
  status?: "bounced" | "complained";
  /** The addresses the event is about. */
  recipients: string[];
  /** When it happened, by SES's clock: part of the entry's key, so a redelivery finds the same key. */
  at: string;
  /** What it says about the message, kept once on its send-ledger entry (the campaign report's unique counts). */
  outcome?: SendOutcome;
}

type SendOutcome = "delivered" | "opened" | "clicked" | "bounced" | "complained";

/**
 * Applies one SES event. Idempotent (EventBridge delivers at least once): suppressions are
 * idempotent writes, and the timeline entry's key is derived from the message id, the event type
 * and the event's own time, written only if absent, in the same transaction as the customer's
 * change, so a redelivered event changes nothing.
 *
 * The customer is the message's `customer` tag when that customer's address is the recipient;
 * otherwise the customer who holds the recipient's address, if any. A message to someone else
 * (an alert to a customer's owner carries the customer's tag) never marks the customer.
 */
export async function applySesEvent(deps: Deps, event: SesEvent, receivedAt?: string): Promise<SesOutcome> {
  const plan = planFor(event, receivedAt ?? deps.clock.now().toISOString());
  if (!plan) return "ignored";
  const recipients = [...new Set(plan.recipients.map((r) => normalizeEmail(r) ?? r.trim().toLowerCase()))];
  if (plan.suppress) for (const email of recipients) await suppress(deps, email, plan.suppress, plan.at);

  const tags = event.mail.tags ?? {};
  // A campaign's test send to a person of the team: on no customer's record, in no report.
  if (tags.test?.[0] === "true") return plan.suppress ? "suppressed_only" : "ignored";
  const ledgerBefore = plan.outcome ? await markSend(deps, tags, plan.outcome, plan.at) : undefined;
  const customer = await customerFor(deps, tags.customer?.[0], recipients);
  if (!customer) return plan.suppress ? "suppressed_only" : "no_customer";

  const campaignId = tags.campaign?.[0];
  const occurrence = tags.occurrence?.[0];
  // A later bounce never overwrites a complaint: the stronger signal, never to be mailed again.
  const status = plan.status === "bounced" && customer.emailStatus === "complained" ? undefined : plan.status;
  const entryId = deterministicEntryId("ses", event.mail.messageId, plan.kind);
  const entry = {
    ...timelineKey(customer.id, plan.at, entryId),
    type: "timeline",
    id: entryId,
    kind: plan.kind,
    at: plan.at,
    summary: plan.summary,
    data: {
      messageId: event.mail.messageId,
      ...(campaignId ? { campaignId } : {}),
      ...(occurrence ? { occurrence } : {}),
      ...plan.data,
      // The address's new status, when this outcome changed it: the outbox announces it (CustomerUpdated).
      ...(status ? { status } : {}),
    },
  };
  const put = { TableName: deps.table, Item: entry, ConditionExpression: "attribute_not_exists(PK)" };
  const items: TransactItem[] = [{ Put: put }];
  if (status) items.push({ Update: statusUpdate(deps, customer.id, status, plan.at, deps.clock.now().toISOString()) });
  try {
    if (items.length === 1) await deps.db.send(new PutCommand(put));
    else await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (err) {
    if (isConditionFailed(err) || cancellationCodes(err)?.[0] === "ConditionalCheckFailed") return "duplicate";
    throw err;
  }
  if (plan.outcome === "opened" || plan.outcome === "clicked")
    await noteEngagement(deps, customer, plan.outcome, plan.at, streakChange(plan.outcome, ledgerBefore));
  return "recorded";
}

/**
 * Notes the outcome on the message's send-ledger entry (found by the sender's `customer`,
 * `campaign` and `occurrence` tags), the first time only: the campaign report counts messages
 * delivered, opened and clicked, not events (a message opened five times is one open). An
 * entry that is gone (the customer was erased) or already has the outcome is left alone.
 * Idempotent, so it runs before the timeline write that detects redeliveries.
 *
 * Returns the entry as it was before, when this call was the one that noted the outcome: the
 * first open of a message, and only it, counts toward the open streak, whatever SES redelivers.
 */
async function markSend(
  deps: Deps,
  tags: Record<string, string[] | undefined>,
  outcome: SendOutcome,
  at: string,
): Promise<Record<string, unknown> | undefined> {
  const [customerId, campaignId, occurrence] = [tags.customer?.[0], tags.campaign?.[0], tags.occurrence?.[0]];
  if (!customerId || !CUSTOMER_ID_PATTERN.test(customerId) || !campaignId || !occurrence) return undefined;
  try {
    const result = await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: sendKey(customerId, campaignId, occurrence),
        UpdateExpression: "SET #outcome = :at",
        ConditionExpression: "attribute_exists(PK) AND attribute_not_exists(#outcome)",
        ExpressionAttributeNames: { "#outcome": `${outcome}At` },
        ExpressionAttributeValues: { ":at": at },
        ReturnValues: "ALL_OLD",
      }),
    );
    return result.Attributes;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    return undefined;
  }
}

function planFor(event: SesEvent, receivedAt: string): Plan | undefined {
  const type = event.eventType ?? event.notificationType;
  const destination = event.mail.destination ?? [];
  const at = (time: string | undefined) => isoOr(time, isoOr(event.mail.timestamp, receivedAt));
  switch (type) {
    case "Bounce": {
      const bounce = event.bounce ?? {};
      const permanent = bounce.bounceType === "Permanent";
      const recipients = bounce.bouncedRecipients?.map((r) => r.emailAddress) ?? destination;
      const data = { bounceType: bounce.bounceType ?? "Undetermined", ...(bounce.bounceSubType ? { bounceSubType: bounce.bounceSubType } : {}) };
      return permanent
        ? {
            kind: "email_bounced",
            summary: "Email bounced permanently: no more email to this address",
            data,
            suppress: "bounced",
            status: "bounced",
            recipients,
            at: at(bounce.timestamp),
            outcome: "bounced",
          }
        : { kind: "email_bounced", summary: "Email bounced temporarily", data, recipients, at: at(bounce.timestamp) };
    }
    case "Complaint": {
      const complaint = event.complaint ?? {};
      const recipients = complaint.complainedRecipients?.map((r) => r.emailAddress) ?? destination;
      const data = complaint.complaintFeedbackType ? { feedbackType: complaint.complaintFeedbackType } : {};
      return {
        kind: "email_complained",
        summary: "Reported the email as spam: no more email to this address",
        data,
        suppress: "complained",
        status: "complained",
        recipients,
        at: at(complaint.timestamp),
        outcome: "complained",
      };
    }
    case "Delivery":
      return {
        kind: "email_delivered",
        summary: "Email delivered",
        data: {},
        recipients: destination,
        at: at(event.delivery?.timestamp),
        outcome: "delivered",
      };
    case "Open":
      return { kind: "email_opened", summary: "Email opened", data: {}, recipients: destination, at: at(event.open?.timestamp), outcome: "opened" };
    case "Click": {
      const link = safeLink(event.click?.link);
      return {
        kind: "email_clicked",
        summary: link ? `Clicked ${link}` : "Clicked a link",
        data: link ? { link } : {},
        recipients: destination,
        at: at(event.click?.timestamp),
        outcome: "clicked",
      };
    }
    default:
      return undefined;
  }
}

/**
 * A clicked link as it may be kept: scheme, host and path only. Query strings and fragments go
 * (they carry link tokens and tracking ids), and so do any credentials in the URL.
 */
export function safeLink(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== "https:" && url.protocol !== "http:") return `${url.protocol}`;
    return `${url.origin}${url.pathname}`;
  } catch {
    return undefined;
  }
}

function isoOr(time: string | undefined, fallback: string): string {
  if (!time) return fallback;
  return parseInstant(time).date?.toISOString() ?? fallback;
}

async function customerFor(deps: Deps, tagged: string | undefined, recipients: string[]): Promise<CustomerItem | undefined> {
  if (tagged && CUSTOMER_ID_PATTERN.test(tagged)) {
    const customer = await getCustomerItem(deps, tagged);
    if (customer && recipients.includes(customer.email)) return customer;
  }
  for (const email of recipients) {
    const id = await findCustomerIdByEmail(deps, email);
    const customer = id ? await getCustomerItem(deps, id) : undefined;
    if (customer && customer.email === email) return customer;
  }
  return undefined;
}

/**
 * Keeps the latest open or click on the customer's record (`lastOpenedAt`, `lastClickedAt`), so a
 * segment on engagement reads one attribute of the profile instead of the timeline. Only a later
 * time replaces an earlier one: SES delivers events out of order, and an old open arriving late
 * must not make a recent reader look idle. A failed condition (older event, erased customer) is
 * the expected no-op.
 *
 * In the same write, the open streak (shared/retention/engagement.ts): a counted open adds one
 * and, from the second on, makes the customer due now, so the sweep sees a streak that reached a
 * campaign's count; a click ends it. An open or click also clears a sunset (the guardrail
 * already ignores a sunset older than the latest engagement; this keeps the record tidy).
 */
async function noteEngagement(
  deps: Deps,
  customer: CustomerItem,
  outcome: "opened" | "clicked",
  at: string,
  streak: "count" | "reset" | "none",
): Promise<void> {
  const attribute = outcome === "opened" ? "lastOpenedAt" : "lastClickedAt";
  const streakUpdate = (update: Update) => {
    if (streak === "count") {
      update.add("opensWithoutClick", 1).setIfNotExists("opensStreakSince", at);
      // Due now once the streak is long enough for any trigger to ask about it (moving the due
      // entry is two index writes, so not on a streak's first open).
      const now = deps.clock.now().toISOString();
      const reaches = (customer.opensWithoutClick ?? 0) + 1 >= MIN_STREAK_OPENS;
      if (reaches && (customer.nextDueAt === undefined || customer.nextDueAt > now)) setDue(update, customer.id, now, deps.config.retention.dueShards);
    } else if (streak === "reset" && customer.opensWithoutClick) update.set("opensWithoutClick", 0).remove("opensStreakSince");
    return update;
  };
  const latest = new Update()
    .set(attribute, at)
    .when("attribute_exists(PK)")
    .when((name, value) => `attribute_not_exists(${name(attribute)}) OR ${name(attribute)} < ${value(at)}`);
  if (customer.sunsetAt) latest.remove("sunsetAt", "sunsetIdleSince");
  try {
    await deps.db.send(new UpdateCommand(customerUpdate(deps.table, customer.id, streakUpdate(latest))));
    return;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
  // An older event arriving late: the latest time stays, but its message still counts once.
  if (streak !== "count") return;
  try {
    await deps.db.send(new UpdateCommand(customerUpdate(deps.table, customer.id, streakUpdate(new Update().when("attribute_exists(PK)")))));
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

/**
 * The customer's side of a hard bounce or complaint. A complaint also withdraws marketing consent
 * (recorded in the consent fields like any withdrawal) and drops a pending double opt-in.
 */
function statusUpdate(deps: Deps, customerId: string, status: "bounced" | "complained", at: string, now: string) {
  const update = new Update().set("emailStatus", status).set("updatedAt", now).when("attribute_exists(PK)");
  if (status === "complained") update.set("consentMarketing", false).set("consentAt", at).set("consentSource", "spam_complaint").remove("consentPending");
  return customerUpdate(deps.table, customerId, update);
}
