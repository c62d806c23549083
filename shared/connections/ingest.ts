import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { NotFound, Unauthorized } from "../core/errors.ts";
import { upsertContact } from "../customers/contact.ts";
import { normalizeEmail } from "../customers/email.ts";
import type { ConsentRecord } from "../customers/item.ts";
import { appendTimeline, findCustomerIdByEmail, getCustomerItem } from "../customers/repository.ts";
import type { Profile } from "../entities/customer.ts";
import { externalEventKey } from "../entities/external-event.ts";
import type { ExternalEventResult } from "../interactions/record.ts";
import { recordExternalEvent } from "../interactions/record.ts";
import type { CustomerFact, Delivery, OrderFact, RefundFact, ShopFact } from "./delivery.ts";
import type { Platform } from "./platforms.ts";
import type { DeliveryOutcome } from "./store.ts";
import { noteDelivery, noteProblem } from "./store.ts";

export interface FactResult {
  fact: ShopFact["kind"];
  outcome: DeliveryOutcome;
  customerId?: string;
  /** Why it was not counted or was ignored. */
  reason?: string;
}

export interface IngestResult {
  outcome: DeliveryOutcome;
  results: FactResult[];
}

/** What makes an order or refund once, across platforms: `<platform>:order:<id>`. */
export function orderExternalId(platform: Platform, orderId: string): string {
  return `${platform}:order:${orderId}`;
}

/**
 * Applies a verified delivery's facts: orders become purchases and refunds lower spend on the
 * customer found (or created) by email, idempotent on the order's (or refund's) id; a customer
 * event merges the profile and the marketing consent. What cannot be counted (another currency,
 * no email, a refund of an order never counted) goes on the connection as a problem, and the
 * delivery is still answered 2xx: the platform would otherwise retry it for days, and nothing
 * about it would change.
 *
 * Then notes the delivery on the connection (last delivery, count): here when nothing was
 * counted, from the table's stream (shared/outbox/) when an order or refund was.
 */
export async function ingestDelivery(deps: Deps, platform: Platform, delivery: Delivery): Promise<IngestResult> {
  const results: FactResult[] = [];
  for (const fact of delivery.facts) results.push(await applyFact(deps, platform, delivery, fact));
  const outcome = overall(results);
  // A counted order or refund is noted on the connection by the outbox, from its timeline entry
  // (off the request path: the order's write units stay with the order).
  if (outcome !== "counted") await noteDelivery(deps, platform, delivery.event, outcome);
  return { outcome, results };
}

const PRECEDENCE: DeliveryOutcome[] = ["counted", "not_counted", "updated", "duplicate", "ignored"];

function overall(results: FactResult[]): DeliveryOutcome {
  return PRECEDENCE.find((o) => results.some((r) => r.outcome === o)) ?? "ignored";
}

async function applyFact(deps: Deps, platform: Platform, delivery: Delivery, fact: ShopFact): Promise<FactResult> {
  switch (fact.kind) {
    case "order":
      return applyOrder(deps, platform, delivery, fact);
    case "refund":
      return applyRefund(deps, platform, delivery, fact);
    case "customer":
      return applyCustomer(deps, platform, delivery, fact);
    case "ignored":
      return { fact: "ignored", outcome: "ignored", reason: fact.reason };
  }
}

async function notCounted(
  deps: Deps,
  platform: Platform,
  fact: ShopFact["kind"],
  problem: { kind: string; message: string; example: Record<string, string> },
): Promise<FactResult> {
  await noteProblem(deps, platform, problem);
  return { fact, outcome: "not_counted", reason: problem.message };
}

function emailOf(raw: string | undefined): string | undefined {
  return raw === undefined ? undefined : (normalizeEmail(raw) ?? undefined);
}

/** Marker attributes: which delivery recorded it, and in which currency (a refund without one takes its order's). */
function marker(platform: Platform, delivery: Delivery, currency: string | undefined): Record<string, unknown> {
  return {
    platform,
    deliveryId: delivery.eventId,
    ...(delivery.signedAt !== undefined ? { signedAt: delivery.signedAt } : {}),
    ...(currency ? { currency } : {}),
  };
}

/**
 * A duplicate whose first recording came from this very signed delivery (same event id, same
 * signed timestamp) is a replay: a platform's own redelivery is signed anew. Refused like a bad
 * signature; nothing was written.
 */
function refuseReplay(delivery: Delivery, result: ExternalEventResult): void {
  if (delivery.signedAt === undefined || !result.duplicate) return;
  if (result.previous?.deliveryId === delivery.eventId && result.previous?.signedAt === delivery.signedAt) {
    throw new Unauthorized("this signed delivery was received before: a replay is refused");
  }
}

function outcomeOf(result: ExternalEventResult): DeliveryOutcome {
  return result.duplicate ? "duplicate" : result.counted ? "counted" : "not_counted";
}

function currencyProblem(deps: Deps, currency: string, example: Record<string, string>) {
  return {
    kind: `currency_${currency}`,
    message: `an amount in ${currency} was kept on the timeline but not counted: lifetime spend is kept in ${deps.config.currency}`,
    example,
  };
}

