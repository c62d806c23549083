import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { SesMailer } from "../shared/aws/ses-mailer.ts";
import { SqsQueue } from "../shared/aws/sqs-queue.ts";
import { broadcastCampaigns, countOutcome } from "../shared/broadcasts/campaign.ts";
import type { Campaign } from "../shared/campaigns/schema.ts";
import { listCampaigns } from "../shared/campaigns/store.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { CAMPAIGN_ID } from "../shared/core/fields.ts";
import { CUSTOMER_ID_PATTERN } from "../shared/core/ids.ts";
import type { Mailer, SendQueue, SendRequest } from "../shared/core/ports.ts";
import { isBroadcastId } from "../shared/entities/broadcast.ts";
import { deliver, SendingPaused } from "../shared/retention/send.ts";

const CAMPAIGN_CACHE_MS = 60_000;

/** Set by the stack on the sender: the send queue event source's maximum concurrency. */
export const SENDER_MAX_CONCURRENCY_ENV = "SENDER_MAX_CONCURRENCY";

/**
 * A send request as the sweep enqueues it. Each part becomes part of a key or a lookup, so a
 * message that does not fit (hand-sent to the queue, or from an older version) is refused here
 * rather than failing in DynamoDB five times on its way to the DLQ.
 */
function parseRequest(body: unknown): SendRequest | undefined {
  if (typeof body !== "string") return undefined;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  // Checked by hand, not with zod: the sender's bundle carries no zod (about 36 KB of its budget).
  if (!value || typeof value !== "object") return undefined;
  const { customerId, campaignId, occurrence, dueAt, pauses, test } = value;
  if (typeof customerId !== "string" || !CUSTOMER_ID_PATTERN.test(customerId)) return undefined;
  if (typeof campaignId !== "string" || !CAMPAIGN_ID.test(campaignId)) return undefined;
  // A purchase id (an event's externalId, at most 200 characters), a year, a milestone amount or a date.
  if (typeof occurrence !== "string" || occurrence.length < 1 || occurrence.length > 200) return undefined;
  if (typeof dueAt !== "string" || dueAt.length > 64 || Number.isNaN(Date.parse(dueAt))) return undefined;
  if (pauses !== undefined && !(typeof pauses === "number" && Number.isInteger(pauses) && pauses >= 0)) return undefined;
  // A test send (POST /v1/campaigns/{id}/test): an address and a language tag, checked by the route first.
  let testSend: SendRequest["test"];
  if (test !== undefined) {
    const { to, locale } = (test ?? {}) as Record<string, unknown>;
    if (typeof to !== "string" || to.length > 254 || !to.includes("@") || typeof locale !== "string" || locale.length > 35) return undefined;
    testSend = { to, locale };
  }
  return { customerId, campaignId, occurrence, dueAt, ...(pauses !== undefined ? { pauses } : {}), ...(testSend ? { test: testSend } : {}) };
}

/** A paused account keeps its sends cycling this long (4 days, SQS's default retention) before they may go to the DLQ. */
const MAX_PAUSE_SECONDS = 4 * 86_400;

export interface SenderOptions {
  /**
   * Where a send goes back to while SES is not sending for the account: the send queue itself.
   * Without it, such sends are reported as batch item failures like any other.
   */
  requeue?: SendQueue;
  /** Overrides how long a pause lasts (tests); SES's error decides otherwise (shared/aws/errors.ts). */
  pauseSeconds?: number;
  /**
   * Emails per second this container may hand to SES: the account's MaxSendRate divided by the
   * send queue's maximum concurrency, so all containers together stay under the account's rate
   * however many sends a newsletter queues at once. Absent: no pacing (the local stack).
   */
  sendsPerSecond?: number;
}

/**
 * The mailer, at most `perSecond` sends a second from this container: each send takes the next
 * free slot (slots are `1000 / perSecond` ms apart) and waits for it.
 */
export function pacedMailer(mailer: Mailer, perSecond: number): Mailer {
  const gap = 1000 / perSecond;
  let next = 0;
  return {
    send: async (mail) => {
      const now = Date.now();
      const slot = Math.max(now, next);
      next = slot + gap;
      if (slot > now) await new Promise((r) => setTimeout(r, slot - now));
      return mailer.send(mail);
    },
  };
}

/**
 * The send queue's consumer. Each message is one send; the ones that fail (SES down, throttled
 * past the in-process retries, a concurrent attempt in flight) are reported as partial batch
 * failures, so SQS retries just those and, after five receives, moves them to the DLQ. A message
 * SES rejects for good is recorded as rejected and not retried.
 *
 * When SES will not send for the whole account (sending paused, account suspended, daily quota
 * used up), retrying would burn every message's five receives and fill the DLQ within minutes.
 * The sender stops taking work instead: for the pause (15 minutes, 10 for a quota) this container
 * sends nothing, and each message it receives goes back on the queue with a delay
 * (SendMessage with DelaySeconds, up to SQS's 15 minutes) and is then deleted as handled. On AWS
 * that is a fresh message, so its receive count starts again; the Lambda poller keeps invoking,
 * but each invocation only re-queues (no SES call, no table write). After four days of pauses a
 * message is let fail as usual, so the DLQ alarm tells someone. The claim on the ledger was
 * released before, so a later attempt sends it once.
 */
