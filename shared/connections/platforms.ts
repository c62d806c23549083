/** The shops Rapport takes signed webhooks from; each has `POST /v1/hooks/<platform>`. */
export const PLATFORMS = ["stripe", "shopify", "woocommerce"] as const;
export type Platform = (typeof PLATFORMS)[number];

export function isPlatform(value: string): value is Platform {
  return (PLATFORMS as readonly string[]).includes(value);
}

/** The path a platform's webhooks are delivered to. */
export function hookPath(platform: Platform): string {
  return `/v1/hooks/${platform}`;
}

/** What a platform's settings page calls the secret, for help and messages. */
export const SECRET_NAMES: Record<Platform, string> = {
  stripe: "the endpoint's signing secret (whsec_…)",
  shopify: "the app's client secret, or the store's webhook signing key (Settings → Notifications → Webhooks)",
  woocommerce: "the webhook's Secret (WooCommerce → Settings → Advanced → Webhooks)",
};

/** Where each platform's webhook settings are, and what to subscribe to: for the CLI and the README. */
export const SETUP: Record<Platform, { where: string; events: string }> = {
  stripe: {
    where: "Stripe Dashboard → Developers → Webhooks → Add endpoint (then reveal its signing secret)",
    events: "checkout.session.completed, checkout.session.async_payment_succeeded, invoice.paid, charge.refunded",
  },
  shopify: {
    where: "Shopify admin → Settings → Notifications → Webhooks → Create webhook, format JSON (or an app's webhook subscriptions)",
    events: "Order payment (orders/paid), Refund create (refunds/create), Customer creation and update (customers/create, customers/update)",
  },
  woocommerce: {
    where: "WordPress admin → WooCommerce → Settings → Advanced → Webhooks → Add webhook, status Active, API version WP REST API v3",
    events: "Order created and Order updated (one webhook each, the same secret)",
  },
};
