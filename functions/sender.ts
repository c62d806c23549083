import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import * as z from "zod/mini";
import { SesMailer } from "../shared/aws/ses-mailer.ts";
import { listCampaigns } from "../shared/campaigns/store.ts";
import type { Campaign } from "../shared/campaigns/schema.ts";
import { CAMPAIGN_ID } from "../shared/campaigns/schema.ts";
import { CUSTOMER_ID_PATTERN } from "../shared/core/ids.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import type { Mailer, SendRequest } from "../shared/core/ports.ts";
import { deliver } from "../shared/retention/send.ts";

const CAMPAIGN_CACHE_MS = 60_000;

/**
 * A send request as the sweep enqueues it. Each part becomes part of a key or a lookup, so a
 * message that does not fit (hand-sent to the queue, or from an older version) is refused here
 * rather than failing in DynamoDB five times on its way to the DLQ.
 */
const SendRequestMessage = z.object({
  customerId: z.string().check(z.regex(CUSTOMER_ID_PATTERN)),
  campaignId: z.string().check(z.regex(CAMPAIGN_ID)),
  // A purchase id (an event's externalId, at most 200 characters), a year, a milestone amount or a date.
  occurrence: z.string().check(z.minLength(1), z.maxLength(200)),
  dueAt: z.string().check(z.maxLength(64), z.refine((s) => !Number.isNaN(Date.parse(s)))),
});

function parseRequest(body: unknown): SendRequest | undefined {
  if (typeof body !== "string") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = SendRequestMessage.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The send queue's consumer. Each message is one send; the ones that fail (SES down, throttled
 * past the in-process retries, a concurrent attempt in flight) are reported as partial batch
 * failures, so SQS retries just those and, after five receives, moves them to the DLQ.
 */
export function makeSender(deps: Deps, mailer: Mailer) {
  // One campaign list per container for a minute, not one Query per batch of ten: an edit takes
  // effect within a minute (wall time, whatever a simulated clock says).
  let cached: { loadedAt: number; campaigns: Map<string, Campaign> } | undefined;
  const campaignsNow = async () => {
    if (!cached || Date.now() - cached.loadedAt > CAMPAIGN_CACHE_MS) {
      cached = { loadedAt: Date.now(), campaigns: new Map((await listCampaigns(deps)).map((c) => [c.id, c])) };
    }
    return cached.campaigns;
  };
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const campaigns = await campaignsNow();
    const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
    await Promise.all(
      (Array.isArray(event?.Records) ? event.Records : []).map(async (record) => {
        const request = parseRequest(record?.body);
        if (!request) {
          // A malformed message can never succeed: dropping it beats five retries and a DLQ entry.
          deps.logger.error("malformed send request dropped", { messageId: typeof record?.messageId === "string" ? record.messageId.slice(0, 128) : undefined });
          return;
        }
        try {
          const outcome = await deliver(deps, mailer, campaigns, request);
          deps.logger.info("send", { campaignId: request.campaignId, customerId: request.customerId, occurrence: request.occurrence, ...outcome });
        } catch (err) {
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
    sender = makeSender(deps, new SesMailer({ region: deps.config.region, configurationSet: deps.config.retention.configurationSet }));
  }
  return sender(event);
};
