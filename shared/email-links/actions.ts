import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { cancellationCodes, type TransactItem, Update } from "../aws/db.ts";
import { LOST_RACE, retryTransaction } from "../aws/retry.ts";
import type { Deps } from "../core/deps.ts";
import { Conflict, Forbidden, NotFound, ValidationError } from "../core/errors.ts";
import { MAIL_CATEGORIES, type MailCategory } from "../core/fields.ts";
import type { Stage } from "../core/schema.ts";
import { getCustomerItem, timelineItem } from "../customers/repository.ts";
import type { By } from "../customers/schema.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { customerUpdate, setStage } from "../entities/customer.ts";
import { setDueNoLaterThan } from "../entities/due.ts";
import { feedbackMarkerKey } from "../entities/timeline.ts";
import { getSuppression, suppressionUpdate, unsuppressDelete } from "../mail-feedback/suppression.ts";
import { raiseAlerts } from "../retention/raise.ts";
import type { TokenError, TokenPayload, TokenPurpose } from "./tokens.ts";
import { parseAttribution, tokenSecret, verifyToken } from "./tokens.ts";

/**
 * What the links in emails do: unsubscribe (and undo it), confirm a double opt-in, keep getting
 * email (the re-permission email), record a feedback score. Each takes the token from the link,
 * checks it (shared/email-links/tokens.ts) and changes the customer, the suppression list and the
 * timeline in one transaction, so a link either did all of it or nothing. Every one is idempotent: a link clicked twice, or prefetched by a mail scanner
 * and then clicked, changes things once.
 */

/** A link whose token is forged, altered, expired or meant for another page: 403, nothing changed. */
export class LinkRefused extends Forbidden {
  override name = "LinkRefused";
  readonly reason: Exclude<TokenError, "malformed">;
  constructor(reason: Exclude<TokenError, "malformed">) {
    super(
      reason === "expired"
        ? "this link has expired"
        : reason === "wrong_purpose"
          ? "this link is not meant for this page"
          : "this link is not valid: it was changed, or it was not sent by us",
    );
    this.reason = reason;
  }
}

/** Scores of 9-10 make a customer an advocate (docs/architecture.md, lifecycle); 0-6 alert the owner (the detractor alert). */
export const ADVOCATE_MIN_SCORE = 9;
export const DETRACTOR_MAX_SCORE = 6;

/** Attempts before giving up when concurrent writes keep changing the customer under us. */
const MAX_ATTEMPTS = 8;

/**
 * Checks a link's token for a purpose. A token that is not a token at all is a validation error
 * naming `t` (400); a forged, altered, expired or misdirected one is a `LinkRefused` (403).
 */
export async function verifyLink(deps: Deps, token: string, purpose: TokenPurpose): Promise<TokenPayload> {
  const result = verifyToken(await tokenSecret(deps), token, purpose, deps.clock.now());
  if (result.ok) return result.payload;
  if (result.error === "malformed") throw ValidationError.field("t", "is not a valid link token");
  throw new LinkRefused(result.error);
}

/** Campaign and occurrence from the token, for the timeline and the events (ids only). */
function attribution(payload: TokenPayload): Record<string, string> {
  const { campaignId, occurrence } = parseAttribution(payload.k);
  return { ...(campaignId ? { campaignId } : {}), ...(occurrence ? { occurrence } : {}) };
}

export interface UnsubscribeResult {
  /** False when the customer was already unsubscribed (or no longer exists): nothing changed. */
  changed: boolean;
}

/**
 * Unsubscribes the customer the token names: email status `unsubscribed` (a bounce or complaint
 * already recorded stays, being stronger), marketing consent withdrawn, any pending double opt-in
 * dropped, the address suppressed, an `unsubscribed` timeline entry with the campaign the link came
 * from; publishes `Unsubscribed`. Already unsubscribed: changes nothing and succeeds. A customer who
 * no longer exists (erased) has nothing left to mail: succeeds too.
 */
