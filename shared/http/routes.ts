import type * as z from "zod/mini";
import * as s from "../customers/schema.ts";
import { CampaignId, CampaignInput } from "../campaigns/schema.ts";
import { CustomerErasure, CustomerExport } from "../privacy/schema.ts";
import { FormatQuery, PeriodQuery, RevenueQuery, SegmentsQuery } from "../reports/schema.ts";
import { ConnectionList, HookReceived, WebhookBody } from "../connections/schema.ts";

/**
 * The route table: the one source of truth read by the CDK stack (infra/), the local server
 * (local/server.ts) and the OpenAPI generator (shared/http/openapi.ts). Nothing else lists routes.
 */
export type FunctionName = "capture" | "public" | "customers" | "events" | "campaigns" | "links" | "sweep" | "reports" | "app" | "hooks";
export type Scope = "admin" | "leads:write";
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface ResponseSpec {
  description: string;
  schema?: z.ZodMiniType;
  contentType?: string;
}

export interface Route {
  method: Method;
  /** API Gateway path template, e.g. `/v1/customers/{id}`. */
  path: string;
  operationId: string;
  /** Which Lambda function serves it; one function per concern. */
  fn: FunctionName;
  /** `null`: public. Otherwise the scope the caller's API key must hold. */
  auth: Scope | null;
  summary: string;
  tags: string[];
  request?: {
    body?: z.ZodMiniType;
    bodyTypes?: string[];
    query?: z.ZodMiniType;
    params?: Record<string, z.ZodMiniType>;
    /**
     * The operation reads the body's raw bytes itself (a webhook signature is computed over them):
     * nothing may parse, validate or re-encode the body before it runs.
     */
    rawBody?: true;
  };
  responses: Record<number, ResponseSpec>;
}

const FORM_TYPES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"];
const validation = { description: "Invalid input; each bad field is named", schema: s.ValidationErrorBody };
const unauthorized = { description: "No API key, or an unknown or revoked one", schema: s.ErrorBody };
const forbidden = { description: "The API key lacks the route's scope", schema: s.ErrorBody };
const notFound = { description: "No such customer", schema: s.ErrorBody };
const idParam = { id: s.CustomerIdParam };

