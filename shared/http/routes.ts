import type * as z from "zod/mini";
import * as auth from "../auth/schema.ts";
import { Broadcast, BroadcastIdParam, BroadcastInput, BroadcastList, BroadcastWithTemplates, ScheduleInput } from "../broadcasts/schema.ts";
import { Campaign, CampaignId, CampaignInput, CampaignList, Preview, PreviewInput, TestSendInput, TestSendQueued } from "../campaigns/schema.ts";
import { ConnectionList, HookReceived, WebhookBody } from "../connections/schema.ts";
import { CustomerIdParam } from "../core/schema.ts";
import {
  Customer360,
  CustomerPage,
  CustomerPatch,
  ExportCustomersQuery,
  ListCustomersQuery,
  SubscriptionChange,
  SubscriptionChanged,
  TimelinePage,
  TimelineQuery,
} from "../customers/schema.ts";
import {
  ConfirmLinkValid,
  ConsentConfirmed,
  FeedbackBody,
  FeedbackLinkValid,
  FeedbackQuery,
  FeedbackRecorded,
  KeepLinkValid,
  KeptSubscribed,
  OptionalTokenQuery,
  PreferencesAnswer,
  PreferencesBody,
  Resubscribed,
  TokenQuery,
  UnsubscribeBody,
  Unsubscribed,
  UnsubscribeLinkValid,
} from "../email-links/schema.ts";
import { EventInput, EventRecorded } from "../interactions/schema.ts";
import { LeadAccepted, LeadInput, LeadTakenOrHeld, QuarantineId, QuarantinePage, QuarantineQuery } from "../leads/schema.ts";
import { CustomerErasure, CustomerExport } from "../privacy/schema.ts";
import { PerkSummary, ReferralCodeParam } from "../referrals/schema.ts";
import {
  CampaignsReport,
  FormatQuery,
  FunnelReport,
  PeriodQuery,
  ReferralsQuery,
  ReferralsReport,
  RetentionReport,
  RevenueQuery,
  RevenueReport,
  SegmentsQuery,
  SegmentsReport,
} from "../reports/schema.ts";
import { SweepBody, SweepResult } from "../retention/schema.ts";
import { MembersQuery, Segment, SegmentDefinition, SegmentIdParam, SegmentInput, SegmentList, SegmentMembers } from "../segments/schema.ts";
import { Task, TaskIdParam, TaskInput, TaskList, TaskPatch, TasksQuery } from "../tasks/schema.ts";
import { Recommendations, RecommendationsQuery, TrackAccepted, TrackInput } from "../tracking/schema.ts";
import { WebhookCreated, WebhookIdParam, WebhookInput, WebhookList, WebhookTestResult } from "../webhooks/schema.ts";
import { ErrorBody, edgeErrorBody, FileBody, Health, HtmlPage, OpenApiDocument, ValidationErrorBody } from "./schema.ts";

/**
 * The route table: the one source of truth read by the CDK stack (infra/), the local server
 * (local/server.ts), the functions' handler (shared/http/handler.ts validates each request against
 * it) and the OpenAPI generator (shared/http/openapi.ts). Nothing else lists routes. The test
 * suite checks every answer against the route's declared responses.
 */
export type FunctionName =
  | "capture"
  | "public"
  | "customers"
  | "events"
  | "campaigns"
  | "links"
  | "sweep"
  | "reports"
  | "app"
  | "hooks"
  | "people"
  | "exports"
  | "mailtest"
  | "segments"
  | "broadcasts";
/**
 * What a route asks of its caller. `staff`: the day-to-day work (customers, events, reports,
 * quarantine, reading campaigns and connections); `admin`: what only an owner or an admin API key
 * may do (erasure, people, API keys, campaign edits); `leads:write`: posting leads from a script.
 */
export type Scope = "admin" | "staff" | "leads:write";
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface ResponseSpec {
  description: string;
  /** The body's schema per media type. Absent: no body (a redirect, 204, 304). */
  content?: Readonly<Record<string, z.ZodMiniType>>;
}

/** What a route reads; `httpFunction` validates each part and hands the operation the parsed values. */
export interface RequestSpec {
  /** Path parameters by name (`{id}` in the path). */
  params?: Readonly<Record<string, z.ZodMiniType>>;
  /** The query string, as one object of strings. */
  query?: z.ZodMiniType;
  /** The body's fields, whatever it came as (JSON, url-encoded or multipart form). */
  body?: z.ZodMiniType;
  /** The body's media types, as documented. */
  bodyTypes?: readonly string[];
  /** Bodies above this are refused with 413; default MAX_BODY_BYTES (16 KiB). */
  maxBodyBytes?: number;
  /**
   * A body the operation reads as raw bytes itself (a webhook signature is computed over them):
   * documented with this schema, but never parsed, validated or re-encoded before the operation runs.
   */
  rawBody?: z.ZodMiniType;
}

export interface Route {
  method: Method;
  /** API Gateway path template, e.g. `/v1/customers/{id}`. */
  path: string;
  operationId: string;
  /** Which Lambda function serves it; one function per concern. */
  fn: FunctionName;
  /** `null`: public. Otherwise the scope the caller (an API key or a signed-in person) must hold. */
  auth: Scope | null;
  summary: string;
  tags: readonly string[];
  request?: RequestSpec;
  /** Every status the route answers, with its body per media type. */
  responses: Readonly<Record<number, ResponseSpec>>;
  /** Kept out of the OpenAPI document: not part of the API (the dashboard's files). */
  undocumented?: true;
}

const JSON_TYPE = "application/json";
const HTML_TYPE = "text/html";
const asJson = (schema: z.ZodMiniType) => ({ [JSON_TYPE]: schema });
/** Browser routes answer a person with a page and a script (`Accept: application/json`) with JSON. */
const jsonOrPage = (schema: z.ZodMiniType) => ({ [JSON_TYPE]: schema, [HTML_TYPE]: HtmlPage });
const page = { [HTML_TYPE]: HtmlPage };

const FORM_TYPES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"];
const validation = { description: "Invalid input; each bad field is named", content: asJson(ValidationErrorBody) };
const unauthorized = {
  description:
    "No credentials (API Gateway answers, with `message` only), or an unknown or revoked API key, or a sign-in token that is invalid, expired or of someone removed (the function answers, with `error` too)",
  content: asJson(edgeErrorBody("unauthorized")),
};
const forbidden = { description: "The API key lacks the route's scope, or the person's role does not allow it", content: asJson(ErrorBody) };
const notFound = { description: "No such customer", content: asJson(ErrorBody) };
const idParam = { id: CustomerIdParam };
const tooLarge = (limit: string) => ({ description: `Body over ${limit}`, content: asJson(edgeErrorBody("payload_too_large")) });
const unsupportedType = { description: "A content type the route does not list for its body", content: asJson(ErrorBody) };
/** What any route with a body may answer about the body itself. */
const bodyRefused = { 413: tooLarge("16 KiB"), 415: unsupportedType };
const idempotency = {
  409: { description: "A request with the same Idempotency-Key is still in progress", content: asJson(ErrorBody) },
  422: { description: "Idempotency-Key reused with a different body", content: asJson(ErrorBody) },
};