export async function unsubscribe(deps: Deps, token: string): Promise<UnsubscribeResult> {
  const payload = await verifyLink(deps, token, "unsubscribe");
  const source = attribution(payload);
  return withdraw(deps, payload.c, { consentSource: "unsubscribe_link", summary: "Unsubscribed from emails", data: { ...source, via: "link" }, event: source });
}

/** Who asked for a change of subscription through the team, and why (the customer page's buttons). */
export interface SubscriptionRequest {
  /** `false`: unsubscribe; `true`: subscribe again, with marketing consent granted on the customer's request. */
  marketing: boolean;
  /** What the customer said, as the person noted it (kept on the timeline). */
  reason?: string;
  by: By;
}

/**
 * A subscription change a customer asked a person of the team for (by phone, by mail, at the
 * counter), recorded with who made it and why. `marketing: false` is the unsubscribe a link does
 * (same transaction: status, consent withdrawn, suppression, timeline entry; `Unsubscribed`
 * published). `marketing: true` undoes an unsubscribe as the unsubscribe page's button does and,
 * because the customer asked for it, also grants marketing consent (source `staff_request`,
 * with `by` on the timeline) — a link's resubscribe cannot, since nobody is there to ask. An
 * address that bounced or complained is refused with a Conflict saying which: that suppression is
 * permanent. Idempotent: asking for what already holds changes nothing.
 */
export async function changeSubscription(deps: Deps, customerId: string, request: SubscriptionRequest): Promise<{ changed: boolean }> {
  const data = { via: "staff", ...(request.reason ? { reason: request.reason } : {}) };
  if (!request.marketing) {
    const customer = await getCustomerItem(deps, customerId, true);
    if (!customer) throw new NotFound(`no customer ${customerId}`);
    return withdraw(deps, customerId, {
      consentSource: "staff_request",
      summary: "Unsubscribed at their request",
      data,
      event: { via: "staff" },
      by: request.by,
    });
  }
  return restore(deps, customerId, { grantConsent: true, summary: "Subscribed again at their request (marketing consent granted)", data, by: request.by }).then(
    ({ changed }) => ({ changed }),
  );
}

interface Withdrawal {
  consentSource: string;
  summary: string;
  data: Record<string, string>;
  /** The `Unsubscribed` event's data (ids and how, never personal data). */
  event: Record<string, string>;
  by?: By;
}

/** The unsubscribe transaction, for a link and for the team alike (see `unsubscribe`). */
async function withdraw(deps: Deps, customerId: string, w: Withdrawal): Promise<UnsubscribeResult> {
  for (let attempt = 1; ; attempt++) {
    const customer = await getCustomerItem(deps, customerId, true);
    if (!customer || customer.unsubscribedAt) return { changed: false };
    const now = deps.clock.now().toISOString();
    const status = customer.emailStatus === "bounced" || customer.emailStatus === "complained" ? customer.emailStatus : "unsubscribed";
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: customerUpdate(
                deps.table,
                customerId,
                new Update()
                  .set("emailStatus", status)
                  .set("consentMarketing", false)
                  .set("consentAt", now)
                  .set("consentSource", w.consentSource)
                  .set("unsubscribedAt", now)
                  .set("updatedAt", now)
                  .remove("consentPending")
                  // Not yet unsubscribed: of two concurrent clicks, one writes and the other finds it done.
                  .when("attribute_exists(PK) AND attribute_not_exists(unsubscribedAt)"),
              ),
            },
            { Update: suppressionUpdate(deps, customer.email, "unsubscribed", now) },
            {
              Put: {
                TableName: deps.table,
                Item: timelineItem(deps, customerId, { at: now, type: "unsubscribed", summary: w.summary, data: w.data, ...(w.by ? { by: w.by } : {}) }),
              },
            },
          ],
        }),
      );
    } catch (err) {
      if (await retryTransaction(err, attempt, { maxAttempts: MAX_ATTEMPTS, reasons: LOST_RACE })) continue;
      throw err;
    }
    return { changed: true };
  }
}

