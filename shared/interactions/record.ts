import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { cancellationCodes, cancelledItem, Update } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { NotFound, ValidationError } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { fromMinor, toMinor } from "../core/money.ts";
import type { Stage } from "../core/schema.ts";
import { upsertContact } from "../customers/contact.ts";
import { deriveStage } from "../customers/lifecycle.ts";
import { findCustomerIdByEmail, getCustomerItem, timelineItem } from "../customers/repository.ts";
import type { By } from "../customers/schema.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { customerUpdate, setStage } from "../entities/customer.ts";
import { isDueInIndexBy, setDue } from "../entities/due.ts";
import { externalEventKey } from "../entities/external-event.ts";
import type { EventInput } from "./schema.ts";

export interface EventResult {
  eventId: string;
  customerId: string;
  duplicate: boolean;
  stage: Stage;
}

/** Attempts before giving up when concurrent events for one customer keep moving its counters. */
const MAX_ATTEMPTS = 25;
/** Short waits (50, 100, … 300 ms) for a profile whose email lookup a concurrent request just claimed. */
const PROFILE_WAITS = 6;

/**
 * Records an interaction on a customer's timeline. A purchase (or refund) also moves the order
 * count, lifetime spend and last activity, and the lifecycle stage derived from them, all in one
 * transaction with the timeline entries; an `externalId` makes the whole thing happen once.
 *
 * Counters are updated with an optimistic check on the order count and spend read just before,
 * so two purchases racing for one customer both count and the stage follows both.
 *
 * @param by who recorded it, kept on its timeline entry (absent for the importer and the demo seed).
 */
export async function recordEvent(deps: Deps, input: EventInput, by?: By): Promise<EventResult> {
  const { eventId, customerId, duplicate, stage } = await recordExternalEvent(deps, input, by ? { by } : {});
  return { eventId, customerId, duplicate, stage };
}

export interface RecordOptions {
  /** Extra attributes kept on the external-event marker (which delivery recorded it), returned on a duplicate. */
  marker?: Record<string, unknown>;
  /**
   * A purchase or refund in another currency than lifetime spend is kept in: `refuse` it (a 400
   * naming `currency`, for the admin API) or `record` it on the timeline as not counted (for
   * webhooks: the platform would otherwise retry it for days).
   */
  otherCurrency?: "refuse" | "record";
  /** Who recorded it, kept on its timeline entry (absent for webhooks, the importer and the demo seed). */
  by?: By;
}

export interface ExternalEventResult extends EventResult {
  /** False when it went on the timeline only (another currency). */
  counted: boolean;
  /** On a duplicate: the marker the first recording left (its `marker` attributes included). */
  previous?: Record<string, unknown>;
}

/**
 * `recordEvent` for facts reported by another system (a shop's webhook): the same transaction,
 * plus the marker attributes and, on request, a purchase in another currency kept on the timeline
 * as `purchase_not_counted` (or `refund_not_counted`) instead of refused.
 */
