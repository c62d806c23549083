import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { cancellationCodes, isConditionFailed, isTransactionConflict, itemOfFailedCondition, Update } from "../aws/db.ts";
import { isMessageRejected, isThrottling, type SendingPause, sendingPauseOf } from "../aws/errors.ts";
import { deferRecipient } from "../broadcasts/campaign.ts";
import { composeEmail, INERT_LINKS } from "../campaigns/compose.ts";
import type { Campaign } from "../campaigns/schema.ts";
import type { Deps } from "../core/deps.ts";
import type { Mailer, OutgoingMail, SendRequest, TestSend } from "../core/ports.ts";
import { getCustomerItem, timelineItem } from "../customers/repository.ts";
import { issueToken, linkAttribution } from "../email-links/tokens.ts";
import { isBroadcastId } from "../entities/broadcast.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { customerUpdate } from "../entities/customer.ts";
import { scheduleDue, setDueIfAbsent } from "../entities/due.ts";
import { sendKey } from "../entities/send.ts";
import { isSuppressed } from "../mail-feedback/suppression.ts";
import { claimPerk, waitForPerks } from "../referrals/perks.ts";
import { blockedReason, earliestSendTime, inAudience, sentOf } from "./evaluate.ts";

export type SendOutcome =
  | { status: "sent"; messageId: string }
  | { status: "duplicate" }
  | { status: "skipped"; reason: string }
  | { status: "deferred"; until: string }
  /** SES refused this message for good (MessageRejected): recorded on the ledger, never retried. */
  | { status: "rejected"; reason: string };

/** A claim older than this whose send never reported back is treated as possibly sent: never resent. */
const CLAIM_STALE_MS = 10 * 60 * 1000;
/** SES throttling: retried here with backoff before the queue's own retry takes over. */
const THROTTLE_ATTEMPTS = 4;

/** A send that is being handled by another worker right now: the queue should retry it later. */
export class SendInProgress extends Error {
  override name = "SendInProgress";
}

/**
 * SES will not send for the account right now (sending paused, account suspended, daily quota
 * used up): nothing was sent, the claim was released, and the sender should stop taking work
 * for `pause.seconds` (functions/sender.ts).
 */
export class SendingPaused extends Error {
  override name = "SendingPaused";
  readonly pause: SendingPause;
  constructor(pause: SendingPause) {
    super(`SES is not sending for this account (${pause.reason})`);
    this.pause = pause;
  }
}

/**
 * Delivers one due send, exactly once per (customer, campaign, occurrence):
 * 1. re-reads the customer (consistent) and re-checks every guardrail at send time: audience,
 *    suppression, consent for marketing, the frequency cap and the send window (deferring to the
 *    due index instead of dropping);
 * 1b. a campaign showing `{{perkCode}}` gets the customer's perk code from the pool first, and
 *    waits (deferred, the owner alerted by the sweep) while the pool is empty;
 * 2. claims the ledger item with a conditional write ("sending"); a claim already "sent" is a
 *    duplicate and sends nothing;
 * 3. sends through SES, retrying throttling with backoff; a failure marks the claim "failed" so the
 *    queue's retry can claim it again and send — still once; a message SES rejects for good is
 *    marked "rejected" (never retried), and an account SES will not send for throws
 *    `SendingPaused` so the sender stops taking work;
 * 4. marks the claim "sent" and records the send on the customer and the timeline, atomically.
 * A worker that dies between SES accepting the mail and step 4 leaves a "sending" claim: after
 * ten minutes it is marked "unknown" and never resent (at most once beats twice).
 */
