import { ValidationError } from "../core/errors.ts";

/** One product line of an order, kept on the purchase's timeline entry (interests, cross-sell). */
export interface LineItem {
  productId?: string;
  name: string;
  quantity: number;
  /** Unit price in major units of the order's currency. */
  price: number;
}

/** An order that was paid: becomes a purchase, once per `orderId`. */
export interface OrderFact {
  kind: "order";
  orderId: string;
  email?: string;
  at: string;
  /** Major units of `currency`. */
  amount: number;
  currency: string;
  items: LineItem[];
}

/** Money given back: lowers lifetime spend, once per `refundId`. */
export interface RefundFact {
  kind: "refund";
  refundId: string;
  /** The order it belongs to, when the platform says. */
  orderId?: string;
  /**
   * The customer is the order's (the platform sends no email with a refund), and a refund of an
   * order Rapport never counted must not lower spend: it counts only if the order was counted.
   */
  requiresOrder: boolean;
  email?: string;
  at: string;
  amount: number;
  /** Absent when the platform does not say: the order's currency, else the configured one. */
  currency?: string;
}

/** A customer created or edited on the platform, with their marketing consent there. */
export interface CustomerFact {
  kind: "customer";
  email?: string;
  profile: { firstName?: string; lastName?: string; phone?: string };
  /** `subscribed` grants, `unsubscribed` withdraws; anything else (never asked, pending) changes nothing. */
  consent?: { granted: boolean; at: string; level?: string };
}

/** A delivery that is fine but carries nothing to record: answered 2xx, says why. */
export interface IgnoredFact {
  kind: "ignored";
  reason: string;
}

export type ShopFact = OrderFact | RefundFact | CustomerFact | IgnoredFact;

/** A verified delivery, turned into facts by the platform's mapping. */
export interface Delivery {
  /** The platform's id of this event or delivery (Stripe `evt_…`, Shopify's webhook id, WooCommerce's delivery id). */
  eventId: string;
  /** What the platform calls it: `checkout.session.completed`, `orders/paid`, `order.updated`. */
  event: string;
  /** Stripe: the signed timestamp, which tells a replay (same signature) from a redelivery (signed anew). */
  signedAt?: number;
  facts: ShopFact[];
}

// ---------------------------------------------------------------------------------------------
// Reading untyped payloads. The platforms send large, versioned documents of which a few fields
// matter; these read one field each and never throw, so a missing field becomes a named problem
// on the connection (answered 2xx) rather than a retry storm.
// ---------------------------------------------------------------------------------------------

export type Json = Record<string, unknown>;

/**
 * Parses a webhook body. Integers beyond 2^53 (Shopify's sample ids) are kept as their digits, so
 * an order id never loses precision and two orders never share one.
 */
export function parseJsonBody(raw: Buffer): Json {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"), (_key, v: unknown, context?: { source?: string }) =>
      typeof v === "number" && !Number.isSafeInteger(v) && context?.source && /^-?\d+$/.test(context.source) ? context.source : v,
    );
  } catch {
    throw ValidationError.field("body", "is not valid JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw ValidationError.field("body", "must be a JSON object");
  return value as Json;
}

export function obj(value: unknown): Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A string, or an id given as a number. */
export function str(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() === "" ? undefined : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A number, or a decimal given as a string ("19.99", as Shopify and WooCommerce send prices). */
export function num(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** An instant as ISO 8601: from unix seconds, or from a date-time string (no zone: UTC, as WooCommerce's `_gmt` fields mean). */
export function instant(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return new Date(value * 1000).toISOString();
  if (typeof value !== "string" || value === "") return undefined;
  const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value}Z`;
  const date = new Date(zoned);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Line items, at most this many per order: the timeline entry stays one small item. */
export const MAX_LINE_ITEMS = 20;

export function lineItem(productId: unknown, name: unknown, quantity: unknown, price: unknown): LineItem {
  const id = str(productId);
  return {
    ...(id ? { productId: id } : {}),
    name: (str(name) ?? "item").slice(0, 120),
    quantity: num(quantity) ?? 1,
    price: num(price) ?? 0,
  };
}