export async function recordExternalEvent(deps: Deps, input: EventInput, options: RecordOptions = {}): Promise<ExternalEventResult> {
  const currency = input.currency ?? deps.config.currency;
  const money = input.type === "purchase" || input.type === "refund";
  if (money && currency !== deps.config.currency) {
    if (options.otherCurrency !== "record") {
      throw ValidationError.field("currency", `must be ${deps.config.currency}, the currency this CRM keeps lifetime spend in`);
    }
    return recordNotCounted(deps, input, currency, options);
  }
  const customerId = await resolveCustomer(deps, input);
  const now = deps.clock.now().toISOString();
  const at = input.at ? new Date(input.at).toISOString() : now;
  let waitedForProfile = 0;
  for (let attempt = 1; ; attempt++) {
    const current = await getCustomerItem(deps, customerId, true);
    if (!current) {
      if (input.customerId) throw new NotFound(`no customer ${customerId}`);
      // Found by email, but the profile is not there yet: a form post for the same address holds
      // the email lookup and writes the profile next. Wait for it; if it never comes (that
      // request died between its two writes), write it here: upsertContact is safe to race.
      if (++waitedForProfile <= PROFILE_WAITS) await new Promise((r) => setTimeout(r, 50 * waitedForProfile));
      else await upsertContact(deps, { email: input.email!, profile: {}, attribution: { source: `event:${input.type}` }, at: now });
      continue;
    }
    const eventId = ulid(deps.clock);
    const plan = planEvent(deps, current, input, at, currency, eventId);
    const marker = markerPut(deps, input, options, customerId, eventId, at);
    const entries = [
      {
        at,
        type: input.type,
        summary: describe(input, currency),
        ...(input.text ? { text: input.text } : {}),
        // A referred customer's purchases carry their referrer: the referrals report's revenue counts them.
        data: { ...eventData(input, eventId, currency), ...(money && current.referredBy ? { referredBy: current.referredBy } : {}) },
        ...(options.by ? { by: options.by } : {}),
      },
      ...(plan.stage !== current.stage
        ? [{ at: now, type: "stage_changed", summary: `${current.stage} → ${plan.stage}`, data: { from: current.stage, to: plan.stage, reason: input.type } }]
        : []),
    ];
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            ...marker,
            { Update: plan.update },
            ...entries.map((entry) => ({ Put: { TableName: deps.table, Item: timelineItem(deps, customerId, entry) } })),
          ],
        }),
      );
      return { eventId, customerId, duplicate: false, stage: plan.stage, counted: true };
    } catch (err) {
      const codes = cancellationCodes(err);
      if (!codes) throw err;
      if (marker.length && codes[0] === "ConditionalCheckFailed") {
        const again = await getCustomerItem(deps, customerId);
        return { eventId: "", customerId, duplicate: true, stage: again?.stage ?? current.stage, counted: false, previous: cancelledItem(err, 0) };
      }
      const contended = codes.some((c) => c === "ConditionalCheckFailed" || c === "TransactionConflict");
      if (!contended || attempt >= MAX_ATTEMPTS) throw err;
      // Jittered backoff, so racing writers for one customer spread out instead of colliding again.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 10 * attempt)));
    }
  }
}

/** The external-event marker's conditional put (none without an externalId); a duplicate returns the first one. */
function markerPut(deps: Deps, input: EventInput, options: RecordOptions, customerId: string, eventId: string, at: string) {
  if (!input.externalId) return [];
  return [
    {
      Put: {
        TableName: deps.table,
        Item: { ...options.marker, ...externalEventKey(input.externalId), type: "external", customerId, eventId, kind: input.type, at },
        ConditionExpression: "attribute_not_exists(PK)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
      },
    },
  ];
}

/**
 * A purchase or refund in another currency: on the timeline (with its marker, so once), and no
 * counter moves: converting at some rate would make lifetime spend depend on when it was read.
 */
async function recordNotCounted(deps: Deps, input: EventInput, currency: string, options: RecordOptions): Promise<ExternalEventResult> {
  const customerId = await resolveCustomer(deps, input);
  const at = input.at ? new Date(input.at).toISOString() : deps.clock.now().toISOString();
  const eventId = ulid(deps.clock);
  const marker = markerPut(deps, input, options, customerId, eventId, at);
  const entry = {
    at,
    type: `${input.type}_not_counted`,
    summary: `${describe(input, currency)} (not counted: lifetime spend is kept in ${deps.config.currency})`,
    data: { ...eventData(input, eventId, currency), counted: false },
  };
  try {
    await deps.db.send(
      new TransactWriteCommand({ TransactItems: [...marker, { Put: { TableName: deps.table, Item: timelineItem(deps, customerId, entry) } }] }),
    );
  } catch (err) {
    if (!marker.length || cancellationCodes(err)?.[0] !== "ConditionalCheckFailed") throw err;
    const current = await getCustomerItem(deps, customerId);
    return { eventId: "", customerId, duplicate: true, stage: current?.stage ?? "lead", counted: false, previous: cancelledItem(err, 0) };
  }
  const current = await getCustomerItem(deps, customerId);
  return { eventId, customerId, duplicate: false, stage: current?.stage ?? "lead", counted: false };
}