export async function deliver(deps: Deps, mailer: Mailer, campaigns: Map<string, Campaign>, request: SendRequest): Promise<SendOutcome> {
  if (request.test) return deliverTest(deps, mailer, campaigns, { ...request, test: request.test });
  const campaign = campaigns.get(request.campaignId);
  if (!campaign?.enabled) return { status: "skipped", reason: "campaign missing or disabled" };
  const customer = await getCustomerItem(deps, request.customerId, true);
  if (!customer) return { status: "skipped", reason: "customer gone" };
  if (sentOf(customer, campaign.id)?.occurrence === request.occurrence) return { status: "duplicate" };

  const owner = customer.owner ?? deps.config.retention.salesEmail;
  const blocked = blockedReason(campaign, customer, owner) ?? (inAudience(campaign, customer) ? undefined : "not in audience");
  if (blocked) return { status: "skipped", reason: blocked };
  if (campaign.recipient === "customer" && (await isSuppressed(deps, customer.email))) return { status: "skipped", reason: "address suppressed" };
  const now = deps.clock.now();
  const earliest = earliestSendTime(campaign, customer, now, deps.config.retention);
  if (earliest > now) {
    // A newsletter is not something the sweep's evaluation knows: its recipient waits on the
    // newsletter's own list. It leaves no `sent#` mark on the customer, so a repeat of a request
    // already sent (held back by its own send's frequency cap) is told from the ledger here.
    if (isBroadcastId(campaign.id)) {
      if ((await getSendRecord(deps, request))?.status === "sent") return { status: "duplicate" };
      await deferRecipient(deps, campaign.id, customer.id, earliest.toISOString());
    } else await scheduleDue(deps, customer.id, earliest.toISOString());
    return { status: "deferred", until: earliest.toISOString() };
  }

  // A reward that promises a perk code waits for one rather than going without (the owner is told).
  let recipient = customer;
  if (usesPerkCode(campaign) && !customer.perkCode) {
    const perkCode = await claimPerk(deps, customer.id);
    if (!perkCode) return { status: "deferred", until: await waitForPerks(deps, customer.id, now) };
    recipient = { ...customer, perkCode };
  }

  const claimed = await claim(deps, request, campaign, now);
  if (claimed !== "claimed") return claimed;

  const mail = await compose(deps, campaign, recipient, request, owner!);
  let messageId: string;
  try {
    messageId = (await sendWithBackoff(mailer, mail)).messageId;
  } catch (err) {
    // A message SES refuses for good is marked "rejected": a later claim finds it settled and
    // sends nothing, so it is neither retried five times nor parked in the dead-letter queue.
    const rejected = isMessageRejected(err);
    // Releasing the claim must land, or the queue's retry finds it "sending" and the mail is never sent.
    await untilWritten(() =>
      deps.db.send(
        new UpdateCommand({
          TableName: deps.table,
          Key: sendKey(request.customerId, request.campaignId, request.occurrence),
          UpdateExpression: "SET #status = :status, lastError = :error",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":status": rejected ? "rejected" : "failed", ":error": (err as Error).name || "Error" },
        }),
      ),
    );
    if (rejected) return { status: "rejected", reason: "MessageRejected" };
    const pause = sendingPauseOf(err);
    if (pause) throw new SendingPaused(pause);
    throw err;
  }
  await recordSent(deps, campaign, customer, request, messageId, mail.subject);
  return { status: "sent", messageId };
}

/** Whether any of the campaign's templates shows a perk code. */
function usesPerkCode(campaign: Campaign): boolean {
  return Object.values(campaign.templates).some((t) => `${t.subject}${t.text}${t.html}`.includes("perkCode"));
}

async function claim(deps: Deps, request: SendRequest, campaign: Campaign, now: Date): Promise<"claimed" | SendOutcome> {
  const key = sendKey(request.customerId, request.campaignId, request.occurrence);
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.table,
        Item: {
          ...key,
          type: "send",
          campaignId: campaign.id,
          occurrence: request.occurrence,
          kind: campaign.kind,
          recipient: campaign.recipient,
          status: "sending",
          claimedAt: now.toISOString(),
          dueAt: request.dueAt,
        },
        ConditionExpression: "attribute_not_exists(PK) OR #status = :failed",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":failed": "failed" },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return "claimed";
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const existing = itemOfFailedCondition<{ status?: string; claimedAt?: string }>(err);
    if (existing?.status !== "sending") return { status: "duplicate" };
    if (now.getTime() - Date.parse(existing.claimedAt ?? "") < CLAIM_STALE_MS)
      throw new SendInProgress(`${request.campaignId} for ${request.customerId} is being sent`);
    await deps.db
      .send(
        new UpdateCommand({
          TableName: deps.table,
          Key: key,
          UpdateExpression: "SET #status = :unknown",
          ConditionExpression: "#status = :sending",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":unknown": "unknown", ":sending": "sending" },
        }),
      )
      .catch(() => undefined);
    return { status: "skipped", reason: "an earlier attempt may have sent it" };
  }
}