export interface ResubscribeResult {
  changed: boolean;
  /** Marketing consent is never restored by a resubscribe: it needs a new grant. */
  marketingConsent: boolean;
}

/**
 * Undoes an unsubscribe made by mistake (the button on the unsubscribe page posts the same token):
 * email status back to `ok`, the suppression removed, a `resubscribed` timeline entry. Marketing
 * consent is not restored: it needs a new, explicit grant. Refused (409) when the address bounced
 * or complained: those suppressions are permanent. Not unsubscribed: changes nothing and succeeds.
 */
export async function resubscribe(deps: Deps, token: string): Promise<ResubscribeResult> {
  const payload = await verifyLink(deps, token, "unsubscribe");
  return restore(deps, payload.c, {
    grantConsent: false,
    summary: "Subscribed again (marketing consent needs a new grant)",
    data: attribution(payload),
    gone: "this link's contact no longer exists",
  });
}

interface Restoration {
  /** Also grant marketing consent (a request the customer made to a person), not only lift the unsubscribe. */
  grantConsent: boolean;
  summary: string;
  data: Record<string, string>;
  by?: By;
  /** The NotFound message when the customer is gone. */
  gone?: string;
}

/** The resubscribe transaction, for a link and for the team alike (see `resubscribe`, `changeSubscription`). */
async function restore(deps: Deps, customerId: string, r: Restoration): Promise<ResubscribeResult> {
  for (let attempt = 1; ; attempt++) {
    const customer = await getCustomerItem(deps, customerId, true);
    if (!customer) throw new NotFound(r.gone ?? `no customer ${customerId}`);
    if (customer.emailStatus === "bounced" || customer.emailStatus === "complained") throw cannotResubscribe(r.by ? customer.emailStatus : undefined);
    const hadConsent = customer.consentMarketing === true;
    const unsubscribed = customer.unsubscribedAt !== undefined;
    if (!unsubscribed && (!r.grantConsent || hadConsent)) return { changed: false, marketingConsent: hadConsent };
    const now = deps.clock.now().toISOString();
    const update = new Update()
      .set("emailStatus", "ok")
      .set("updatedAt", now)
      .remove("unsubscribedAt")
      .when(unsubscribed ? "attribute_exists(unsubscribedAt)" : "attribute_exists(PK) AND attribute_not_exists(unsubscribedAt)")
      .when((name, value) => `attribute_not_exists(${name("emailStatus")}) OR ${name("emailStatus")} IN (${value("unsubscribed")}, ${value("ok")})`);
    if (r.grantConsent) update.set("consentMarketing", true).set("consentAt", now).set("consentSource", "staff_request").remove("consentPending");
    const marketingConsent = r.grantConsent || hadConsent;
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: customerUpdate(deps.table, customerId, update) },
            // Fails the whole transaction when the address is suppressed for a bounce or complaint.
            { Delete: unsuppressDelete(deps, customer.email) },
            {
              Put: {
                TableName: deps.table,
                Item: timelineItem(deps, customerId, {
                  at: now,
                  type: "resubscribed",
                  summary: r.summary,
                  data: { ...r.data, marketingConsent },
                  ...(r.by ? { by: r.by } : {}),
                }),
              },
            },
          ],
        }),
      );
    } catch (err) {
      if (cancellationCodes(err)?.[1] === "ConditionalCheckFailed") {
        // The suppression list knows of a bounce or complaint the customer's record has not caught up with.
        const reason = r.by ? (await getSuppression(deps, customer.email))?.reason : undefined;
        throw cannotResubscribe(reason === "bounced" || reason === "complained" ? reason : undefined);
      }
      if (await retryTransaction(err, attempt, { maxAttempts: MAX_ATTEMPTS, reasons: LOST_RACE })) continue;
      throw err;
    }
    return { changed: true, marketingConsent };
  }
}

/**
 * The 409 of a resubscribe refused. To a person of the team (`status` given) it says which and
 * what to do; the unsubscribe page says it without detail.
 */