/** What every route may answer, whatever it does: `httpFunction` maps failures to these. */
const ALWAYS: Record<number, ResponseSpec> = {
  500: { description: "Something failed on our side; retry later", content: asJson(edgeErrorBody("internal")) },
  503: { description: "AWS is throttling us past our retries; retry after `Retry-After` seconds", content: asJson(edgeErrorBody("busy")) },
};

/** A route as written, with its literal types kept (the handler types each operation's input from them). */
function route<const R extends Route>(r: R): R {
  return { ...r, responses: { ...r.responses, ...ALWAYS } };
}

const coreRoutes = [
  route({
    method: "POST",
    path: "/v1/leads",
    operationId: "captureLead",
    fn: "capture",
    auth: null,
    summary: "Capture a lead from a web form or a script",
    tags: ["leads"],
    request: { body: LeadInput, bodyTypes: FORM_TYPES },
    responses: {
      200: {
        description: "With a key (`leads:write`) or a signed-in person: the email already existed; the profile was merged",
        content: asJson(LeadAccepted),
      },
      201: { description: "With a key (`leads:write`) or a signed-in person: a new contact", content: asJson(LeadAccepted) },
      202: {
        description:
          "Without a credential: the lead was taken (`accepted`), the same answer whether the address was new or known, so nobody learns who is a customer. Or, posted from a page whose `Origin` is not allowed: held in the quarantine for an admin to release (`held`; CORS keeps that page from reading this)",
        content: asJson(LeadTakenOrHeld),
      },
      303: { description: "A browser form post: redirect to `_next` (when it is on an allowed origin) or the thank-you page" },
      400: { description: "Invalid input; each bad field is named (a page listing them for a browser form post)", content: jsonOrPage(ValidationErrorBody) },
      ...idempotency,
      ...bodyRefused,
    },
  }),
  route({
    method: "GET",
    path: "/v1/thanks",
    operationId: "thankYouPage",
    fn: "public",
    auth: null,
    summary: "The built-in thank-you page a form post is redirected to",
    tags: ["leads"],
    responses: { 200: { description: "HTML page", content: page } },
  }),
  route({
    method: "GET",
    path: "/v1/health",
    operationId: "health",
    fn: "public",
    auth: null,
    summary: "Liveness",
    tags: ["meta"],
    responses: { 200: { description: "OK", content: asJson(Health) } },
  }),
  route({
    method: "GET",
    path: "/v1/openapi.json",
    operationId: "openapi",
    fn: "public",
    auth: null,
    summary: "This document",
    tags: ["meta"],
    responses: { 200: { description: "OpenAPI 3.1 document", content: asJson(OpenApiDocument) } },
  }),
  route({
    method: "GET",
    path: "/v1/customers",
    operationId: "listCustomers",
    fn: "customers",
    auth: "staff",
    summary:
      "A page of customers, most recently active first; with `q`, those a name, company, email or phone word of begins with each typed word; with `sort=leadScore`, those with a lead score, highest first",
    tags: ["customers"],
    request: { query: ListCustomersQuery },
    responses: { 200: { description: "A page", content: asJson(CustomerPage) }, 400: validation, 401: unauthorized, 403: forbidden },
  }),
  route({
    method: "GET",
    path: "/v1/exports/customers",
    operationId: "exportCustomers",
    fn: "exports",
    auth: "staff",
    summary: "Customers as CSV",
    tags: ["customers"],
    request: { query: ExportCustomersQuery },
    responses: { 200: { description: "A CSV attachment", content: { "text/csv": FileBody } }, 400: validation, 401: unauthorized, 403: forbidden },
  }),
  route({
    method: "GET",
    path: "/v1/customers/{id}",
    operationId: "getCustomer",
    fn: "customers",
    auth: "staff",
    summary: "The 360° view of one customer",
    tags: ["customers"],
    request: { params: idParam },
    responses: { 200: { description: "The customer", content: asJson(Customer360) }, 400: validation, 401: unauthorized, 403: forbidden, 404: notFound },
  }),
  route({
    method: "PATCH",
    path: "/v1/customers/{id}",
    operationId: "patchCustomer",
    fn: "customers",
    auth: "staff",
    summary: "Edit profile fields, tags, owner or next contact date",
    tags: ["customers"],
    request: { params: idParam, body: CustomerPatch, bodyTypes: ["application/json"] },
    responses: {
      200: { description: "The updated customer", content: asJson(Customer360) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: notFound,
      409: { description: "The new email belongs to another customer", content: asJson(ErrorBody) },
      ...bodyRefused,
    },
  }),
  route({
    method: "POST",
    path: "/v1/customers/{id}/subscription",
    operationId: "changeSubscription",
    // The links function already does unsubscribes and resubscribes, with the same code.
    fn: "links",
    auth: "staff",
    summary: "Unsubscribe or resubscribe",
    tags: ["customers"],
    request: { params: idParam, body: SubscriptionChange, bodyTypes: ["application/json"] },
    responses: {
      200: { description: "Done", content: asJson(SubscriptionChanged) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: notFound,
      409: { description: "Bounced", content: asJson(ErrorBody) },
      ...bodyRefused,
    },
  }),
  route({
    method: "GET",
    path: "/v1/customers/{id}/timeline",
    operationId: "getTimeline",
    fn: "customers",
    auth: "staff",
    summary: "The customer's timeline, newest first",
    tags: ["customers"],
    request: { params: idParam, query: TimelineQuery },
    responses: {
      200: { description: "A page of entries", content: asJson(TimelinePage) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: { description: "No such customer, or a cursor from another list", content: asJson(ErrorBody) },
    },
  }),
  route({
    method: "POST",
    path: "/v1/events",
    operationId: "recordEvent",
    fn: "events",
    auth: "staff",
    summary: "Record an interaction (purchase, call, note, ...) for a customer; idempotent on externalId",
    tags: ["events"],
    request: { body: EventInput, bodyTypes: ["application/json"] },
    responses: {
      200: { description: "Already recorded (same externalId)", content: asJson(EventRecorded) },
      201: { description: "Recorded", content: asJson(EventRecorded) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: notFound,
      ...idempotency,
      ...bodyRefused,
    },
  }),
];

const noCampaign = { description: "No such campaign", content: asJson(ErrorBody) };
const noCampaignOrCustomer = { description: "Not found", content: asJson(ErrorBody) };
const campaignRoutes = [
  route({
    method: "GET",
    path: "/v1/campaigns",
    operationId: "listCampaigns",
    fn: "campaigns",
    auth: "staff",
    summary: "Every campaign: the shipped defaults and your own, with your edits",
    tags: ["campaigns"],
    responses: { 200: { description: "The campaigns", content: asJson(CampaignList) }, 401: unauthorized, 403: forbidden },
  }),
  route({
    method: "GET",
    path: "/v1/campaigns/{id}",
    operationId: "getCampaign",
    fn: "campaigns",
    auth: "staff",
    summary: "One campaign's definition",
    tags: ["campaigns"],
    request: { params: { id: CampaignId } },
    responses: { 200: { description: "The campaign", content: asJson(Campaign) }, 400: validation, 401: unauthorized, 403: forbidden, 404: noCampaign },
  }),
  route({
    method: "PUT",
    path: "/v1/campaigns/{id}",
    operationId: "putCampaign",
    fn: "campaigns",
    auth: "admin",
    summary: "Create or replace a campaign (a default's id edits that default)",
    tags: ["campaigns"],
    // A campaign with HTML templates in several languages outgrows the 16 KiB form limit quickly;
    // 256 KiB keeps a definition well inside DynamoDB's 400 KB item limit.
    request: { params: { id: CampaignId }, body: CampaignInput, bodyTypes: ["application/json"], maxBodyBytes: 256 * 1024 },
    responses: {
      200: { description: "Saved", content: asJson(Campaign) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      413: tooLarge("256 KiB"),
      415: unsupportedType,
    },
  }),
  route({
    method: "POST",
    path: "/v1/campaigns/{id}/preview",
    operationId: "previewCampaign",
    fn: "campaigns",
    auth: "staff",
    summary: "Preview for a customer",
    tags: ["campaigns"],
    request: { params: { id: CampaignId }, body: PreviewInput, bodyTypes: ["application/json"] },
    responses: {
      200: { description: "The rendered email", content: asJson(Preview) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: noCampaignOrCustomer,
      ...bodyRefused,
    },
  }),
  route({
    method: "POST",
    path: "/v1/campaigns/{id}/test",
    operationId: "testCampaign",
    // Onto the send queue; the sender sends the test.
    fn: "mailtest",
    auth: "staff",
    summary: "Send a preview to yourself",
    tags: ["campaigns"],
    request: { params: { id: CampaignId }, body: TestSendInput, bodyTypes: ["application/json"] },
    responses: {
      202: { description: "Queued", content: asJson(TestSendQueued) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: noCampaignOrCustomer,
      ...bodyRefused,
    },
  }),
  route({
    method: "POST",
    path: "/v1/sweeps",
    operationId: "runSweep",
    fn: "sweep",
    auth: "staff",
    summary: "Run a retention sweep now (or, on the local stack, as of `at`)",
    tags: ["campaigns"],
    request: { body: SweepBody, bodyTypes: ["application/json"] },
    responses: { 200: { description: "What the sweep did", content: asJson(SweepResult) }, 400: validation, 401: unauthorized, 403: forbidden, ...bodyRefused },
  }),
];

// The links in emails answer a browser with pages, errors included, and a script with JSON.
const badLink = (what: string) => ({ description: `${what} (a page for a browser)`, content: jsonOrPage(ValidationErrorBody) });
const refusedLink = { description: "Forged, altered or expired token (a page for a browser)", content: jsonOrPage(ErrorBody) };
const goneContact = { description: "The link's contact no longer exists (a page for a browser)", content: jsonOrPage(ErrorBody) };
const linkBodyRefused = {
  413: { description: "Body over 16 KiB (a page for a browser)", content: jsonOrPage(edgeErrorBody("payload_too_large")) },
  415: { description: "A content type other than url-encoded, multipart form or JSON (a page for a browser)", content: jsonOrPage(ErrorBody) },
};
const linkRoutes = [
  route({
    method: "GET",
    path: "/v1/unsubscribe",
    operationId: "unsubscribePage",
    fn: "links",
    auth: null,
    summary: "The page an unsubscribe link opens: confirm with one button",
    tags: ["links"],
    request: { query: TokenQuery },
    responses: {
      200: { description: "The page (JSON with Accept: application/json)", content: jsonOrPage(UnsubscribeLinkValid) },
      400: badLink("Missing or malformed token"),
      403: refusedLink,
    },
  }),
  route({
    method: "POST",
    path: "/v1/unsubscribe",
    operationId: "unsubscribe",
    fn: "links",
    auth: null,
    summary: "Unsubscribe at once (RFC 8058 one-click: body List-Unsubscribe=One-Click, token in the query or the body)",
    tags: ["links"],
    request: { query: OptionalTokenQuery, body: UnsubscribeBody, bodyTypes: ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"] },
    responses: {
      200: { description: "Unsubscribed (page, or JSON with Accept: application/json)", content: jsonOrPage(Unsubscribed) },
      400: badLink("Missing or malformed token"),
      403: refusedLink,
      ...linkBodyRefused,
    },
  }),
  route({
    method: "POST",
    path: "/v1/resubscribe",
    operationId: "resubscribe",
    fn: "links",
    auth: null,
    summary: "Undo an unsubscribe made by mistake (the unsubscribe page's button)",
    tags: ["links"],
    request: { body: TokenQuery, bodyTypes: ["application/x-www-form-urlencoded", "application/json"] },
    responses: {
      200: { description: "Subscribed again (page, or JSON with Accept: application/json)", content: jsonOrPage(Resubscribed) },
      400: badLink("Missing or malformed token"),
      403: refusedLink,
      404: goneContact,
      409: {
        description: "Emails to the address bounced or were reported as spam: it stays suppressed (a page for a browser)",
        content: jsonOrPage(ErrorBody),
      },
      ...linkBodyRefused,
    },
  }),
  route({
    method: "GET",
    path: "/v1/preferences",
    operationId: "preferencesPage",
    fn: "links",
    auth: null,
    summary: "The preference page (linked from the unsubscribe page): each kind of marketing email on or off",
    tags: ["links"],
    request: { query: TokenQuery },
    responses: {
      200: { description: "The page with the current choices (JSON with Accept: application/json)", content: jsonOrPage(PreferencesAnswer) },
      400: badLink("Bad token"),
      403: refusedLink,
      404: goneContact,
    },
  }),
  route({
    method: "POST",
    path: "/v1/preferences",
    operationId: "savePreferences",
    fn: "links",
    auth: null,
    summary:
      "Save the preference page: newsletters, offers, birthday each on or off (a form post sends ticked boxes with form=preferences, so an absent one is off; JSON names what it changes)",
    tags: ["links"],
    request: { body: PreferencesBody, bodyTypes: ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"] },
    responses: {
      200: { description: "Saved (the page again, or JSON with Accept: application/json)", content: jsonOrPage(PreferencesAnswer) },
      400: badLink("Bad token or value"),
      403: refusedLink,
      404: goneContact,
      ...linkBodyRefused,
    },
  }),
  route({
    method: "GET",
    path: "/v1/confirm",
    operationId: "confirmPage",
    fn: "links",
    auth: null,
    summary: "Double opt-in: the link in the confirmation email opens a page with one Confirm button (a GET changes nothing: mail scanners prefetch links)",
    tags: ["links"],
    request: { query: TokenQuery },
    responses: {
      200: { description: "The page (JSON with Accept: application/json)", content: jsonOrPage(ConfirmLinkValid) },
      400: badLink("Bad token"),
      403: refusedLink,
    },
  }),
  route({
    method: "POST",
    path: "/v1/confirm",
    operationId: "confirmConsent",
    fn: "links",
    auth: null,
    summary: "Double opt-in: makes the marketing consent waiting for this token take effect",
    tags: ["links"],
    request: { body: TokenQuery, bodyTypes: ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"] },
    responses: {
      200: { description: "Confirmed (page, or JSON with Accept: application/json)", content: jsonOrPage(ConsentConfirmed) },
      400: badLink("Bad token"),
      403: refusedLink,
      404: goneContact,
      ...linkBodyRefused,
    },
  }),
  route({
    method: "GET",
    path: "/v1/keep",
    operationId: "keepPage",
    fn: "links",
    auth: null,
    summary: "The re-permission email's keep-me link: a page with one button (a GET changes nothing)",
    tags: ["links"],
    request: { query: TokenQuery },
    responses: {
      200: { description: "The page (JSON with Accept: application/json)", content: jsonOrPage(KeepLinkValid) },
      400: badLink("Bad token"),
      403: refusedLink,
    },
  }),
  route({
    method: "POST",
    path: "/v1/keep",
    operationId: "keepSubscribed",
    fn: "links",
    auth: null,
    summary: "Keep getting marketing email (lifts a sunset; grants no consent)",
    tags: ["links"],
    request: { body: TokenQuery, bodyTypes: ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"] },
    responses: {
      200: { description: "Kept (page, or JSON with Accept: application/json)", content: jsonOrPage(KeptSubscribed) },
      400: badLink("Bad token"),
      403: refusedLink,
      404: goneContact,
      ...linkBodyRefused,
    },
  }),
  route({
    method: "GET",
    path: "/v1/feedback",
    operationId: "feedbackFromLink",
    fn: "links",
    auth: null,
    summary:
      "A 0-10 score link from a feedback email: a page that records the score when a person opens it (its script posts it) or presses Send, with a comment box. The GET itself records nothing: mail scanners fetch every link",
    tags: ["links"],
    request: { query: FeedbackQuery },
    responses: {
      200: { description: "The score page (JSON with Accept: application/json: the link is valid; POST to record)", content: jsonOrPage(FeedbackLinkValid) },
      400: badLink("Bad score or token"),
      403: refusedLink,
    },
  }),
  route({
    method: "POST",
    path: "/v1/feedback",
    operationId: "feedback",
    fn: "links",
    auth: null,
    summary: "Record a score with an optional comment",
    tags: ["links"],
    request: { body: FeedbackBody, bodyTypes: ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"] },
    responses: {
      200: { description: "Recorded (page, or JSON with Accept: application/json)", content: jsonOrPage(FeedbackRecorded) },
      400: badLink("Bad score, comment or token"),
      403: refusedLink,
      404: goneContact,
      ...linkBodyRefused,
    },
  }),
];

// The quarantine: lead submissions held as suspected bots (shared/leads/bot-protection.ts).
const heldNotFound = { description: "No such held submission: released, dropped or expired", content: asJson(ErrorBody) };
const quarantineRoutes = [
  route({
    method: "GET",
    path: "/v1/quarantine",
    operationId: "listQuarantine",
    fn: "customers",
    auth: "staff",
    summary: "Lead submissions held as suspected bots (captcha missing or failed, posted too fast), newest first",
    tags: ["quarantine"],
    request: { query: QuarantineQuery },
    responses: {
      200: { description: "A page", content: asJson(QuarantinePage) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: { description: "A cursor from another list", content: asJson(ErrorBody) },
    },
  }),
  route({
    method: "POST",
    path: "/v1/quarantine/{id}/release",
    operationId: "releaseQuarantined",
    fn: "customers",
    auth: "staff",
    summary: "Capture a held submission as if it had passed: it becomes (or merges into) a customer, and leaves the quarantine",
    tags: ["quarantine"],
    request: { params: { id: QuarantineId } },
    responses: {
      200: { description: "Captured", content: asJson(LeadAccepted) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: heldNotFound,
      409: { description: "Another release of it is in progress", content: asJson(ErrorBody) },
    },
  }),
  route({
    method: "DELETE",
    path: "/v1/quarantine/{id}",
    operationId: "dropQuarantined",
    fn: "customers",
    auth: "staff",
    summary: "Drop a held submission for good",
    tags: ["quarantine"],
    request: { params: { id: QuarantineId } },
    responses: { 204: { description: "Dropped" }, 400: validation, 401: unauthorized, 403: forbidden, 404: heldNotFound },
  }),
];

// GDPR: erasure (art. 17) and access (art. 15) for one customer (shared/privacy/erasure.ts, shared/privacy/access.ts).
const privacyRoutes = [
  route({
    method: "DELETE",
    path: "/v1/customers/{id}",
    operationId: "eraseCustomer",
    fn: "customers",
    auth: "admin",
    summary: "Erase a customer: personal data removed from every item, counts kept on a tombstone, the address stays suppressed if it was; idempotent",
    tags: ["customers"],
    request: { params: idParam },
    responses: {
      200: { description: "Erased, or already erased (`alreadyErased: true`)", content: asJson(CustomerErasure) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: notFound,
    },
  }),
  route({
    method: "GET",
    path: "/v1/customers/{id}/export",
    operationId: "exportCustomer",
    fn: "customers",
    auth: "staff",
    summary: "Everything held about a customer, as one JSON document (an attachment)",
    tags: ["customers"],
    request: { params: idParam },
    responses: { 200: { description: "The export", content: asJson(CustomerExport) }, 400: validation, 401: unauthorized, 403: forbidden, 404: notFound },
  }),
];

// Reports (shared/reports/): a handful of counter reads each, whatever the number of customers.
// JSON by default; `?format=csv` gives the same figures as one CSV table.
const reportOrTable = (schema: z.ZodMiniType) => ({ [JSON_TYPE]: schema, "text/csv": FileBody });
const reportRoutes = [
  route({
    method: "GET",
    path: "/v1/reports/funnel",
    operationId: "funnelReport",
    fn: "reports",
    auth: "staff",
    summary: "Count and % per stage now and at the period's start, and conversion between consecutive stages over the period",
    tags: ["reports"],
    request: { query: PeriodQuery },
    responses: { 200: { description: "The funnel", content: reportOrTable(FunnelReport) }, 400: validation, 401: unauthorized, 403: forbidden },
  }),
  route({
    method: "GET",
    path: "/v1/reports/retention",
    operationId: "retentionReport",
    fn: "reports",
    auth: "staff",
    summary: "Churn rate for the period and per month, and monthly cohorts by first purchase",
    tags: ["reports"],
    request: { query: PeriodQuery },
    responses: { 200: { description: "Churn and cohorts", content: reportOrTable(RetentionReport) }, 400: validation, 401: unauthorized, 403: forbidden },
  }),
  route({
    method: "GET",
    path: "/v1/reports/revenue",
    operationId: "revenueReport",
    fn: "reports",
    auth: "staff",
    summary: "Purchases, revenue, new contacts and new customers per day or month",
    tags: ["reports"],
    request: { query: RevenueQuery },
    responses: { 200: { description: "Revenue rows", content: reportOrTable(RevenueReport) }, 400: validation, 401: unauthorized, 403: forbidden },
  }),
  route({
    method: "GET",
    path: "/v1/reports/campaigns",
    operationId: "campaignsReport",
    fn: "reports",
    auth: "staff",
    summary: "Per campaign: sent, delivered, opened, clicked, bounced, complained, unsubscribed, feedback and NPS",
    tags: ["reports"],
    request: { query: FormatQuery },
    responses: { 200: { description: "Campaign performance", content: reportOrTable(CampaignsReport) }, 400: validation, 401: unauthorized, 403: forbidden },
  }),
  route({
    method: "GET",
    path: "/v1/reports/referrals",
    operationId: "referralsReport",
    fn: "reports",
    auth: "staff",
    summary: "Referrals per day or month; top referrers",
    tags: ["reports"],
    request: { query: ReferralsQuery },
    responses: { 200: { description: "Referrals", content: reportOrTable(ReferralsReport) }, 400: validation, 401: unauthorized, 403: forbidden },
  }),
  route({
    method: "GET",
    path: "/v1/reports/segments",
    operationId: "segmentsReport",
    fn: "reports",
    auth: "staff",
    summary: "RFM scores and value segments (champions, regulars, newcomers, potential, slipping, hibernating) with revenue share and average lifetime value",
    tags: ["reports"],
    request: { query: SegmentsQuery },
    responses: { 200: { description: "Segments", content: reportOrTable(SegmentsReport) }, 400: validation, 401: unauthorized, 403: forbidden },
  }),
];

// The dashboard (app/, functions/app.ts): static files, public like any web page; the app signs
// a person in with the user pool (or takes an admin API key) and keeps that in the browser session.
const notModified = { description: "Not modified (ETag)" };
const dashboardRoutes = [
  route({
    method: "GET",
    path: "/app",
    operationId: "appIndex",
    fn: "app",
    auth: null,
    summary: "The dashboard, a single-page app (sign in as a person, or with an admin API key)",
    tags: ["dashboard"],
    responses: { 200: { description: "HTML page", content: page }, 304: notModified },
  }),
  route({
    method: "GET",
    path: "/app/{proxy+}",
    operationId: "appFile",
    fn: "app",
    auth: null,
    summary: "The dashboard's scripts, styles and icons (hashed names are cached for a year)",
    tags: ["dashboard"],
    // The app's own files, named by its build: not an API a client could call.
    undocumented: true,
    responses: {
      200: { description: "A static file", content: { [HTML_TYPE]: HtmlPage, "text/javascript": FileBody, "text/css": FileBody, "image/svg+xml": FileBody } },
      304: notModified,
      404: { description: "No such file", content: asJson(ErrorBody) },
    },
  }),
];

// Shops (shared/connections/): signed webhooks in, public because the platforms carry no API key;
// each delivery is verified by its platform's signature scheme over the raw body, or refused
// with 401 before anything is read or written.
const hookResponses = {
  200: { description: "Received: counted, a duplicate, not counted (and shown as a problem on the connection) or ignored", content: asJson(HookReceived) },
  400: { description: "Signed, but not JSON, or without the event's id or type", content: asJson(ValidationErrorBody) },
  401: { description: "No connection, or a missing, forged, stale or replayed signature: nothing changed", content: asJson(ErrorBody) },
  413: tooLarge("1 MiB"),
  415: unsupportedType,
};
const hookRoutes = [
  route({
    method: "POST",
    path: "/v1/hooks/stripe",
    operationId: "stripeHook",
    fn: "hooks",
    auth: null,
    summary: "Stripe webhooks (Stripe-Signature): checkout.session.completed, checkout.session.async_payment_succeeded, invoice.paid, charge.refunded",
    tags: ["connections"],
    request: { rawBody: WebhookBody, bodyTypes: ["application/json"] },
    responses: hookResponses,
  }),
  route({
    method: "POST",
    path: "/v1/hooks/shopify",
    operationId: "shopifyHook",
    fn: "hooks",
    auth: null,
    summary: "Shopify webhooks (X-Shopify-Hmac-Sha256): orders/paid, refunds/create, customers/create, customers/update",
    tags: ["connections"],
    request: { rawBody: WebhookBody, bodyTypes: ["application/json"] },
    responses: hookResponses,
  }),
  route({
    method: "POST",
    path: "/v1/hooks/woocommerce",
    operationId: "woocommerceHook",
    fn: "hooks",
    auth: null,
    summary:
      "WooCommerce webhooks (X-WC-Webhook-Signature): order.created, order.updated (refunds included); answers the unsigned ping sent when a webhook is saved",
    tags: ["connections"],
    request: { rawBody: WebhookBody, bodyTypes: ["application/json", "application/x-www-form-urlencoded"] },
    responses: hookResponses,
  }),
  route({
    method: "GET",
    path: "/v1/connections",
    operationId: "listConnections",
    fn: "hooks",
    auth: "staff",
    summary: "Each shop connection: the endpoint URL to paste into the platform, the last delivery, and current problems",
    tags: ["connections"],
    responses: { 200: { description: "The connections", content: asJson(ConnectionList) }, 401: unauthorized, 403: forbidden },
  }),
];

// Outbound webhooks (shared/webhooks/), owners only: an endpoint gets every customer id it subscribes to.
const webhookAnswers = { 400: validation, 401: unauthorized, 403: forbidden, 404: { description: "No such endpoint", content: asJson(ErrorBody) } };
const webhookRoutes = [
  route({
    method: "GET",
    path: "/v1/webhooks",
    operationId: "listWebhooks",
    fn: "people",
    auth: "admin",
    summary: "Webhook endpoints and their deliveries",
    tags: ["webhooks"],
    responses: { 200: { description: "The endpoints", content: asJson(WebhookList) }, 401: unauthorized, 403: forbidden },
  }),
  route({
    method: "POST",
    path: "/v1/webhooks",
    operationId: "addWebhook",
    fn: "people",
    auth: "admin",
    summary: "Add an endpoint (its secret is shown once)",
    tags: ["webhooks"],
    request: { body: WebhookInput, bodyTypes: ["application/json"] },
    responses: { 201: { description: "Added", content: asJson(WebhookCreated) }, 400: validation, 401: unauthorized, 403: forbidden, ...bodyRefused },
  }),
  route({
    method: "DELETE",
    path: "/v1/webhooks/{id}",
    operationId: "removeWebhook",
    fn: "people",
    auth: "admin",
    summary: "Remove an endpoint",
    tags: ["webhooks"],
    request: { params: { id: WebhookIdParam } },
    responses: { 204: { description: "Removed" }, ...webhookAnswers },
  }),
  route({
    method: "POST",
    path: "/v1/webhooks/{id}/test",
    operationId: "testWebhook",
    fn: "people",
    auth: "admin",
    summary: "Send a webhook.test event",
    tags: ["webhooks"],
    request: { params: { id: WebhookIdParam } },
    responses: { 200: { description: "Sent", content: asJson(WebhookTestResult) }, ...webhookAnswers },
  }),
];

// People and keys (shared/auth/): who is calling, the team who sign in, the API keys of
// integrations, and what a browser needs to sign people in with Cognito.
const noPool = { description: "No user pool is set up", content: asJson(ErrorBody) };
const peopleRoutes = [
  route({
    method: "GET",
    path: "/v1/me",
    operationId: "whoAmI",
    fn: "people",
    auth: "leads:write",
    summary: "Who the credential belongs to: a person (id, name, role) or an API key (id, scopes)",
    tags: ["people"],
    responses: { 200: { description: "The caller", content: asJson(auth.Me) }, 401: unauthorized },
  }),
  route({
    method: "GET",
    path: "/v1/app-config",
    operationId: "appConfig",
    fn: "public",
    auth: null,
    summary:
      "Public settings a browser needs to sign people in: the user pool, its app client, region and endpoint (no secrets); `signIn: null` when people cannot sign in",
    tags: ["people"],
    responses: { 200: { description: "The settings", content: asJson(auth.AppConfig) } },
  }),
  route({
    method: "GET",
    path: "/v1/people",
    operationId: "listPeople",
    fn: "people",
    auth: "admin",
    summary: "The team: everyone who signs in, with their role",
    tags: ["people"],
    responses: { 200: { description: "The people", content: asJson(auth.PeopleList) }, 401: unauthorized, 403: forbidden },
  }),
  route({
    method: "POST",
    path: "/v1/people",
    operationId: "addPerson",
    fn: "people",
    auth: "admin",
    summary: "Add a person as owner or staff: on AWS Cognito emails them an invitation; on the local stack the answer carries their password",
    tags: ["people"],
    request: { body: auth.PersonInput, bodyTypes: ["application/json"] },
    responses: {
      201: { description: "Added", content: asJson(auth.PersonAdded) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: noPool,
      409: { description: "The email is already in the team", content: asJson(ErrorBody) },
      ...bodyRefused,
    },
  }),
  route({
    method: "DELETE",
    path: "/v1/people/{id}",
    operationId: "removePerson",
    fn: "people",
    auth: "admin",
    summary: "Remove a person: their access ends at once, their Cognito user is deleted",
    tags: ["people"],
    request: { params: { id: auth.PersonIdParam } },
    responses: {
      200: { description: "Removed", content: asJson(auth.Person) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: { description: "Nobody in the team has this id, or no user pool is set up", content: asJson(ErrorBody) },
    },
  }),
  route({
    method: "GET",
    path: "/v1/keys",
    operationId: "listKeys",
    fn: "people",
    auth: "admin",
    summary: "API keys: id, name, scopes, created, revoked (keys themselves are never stored)",
    tags: ["keys"],
    responses: { 200: { description: "The keys", content: asJson(auth.KeyList) }, 401: unauthorized, 403: forbidden },
  }),
  route({
    method: "POST",
    path: "/v1/keys",
    operationId: "createKey",
    fn: "people",
    auth: "admin",
    summary: "Create an API key for an integration; the key is in this answer only",
    tags: ["keys"],
    request: { body: auth.KeyInput, bodyTypes: ["application/json"] },
    responses: { 201: { description: "Created", content: asJson(auth.KeyCreated) }, 400: validation, 401: unauthorized, 403: forbidden, ...bodyRefused },
  }),
  route({
    method: "DELETE",
    path: "/v1/keys/{id}",
    operationId: "revokeKey",
    fn: "people",
    auth: "admin",
    summary: "Revoke an API key by its id",
    tags: ["keys"],
    request: { params: { id: auth.KeyIdParam } },
    responses: {
      200: { description: "Revoked (or already revoked)", content: asJson(auth.KeyInfo) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: { description: "No such key", content: asJson(ErrorBody) },
    },
  }),
];

const taskRoutes = [
  route({
    method: "GET",
    path: "/v1/tasks",
    operationId: "listTasks",
    fn: "customers",
    auth: "staff",
    summary: "Open tasks of a person by due time, overdue first (`assignee=me&due=today`: Today), or a customer's tasks",
    tags: ["tasks"],
    request: { query: TasksQuery },
    responses: {
      200: { description: "The tasks", content: asJson(TaskList) },
      400: validation,
      401: unauthorized,
      403: forbidden,
    },
  }),
  route({
    method: "POST",
    path: "/v1/tasks",
    operationId: "createTask",
    fn: "customers",
    auth: "staff",
    summary: "Create a task about a customer for a person of the team (default: the caller)",
    tags: ["tasks"],
    request: { body: TaskInput, bodyTypes: ["application/json"] },
    responses: {
      201: { description: "Created", content: asJson(Task) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: notFound,
      ...bodyRefused,
    },
  }),
  route({
    method: "PATCH",
    path: "/v1/tasks/{id}",
    operationId: "patchTask",
    fn: "customers",
    auth: "staff",
    summary: "Edit, reassign, complete (`status: done`) or reopen a task",
    tags: ["tasks"],
    request: { params: { id: TaskIdParam }, body: TaskPatch, bodyTypes: ["application/json"] },
    responses: {
      200: { description: "The updated task", content: asJson(Task) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: { description: "No such task", content: asJson(ErrorBody) },
      409: { description: "The task changed meanwhile; read it again", content: asJson(ErrorBody) },
      ...bodyRefused,
    },
  }),
];
// Saved segments (shared/segments/): named conditions on customers, evaluated when their members are read.
const noSegment = { description: "No such segment", content: asJson(ErrorBody) };
const segmentId = { id: SegmentIdParam };
const segmentRoutes = [
  route({
    method: "GET",
    path: "/v1/segments",
    operationId: "listSegments",
    fn: "segments",
    auth: "staff",
    summary: "Every saved segment, by name",
    tags: ["segments"],
    responses: { 200: { description: "The segments", content: asJson(SegmentList) }, 401: unauthorized, 403: forbidden },
  }),
  route({
    method: "POST",
    path: "/v1/segments",
    operationId: "createSegment",
    fn: "segments",
    auth: "staff",
    summary: "Save a segment: a name, `match` all or any, and conditions (field, op, value)",
    tags: ["segments"],
    request: { body: SegmentInput, bodyTypes: ["application/json"] },
    responses: {
      201: { description: "Created", content: asJson(Segment) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      ...bodyRefused,
    },
  }),
  route({
    method: "POST",
    path: "/v1/segments/preview",
    operationId: "previewSegment",
    fn: "segments",
    auth: "staff",
    summary: "Count the members of a segment definition, and its first page, without saving it (the builder's live count)",
    tags: ["segments"],
    request: { body: SegmentDefinition, bodyTypes: ["application/json"] },
    responses: {
      200: { description: "The number of members and the first page", content: asJson(SegmentMembers) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      ...bodyRefused,
    },
  }),
  route({
    method: "GET",
    path: "/v1/segments/{id}",
    operationId: "getSegment",
    fn: "segments",
    auth: "staff",
    summary: "A saved segment's definition",
    tags: ["segments"],
    request: { params: segmentId },
    responses: { 200: { description: "The segment", content: asJson(Segment) }, 400: validation, 401: unauthorized, 403: forbidden, 404: noSegment },
  }),
  route({
    method: "PUT",
    path: "/v1/segments/{id}",
    operationId: "replaceSegment",
    fn: "segments",
    auth: "staff",
    summary: "Replace a segment's name and conditions",
    tags: ["segments"],
    request: { params: segmentId, body: SegmentInput, bodyTypes: ["application/json"] },
    responses: {
      200: { description: "The segment as saved", content: asJson(Segment) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: noSegment,
      ...bodyRefused,
    },
  }),
  route({
    method: "DELETE",
    path: "/v1/segments/{id}",
    operationId: "deleteSegment",
    fn: "segments",
    auth: "admin",
    summary: "Delete a saved segment (owners only); its customers are untouched",
    tags: ["segments"],
    request: { params: segmentId },
    responses: { 204: { description: "Deleted" }, 400: validation, 401: unauthorized, 403: forbidden, 404: noSegment },
  }),
  route({
    method: "GET",
    path: "/v1/segments/{id}/members",
    operationId: "segmentMembers",
    fn: "segments",
    auth: "staff",
    summary: "The segment's members now, most recently active first, a page at a time with the count of all; `format=csv`: every member as CSV",
    tags: ["segments"],
    request: { params: segmentId, query: MembersQuery },
    responses: {
      200: { description: "A page of members with the count, or the CSV file", content: { [JSON_TYPE]: SegmentMembers, "text/csv": FileBody } },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: noSegment,
    },
  }),
];

// Website tracking (shared/tracking/): the snippet, its beacon, and recommendations a site may
// show a visitor. Public like the lead form; CORS admits the allowed origins.
const trackRoutes = [
  route({
    method: "GET",
    path: "/v1/t.js",
    operationId: "trackScript",
    fn: "app",
    auth: null,
    summary: "The website tracking snippet",
    tags: ["tracking"],
    responses: { 200: { description: "The script", content: { "text/javascript": FileBody } }, 304: notModified },
  }),
  route({
    method: "POST",
    path: "/v1/track",
    operationId: "track",
    fn: "public",
    auth: null,
    summary: "A page view or event from the snippet (JSON, as text/plain from sendBeacon)",
    tags: ["tracking"],
    request: { rawBody: TrackInput, bodyTypes: ["text/plain", "application/json"], maxBodyBytes: 4096 },
    responses: {
      202: { description: "Accepted; `stored`: whether anything was kept", content: asJson(TrackAccepted) },
      400: validation,
      413: tooLarge("4 KiB"),
      415: unsupportedType,
      429: { description: "Too many requests from this address", content: asJson(ErrorBody) },
    },
  }),
  route({
    method: "GET",
    path: "/v1/public/recommendations",
    operationId: "recommendations",
    fn: "public",
    auth: null,
    summary: "A visitor's interests and products for them; no personal data",
    tags: ["tracking"],
    request: { query: RecommendationsQuery },
    responses: { 200: { description: "Interests and products", content: asJson(Recommendations) }, 400: validation },
  }),
];

// Newsletters (shared/broadcasts/): one email to a saved segment's members, at one time or at a local time in each zone.
const noBroadcast = { description: "No such newsletter", content: asJson(ErrorBody) };
const broadcastId = { id: BroadcastIdParam };
const broadcastRoutes = [
  route({
    method: "GET",
    path: "/v1/broadcasts",
    operationId: "listBroadcasts",
    fn: "broadcasts",
    auth: "staff",
    summary: "Every newsletter, newest first, with its state and figures",
    tags: ["newsletters"],
    responses: { 200: { description: "The newsletters", content: asJson(BroadcastList) }, 401: unauthorized, 403: forbidden },
  }),
  route({
    method: "POST",
    path: "/v1/broadcasts",
    operationId: "createBroadcast",
    fn: "broadcasts",
    auth: "admin",
    summary: "Write a newsletter: a name, a saved segment, letters per language, and (to schedule it at once) `sendAt`",
    tags: ["newsletters"],
    request: { body: BroadcastInput, bodyTypes: ["application/json"], maxBodyBytes: 256 * 1024 },
    responses: {
      201: { description: "Saved (a draft, or scheduled with `sendAt`)", content: asJson(Broadcast) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      413: tooLarge("256 KiB"),
      415: unsupportedType,
    },
  }),
  route({
    method: "GET",
    path: "/v1/broadcasts/{id}",
    operationId: "getBroadcast",
    fn: "broadcasts",
    auth: "staff",
    summary:
      "One newsletter: its letters, state and figures (recipients, queued, sent, skipped by reason, delivered, opened, clicked, unsubscribed, complained)",
    tags: ["newsletters"],
    request: { params: broadcastId },
    responses: {
      200: { description: "The newsletter", content: asJson(BroadcastWithTemplates) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: noBroadcast,
    },
  }),
  route({
    method: "POST",
    path: "/v1/broadcasts/{id}/preview",
    operationId: "previewBroadcast",
    fn: "broadcasts",
    auth: "staff",
    summary: "A newsletter as one customer would get it",
    tags: ["newsletters"],
    request: { params: broadcastId, body: PreviewInput, bodyTypes: ["application/json"] },
    responses: {
      200: { description: "The rendered email", content: asJson(Preview) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: noCampaignOrCustomer,
      ...bodyRefused,
    },
  }),
  route({
    method: "POST",
    path: "/v1/broadcasts/{id}/test",
    operationId: "testBroadcast",
    // Onto the send queue, as a campaign's test send; the sender sends it.
    fn: "mailtest",
    auth: "staff",
    summary: "Send a newsletter's preview to yourself",
    tags: ["newsletters"],
    request: { params: broadcastId, body: TestSendInput, bodyTypes: ["application/json"] },
    responses: {
      202: { description: "Queued", content: asJson(TestSendQueued) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: noCampaignOrCustomer,
      ...bodyRefused,
    },
  }),
  route({
    method: "POST",
    path: "/v1/broadcasts/{id}/schedule",
    operationId: "scheduleBroadcast",
    fn: "broadcasts",
    auth: "admin",
    summary: "Schedule a draft (or move a scheduled newsletter) to `sendAt`, or to the time it was written with",
    tags: ["newsletters"],
    request: { params: broadcastId, body: ScheduleInput, bodyTypes: ["application/json"] },
    responses: {
      200: { description: "Scheduled", content: asJson(Broadcast) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: noBroadcast,
      409: { description: "Already sending, sent or cancelled", content: asJson(ErrorBody) },
      ...bodyRefused,
    },
  }),
  route({
    method: "POST",
    path: "/v1/broadcasts/{id}/cancel",
    operationId: "cancelBroadcast",
    fn: "broadcasts",
    auth: "admin",
    summary: "Cancel a newsletter before or during its send: nobody not yet sent to gets it",
    tags: ["newsletters"],
    request: { params: broadcastId },
    responses: {
      200: { description: "Cancelled", content: asJson(Broadcast) },
      400: validation,
      401: unauthorized,
      403: forbidden,
      404: noBroadcast,
      409: { description: "Already sent whole, or cancelled", content: asJson(ErrorBody) },
    },
  }),
];

// The advocate programme (shared/referrals/): the referral link every promoter shares, and the
// perk pool's summary for the owner (codes are imported with `rapport perks import`).
const referralRoutes = [
  route({
    method: "GET",
    path: "/r/{code}",
    operationId: "referralLink",
    fn: "public",
    auth: null,
    summary: "A referral link: a redirect adding ?ref=<code>",
    tags: ["referrals"],
    request: { params: { code: ReferralCodeParam } },
    responses: {
      302: { description: "To the landing page" },
      400: { description: "Code too long", content: jsonOrPage(ValidationErrorBody) },
    },
  }),
  route({
    method: "GET",
    path: "/v1/perks",
    operationId: "perkSummary",
    fn: "reports",
    auth: "admin",
    summary: "The perk pool",
    tags: ["referrals"],
    responses: { 200: { description: "The pool", content: asJson(PerkSummary) }, 401: unauthorized, 403: forbidden },
  }),
];

const table = [
  ...coreRoutes,
  ...campaignRoutes,
  ...linkRoutes,
  ...quarantineRoutes,
  ...privacyRoutes,
  ...reportRoutes,
  ...hookRoutes,
  ...peopleRoutes,
  ...dashboardRoutes,
  ...taskRoutes,
  ...segmentRoutes,
  ...broadcastRoutes,
  ...trackRoutes,
  ...webhookRoutes,
  ...referralRoutes,
];

/** Each route with its literal types: what `httpFunction` types an operation's input from. */
export type DeclaredRoute = (typeof table)[number];

export const routes: readonly Route[] = table;

/** `METHOD /path` as API Gateway names a route (`event.routeKey`). */
export function routeKey(route: Pick<Route, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}

export function routesOf(fn: FunctionName): Route[] {
  return routes.filter((r) => r.fn === fn);
}

/**
 * Does the caller's scope list satisfy what the route asks for? `admin` (an admin key, an owner)
 * implies every scope; `staff` implies `leads:write` but never `admin`.
 */
export function scopeAllows(granted: string[], needed: Scope): boolean {
  return granted.includes(needed) || granted.includes("admin") || (needed === "leads:write" && granted.includes("staff"));
}

const compiled = routes.map((route) => {
  const params: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)(\\\+)?\}/g, (_m, name: string, greedy?: string) => {
    params.push(name);
    // `{proxy+}` (escaped to `{proxy\+}` above): API Gateway's greedy variable, the rest of the path.
    return greedy ? "(.*)" : "([^/]+)";
  });
  return { route, pattern: new RegExp(`^${source}$`), params };
});

/**
 * The route a request is for, as API Gateway picks it, with its path parameters (decoded); the
 * local server routes with it, and the tests find the responses a request may get.
 */
export function matchRoute(method: string, path: string): { route: Route; pathParameters: Record<string, string> } | undefined {
  for (const c of compiled) {
    if (c.route.method !== method) continue;
    const m = c.pattern.exec(path);
    if (m) return { route: c.route, pathParameters: Object.fromEntries(c.params.map((p, i) => [p, decodeURIComponent(m[i + 1]!)])) };
  }
  return undefined;
}