async function applyOrder(deps: Deps, platform: Platform, delivery: Delivery, fact: OrderFact): Promise<FactResult> {
  const example = { event: delivery.eventId, order: fact.orderId };
  const email = emailOf(fact.email);
  if (!email)
    return notCounted(deps, platform, "order", { kind: "no_email", message: "an order without a valid email address: no customer to count it on", example });
  if (fact.amount < 0) return { fact: "order", outcome: "ignored", reason: "a negative total" };
  const product = fact.items
    .map((i) => i.name)
    .join(", ")
    .slice(0, 200);
  const result = await recordExternalEvent(
    deps,
    {
      type: "purchase",
      email,
      at: fact.at,
      externalId: orderExternalId(platform, fact.orderId),
      amount: fact.amount,
      currency: fact.currency,
      ...(product ? { product } : {}),
      data: { platform, orderId: fact.orderId, event: delivery.event.slice(0, 100), ...(fact.items.length ? { items: fact.items } : {}) },
    },
    { marker: marker(platform, delivery, fact.currency), otherCurrency: "record" },
  );
  refuseReplay(delivery, result);
  if (!result.counted && !result.duplicate) await noteProblem(deps, platform, currencyProblem(deps, fact.currency, example));
  return { fact: "order", outcome: outcomeOf(result), customerId: result.customerId };
}

async function applyRefund(deps: Deps, platform: Platform, delivery: Delivery, fact: RefundFact): Promise<FactResult> {
  const example = { event: delivery.eventId, refund: fact.refundId, ...(fact.orderId ? { order: fact.orderId } : {}) };
  const order = fact.orderId
    ? ((await deps.db.send(new GetCommand({ TableName: deps.table, Key: externalEventKey(orderExternalId(platform, fact.orderId)), ConsistentRead: true })))
        .Item as { customerId?: string; currency?: string; erased?: boolean } | undefined)
    : undefined;
  // Its customer was erased: nothing of theirs is written again, nor on whoever has the address now.
  if (order?.erased) return { fact: "refund", outcome: "ignored", reason: "the order's customer was erased" };
  if (fact.requiresOrder && !order) {
    return notCounted(deps, platform, "refund", {
      kind: "refund_of_unknown_order",
      message: "a refund of an order Rapport never counted (placed before the connection, or never paid): spend was left alone",
      example,
    });
  }
  const email = emailOf(fact.email);
  const customerId = order?.customerId;
  if (!customerId && !email)
    return notCounted(deps, platform, "refund", {
      kind: "no_email",
      message: "a refund without a valid email address or a known order: no customer to count it on",
      example,
    });
  const currency = fact.currency ?? order?.currency ?? deps.config.currency;
  let result: ExternalEventResult;
  try {
    result = await recordExternalEvent(
      deps,
      {
        type: "refund",
        ...(customerId ? { customerId } : { email }),
        at: fact.at,
        externalId: `${platform}:refund:${fact.refundId}`,
        amount: fact.amount,
        currency,
        data: { platform, refundId: fact.refundId, event: delivery.event.slice(0, 100), ...(fact.orderId ? { orderId: fact.orderId } : {}) },
      },
      { marker: marker(platform, delivery, currency), otherCurrency: "record" },
    );
  } catch (err) {
    // The order's customer was erased since: nothing of theirs may be written again.
    if (err instanceof NotFound) return { fact: "refund", outcome: "ignored", reason: "the order's customer was erased" };
    throw err;
  }
  refuseReplay(delivery, result);
  if (!result.counted && !result.duplicate) await noteProblem(deps, platform, currencyProblem(deps, currency, example));
  return { fact: "refund", outcome: outcomeOf(result), customerId: result.customerId };
}

/**
 * A customer created or edited on the platform: fills profile fields Rapport does not have yet
 * (edits made here win), and takes the platform's marketing consent unless Rapport holds a newer
 * statement (deliveries can arrive out of order). A new customer or a consent change goes on the
 * timeline with the statement: the consent ledger.
 */
async function applyCustomer(deps: Deps, platform: Platform, delivery: Delivery, fact: CustomerFact): Promise<FactResult> {
  const email = emailOf(fact.email);
  if (!email) return { fact: "customer", outcome: "ignored", reason: "no valid email address" };
  const existingId = await findCustomerIdByEmail(deps, email);
  const existing = existingId ? await getCustomerItem(deps, existingId) : undefined;
  const profile: Profile = {};
  for (const [field, value] of Object.entries(fact.profile) as [keyof Profile, string][]) if (!existing?.[field]) profile[field] = value;
  const newer = fact.consent && (!existing?.consentAt || fact.consent.at >= existing.consentAt);
  const consent: ConsentRecord | undefined =
    fact.consent && newer
      ? { granted: fact.consent.granted, at: fact.consent.at, source: platform, version: `${platform}:${fact.consent.level ?? "unspecified"}` }
      : undefined;
  const now = deps.clock.now().toISOString();
  const { customerId, created, before } = await upsertContact(deps, {
    email,
    profile,
    ...(consent ? { consent } : {}),
    attribution: { source: platform },
    at: now,
  });
  const consentChanged = consent !== undefined && (before?.consentMarketing ?? false) !== consent.granted;
  if (created || consentChanged) {
    const summary = created ? `Customer created in ${platform}` : `Marketing consent ${consent!.granted ? "given" : "withdrawn"} in ${platform}`;
    await appendTimeline(deps, customerId, {
      at: now,
      type: "shop_customer",
      summary,
      data: { platform, event: delivery.event, created, ...(consent ? { consent: { ...consent, changed: consentChanged } } : {}) },
    });
  }
  return { fact: "customer", outcome: "updated", customerId };
}