export function makeSender(deps: Deps, unpaced: Mailer, options: SenderOptions = {}) {
  const mailer = options.sendsPerSecond ? pacedMailer(unpaced, options.sendsPerSecond) : unpaced;
  let pausedUntil = 0;
  let pauseSeconds = 0;
  // One campaign list per container for a minute, not one Query per batch of ten: an edit takes
  // effect within a minute (wall time, whatever a simulated clock says).
  let cached: { loadedAt: number; campaigns: Map<string, Campaign> } | undefined;
  const campaignsNow = async () => {
    if (!cached || Date.now() - cached.loadedAt > CAMPAIGN_CACHE_MS) {
      cached = { loadedAt: Date.now(), campaigns: new Map((await listCampaigns(deps)).map((c) => [c.id, c])) };
    }
    return cached.campaigns;
  };
  /** Puts a send back on the queue for after the pause; false when it cannot (then it fails as usual). */
  const handBack = async (request: SendRequest): Promise<boolean> => {
    const pauses = (request.pauses ?? 0) + 1;
    if (!options.requeue || pauses * pauseSeconds > MAX_PAUSE_SECONDS) return false;
    try {
      await options.requeue.enqueue([{ ...request, pauses }], { delaySeconds: pauseSeconds });
      return true;
    } catch (err) {
      deps.logger.warn("could not hand a send back to the queue", { customerId: request.customerId, error: (err as Error).name });
      return false;
    }
  };
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const records = Array.isArray(event?.Records) ? event.Records : [];
    const requests = records.map((record) => parseRequest(record?.body));
    // Newsletters' state is read per batch (never cached a minute like the campaigns): a
    // cancellation stops the rest of a send within a batch.
    const broadcastIds = requests.flatMap((r) => (r && isBroadcastId(r.campaignId) ? [r.campaignId] : []));
    const campaigns = broadcastIds.length > 0 ? new Map([...(await campaignsNow()), ...(await broadcastCampaigns(deps, broadcastIds))]) : await campaignsNow();
    const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
    await Promise.all(
      records.map(async (record, i) => {
        const request = requests[i];
        if (!request) {
          // A malformed message can never succeed: dropping it beats five retries and a DLQ entry.
          deps.logger.error("malformed send request dropped", {
            messageId: typeof record?.messageId === "string" ? record.messageId.slice(0, 128) : undefined,
          });
          return;
        }
        // Wall time, like the campaign cache: a pause is about SES now, whatever a simulated clock says.
        if (Date.now() < pausedUntil && (await handBack(request))) return;
        try {
          const outcome = await deliver(deps, mailer, campaigns, request);
          deps.logger.info("send", { campaignId: request.campaignId, customerId: request.customerId, occurrence: request.occurrence, ...outcome });
          // A newsletter's figures say why members got nothing (deferrals are counted where they are made).
          if (!request.test && isBroadcastId(request.campaignId) && (outcome.status === "skipped" || outcome.status === "rejected"))
            await countOutcome(deps, request.campaignId, `skip#${outcome.reason}`);
        } catch (err) {
          if (err instanceof SendingPaused) {
            pauseSeconds = options.pauseSeconds ?? err.pause.seconds;
            if (Date.now() >= pausedUntil)
              deps.logger.error("SES is not sending for this account; the sender pauses", { reason: err.pause.reason, seconds: pauseSeconds });
            pausedUntil = Date.now() + pauseSeconds * 1000;
            if (await handBack(request)) return;
          }
          deps.logger.warn("send failed; the queue will retry", { campaignId: request.campaignId, customerId: request.customerId, error: (err as Error).name });
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures };
  };
}

let sender: ReturnType<typeof makeSender> | undefined;

export const handler = (event: SQSEvent) => {
  if (!sender) {
    const deps = depsFromEnv();
    const url = deps.config.retention.sendQueueUrl;
    // The stack writes the send queue's maximum concurrency here; together the containers send at most MaxSendRate.
    const concurrency = Math.max(1, Number(process.env[SENDER_MAX_CONCURRENCY_ENV]) || 1);
    sender = makeSender(deps, new SesMailer({ region: deps.config.region, configurationSet: deps.config.retention.configurationSet }), {
      ...(url ? { requeue: new SqsQueue(url, deps.config.region) } : {}),
      sendsPerSecond: deps.config.retention.maxSendRate / concurrency,
    });
  }
  return sender(event);
};
