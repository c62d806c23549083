import { ValidationError } from "../core/errors.ts";
import { fractionDigits } from "../core/money.ts";
import type { Delivery, Json, LineItem, ShopFact } from "./delivery.ts";
import { instant, lineItem, list, MAX_LINE_ITEMS, num, obj, str } from "./delivery.ts";

/**
 * Stripe amounts are integers in the currency's smallest unit, as ISO 4217 counts them, except
 * ISK, which Stripe keeps with two decimals for compatibility.
 */
function stripeMajor(amount: number, currency: string): number {
  const digits = currency === "ISK" ? 2 : fractionDigits(currency);
  return amount / 10 ** digits;
}

function currencyOf(object: Json): string | undefined {
  return str(object.currency)?.toUpperCase();
}

/**
 * The facts of a Stripe event (https://docs.stripe.com/api/events/types):
 *  - `checkout.session.completed` (and `checkout.session.async_payment_succeeded`) once paid:
 *    an order. Its id is the session's invoice when there is one (subscriptions, invoiced
 *    payments), so the `invoice.paid` that follows for the same money counts with it once.
 *    Checkout events carry no line items (Stripe sends them only to an API call).
 *  - `invoice.paid` with something paid: an order with the invoice's lines.
 *  - `charge.refunded`: a refund of what this event added to `amount_refunded` (Stripe sends the
 *    running total; the previous one is in `previous_attributes`), once per total reached.
 */
export function stripeDelivery(event: Json, signedAt: number): Delivery {
  const eventId = str(event.id);
  const type = str(event.type);
  if (!eventId) throw ValidationError.field("id", "is required: the Stripe event id (evt_…)");
  if (!type) throw ValidationError.field("type", "is required: the Stripe event type");
  const data = obj(event.data);
  const object = obj(data.object);
  const at = instant(event.created) ?? new Date(signedAt * 1000).toISOString();
  return { eventId, event: type, signedAt, facts: [stripeFact(type, object, obj(data.previous_attributes), at)] };
}

function stripeFact(type: string, object: Json, previous: Json, at: string): ShopFact {
  switch (type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded": {
      if (str(object.payment_status) !== "paid") return { kind: "ignored", reason: "not paid yet: counted on checkout.session.async_payment_succeeded" };
      const currency = currencyOf(object);
      const total = num(object.amount_total);
      if (!currency || total === undefined) return { kind: "ignored", reason: "no amount_total or currency" };
      if (total === 0) return { kind: "ignored", reason: "nothing was paid" };
      const invoice = str(object.invoice);
      const intent = str(object.payment_intent);
      const orderId = invoice ? `invoice:${invoice}` : intent ? `payment:${intent}` : `checkout:${str(object.id) ?? ""}`;
      const email = str(obj(object.customer_details).email) ?? str(object.customer_email);
      return { kind: "order", orderId, ...(email ? { email } : {}), at, amount: stripeMajor(total, currency), currency, items: [] };
    }
    case "invoice.paid": {
      const currency = currencyOf(object);
      const paid = num(object.amount_paid);
      const id = str(object.id);
      if (!currency || paid === undefined || !id) return { kind: "ignored", reason: "no id, amount_paid or currency" };
      if (paid === 0) return { kind: "ignored", reason: "nothing was paid (a trial, or fully discounted)" };
      const email = str(object.customer_email);
      const paidAt = instant(obj(object.status_transitions).paid_at) ?? at;
      const items: LineItem[] = list(obj(object.lines).data)
        .slice(0, MAX_LINE_ITEMS)
        .map((raw) => {
          const line = obj(raw);
          const quantity = num(line.quantity) ?? 1;
          // `price` up to API version 2025-02, `pricing.price_details` since.
          const product = str(obj(line.price).product) ?? str(obj(obj(line.pricing).price_details).product);
          const amount = num(line.amount) ?? 0;
          return lineItem(product, line.description, quantity, stripeMajor(amount / (quantity || 1), currency));
        });
      return { kind: "order", orderId: `invoice:${id}`, ...(email ? { email } : {}), at: paidAt, amount: stripeMajor(paid, currency), currency, items };
    }
    case "charge.refunded": {
      const currency = currencyOf(object);
      const id = str(object.id);
      const total = num(object.amount_refunded);
      if (!currency || !id || total === undefined) return { kind: "ignored", reason: "no id, amount_refunded or currency" };
      const before = num(previous.amount_refunded) ?? 0;
      const amount = total - before;
      if (amount <= 0) return { kind: "ignored", reason: "no more refunded than before" };
      const email = str(obj(object.billing_details).email) ?? str(object.receipt_email);
      return {
        kind: "refund",
        refundId: `${id}:${total}`,
        requiresOrder: false,
        ...(email ? { email } : {}),
        at,
        amount: stripeMajor(amount, currency),
        currency,
      };
    }
    default:
      return { kind: "ignored", reason: `${type} is not an event Rapport uses` };
  }
}