function cannotResubscribe(status?: "bounced" | "complained"): Conflict {
  return new Conflict(
    "cannot_resubscribe",
    status === "complained"
      ? "this address reported our email as spam, so it stays off the mailing list for good; it cannot be resubscribed"
      : status === "bounced"
        ? "email to this address bounced (the mailbox does not exist or refuses mail), so it stays off the mailing list for good; ask the customer for another address"
        : "emails to this address bounced or were reported as spam, so it stays off our mailing list",
  );
}

export interface ConfirmResult {
  changed: boolean;
  /** Whether marketing consent is in effect now. */
  confirmed: boolean;
}

/**
 * Double opt-in: the link in the confirmation email makes the pending grant take effect. Marketing
 * consent becomes true with the grant's recorded time, source and wording version and the time of
 * confirmation; the timeline gets `consent_confirmed` with the grant's IP (the consent ledger). A
 * fresh grant also lifts an earlier unsubscribe (an unsubscribe drops any grant pending at the
 * time, so a pending grant is always newer). Nothing pending: changes nothing and says whether
 * consent is in effect (a second click, or a grant withdrawn meanwhile).
 */
export async function confirmConsent(deps: Deps, token: string): Promise<ConfirmResult> {
  const payload = await verifyLink(deps, token, "confirm");
  for (let attempt = 1; ; attempt++) {
    const customer = await getCustomerItem(deps, payload.c, true);
    if (!customer) throw new NotFound("this link's contact no longer exists");
    const pending = customer.consentPending;
    if (!pending) return { changed: false, confirmed: customer.consentMarketing === true };
    const now = deps.clock.now().toISOString();
    const lift = customer.unsubscribedAt !== undefined && customer.emailStatus !== "bounced" && customer.emailStatus !== "complained";
    const update = new Update()
      .set("consentMarketing", true)
      .set("consentAt", pending.at)
      .set("consentSource", pending.source)
      .set("consentVersion", pending.version)
      .set("consentConfirmedAt", now)
      .set("updatedAt", now)
      .remove("consentPending")
      // The grant read is still the one pending: of two clicks, one confirms.
      .when((name, value) => `${name("consentPending")}.${name("at")} = ${value(pending.at)}`);
    if (lift) update.set("emailStatus", "ok").remove("unsubscribedAt");
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: customerUpdate(deps.table, payload.c, update),
            },
            {
              Put: {
                TableName: deps.table,
                Item: timelineItem(deps, payload.c, {
                  at: now,
                  type: "consent_confirmed",
                  summary: "Confirmed marketing consent (double opt-in)",
                  data: {
                    consent: {
                      granted: true,
                      at: pending.at,
                      source: pending.source,
                      version: pending.version,
                      ...(pending.ip ? { ip: pending.ip } : {}),
                      confirmedAt: now,
                    },
                    ...attribution(payload),
                    ...(lift ? { resubscribed: true } : {}),
                  },
                }),
              },
            },
            ...(lift ? [{ Delete: unsuppressDelete(deps, customer.email) }] : []),
          ],
        }),
      );
    } catch (err) {
      if (await retryTransaction(err, attempt, { maxAttempts: MAX_ATTEMPTS, reasons: LOST_RACE })) continue;
      throw err;
    }
    return { changed: true, confirmed: true };
  }
}

export interface KeepResult {
  /** False when this idle period was already answered (a second click), or there is no consent to keep. */
  changed: boolean;
  /** Whether marketing email goes to this address now. */
  subscribed: boolean;
}

/**
 * The re-permission email's "yes, keep me" (the sunset, shared/retention/engagement.ts): records
 * `keptAt`, which restarts the idle clock and lifts a sunset already applied, with a
 * `sunset_kept` timeline entry attributed to the campaign (the campaign report's "kept"). Grants
 * nothing: an address without marketing consent (unsubscribed, withdrawn) stays without it. A
 * second click for the same email changes nothing.
 */
