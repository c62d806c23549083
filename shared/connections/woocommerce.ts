import { ValidationError } from "../core/errors.ts";
import type { Delivery, Json, ShopFact } from "./delivery.ts";
import { instant, lineItem, list, MAX_LINE_ITEMS, num, obj, str } from "./delivery.ts";

/** Order statuses at which the money is in: the order counts (once) from the first of them. */
const PAID_STATUSES = new Set(["processing", "completed"]);

/**
 * The facts of a WooCommerce webhook (https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks),
 * by its `X-WC-Webhook-Topic`; the body is the order as the REST API shows it:
 *  - `order.created`, `order.updated`: an order once it is processing or completed (a pending
 *    order, or one on hold, is not paid yet; the update that pays it counts it), and each of its
 *    `refunds` (WooCommerce has no refund topic: a refund is an update of the order).
 */
export function wooDelivery(body: Json, topic: string | undefined, deliveryId: string | undefined, receivedAt: string): Delivery {
  if (!topic) throw ValidationError.field("x-wc-webhook-topic", "is required: the header WooCommerce names the event in");
  if (!deliveryId) throw ValidationError.field("x-wc-webhook-delivery-id", "is required: the header WooCommerce identifies the delivery by");
  if (topic !== "order.created" && topic !== "order.updated") {
    return { eventId: deliveryId, event: topic, facts: [{ kind: "ignored", reason: `${topic} is not a topic Rapport uses` }] };
  }
  return { eventId: deliveryId, event: topic, facts: orderFacts(body, receivedAt) };
}

function orderFacts(order: Json, receivedAt: string): ShopFact[] {
  const id = str(order.id);
  const status = str(order.status) ?? "";
  const currency = str(order.currency)?.toUpperCase();
  const total = num(order.total);
  if (!id || !currency || total === undefined) return [{ kind: "ignored", reason: "no id, total or currency" }];
  const billing = obj(order.billing);
  const email = str(billing.email);
  const facts: ShopFact[] = [];
  if (PAID_STATUSES.has(status)) {
    const items = list(order.line_items)
      .slice(0, MAX_LINE_ITEMS)
      .map((raw) => {
        const line = obj(raw);
        return lineItem(line.product_id, line.name, line.quantity, line.price);
      });
    const at = instant(order.date_paid_gmt) ?? instant(order.date_created_gmt) ?? receivedAt;
    facts.push({ kind: "order", orderId: id, ...(email ? { email } : {}), at, amount: total, currency, items });
  }
  for (const raw of list(order.refunds)) {
    const refund = obj(raw);
    const refundId = str(refund.id);
    const amount = Math.abs(num(refund.total) ?? 0);
    if (!refundId || amount === 0) continue;
    facts.push({ kind: "refund", refundId, orderId: id, requiresOrder: true, ...(email ? { email } : {}), at: receivedAt, amount, currency });
  }
  if (facts.length === 0) facts.push({ kind: "ignored", reason: `status ${status || "(none)"}: an order counts once it is processing or completed` });
  return facts;
}

/**
 * WooCommerce's ping when a webhook is saved: a form post `webhook_id=<n>` with no signature. It
 * must get a 2xx, or WooCommerce refuses to save the webhook; it changes nothing here.
 */
export function isWooPing(raw: Buffer, contentType: string): boolean {
  if (contentType === "application/json") return false;
  return /^webhook_id=\d+$/.test(raw.toString("utf8").trim());
}