/** Attempts of a write that must land (each one already the SDK's own retries), with backoff between. */
const WRITE_ATTEMPTS = 8;

/** Throttling, a transaction conflict, a timeout or a server error: worth another attempt. */
function isTransient(err: unknown): boolean {
  const e = err as Error & { $retryable?: unknown; $fault?: string };
  if (isThrottling(err) || isTransactionConflict(err) || e?.$retryable || e?.$fault === "server") return true;
  if (["ProvisionedThroughputExceededException", "RequestLimitExceeded", "InternalServerError", "TimeoutError"].includes(e?.name)) return true;
  const codes = cancellationCodes(err);
  return codes?.some((c) => c === "ThrottlingError" || c === "TransactionConflict" || c === "ProvisionedThroughputExceeded") === true;
}

/**
 * Runs a write until it lands, for the writes whose loss would break exactly-once: retries
 * transient failures (beyond the SDK's own retries) with capped, jittered backoff. `applied`
 * answers whether a retry's failed condition means an earlier attempt did land.
 */
async function untilWritten(write: () => Promise<unknown>, applied?: () => Promise<boolean>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return;
    } catch (err) {
      if (attempt > 1 && applied && (isConditionFailed(err) || cancellationCodes(err)?.includes("ConditionalCheckFailed")) && (await applied())) return;
      if (!isTransient(err) || attempt >= WRITE_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(2000, 100 * 2 ** attempt)));
    }
  }
}

async function sendWithBackoff(mailer: Mailer, mail: OutgoingMail): Promise<{ messageId: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await mailer.send(mail);
    } catch (err) {
      // A paused account or a used-up daily quota does not lift in milliseconds: no quick retries.
      if (!isThrottling(err) || sendingPauseOf(err) || attempt >= THROTTLE_ATTEMPTS) throw err;
      // Full jitter: 100 ms, 200 ms, 400 ms caps.
      await new Promise((r) => setTimeout(r, Math.random() * 100 * 2 ** (attempt - 1)));
    }
  }
}

/** The email for this send: template by the customer's locale, placeholders, signed links, headers. */
async function compose(deps: Deps, campaign: Campaign, customer: CustomerItem, request: SendRequest, owner: string): Promise<OutgoingMail> {
  const retention = deps.config.retention;
  const attribution = linkAttribution(campaign.id, request.occurrence);
  const locale = campaign.recipient === "owner" ? "en" : (customer.locale ?? "en");
  const rendered = await composeEmail(deps, campaign, customer, request.occurrence, locale, (p) => issueToken(deps, { c: customer.id, p, k: attribution }));
  const toCustomer = campaign.recipient === "customer";
  return {
    from: retention.senderEmail,
    to: toCustomer ? customer.email : owner,
    ...(retention.replyToEmail ? { replyTo: retention.replyToEmail } : {}),
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    headers: toCustomer
      ? {
          "List-Unsubscribe": `<${rendered.unsubscribeUrl}>, <mailto:${retention.replyToEmail ?? retention.senderEmail}?subject=unsubscribe>`,
          ...(campaign.kind === "marketing" ? { "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" } : {}),
        }
      : {},
    // SES events come back with these tags; `recipient` tells an owner's bounce from the customer's.
    tags: { campaign: campaign.id, customer: customer.id, occurrence: request.occurrence, recipient: campaign.recipient },
  };
}

/**
 * A test send (`POST /v1/campaigns/{id}/test`): the campaign as this customer would get it in
 * `locale`, to a person of the team, subject prefixed "[Test] ". Its links are inert, and it is
 * nowhere on the customer's record: no ledger claim, no timeline entry, no `sent#` mark, so the
 * reports never count it; its SES events carry the `test` tag and are ignored. A disabled
 * campaign can be tested (that is when one wants to); a gone customer or campaign is skipped.
 */
