import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeHandler } from "../functions/hooks.ts";
import { httpEvent, lambdaContext } from "../local/lambda-events.ts";
import { FileConnectionSecrets } from "../shared/connections/secrets.ts";
import { verifyBase64Hmac, verifyStripeSignature } from "../shared/connections/signatures.ts";
import { addConnection } from "../shared/connections/store.ts";
import { useStack } from "./support/stack.ts";

const dataDir = mkdtempSync(join(tmpdir(), "rapport-hooks-"));
const secretsFile = join(dataDir, "connections.json");
const stack = useStack({ env: { CONNECTIONS_FILE: secretsFile, CURRENCY: "USD", LOYAL_ORDERS: "3", LOYAL_SPEND: "500" } });

const STRIPE_SECRET = "whsec_test_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH";
const SHOPIFY_SECRET = "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";
const WOO_SECRET = "wc-webhook-secret-K8m2Qp7Zr4";

beforeAll(async () => {
  const secrets = new FileConnectionSecrets(secretsFile);
  await secrets.put("stripe", STRIPE_SECRET);
  await secrets.put("shopify", SHOPIFY_SECRET);
  await secrets.put("woocommerce", WOO_SECRET);
  for (const platform of ["stripe", "shopify", "woocommerce"] as const) await addConnection(stack.deps, platform);
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const nowSeconds = () => Math.floor(Date.now() / 1000);
let eventCounter = 0;
const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}${++eventCounter}`;

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${stack.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Signed by the `stripe` package itself, as Stripe signs deliveries. */
function stripeHeader(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? STRIPE_SECRET,
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
}

const postStripe = (payload: string, header = stripeHeader(payload)) => post("/v1/hooks/stripe", payload, { "stripe-signature": header });

/** No Shopify library is installed: its documented scheme, base64 HMAC-SHA256 of the raw body. */
const base64Hmac = (body: string, secret: string) => createHmac("sha256", secret).update(body, "utf8").digest("base64");

function postShopify(topic: string, body: string, options: { webhookId?: string; secret?: string } = {}) {
  return post("/v1/hooks/shopify", body, {
    "x-shopify-topic": topic,
    "x-shopify-hmac-sha256": base64Hmac(body, options.secret ?? SHOPIFY_SECRET),
    "x-shopify-shop-domain": "rapport-demo.myshopify.com",
    "x-shopify-api-version": "2025-10",
    "x-shopify-webhook-id": options.webhookId ?? crypto.randomUUID(),
    "x-shopify-triggered-at": new Date().toISOString(),
  });
}

function postWoo(topic: string, body: string, options: { secret?: string; signature?: string | null } = {}) {
  const signature = options.signature === undefined ? base64Hmac(body, options.secret ?? WOO_SECRET) : options.signature;
  return post("/v1/hooks/woocommerce", body, {
    "x-wc-webhook-source": "https://shop.example.test/",
    "x-wc-webhook-topic": topic,
    "x-wc-webhook-resource": "order",
    "x-wc-webhook-event": topic.split(".")[1]!,
    "x-wc-webhook-id": "7",
    "x-wc-webhook-delivery-id": crypto.randomUUID(),
    ...(signature === null ? {} : { "x-wc-webhook-signature": signature }),
  });
}

async function lead(email: string): Promise<string> {
  return (await stack.api("/v1/leads", { key: stack.leadsKey, body: { email } })).body.customerId;
}

async function customerByEmail(email: string) {
  const page = await stack.api(`/v1/customers?email=${encodeURIComponent(email)}`, { key: stack.adminKey });
  const id = page.body.items[0]?.id as string | undefined;
  return id ? (await stack.api(`/v1/customers/${id}`, { key: stack.adminKey })).body : undefined;
}

const view = async (id: string) => (await stack.api(`/v1/customers/${id}`, { key: stack.adminKey })).body;
const entries = (c: any, type: string) => c.recentTimeline.filter((e: { type: string }) => e.type === type);
const connections = async () => (await stack.api("/v1/connections", { key: stack.adminKey })).body.connections as any[];

// Shaped like Stripe's published examples (https://docs.stripe.com/api/events/object, checkout.session.completed).
function checkoutCompleted(email: string, options: { amount?: number; currency?: string; invoice?: string | null; mode?: string; paid?: boolean } = {}) {
  return JSON.stringify({
    id: nextId("evt"),
    object: "event",
    api_version: "2025-10-29.clover",
    created: nowSeconds(),
    data: {
      object: {
        id: nextId("cs_test"),
        object: "checkout.session",
        amount_subtotal: options.amount ?? 2000,
        amount_total: options.amount ?? 2000,
        currency: options.currency ?? "usd",
        customer: null,
        customer_details: {
          address: { city: "South San Francisco", country: "US", line1: "354 Oyster Point Blvd", postal_code: "94080", state: "CA" },
          email,
          name: "Jenny Rosen",
          phone: null,
          tax_exempt: "none",
          tax_ids: [],
        },
        customer_email: null,
        invoice: options.invoice ?? null,
        livemode: false,
        metadata: {},
        mode: options.mode ?? "payment",
        payment_intent: options.mode === "subscription" ? null : nextId("pi"),
        payment_status: options.paid === false ? "unpaid" : "paid",
        status: "complete",
        success_url: "https://example.com/success",
      },
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: "checkout.session.completed",
  });
}

function invoicePaid(email: string, invoiceId: string) {
  return JSON.stringify({
    id: nextId("evt"),
    object: "event",
    api_version: "2025-10-29.clover",
    created: nowSeconds(),
    data: {
      object: {
        id: invoiceId,
        object: "invoice",
        amount_due: 3600,
        amount_paid: 3600,
        amount_remaining: 0,
        billing_reason: "subscription_create",
        currency: "usd",
        customer: "cus_NeZwdNtLEOXuvB",
        customer_email: email,
        lines: {
          object: "list",
          data: [
            {
              id: "il_1MtHbELkdIwHu7ixl4OzzPMv",
              object: "line_item",
              amount: 2400,
              currency: "usd",
              description: "2 × Coffee subscription (at $12.00 / month)",
              quantity: 2,
              pricing: {
                price_details: { price: "price_1MtHbELkdIwHu7ixYaHbFHAY", product: "prod_NeZwcoffee" },
                type: "price_details",
                unit_amount_decimal: "1200",
              },
            },
            {
              id: "il_1MtHbELkdIwHu7ixl4OzzPMw",
              object: "line_item",
              amount: 1200,
              currency: "usd",
              description: "1 × Grinder rental (at $12.00 / month)",
              quantity: 1,
              pricing: {
                price_details: { price: "price_1MtHbELkdIwHu7ixYaHbFHAZ", product: "prod_NeZwgrinder" },
                type: "price_details",
                unit_amount_decimal: "1200",
              },
            },
          ],
          has_more: false,
          total_count: 2,
        },
        status: "paid",
        status_transitions: { paid_at: nowSeconds() },
      },
    },
    livemode: false,
    type: "invoice.paid",
  });
}

function chargeRefunded(email: string, chargeId: string, amount: number, refundedBefore: number, refundedNow: number) {
  return JSON.stringify({
    id: nextId("evt"),
    object: "event",
    api_version: "2025-10-29.clover",
    created: nowSeconds(),
    data: {
      object: {
        id: chargeId,
        object: "charge",
        amount,
        amount_captured: amount,
        amount_refunded: refundedNow,
        billing_details: { email, name: "Jenny Rosen" },
        currency: "usd",
        paid: true,
        payment_intent: "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        receipt_email: null,
        refunded: refundedNow === amount,
        status: "succeeded",
      },
      previous_attributes: { amount_refunded: refundedBefore, refunded: false },
    },
    livemode: false,
    type: "charge.refunded",
  });
}

describe("our Stripe verifier agrees with the stripe package's signer", () => {
  const body = Buffer.from('{"id":"evt_1","type":"invoice.paid"}');
  const now = () => new Date();

  it("accepts what the package signs, and refuses a tampered body, another secret, a stale or missing header", () => {
    const header = stripeHeader(body.toString());
    expect(verifyStripeSignature(body, header, [STRIPE_SECRET], now())).toMatchObject({ ok: true });
    expect(verifyStripeSignature(Buffer.from(body.toString().replace("evt_1", "evt_2")), header, [STRIPE_SECRET], now())).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(verifyStripeSignature(body, header, ["whsec_someone_else"], now())).toEqual({ ok: false, reason: "mismatch" });
    expect(verifyStripeSignature(body, stripeHeader(body.toString(), { timestamp: nowSeconds() - 301 }), [STRIPE_SECRET], now())).toEqual({
      ok: false,
      reason: "stale",
    });
    expect(verifyStripeSignature(body, stripeHeader(body.toString(), { timestamp: nowSeconds() - 290 }), [STRIPE_SECRET], now())).toMatchObject({ ok: true });
    expect(verifyStripeSignature(body, undefined, [STRIPE_SECRET], now())).toEqual({ ok: false, reason: "missing" });
    expect(verifyStripeSignature(body, "v1=abc", [STRIPE_SECRET], now())).toEqual({ ok: false, reason: "malformed" });
  });

  it("accepts a header with two v1 values during a secret roll, whichever secret is stored", () => {
    const t = nowSeconds();
    const old = stripeHeader(body.toString(), { secret: "whsec_old_secret_value", timestamp: t });
    const fresh = stripeHeader(body.toString(), { secret: STRIPE_SECRET, timestamp: t });
    const rolled = `${old},v1=${/v1=([0-9a-f]+)/.exec(fresh)![1]}`;
    expect(rolled.match(/v1=/g)).toHaveLength(2);
    expect(verifyStripeSignature(body, rolled, [STRIPE_SECRET], now())).toMatchObject({ ok: true, timestamp: t });
    expect(verifyStripeSignature(body, rolled, ["whsec_old_secret_value"], now())).toMatchObject({ ok: true });
    expect(verifyStripeSignature(body, rolled, ["whsec_third"], now())).toEqual({ ok: false, reason: "mismatch" });
    // And the package agrees that what we accept is valid.
    expect(() => Stripe.webhooks.constructEvent(body, rolled, STRIPE_SECRET)).not.toThrow();
  });

  it("checks base64 HMAC-SHA256 signatures (Shopify, WooCommerce) in the same constant-time way", () => {
    expect(verifyBase64Hmac(body, base64Hmac(body.toString(), SHOPIFY_SECRET), [SHOPIFY_SECRET])).toEqual({ ok: true });
    expect(verifyBase64Hmac(body, base64Hmac(body.toString(), "other"), [SHOPIFY_SECRET])).toEqual({ ok: false, reason: "mismatch" });
    expect(verifyBase64Hmac(body, "not base64!", [SHOPIFY_SECRET])).toEqual({ ok: false, reason: "malformed" });
    expect(verifyBase64Hmac(body, undefined, [SHOPIFY_SECRET])).toEqual({ ok: false, reason: "missing" });
  });
});

describe("POST /v1/hooks/stripe", () => {
  it("a paid checkout becomes a purchase on the customer found by email; a redelivery signed anew counts once", async () => {
    const id = await lead("jenny.rosen@example.com");
    const payload = checkoutCompleted("Jenny.Rosen@example.com", { amount: 2000 });
    const first = await postStripe(payload);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ received: true, outcome: "counted", results: [{ fact: "order", outcome: "counted", customerId: id }] });

    const redelivered = await postStripe(payload, stripeHeader(payload, { timestamp: nowSeconds() - 60 }));
    expect(redelivered.status).toBe(200);
    expect(redelivered.body.outcome).toBe("duplicate");

    const c = await view(id);
    expect(c.stage).toBe("customer");
    expect(c.metrics).toMatchObject({ orders: 1, lifetimeSpend: 20, currency: "USD" });
    expect(entries(c, "purchase")).toHaveLength(1);
    expect(entries(c, "purchase")[0].data.data).toMatchObject({ platform: "stripe" });
  });

  it("refuses a replayed, stale, forged, tampered or missing signature with 401, and nothing changes", async () => {
    const payload = checkoutCompleted("replay.victim@example.com", { amount: 5000 });
    const header = stripeHeader(payload);
    expect((await postStripe(payload, header)).status).toBe(200);
    const replay = await postStripe(payload, header);
    expect(replay.status).toBe(401);
    expect(replay.body.message).toMatch(/replay/);

    const other = checkoutCompleted("never.created@example.com", { amount: 5000 });
    const refusals = [
      await postStripe(other, stripeHeader(other, { timestamp: nowSeconds() - 6 * 60 })),
      await postStripe(other, stripeHeader(other, { secret: "whsec_forged_by_someone" })),
      await postStripe(other.replace("5000", "500000"), stripeHeader(other)),
      await post("/v1/hooks/stripe", other, {}),
    ];
    expect(refusals.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect(refusals.map((r) => r.body.message)).toEqual([
      expect.stringMatching(/tolerance/),
      expect.stringMatching(/does not match/),
      expect.stringMatching(/does not match/),
      expect.stringMatching(/no signature/),
    ]);
    expect(await customerByEmail("never.created@example.com")).toBeUndefined();
    expect((await customerByEmail("replay.victim@example.com")).metrics.orders).toBe(1);
  });

  it("an invoice paid for a subscription checkout counts once with the checkout, and keeps its line items", async () => {
    const invoice = nextId("in");
    const email = "subscriber@example.com";
    const paid = await postStripe(invoicePaid(email, invoice));
    expect(paid.body.outcome).toBe("counted");
    const checkout = await postStripe(checkoutCompleted(email, { amount: 3600, invoice, mode: "subscription" }));
    expect(checkout.body.outcome).toBe("duplicate");

    const c = await customerByEmail(email);
    expect(c.metrics).toMatchObject({ orders: 1, lifetimeSpend: 36 });
    expect(entries(c, "purchase")[0].data.data.items).toEqual([
      { productId: "prod_NeZwcoffee", name: "2 × Coffee subscription (at $12.00 / month)", quantity: 2, price: 12 },
      { productId: "prod_NeZwgrinder", name: "1 × Grinder rental (at $12.00 / month)", quantity: 1, price: 12 },
    ]);
  });

  it("a checkout not paid yet (a bank debit) is answered and counts nothing", async () => {
    const res = await postStripe(checkoutCompleted("slow.payer@example.com", { paid: false }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ outcome: "ignored", results: [{ fact: "ignored", reason: expect.stringMatching(/not paid yet/) }] });
    expect(await customerByEmail("slow.payer@example.com")).toBeUndefined();
  });

  it("refunds lower lifetime spend (never below zero) and move a customer loyal by spend back to customer, each refund once", async () => {
    const email = "big.spender@example.com";
    await postStripe(checkoutCompleted(email, { amount: 60000 }));
    expect((await customerByEmail(email)).stage).toBe("loyal");

    const charge = nextId("ch");
    const partial = chargeRefunded(email, charge, 60000, 0, 20000);
    expect((await postStripe(partial)).body.outcome).toBe("counted");
    expect((await postStripe(partial, stripeHeader(partial, { timestamp: nowSeconds() - 45 }))).body.outcome).toBe("duplicate");
    let c = await customerByEmail(email);
    expect(c.metrics).toMatchObject({ orders: 1, lifetimeSpend: 400 });
    expect(c.stage).toBe("customer");
    expect(entries(c, "stage_changed").map((e: any) => `${e.data.from}>${e.data.to}`)).toContain("loyal>customer");

    // The rest, and more than was ever counted here: spend stops at zero.
    await postStripe(chargeRefunded(email, charge, 60000, 20000, 60000));
    await postStripe(chargeRefunded(email, nextId("ch"), 90000, 0, 90000));
    c = await customerByEmail(email);
    expect(c.metrics).toMatchObject({ orders: 1, lifetimeSpend: 0 });
    expect(entries(c, "refund")).toHaveLength(3);
  });

  it("an order in another currency is answered 200, kept on the timeline as not counted, and shown as a problem on the connection", async () => {
    const email = "euro.buyer@example.com";
    const payload = checkoutCompleted(email, { amount: 4500, currency: "eur" });
    const res = await postStripe(payload);
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe("not_counted");
    expect((await postStripe(payload, stripeHeader(payload, { timestamp: nowSeconds() - 30 }))).body.outcome).toBe("duplicate");

    const c = await customerByEmail(email);
    expect(c.metrics).toMatchObject({ orders: 0, lifetimeSpend: 0 });
    expect(c.stage).toBe("lead");
    const kept = entries(c, "purchase_not_counted");
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ summary: expect.stringMatching(/not counted/), data: { amount: 45, currency: "EUR", counted: false } });

    const stripe = (await connections()).find((x) => x.platform === "stripe");
    expect(stripe.problems).toContainEqual(
      expect.objectContaining({ kind: "currency_EUR", count: 1, message: expect.stringMatching(/EUR.*not counted.*USD/) }),
    );
  });

  it("reads the raw body when API Gateway base64-encodes it", async () => {
    const payload = checkoutCompleted("base64.body@example.com", { amount: 1234 });
    const handler = makeHandler(stack.deps, new FileConnectionSecrets(secretsFile));
    const event = httpEvent({
      route: { method: "POST", path: "/v1/hooks/stripe" },
      headers: { "content-type": "application/json", "stripe-signature": stripeHeader(payload), "user-agent": "Stripe/1.0" },
      body: payload,
      base64: true,
      requestId: "r1",
    });
    const res = await handler(event, lambdaContext("hooks"));
    expect(res.statusCode).toBe(200);
    expect((await customerByEmail("base64.body@example.com")).metrics.lifetimeSpend).toBe(12.34);
  });
});

// Shaped like Shopify's sample payloads (https://shopify.dev/docs/api/webhooks?reference=toml, orders/paid),
// ids beyond 2^53 included: they must stay exact.
const SHOPIFY_ORDER_ID = "820982911946154508";
function shopifyOrder(email: string, id = SHOPIFY_ORDER_ID, currency = "USD") {
  return `{"id":${id},"admin_graphql_api_id":"gid://shopify/Order/${id}","app_id":null,"browser_ip":null,"buyer_accepts_marketing":true,"cancel_reason":null,"cancelled_at":null,"confirmation_number":null,"contact_email":"${email}","created_at":"2026-11-30T11:57:11-05:00","currency":"${currency}","current_total_price":"398.00","email":"${email}","financial_status":"paid","name":"#9999","order_number":1234,"presentment_currency":"${currency}","processed_at":"2026-11-30T11:57:11-05:00","subtotal_price":"388.00","total_price":"398.00","customer":{"id":115310627314723954,"email":"${email}","first_name":"John","last_name":"Smith"},"line_items":[{"id":866550311766439020,"admin_graphql_api_id":"gid://shopify/LineItem/866550311766439020","name":"IPod Nano - 8GB","price":"199.00","product_exists":true,"product_id":632910392,"quantity":1,"sku":"IPOD2008PINK","title":"IPod Nano - 8GB","variant_id":808950810,"variant_title":null,"vendor":null},{"id":141249953214522974,"admin_graphql_api_id":"gid://shopify/LineItem/141249953214522974","name":"IPod Nano - 8GB","price":"199.00","product_exists":true,"product_id":632910392,"quantity":1,"sku":"IPOD2008PINK","title":"IPod Nano - 8GB","variant_id":808950810,"variant_title":null,"vendor":null}],"refunds":[]}`;
}
function shopifyRefund(orderId = SHOPIFY_ORDER_ID, amount = "70.00") {
  return `{"id":929361462,"admin_graphql_api_id":"gid://shopify/Refund/929361462","created_at":"2026-11-30T12:20:11-05:00","note":"wrong size","order_id":${orderId},"processed_at":"2026-11-30T12:20:11-05:00","restock":true,"user_id":548380009,"refund_line_items":[],"transactions":[{"id":1068278494,"admin_graphql_api_id":"gid://shopify/OrderTransaction/1068278494","amount":"${amount}","authorization":null,"created_at":"2026-11-30T12:20:11-05:00","currency":"USD","gateway":"bogus","kind":"refund","order_id":${orderId},"parent_id":801038806,"status":"success","test":false}]}`;
}
function shopifyCustomer(email: string, state: string, updatedAt: string) {
  return JSON.stringify({
    id: 706405506930370000,
    email,
    created_at: "2026-11-30T12:00:00-05:00",
    updated_at: updatedAt,
    first_name: "Bob",
    last_name: "Biller",
    state: "disabled",
    note: "This customer loves ice cream",
    verified_email: true,
    phone: null,
    tags: "",
    currency: "USD",
    addresses: [],
    email_marketing_consent: { state, opt_in_level: "single_opt_in", consent_updated_at: updatedAt },
    sms_marketing_consent: null,
    admin_graphql_api_id: "gid://shopify/Customer/706405506930370000",
  });
}

describe("POST /v1/hooks/shopify", () => {
  it("orders/paid counts once per order however often it is delivered, with its line items", async () => {
    const email = "john.smith@example.com";
    const body = shopifyOrder(email);
    const webhookId = crypto.randomUUID();
    expect((await postShopify("orders/paid", body, { webhookId })).body.outcome).toBe("counted");
    expect((await postShopify("orders/paid", body, { webhookId })).body.outcome).toBe("duplicate");
    expect((await postShopify("orders/paid", body)).body.outcome).toBe("duplicate");

    const c = await customerByEmail(email);
    expect(c.metrics).toMatchObject({ orders: 1, lifetimeSpend: 398, firstPurchaseAt: "2026-11-30T16:57:11.000Z" });
    const [purchase] = entries(c, "purchase");
    expect(purchase.data.data).toEqual({
      platform: "shopify",
      orderId: SHOPIFY_ORDER_ID,
      event: "orders/paid",
      items: [
        { productId: "632910392", name: "IPod Nano - 8GB", quantity: 1, price: 199 },
        { productId: "632910392", name: "IPod Nano - 8GB", quantity: 1, price: 199 },
      ],
    });
  });

  it("refunds/create lowers spend on its order's customer once; a refund of an order never counted changes nothing and is a problem", async () => {
    const email = "refund.me@example.com";
    const orderId = "450789469";
    await postShopify("orders/paid", shopifyOrder(email, orderId));
    const refund = shopifyRefund(orderId, "70.00");
    expect((await postShopify("refunds/create", refund)).body.outcome).toBe("counted");
    expect((await postShopify("refunds/create", refund)).body.outcome).toBe("duplicate");
    expect((await customerByEmail(email)).metrics).toMatchObject({ orders: 1, lifetimeSpend: 328 });

    const unknown = await postShopify("refunds/create", shopifyRefund("999999999", "10.00").replace("929361462", "929361463"));
    expect(unknown.status).toBe(200);
    expect(unknown.body.outcome).toBe("not_counted");
    const shopify = (await connections()).find((x) => x.platform === "shopify");
    expect(shopify.problems).toContainEqual(
      expect.objectContaining({ kind: "refund_of_unknown_order", example: expect.objectContaining({ order: "999999999" }) }),
    );
  });

  it("customers/create and customers/update carry marketing consent: subscribed grants, unsubscribed withdraws, an older statement never wins", async () => {
    const email = "bob.biller@example.com";
    const created = await postShopify("customers/create", shopifyCustomer(email, "subscribed", "2026-11-30T12:00:00-05:00"));
    expect(created.body).toMatchObject({ outcome: "updated" });
    let c = await view(created.body.results[0].customerId);
    expect(c.profile).toMatchObject({ firstName: "Bob", lastName: "Biller" });
    expect(c.consent).toMatchObject({ marketing: true, source: "shopify", version: "shopify:single_opt_in", updatedAt: "2026-11-30T17:00:00.000Z" });

    await postShopify("customers/update", shopifyCustomer(email, "unsubscribed", "2026-12-01T09:00:00-05:00"));
    // Delivered late: the subscription of an hour earlier than the withdrawal.
    await postShopify("customers/update", shopifyCustomer(email, "subscribed", "2026-12-01T08:00:00-05:00"));
    c = await view(c.id);
    expect(c.consent).toMatchObject({ marketing: false, updatedAt: "2026-12-01T14:00:00.000Z" });
    const ledger = entries(c, "shop_customer").map((e: any) => e.data.consent?.granted);
    expect(ledger.sort()).toEqual([false, true]);
  });

  it("refuses a body signed with another secret, or a signature header missing, with 401", async () => {
    const body = shopifyOrder("forged.order@example.com", "1001");
    expect((await postShopify("orders/paid", body, { secret: "someone-else" })).status).toBe(401);
    expect((await post("/v1/hooks/shopify", body, { "x-shopify-topic": "orders/paid", "x-shopify-webhook-id": "x" })).status).toBe(401);
    expect(await customerByEmail("forged.order@example.com")).toBeUndefined();
  });
});

// Shaped like WooCommerce's order resource (https://woocommerce.github.io/woocommerce-rest-api-docs/#order-properties).
function wooOrder(email: string, status: string, refunds: { id: number; total: string }[] = [], id = 727) {
  return JSON.stringify({
    id,
    parent_id: 0,
    number: String(id),
    order_key: "wc_order_58d2d042d1d",
    created_via: "checkout",
    version: "9.4.0",
    status,
    currency: "USD",
    date_created: "2026-11-22T13:28:02",
    date_created_gmt: "2026-11-22T16:28:02",
    date_modified_gmt: "2026-11-22T16:30:35",
    discount_total: "0.00",
    shipping_total: "10.00",
    total: "29.35",
    total_tax: "1.35",
    prices_include_tax: false,
    customer_id: 0,
    billing: {
      first_name: "John",
      last_name: "Doe",
      company: "",
      address_1: "969 Market",
      city: "San Francisco",
      state: "CA",
      postcode: "94103",
      country: "US",
      email,
      phone: "(555) 555-5555",
    },
    payment_method: "bacs",
    payment_method_title: "Direct Bank Transfer",
    date_paid_gmt: status === "pending" ? null : "2026-11-22T16:30:35",
    line_items: [
      { id: 315, name: "Woo Single #1", product_id: 93, variation_id: 0, quantity: 2, tax_class: "", subtotal: "6.00", total: "6.00", sku: "", price: 3 },
      {
        id: 316,
        name: "Ship Your Idea – Color: Black, Size: M Test",
        product_id: 22,
        variation_id: 23,
        quantity: 1,
        subtotal: "12.00",
        total: "12.00",
        sku: "",
        price: 12,
      },
    ],
    refunds: refunds.map((r) => ({ ...r, reason: "" })),
  });
}

describe("POST /v1/hooks/woocommerce", () => {
  it("answers the unsigned ping a new webhook sends, and changes nothing", async () => {
    const before = (await connections()).find((x) => x.platform === "woocommerce");
    const res = await fetch(`${stack.url}/v1/hooks/woocommerce`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "webhook_id=7",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: true, outcome: "ignored", results: [{ reason: expect.stringMatching(/ping/) }] });
    expect((await connections()).find((x) => x.platform === "woocommerce")).toEqual(before);
  });

  it("a pending order does not count; it counts when processing, and once only when completed later; its refunds lower spend once", async () => {
    const email = "john.doe@example.com";
    expect((await postWoo("order.created", wooOrder(email, "pending"))).body.outcome).toBe("ignored");
    expect(await customerByEmail(email)).toBeUndefined();

    expect((await postWoo("order.updated", wooOrder(email, "processing"))).body.outcome).toBe("counted");
    expect((await postWoo("order.updated", wooOrder(email, "completed"))).body.outcome).toBe("duplicate");
    let c = await customerByEmail(email);
    expect(c.metrics).toMatchObject({ orders: 1, lifetimeSpend: 29.35, firstPurchaseAt: "2026-11-22T16:30:35.000Z" });
    expect(entries(c, "purchase")[0].data.data.items).toEqual([
      { productId: "93", name: "Woo Single #1", quantity: 2, price: 3 },
      { productId: "22", name: "Ship Your Idea – Color: Black, Size: M Test", quantity: 1, price: 12 },
    ]);

    const refunded = wooOrder(email, "completed", [{ id: 726, total: "-10.00" }]);
    expect((await postWoo("order.updated", refunded)).body.results.map((r: any) => r.outcome)).toEqual(["duplicate", "counted"]);
    await postWoo(
      "order.updated",
      wooOrder(email, "refunded", [
        { id: 726, total: "-10.00" },
        { id: 730, total: "-19.35" },
      ]),
    );
    c = await customerByEmail(email);
    expect(c.metrics).toMatchObject({ orders: 1, lifetimeSpend: 0 });
    expect(entries(c, "refund")).toHaveLength(2);
  });

  it("refuses a forged or missing signature with 401, and nothing changes", async () => {
    const body = wooOrder("woo.forged@example.com", "processing", [], 801);
    expect((await postWoo("order.created", body, { secret: "guess" })).status).toBe(401);
    expect((await postWoo("order.created", body, { signature: null })).status).toBe(401);
    expect(await customerByEmail("woo.forged@example.com")).toBeUndefined();
  });
});

describe("GET /v1/connections", () => {
  it("needs an admin key", async () => {
    expect((await stack.api("/v1/connections")).status).toBe(401);
    expect((await stack.api("/v1/connections", { key: stack.leadsKey })).status).toBe(403);
  });

  it("gives each connection's URL to paste into the platform, its last delivery and its problems, never its secret", async () => {
    await postShopify("orders/paid", shopifyOrder("last.delivery@example.com", "5550001"));
    // A counted order is noted on its connection from the table's stream, a moment later.
    await stack.settleReports();
    const res = await stack.api("/v1/connections", { key: stack.adminKey });
    expect(res.status).toBe(200);
    expect(res.body.connections.map((c: any) => [c.platform, c.endpoint])).toEqual([
      ["stripe", `${stack.url}/v1/hooks/stripe`],
      ["shopify", `${stack.url}/v1/hooks/shopify`],
      ["woocommerce", `${stack.url}/v1/hooks/woocommerce`],
    ]);
    const shopify = res.body.connections.find((c: any) => c.platform === "shopify");
    expect(shopify.lastDelivery).toMatchObject({ event: "orders/paid", outcome: "counted" });
    expect(shopify.deliveries).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).not.toContain(SHOPIFY_SECRET);
  });
});

describe("npx rapport connections", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  function rapport(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["bin/rapport.ts", ...args], {
        cwd: root,
        env: {
          ...process.env,
          DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"),
          RAPPORT_TABLE: stack.deps.table,
          RAPPORT_DATA_DIR: dataDir,
          PORT: String(stack.port),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  // Five CLI processes, each starting Node and connecting: slow on a busy machine.
  it("add stores the secret in the data directory (owner-only) and prints the URL; list shows it; remove makes its deliveries refused", {
    timeout: 180_000,
  }, async () => {
    const added = await rapport(["connections", "add", "woocommerce", "--secret", "rotated-woo-secret-1"]);
    expect(added.code).toBe(0);
    expect(added.stdout.trim()).toBe(`http://localhost:${stack.port}/v1/hooks/woocommerce`);
    expect(added.stderr).toMatch(/WooCommerce → Settings → Advanced → Webhooks/);
    expect(added.stdout + added.stderr).not.toContain("rotated-woo-secret-1");
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);

    // The new secret is the one deliveries must be signed with from now on.
    const body = wooOrder("after.rotation@example.com", "processing", [], 901);
    expect((await postWoo("order.created", body)).status).toBe(401);
    expect((await postWoo("order.created", body, { secret: "rotated-woo-secret-1" })).status).toBe(200);

    const listed = await rapport(["connections", "list"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/woocommerce\s+http:\/\/localhost:\d+\/v1\/hooks\/woocommerce/);
    expect(listed.stdout).not.toContain("rotated-woo-secret-1");

    const removed = await rapport(["connections", "remove", "woocommerce"]);
    expect(removed.code).toBe(0);
    const refused = await postWoo("order.created", wooOrder("after.removal@example.com", "processing", [], 902), { secret: "rotated-woo-secret-1" });
    expect(refused.status).toBe(401);
    expect(refused.body.message).toMatch(/no woocommerce connection/);
    expect((await connections()).map((c) => c.platform)).not.toContain("woocommerce");

    expect((await rapport(["connections", "add", "magento", "--secret", "x".repeat(10)])).code).toBe(2);
    expect((await rapport(["connections", "add", "stripe"])).code).toBe(2);
  });
});