export async function keepSubscribed(deps: Deps, token: string): Promise<KeepResult> {
  const payload = await verifyLink(deps, token, "keep");
  const { occurrence } = parseAttribution(payload.k);
  for (let attempt = 1; ; attempt++) {
    const customer = await getCustomerItem(deps, payload.c, true);
    if (!customer) throw new NotFound("this link's contact no longer exists");
    const subscribed = customer.consentMarketing === true && (customer.emailStatus ?? "ok") === "ok";
    if (!subscribed) return { changed: false, subscribed: false };
    // The idle period this email asked about (its occurrence) was already answered.
    if (customer.keptAt && (!occurrence || customer.keptAt > occurrence)) return { changed: false, subscribed: true };
    const now = deps.clock.now().toISOString();
    const update = new Update()
      .set("keptAt", now)
      .set("updatedAt", now)
      .remove("sunsetAt", "sunsetIdleSince")
      // Still what this was decided from: of two clicks, one records.
      .when((name, value) =>
        customer.keptAt ? `${name("keptAt")} = ${value(customer.keptAt)}` : `attribute_exists(PK) AND attribute_not_exists(${name("keptAt")})`,
      );
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: customerUpdate(deps.table, payload.c, update) },
            {
              Put: {
                TableName: deps.table,
                Item: timelineItem(deps, payload.c, {
                  at: now,
                  type: "sunset_kept",
                  summary: customer.sunsetAt ? "Asked to keep getting emails: marketing resumes" : "Asked to keep getting emails",
                  data: { ...attribution(payload), ...(customer.sunsetAt ? { lifted: customer.sunsetAt } : {}) },
                }),
              },
            },
          ],
        }),
      );
    } catch (err) {
      if (await retryTransaction(err, attempt, { maxAttempts: MAX_ATTEMPTS, reasons: LOST_RACE })) continue;
      throw err;
    }
    return { changed: true, subscribed: true };
  }
}

export interface FeedbackResult {
  /** Whose score it is (the link's customer), for the promoter's referral link; not part of the JSON answer. */
  customerId: string;
  score: number;
  /** True when this link's score was recorded before (same link again, or a comment after the score). */
  updated: boolean;
  stage: Stage;
}

interface FeedbackMarker {
  entrySk: string;
  at: string;
}

/**
 * Records a 0-10 score (and an optional comment) from a feedback link.
 *
 * One timeline entry per link: the first click writes a `feedback` entry and a marker keyed on the
 * token's campaign occurrence; the same link again (another score, or the comment posted from the
 * thank-you page) updates that entry instead of adding one. The customer gets the latest score and
 * its time. 9-10 makes them an `advocate` (stage, stage index, `stage_changed` entry, `StageChanged`
 * event) unless they are one; 0-6 sets `lowFeedbackAt` to the feedback's time (the detractor
 * alert's occurrence: the same link clicked again never alerts twice) and puts the customer in the
 * due index now, in the same transaction, so the next sweep sends the owner the alert email; the
 * alert's task (shared/retention/alerts.ts), with the comment, is created right after.
 * `FeedbackReceived` carries ids and the score, never the comment (it may hold personal data).
 */