async function deliverTest(deps: Deps, mailer: Mailer, campaigns: Map<string, Campaign>, request: SendRequest & { test: TestSend }): Promise<SendOutcome> {
  const campaign = campaigns.get(request.campaignId);
  if (!campaign) return { status: "skipped", reason: "campaign missing" };
  const customer = await getCustomerItem(deps, request.customerId, true);
  if (!customer) return { status: "skipped", reason: "customer gone" };
  const rendered = await composeEmail(deps, campaign, customer, request.occurrence, request.test.locale, INERT_LINKS);
  const retention = deps.config.retention;
  const { messageId } = await sendWithBackoff(mailer, {
    from: retention.senderEmail,
    to: request.test.to,
    ...(retention.replyToEmail ? { replyTo: retention.replyToEmail } : {}),
    subject: `[Test] ${rendered.subject}`,
    text: rendered.text,
    html: rendered.html,
    headers: {},
    tags: { test: "true", campaign: campaign.id },
  });
  return { status: "sent", messageId };
}

async function recordSent(deps: Deps, campaign: Campaign, customer: CustomerItem, request: SendRequest, messageId: string, subject: string): Promise<void> {
  const at = deps.clock.now().toISOString();
  // A newsletter's mark would grow every customer item by one attribute per newsletter, forever
  // (read and written with the item on every change); its ledger claim alone keeps it to one send.
  const sentUpdate = isBroadcastId(campaign.id)
    ? new Update().when("attribute_exists(PK)")
    : new Update().set(`sent#${campaign.id}`, { occurrence: request.occurrence, at }).when("attribute_exists(PK)");
  // The first one also starts the sunset's idle clock (./engagement.ts).
  if (campaign.kind === "marketing" && campaign.recipient === "customer") {
    sentUpdate.set("lastMarketingAt", at).setIfNotExists("firstMarketingAt", at);
    // A customer out of the due index (nothing else due, or only newsletters so far) is looked at
    // when the sunset could be; one with a due time is looked at then anyway.
    if (!customer.firstMarketingAt && customer.nextDueAt === undefined)
      setDueIfAbsent(
        sentUpdate,
        customer.id,
        new Date(Date.parse(at) + deps.config.retention.sunsetDays * 86_400_000).toISOString(),
        deps.config.retention.dueShards,
      );
  }
  const ledgerKey = sendKey(request.customerId, request.campaignId, request.occurrence);
  // SES has taken the mail: this record must land, or the ledger says "sending" for a mail that
  // went out. Throttling past the SDK's retries is retried here; an attempt whose answer was lost
  // but which was applied shows as a failed condition on a ledger item already "sent" with this message.
  await untilWritten(
    () =>
      deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: deps.table,
                Key: ledgerKey,
                UpdateExpression: "SET #status = :sent, sentAt = :at, messageId = :mid, subject = :subject",
                ConditionExpression: "#status = :sending",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":sent": "sent", ":sending": "sending", ":at": at, ":mid": messageId, ":subject": subject },
              },
            },
            {
              Update: customerUpdate(deps.table, customer.id, sentUpdate),
            },
            {
              Put: {
                TableName: deps.table,
                Item: timelineItem(deps, customer.id, {
                  at,
                  type: "email_sent",
                  summary: `${campaign.name}: ${subject}`,
                  data: { campaignId: campaign.id, occurrence: request.occurrence, kind: campaign.kind, recipient: campaign.recipient, messageId },
                }),
              },
            },
          ],
        }),
      ),
    async () => {
      const ledger = (await deps.db.send(new GetCommand({ TableName: deps.table, Key: ledgerKey, ConsistentRead: true }))).Item;
      return ledger?.status === "sent" && ledger.messageId === messageId;
    },
  );
}

/** The ledger item of a send (for tests and the 360 view). */
export async function getSendRecord(deps: Deps, request: Pick<SendRequest, "customerId" | "campaignId" | "occurrence">) {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.table, Key: sendKey(request.customerId, request.campaignId, request.occurrence), ConsistentRead: true }),
  );
  return result.Item;
}
