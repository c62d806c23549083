import { ValidationError } from "../core/errors.ts";
import type { CustomerFact, Delivery, Json, ShopFact } from "./delivery.ts";
import { instant, lineItem, list, MAX_LINE_ITEMS, num, obj, str } from "./delivery.ts";

/**
 * The facts of a Shopify webhook (https://shopify.dev/docs/api/webhooks), by its
 * `X-Shopify-Topic`; `X-Shopify-Webhook-Id` is the same on every retry of one delivery:
 *  - `orders/paid`: an order with its line items;
 *  - `refunds/create`: a refund of the money its successful refund transactions gave back (a
 *    refund that only restocks gives back nothing); it names its order, not the customer;
 *  - `customers/create`, `customers/update`: the customer, and their `email_marketing_consent`.
 */
export function shopifyDelivery(body: Json, topic: string | undefined, webhookId: string | undefined, receivedAt: string): Delivery {
  if (!topic) throw ValidationError.field("x-shopify-topic", "is required: the header Shopify names the event in");
  if (!webhookId) throw ValidationError.field("x-shopify-webhook-id", "is required: the header Shopify identifies the delivery by");
  return { eventId: webhookId, event: topic, facts: [shopifyFact(topic, body, receivedAt)] };
}

function shopifyFact(topic: string, body: Json, receivedAt: string): ShopFact {
  switch (topic) {
    case "orders/paid": {
      const id = str(body.id);
      const currency = str(body.currency)?.toUpperCase();
      const amount = num(body.total_price);
      if (!id || !currency || amount === undefined) return { kind: "ignored", reason: "no id, total_price or currency" };
      const email = str(body.email) ?? str(body.contact_email) ?? str(obj(body.customer).email);
      const items = list(body.line_items)
        .slice(0, MAX_LINE_ITEMS)
        .map((raw) => {
          const line = obj(raw);
          return lineItem(line.product_id, line.title ?? line.name, line.quantity, line.price);
        });
      const at = instant(body.processed_at) ?? instant(body.created_at) ?? receivedAt;
      return { kind: "order", orderId: id, ...(email ? { email } : {}), at, amount, currency, items };
    }
    case "refunds/create": {
      const id = str(body.id);
      const orderId = str(body.order_id);
      if (!id || !orderId) return { kind: "ignored", reason: "no id or order_id" };
      const given = list(body.transactions)
        .map(obj)
        .filter((t) => str(t.kind) === "refund" && str(t.status) === "success");
      const amount = given.reduce((sum, t) => sum + (num(t.amount) ?? 0), 0);
      if (amount <= 0) return { kind: "ignored", reason: "no money given back (a restock or an adjustment)" };
      const currency = given.map((t) => str(t.currency)?.toUpperCase()).find(Boolean);
      return {
        kind: "refund",
        refundId: id,
        orderId,
        requiresOrder: true,
        at: instant(body.processed_at) ?? instant(body.created_at) ?? receivedAt,
        amount: Math.round(amount * 1e6) / 1e6,
        ...(currency ? { currency } : {}),
      };
    }
    case "customers/create":
    case "customers/update": {
      const email = str(body.email);
      const consent = obj(body.email_marketing_consent);
      const state = str(consent.state);
      const fact: CustomerFact = {
        kind: "customer",
        ...(email ? { email } : {}),
        profile: {
          ...(str(body.first_name) ? { firstName: str(body.first_name)!.slice(0, 100) } : {}),
          ...(str(body.last_name) ? { lastName: str(body.last_name)!.slice(0, 100) } : {}),
          ...(str(body.phone) ? { phone: str(body.phone)!.slice(0, 40) } : {}),
        },
      };
      if (state === "subscribed" || state === "unsubscribed") {
        const level = str(consent.opt_in_level);
        fact.consent = {
          granted: state === "subscribed",
          at: instant(consent.consent_updated_at) ?? instant(body.updated_at) ?? receivedAt,
          ...(level ? { level } : {}),
        };
      }
      return fact;
    }
    default:
      return { kind: "ignored", reason: `${topic} is not a topic Rapport uses` };
  }
}