export async function recordFeedback(deps: Deps, token: string, score: number, comment?: string): Promise<FeedbackResult> {
  const payload = await verifyLink(deps, token, "feedback");
  const source = attribution(payload);
  const markerKey = feedbackMarkerKey(payload.c, payload.k ?? `expires:${payload.e}`);
  const text = comment?.trim() || undefined;
  for (let attempt = 1; ; attempt++) {
    const [customer, markerResult] = await Promise.all([
      getCustomerItem(deps, payload.c, true),
      deps.db.send(new GetCommand({ TableName: deps.table, Key: markerKey, ConsistentRead: true })),
    ]);
    if (!customer) throw new NotFound("this link's contact no longer exists");
    const marker = markerResult.Item as FeedbackMarker | undefined;
    const now = deps.clock.now().toISOString();
    const feedbackAt = marker?.at ?? now;
    const toAdvocate = score >= ADVOCATE_MIN_SCORE && customer.stage !== "advocate";
    const summary = `Feedback score ${score}/10`;

    const entryWrites: TransactItem[] = [];
    if (marker) {
      entryWrites.push({
        Update: {
          TableName: deps.table,
          Key: { PK: markerKey.PK, SK: marker.entrySk },
          UpdateExpression: `SET #data.#score = :score, #summary = :summary${text ? ", #data.#comment = :comment" : ""}, updatedAt = :now`,
          ConditionExpression: "attribute_exists(PK)",
          ExpressionAttributeNames: { "#data": "data", "#score": "score", "#summary": "summary", ...(text ? { "#comment": "comment" } : {}) },
          ExpressionAttributeValues: { ":score": score, ":summary": summary, ":now": now, ...(text ? { ":comment": text } : {}) },
        },
      });
    } else {
      const entry = timelineItem(deps, payload.c, { at: now, type: "feedback", summary, data: { score, ...(text ? { comment: text } : {}), ...source } });
      entryWrites.push(
        // The marker makes a concurrent first click (a scanner's prefetch and the person) lose and retry as an update.
        {
          Put: {
            TableName: deps.table,
            Item: { ...markerKey, type: "feedback_marker", entrySk: entry.SK, at: now },
            ConditionExpression: "attribute_not_exists(PK)",
          },
        },
        { Put: { TableName: deps.table, Item: entry } },
      );
    }
    if (toAdvocate) {
      entryWrites.push({
        Put: {
          TableName: deps.table,
          Item: timelineItem(deps, payload.c, {
            at: now,
            type: "stage_changed",
            summary: `${customer.stage} → advocate`,
            data: { from: customer.stage, to: "advocate", reason: "feedback" },
          }),
        },
      });
    }
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [{ Update: feedbackCustomerUpdate(deps, customer, score, feedbackAt, now, toAdvocate, text, marker !== undefined) }, ...entryWrites],
        }),
      );
    } catch (err) {
      if (await retryTransaction(err, attempt, { maxAttempts: MAX_ATTEMPTS, reasons: LOST_RACE })) continue;
      throw err;
    }
    if (score <= DETRACTOR_MAX_SCORE) {
      // The task now, with the comment; the sweep raises the same alert again as a no-op, which
      // covers a crash right here. A comment posted after the score refreshes the task's notes.
      const comment = text ?? (marker ? customer.lowFeedbackComment : undefined);
      const after: CustomerItem = { ...customer, latestFeedbackScore: score, lowFeedbackAt: feedbackAt, ...(comment ? { lowFeedbackComment: comment } : {}) };
      await raiseAlerts(deps, [{ alert: { customerId: payload.c, reason: "detractor-alert", occurrence: feedbackAt, dueAt: now }, customer: after }], {
        at: now,
        refreshNotes: true,
      });
    }
    return { customerId: payload.c, score, updated: marker !== undefined, stage: toAdvocate ? "advocate" : customer.stage };
  }
}

/**
 * The customer's side of a feedback: latest score and time; the advocate stage and its index key;
 * for a low score the alert's occurrence and the due index entry. The due index entry moves as
 * `scheduleDue` moves it (earlier only), folded into this update because a transaction may touch
 * the customer item only once; it is left out when the customer is already due by now.
 */