export const routes: Route[] = [
  {
    method: "POST",
    path: "/v1/leads",
    operationId: "captureLead",
    fn: "capture",
    auth: null,
    summary: "Capture a lead from a web form or a script",
    tags: ["leads"],
    request: { body: s.LeadInput, bodyTypes: FORM_TYPES },
    responses: {
      200: { description: "The email already existed; the profile was merged", schema: s.LeadAccepted },
      201: { description: "A new contact", schema: s.LeadAccepted },
      303: { description: "A browser form post: redirect to `_next` or the thank-you page" },
      400: validation,
      403: { description: "The request's Origin is not an allowed origin", schema: s.ErrorBody },
      409: { description: "A request with the same Idempotency-Key is still in progress", schema: s.ErrorBody },
      413: { description: "Body over 16 KiB", schema: s.ErrorBody },
      415: { description: "Unknown content type", schema: s.ErrorBody },
      422: { description: "Idempotency-Key reused with a different body", schema: s.ErrorBody },
    },
  },
  {
    method: "GET",
    path: "/v1/thanks",
    operationId: "thankYouPage",
    fn: "public",
    auth: null,
    summary: "The built-in thank-you page a form post is redirected to",
    tags: ["leads"],
    responses: { 200: { description: "HTML page", contentType: "text/html" } },
  },
  {
    method: "GET",
    path: "/v1/health",
    operationId: "health",
    fn: "public",
    auth: null,
    summary: "Liveness",
    tags: ["meta"],
    responses: { 200: { description: "OK", schema: s.Health } },
  },
  {
    method: "GET",
    path: "/v1/openapi.json",
    operationId: "openapi",
    fn: "public",
    auth: null,
    summary: "This document",
    tags: ["meta"],
    responses: { 200: { description: "OpenAPI 3.1 document" } },
  },
  {
    method: "GET",
    path: "/v1/customers",
    operationId: "listCustomers",
    fn: "customers",
    auth: "admin",
    summary: "A page of customers, most recently active first; with `q`, those a name, company, email or phone word of begins with each typed word",
    tags: ["customers"],
    request: { query: s.ListCustomersQuery },
    responses: { 200: { description: "A page", schema: s.CustomerPage }, 400: validation, 401: unauthorized, 403: forbidden },
  },
  {
    method: "GET",
    path: "/v1/customers/{id}",
    operationId: "getCustomer",
    fn: "customers",
    auth: "admin",
    summary: "The 360° view of one customer",
    tags: ["customers"],
    request: { params: idParam },
    responses: { 200: { description: "The customer", schema: s.Customer360 }, 400: validation, 401: unauthorized, 403: forbidden, 404: notFound },
  },
  {
    method: "PATCH",
    path: "/v1/customers/{id}",
    operationId: "patchCustomer",
    fn: "customers",
    auth: "admin",
    summary: "Edit profile fields, tags, owner or next contact date",
    tags: ["customers"],
    request: { params: idParam, body: s.CustomerPatch, bodyTypes: ["application/json"] },
    responses: {
      200: { description: "The updated customer", schema: s.Customer360 },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: notFound,
      409: { description: "The new email belongs to another customer", schema: s.ErrorBody },
    },
  },
  {
    method: "GET",
    path: "/v1/customers/{id}/timeline",
    operationId: "getTimeline",
    fn: "customers",
    auth: "admin",
    summary: "The customer's timeline, newest first",
    tags: ["customers"],
    request: { params: idParam, query: s.TimelineQuery },
    responses: { 200: { description: "A page of entries", schema: s.TimelinePage }, 400: validation, 401: unauthorized, 403: forbidden, 404: notFound },
  },
  {
    method: "POST",
    path: "/v1/events",
    operationId: "recordEvent",
    fn: "events",
    auth: "admin",
    summary: "Record an interaction (purchase, call, note, ...) for a customer; idempotent on externalId",
    tags: ["events"],
    request: { body: s.EventInput, bodyTypes: ["application/json"] },
    responses: {
      200: { description: "Already recorded (same externalId)", schema: s.EventRecorded },
      201: { description: "Recorded", schema: s.EventRecorded },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: notFound,
    },
  },
];