async function resolveCustomer(deps: Deps, input: EventInput): Promise<string> {
  if (input.customerId) return input.customerId;
  const email = input.email!;
  const existing = await findCustomerIdByEmail(deps, email);
  if (existing) return existing;
  // An order from someone who never filled a form: they become a contact now, as in any CRM.
  const at = deps.clock.now().toISOString();
  return (await upsertContact(deps, { email, profile: {}, attribution: { source: `event:${input.type}` }, at })).customerId;
}

/** Interactions that count as a sales follow-up of a lead. */
const FOLLOW_UPS = new Set(["call", "meeting", "note", "email_reply"]);

function planEvent(deps: Deps, current: CustomerItem, input: EventInput, at: string, currency: string, eventId: string) {
  const lastActivityAt = at > current.lastActivityAt ? at : current.lastActivityAt;
  const now = deps.clock.now().toISOString();
  // Optimistic concurrency: the counters must still be what this plan was computed from.
  const update = new Update()
    .when(
      (name, value) =>
        `${name("orders")} = ${value(current.orders)} AND ${name("spendMinor")} = ${value(current.spendMinor)} AND ${name("lastActivityAt")} <= ${value(lastActivityAt)}`,
    )
    .set("lastActivityAt", lastActivityAt)
    .set("updatedAt", now);
  // Activity brings an at-risk or churned customer back to the stage their purchases call for;
  // a refund is no sign of coming back.
  const dormant = current.stage === "at_risk" || current.stage === "churned";
  let stage: Stage =
    dormant && input.type !== "refund"
      ? deriveStage({ orders: current.orders, lifetimeSpend: fromMinor(current.spendMinor, currency) }, deps.config.lifecycle)
      : current.stage;
  if (input.type === "purchase" || input.type === "refund") {
    const delta = toMinor(input.amount!, currency);
    const orders = current.orders + (input.type === "purchase" ? 1 : 0);
    const spend = Math.max(0, current.spendMinor + (input.type === "purchase" ? delta : -delta));
    // A refund lowers the stage only where spend made it (loyal by spend → customer), and leaves
    // an at-risk or churned customer where they are.
    if (!(dormant && input.type === "refund"))
      stage = deriveStage({ orders, lifetimeSpend: fromMinor(spend, currency), current: stage }, deps.config.lifecycle);
    update.set("orders", orders).set("spendMinor", spend);
    if (input.type === "purchase") {
      update.setIfNotExists("firstPurchaseAt", at);
      if (current.orders === 0) update.setIfNotExists("firstOrderSpendMinor", spend);
      if (!current.lastPurchaseAt || at > current.lastPurchaseAt) update.set("lastPurchaseAt", at).set("lastPurchaseId", eventId);
      // Thank-you, feedback and milestone campaigns may now be due: the sweep looks at once and
      // then keeps the entry at the next real due time. An entry already due is left where it is
      // (the sweep looks at it just the same), which spares moving it in the due index.
      if (!isDueInIndexBy(current, now)) setDue(update, current.id, now, deps.config.retention.dueShards);
    }
  }
  if (FOLLOW_UPS.has(input.type)) update.set("lastFollowUpAt", at);
  setStage(update, current.id, stage, lastActivityAt);
  if (stage !== "at_risk" && current.atRiskSince) update.remove("atRiskSince");
  return { stage, update: customerUpdate(deps.table, current.id, update) };
}

function describe(input: EventInput, currency: string): string {
  const amount = input.amount !== undefined ? ` ${new Intl.NumberFormat("en", { style: "currency", currency }).format(input.amount)}` : "";
  const product = input.product ? ` — ${input.product}` : "";
  return `${input.type.replace("_", " ")}${amount}${product}`;
}

function eventData(input: EventInput, eventId: string, currency: string): Record<string, unknown> {
  return {
    eventId,
    ...(input.externalId ? { externalId: input.externalId } : {}),
    ...(input.amount !== undefined ? { amount: input.amount, currency } : {}),
    ...(input.product ? { product: input.product } : {}),
    ...(input.data ? { data: input.data } : {}),
  };
}