function feedbackCustomerUpdate(
  deps: Deps,
  customer: CustomerItem,
  score: number,
  feedbackAt: string,
  now: string,
  toAdvocate: boolean,
  comment: string | undefined,
  sameLink: boolean,
) {
  const update = new Update()
    .set("latestFeedbackScore", score)
    .set("latestFeedbackAt", now)
    .set("updatedAt", now)
    // Optimistic: the stage this plan was computed from is still the stage.
    .when("attribute_exists(PK)")
    .when((name, value) => `${name("stage")} = ${value(customer.stage)}`);
  if (toAdvocate) setStage(update, customer.id, "advocate", customer.lastActivityAt);
  // The comment of the latest low score, for the alert's task and email; a new low score without one drops the old.
  if (score <= DETRACTOR_MAX_SCORE && comment) update.set("lowFeedbackComment", comment);
  else if (score <= DETRACTOR_MAX_SCORE && !sameLink && customer.lowFeedbackComment) update.remove("lowFeedbackComment");
  if (score <= DETRACTOR_MAX_SCORE && customer.lowFeedbackAt !== feedbackAt) {
    update.set("lowFeedbackAt", feedbackAt);
    if (customer.nextDueAt === undefined || customer.nextDueAt > now) setDueNoLaterThan(update, customer.id, now, deps.config.retention.dueShards);
  }
  return customerUpdate(deps.table, customer.id, update);
}

export interface MailPreferences {
  /** Each marketing category: true (on, the default) or false (switched off by the person). */
  preferences: Record<MailCategory, boolean>;
  /** Unsubscribed from everything: the page offers Resubscribe rather than categories. */
  unsubscribed: boolean;
}

function preferencesOf(customer: CustomerItem): Record<MailCategory, boolean> {
  return Object.fromEntries(MAIL_CATEGORIES.map((c) => [c, customer.mailPreferences?.[c] !== false])) as Record<MailCategory, boolean>;
}

/** What the preference page shows: the link's customer's categories (the unsubscribe link's token). */
export async function getPreferences(deps: Deps, token: string): Promise<MailPreferences> {
  const payload = await verifyLink(deps, token, "unsubscribe");
  const customer = await getCustomerItem(deps, payload.c);
  if (!customer) throw new NotFound("this link's contact no longer exists");
  return { preferences: preferencesOf(customer), unsubscribed: customer.unsubscribedAt !== undefined };
}

/**
 * The preference page's Save: each marketing category on or off, instead of all or nothing.
 * Categories left out keep their value; a change leaves a timeline entry. Consent and the
 * suppression list are untouched: switching everything off is not an unsubscribe (that is its own
 * button), and switching a category on grants no consent that was never given.
 */
export async function setPreferences(
  deps: Deps,
  token: string,
  wanted: Partial<Record<MailCategory, boolean>>,
): Promise<MailPreferences & { changed: boolean }> {
  const payload = await verifyLink(deps, token, "unsubscribe");
  for (let attempt = 1; ; attempt++) {
    const customer = await getCustomerItem(deps, payload.c, true);
    if (!customer) throw new NotFound("this link's contact no longer exists");
    const before = preferencesOf(customer);
    const after = { ...before, ...wanted };
    const unsubscribed = customer.unsubscribedAt !== undefined;
    if (MAIL_CATEGORIES.every((c) => before[c] === after[c])) return { preferences: after, unsubscribed, changed: false };
    const now = deps.clock.now().toISOString();
    const summary = `Email preferences: ${MAIL_CATEGORIES.map((c) => `${c} ${after[c] ? "on" : "off"}`).join(", ")}`;
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: customerUpdate(
                deps.table,
                payload.c,
                new Update()
                  .set("mailPreferences", after)
                  .set("updatedAt", now)
                  // Still what this change was computed from: two tabs saving at once each land whole.
                  .when((name, value) =>
                    customer.mailPreferences
                      ? `${name("mailPreferences")} = ${value(customer.mailPreferences)}`
                      : `attribute_exists(PK) AND attribute_not_exists(${name("mailPreferences")})`,
                  ),
              ),
            },
            {
              Put: {
                TableName: deps.table,
                Item: timelineItem(deps, payload.c, { at: now, type: "preferences_changed", summary, data: { ...after, ...attribution(payload) } }),
              },
            },
          ],
        }),
      );
    } catch (err) {
      if (await retryTransaction(err, attempt, { maxAttempts: MAX_ATTEMPTS, reasons: LOST_RACE })) continue;
      throw err;
    }
    return { preferences: after, unsubscribed, changed: true };
  }
}