routes.push(
  {
    method: "GET",
    path: "/v1/campaigns",
    operationId: "listCampaigns",
    fn: "campaigns",
    auth: "admin",
    summary: "Every campaign: the shipped defaults and your own, with your edits",
    tags: ["campaigns"],
    responses: { 200: { description: "The campaigns" }, 401: unauthorized, 403: forbidden },
  },
  {
    method: "GET",
    path: "/v1/campaigns/{id}",
    operationId: "getCampaign",
    fn: "campaigns",
    auth: "admin",
    summary: "One campaign's definition",
    tags: ["campaigns"],
    request: { params: { id: CampaignId } },
    responses: { 200: { description: "The campaign" }, 400: validation, 401: unauthorized, 403: forbidden, 404: { description: "No such campaign", schema: s.ErrorBody } },
  },
  {
    method: "PUT",
    path: "/v1/campaigns/{id}",
    operationId: "putCampaign",
    fn: "campaigns",
    auth: "admin",
    summary: "Create or replace a campaign (a default's id edits that default)",
    tags: ["campaigns"],
    request: { params: { id: CampaignId }, body: CampaignInput, bodyTypes: ["application/json"] },
    responses: { 200: { description: "Saved" }, 400: validation, 401: unauthorized, 403: forbidden },
  },
  {
    method: "POST",
    path: "/v1/sweeps",
    operationId: "runSweep",
    fn: "sweep",
    auth: "admin",
    summary: "Run a retention sweep now (or, on the local stack, as of `at`)",
    tags: ["campaigns"],
    request: { body: s.SweepBody, bodyTypes: ["application/json"] },
    responses: { 200: { description: "What the sweep did", schema: s.SweepResult }, 400: validation, 401: unauthorized, 403: forbidden },
  },
  {
    method: "GET",
    path: "/v1/unsubscribe",
    operationId: "unsubscribePage",
    fn: "links",
    auth: null,
    summary: "The page an unsubscribe link opens: confirm with one button",
    tags: ["links"],
    request: { query: s.TokenQuery },
    responses: { 200: { description: "HTML page", contentType: "text/html" }, 400: { description: "Missing or malformed token (HTML page)", contentType: "text/html" }, 403: { description: "Forged, altered or expired token (HTML page)", contentType: "text/html" } },
  },
  {
    method: "POST",
    path: "/v1/unsubscribe",
    operationId: "unsubscribe",
    fn: "links",
    auth: null,
    summary: "Unsubscribe at once (RFC 8058 one-click: body List-Unsubscribe=One-Click, token in the query or the body)",
    tags: ["links"],
    request: { query: s.OptionalTokenQuery, body: s.UnsubscribeBody, bodyTypes: ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"] },
    responses: { 200: { description: "Unsubscribed (page, or JSON with Accept: application/json)" }, 400: validation, 403: { description: "Forged, altered or expired token", schema: s.ErrorBody } },
  },
  {
    method: "POST",
    path: "/v1/resubscribe",
    operationId: "resubscribe",
    fn: "links",
    auth: null,
    summary: "Undo an unsubscribe made by mistake (the unsubscribe page's button)",
    tags: ["links"],
    request: { body: s.TokenQuery, bodyTypes: ["application/x-www-form-urlencoded", "application/json"] },
    responses: { 200: { description: "Subscribed again" }, 400: validation, 403: { description: "Forged, altered or expired token", schema: s.ErrorBody } },
  },
  {
    method: "GET",
    path: "/v1/confirm",
    operationId: "confirmPage",
    fn: "links",
    auth: null,
    summary: "Double opt-in: the link in the confirmation email opens a page with one Confirm button (a GET changes nothing: mail scanners prefetch links)",
    tags: ["links"],
    request: { query: s.TokenQuery },
    responses: { 200: { description: "HTML page", contentType: "text/html" }, 400: { description: "Bad token (HTML page)", contentType: "text/html" }, 403: { description: "Forged, altered or expired token (HTML page)", contentType: "text/html" } },
  },
  {
    method: "POST",
    path: "/v1/confirm",
    operationId: "confirmConsent",
    fn: "links",
    auth: null,
    summary: "Double opt-in: makes the marketing consent waiting for this token take effect",
    tags: ["links"],
    request: { body: s.TokenQuery, bodyTypes: ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"] },
    responses: { 200: { description: "Confirmed (page, or JSON with Accept: application/json)" }, 400: validation, 403: { description: "Forged, altered or expired token", schema: s.ErrorBody } },
  },
  {
    method: "GET",
    path: "/v1/feedback",
    operationId: "feedbackFromLink",
    fn: "links",
    auth: null,
    summary: "A 0-10 score link from a feedback email: records the score, shows a thank-you page with a comment box",
    tags: ["links"],
    request: { query: s.FeedbackQuery },
    responses: { 200: { description: "HTML page", contentType: "text/html" }, 400: { description: "Bad score or token (HTML page)", contentType: "text/html" }, 403: { description: "Forged, altered or expired token (HTML page)", contentType: "text/html" } },
  },
  {
    method: "POST",
    path: "/v1/feedback",
    operationId: "feedback",
    fn: "links",
    auth: null,
    summary: "Record a score with an optional comment",
    tags: ["links"],
    request: { body: s.FeedbackBody, bodyTypes: ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"] },
    responses: { 200: { description: "Recorded (page, or JSON with Accept: application/json)" }, 400: validation, 403: { description: "Forged, altered or expired token", schema: s.ErrorBody } },
  },
);

// The quarantine: lead submissions held as suspected bots (shared/leads/bot-protection.ts).
const heldNotFound = { description: "No such held submission: released, dropped or expired", schema: s.ErrorBody };
routes.push(
  {
    method: "GET",
    path: "/v1/quarantine",
    operationId: "listQuarantine",
    fn: "customers",
    auth: "admin",
    summary: "Lead submissions held as suspected bots (captcha missing or failed, posted too fast), newest first",
    tags: ["quarantine"],
    request: { query: s.QuarantineQuery },
    responses: { 200: { description: "A page", schema: s.QuarantinePage }, 400: validation, 401: unauthorized, 403: forbidden },
  },
  {
    method: "POST",
    path: "/v1/quarantine/{id}/release",
    operationId: "releaseQuarantined",
    fn: "customers",
    auth: "admin",
    summary: "Capture a held submission as if it had passed: it becomes (or merges into) a customer, and leaves the quarantine",
    tags: ["quarantine"],
    request: { params: { id: s.QuarantineId } },
    responses: {
      200: { description: "Captured", schema: s.LeadAccepted },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: heldNotFound,
      409: { description: "Another release of it is in progress", schema: s.ErrorBody },
    },
  },
  {
    method: "DELETE",
    path: "/v1/quarantine/{id}",
    operationId: "dropQuarantined",
    fn: "customers",
    auth: "admin",
    summary: "Drop a held submission for good",
    tags: ["quarantine"],
    request: { params: { id: s.QuarantineId } },
    responses: { 204: { description: "Dropped" }, 400: validation, 401: unauthorized, 403: forbidden, 404: heldNotFound },
  },
);

// GDPR: erasure (art. 17) and access (art. 15) for one customer (shared/privacy/erasure.ts, shared/privacy/access.ts).
routes.push(
  {
    method: "DELETE",
    path: "/v1/customers/{id}",
    operationId: "eraseCustomer",
    fn: "customers",
    auth: "admin",
    summary: "Erase a customer: personal data removed from every item, counts kept on a tombstone, the address stays suppressed if it was; idempotent",
    tags: ["customers"],
    request: { params: idParam },
    responses: {
      200: { description: "Erased, or already erased (`alreadyErased: true`)", schema: CustomerErasure },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: notFound,
    },
  },
  {
    method: "GET",
    path: "/v1/customers/{id}/export",
    operationId: "exportCustomer",
    fn: "customers",
    auth: "admin",
    summary: "Everything held about a customer, as one JSON document (an attachment)",
    tags: ["customers"],
    request: { params: idParam },
    responses: { 200: { description: "The export", schema: CustomerExport }, 400: validation, 401: unauthorized, 403: forbidden, 404: notFound },
  },
);

// Reports (shared/reports/): a handful of counter reads each, whatever the number of customers.
// The answers' shapes are in shared/reports/types.ts.
routes.push(
  {
    method: "GET",
    path: "/v1/reports/funnel",
    operationId: "funnelReport",
    fn: "reports",
    auth: "admin",
    summary: "Count and % per stage now and at the period's start, and conversion between consecutive stages over the period",
    tags: ["reports"],
    request: { query: PeriodQuery },
    responses: { 200: { description: "The funnel" }, 400: validation, 401: unauthorized, 403: forbidden },
  },
  {
    method: "GET",
    path: "/v1/reports/retention",
    operationId: "retentionReport",
    fn: "reports",
    auth: "admin",
    summary: "Churn rate for the period and per month, and monthly cohorts by first purchase",
    tags: ["reports"],
    request: { query: PeriodQuery },
    responses: { 200: { description: "Churn and cohorts" }, 400: validation, 401: unauthorized, 403: forbidden },
  },
  {
    method: "GET",
    path: "/v1/reports/revenue",
    operationId: "revenueReport",
    fn: "reports",
    auth: "admin",
    summary: "Purchases, revenue, new contacts and new customers per day or month",
    tags: ["reports"],
    request: { query: RevenueQuery },
    responses: { 200: { description: "Revenue rows" }, 400: validation, 401: unauthorized, 403: forbidden },
  },
  {
    method: "GET",
    path: "/v1/reports/campaigns",
    operationId: "campaignsReport",
    fn: "reports",
    auth: "admin",
    summary: "Per campaign: sent, delivered, opened, clicked, bounced, complained, unsubscribed, feedback and NPS",
    tags: ["reports"],
    request: { query: FormatQuery },
    responses: { 200: { description: "Campaign performance" }, 400: validation, 401: unauthorized, 403: forbidden },
  },
  {
    method: "GET",
    path: "/v1/reports/segments",
    operationId: "segmentsReport",
    fn: "reports",
    auth: "admin",
    summary: "RFM scores and value segments (champions, loyal, new, potential, at risk, hibernating) with revenue share and average lifetime value",
    tags: ["reports"],
    request: { query: SegmentsQuery },
    responses: { 200: { description: "Segments" }, 400: validation, 401: unauthorized, 403: forbidden },
  },
);

// The dashboard (app/, functions/app.ts): static files, public like any web page; the app signs
// in to the admin routes above with an API key it keeps in the browser session.
routes.push(
  {
    method: "GET",
    path: "/app",
    operationId: "appIndex",
    fn: "app",
    auth: null,
    summary: "The dashboard, a single-page app (sign in with an admin API key)",
    tags: ["dashboard"],
    responses: { 200: { description: "HTML page", contentType: "text/html" }, 304: { description: "Not modified (ETag)" } },
  },
  {
    method: "GET",
    path: "/app/{proxy+}",
    operationId: "appFile",
    fn: "app",
    auth: null,
    summary: "The dashboard's scripts, styles and icons (hashed names are cached for a year)",
    tags: ["dashboard"],
    responses: { 200: { description: "A static file" }, 304: { description: "Not modified (ETag)" }, 404: { description: "No such file", schema: s.ErrorBody } },
  },
);

// Shops (shared/connections/): signed webhooks in, public because the platforms carry no API key;
// each delivery is verified by its platform's signature scheme over the raw body, or refused
// with 401 before anything is read or written.
const hookResponses = {
  200: { description: "Received: counted, a duplicate, not counted (and shown as a problem on the connection) or ignored", schema: HookReceived },
  400: { description: "Signed, but not JSON, or without the event's id or type", schema: s.ValidationErrorBody },
  401: { description: "No connection, or a missing, forged, stale or replayed signature: nothing changed", schema: s.ErrorBody },
  413: { description: "Body over 1 MiB", schema: s.ErrorBody },
};
routes.push(
  {
    method: "POST",
    path: "/v1/hooks/stripe",
    operationId: "stripeHook",
    fn: "hooks",
    auth: null,
    summary: "Stripe webhooks (Stripe-Signature): checkout.session.completed, checkout.session.async_payment_succeeded, invoice.paid, charge.refunded",
    tags: ["connections"],
    request: { body: WebhookBody, bodyTypes: ["application/json"], rawBody: true },
    responses: hookResponses,
  },
  {
    method: "POST",
    path: "/v1/hooks/shopify",
    operationId: "shopifyHook",
    fn: "hooks",
    auth: null,
    summary: "Shopify webhooks (X-Shopify-Hmac-Sha256): orders/paid, refunds/create, customers/create, customers/update",
    tags: ["connections"],
    request: { body: WebhookBody, bodyTypes: ["application/json"], rawBody: true },
    responses: hookResponses,
  },
  {
    method: "POST",
    path: "/v1/hooks/woocommerce",
    operationId: "woocommerceHook",
    fn: "hooks",
    auth: null,
    summary: "WooCommerce webhooks (X-WC-Webhook-Signature): order.created, order.updated (refunds included); answers the unsigned ping sent when a webhook is saved",
    tags: ["connections"],
    request: { body: WebhookBody, bodyTypes: ["application/json", "application/x-www-form-urlencoded"], rawBody: true },
    responses: hookResponses,
  },
  {
    method: "GET",
    path: "/v1/connections",
    operationId: "listConnections",
    fn: "hooks",
    auth: "admin",
    summary: "Each shop connection: the endpoint URL to paste into the platform, the last delivery, and current problems",
    tags: ["connections"],
    responses: { 200: { description: "The connections", schema: ConnectionList }, 401: unauthorized, 403: forbidden },
  },
);

/** `METHOD /path` as API Gateway names a route (`event.routeKey`). */
export function routeKey(route: Pick<Route, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}

export function routesOf(fn: FunctionName): Route[] {
  return routes.filter((r) => r.fn === fn);
}

/** Does the key's scope list satisfy what the route asks for? `admin` implies every scope. */
export function scopeAllows(granted: string[], needed: Scope): boolean {
  return granted.includes(needed) || granted.includes("admin");
}
