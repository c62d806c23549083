import { parseJsonBody } from "../shared/connections/delivery.ts";
import { ingestDelivery } from "../shared/connections/ingest.ts";
import { verifyDelivery } from "../shared/connections/receive.ts";
import type { ConnectionSecrets } from "../shared/connections/secrets.ts";
import { connectionSecretsFromConfig } from "../shared/connections/secrets.ts";
import { shopifyDelivery } from "../shared/connections/shopify.ts";
import { verifyBase64Hmac, verifyStripeSignature } from "../shared/connections/signatures.ts";
import { listConnections } from "../shared/connections/store.ts";
import { stripeDelivery } from "../shared/connections/stripe.ts";
import { isWooPing, wooDelivery } from "../shared/connections/woocommerce.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import type { HttpEvent } from "../shared/http/http.ts";
import { header, json, mediaType, rawBody } from "../shared/http/http.ts";

/** Shops: signed webhooks from Stripe, Shopify and WooCommerce, and the admin list of connections. */
export function makeHandler(deps: Deps, secrets: ConnectionSecrets = connectionSecretsFromConfig(deps.config, deps.clock)) {
  const now = () => deps.clock.now().toISOString();
  const verify = (event: HttpEvent, platform: "stripe" | "shopify" | "woocommerce", check: Parameters<typeof verifyDelivery>[4]) =>
    verifyDelivery(deps, secrets, platform, rawBody(event).length, check);
  return httpFunction(
    "hooks",
    {
      stripeHook: async ({ event }) => {
        const raw = rawBody(event);
        const { timestamp } = await verify(event, "stripe", (s) => verifyStripeSignature(raw, header(event, "stripe-signature"), s, deps.clock.now()));
        return received(await ingestDelivery(deps, "stripe", stripeDelivery(parseJsonBody(raw), timestamp!)));
      },
      shopifyHook: async ({ event }) => {
        const raw = rawBody(event);
        await verify(event, "shopify", (s) => verifyBase64Hmac(raw, header(event, "x-shopify-hmac-sha256"), s));
        const delivery = shopifyDelivery(parseJsonBody(raw), header(event, "x-shopify-topic"), header(event, "x-shopify-webhook-id"), now());
        return received(await ingestDelivery(deps, "shopify", delivery));
      },
      woocommerceHook: async ({ event }) => {
        const raw = rawBody(event);
        if (isWooPing(raw, mediaType(event)))
          return received({ outcome: "ignored", results: [{ fact: "ignored", outcome: "ignored", reason: "ping: the webhook was saved" }] });
        await verify(event, "woocommerce", (s) => verifyBase64Hmac(raw, header(event, "x-wc-webhook-signature"), s));
        const delivery = wooDelivery(parseJsonBody(raw), header(event, "x-wc-webhook-topic"), header(event, "x-wc-webhook-delivery-id"), now());
        return received(await ingestDelivery(deps, "woocommerce", delivery));
      },
      listConnections: async () => json(200, { connections: await listConnections(deps) }),
    },
    deps,
  );
}

function received(result: Awaited<ReturnType<typeof ingestDelivery>>) {
  return json(200, { received: true, ...result });
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
