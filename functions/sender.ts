import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { SesMailer } from "../shared/aws/ses-mailer.ts";
import { listCampaigns } from "../shared/campaigns/store.ts";
import type { Campaign } from "../shared/campaigns/schema.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import type { Mailer, SendRequest } from "../shared/core/ports.ts";
import { deliver } from "../shared/retention/send.ts";

const CAMPAIGN_CACHE_MS = 60_000;

function parseRequest(body: string): SendRequest | undefined {
  try {
    const value = JSON.parse(body) as Partial<SendRequest>;
    if ([value.customerId, value.campaignId, value.occurrence, value.dueAt].every((v) => typeof v === "string" && v.length > 0 && v.length < 300)) return value as SendRequest;
  } catch {
    // reported below
  }
  return undefined;
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
      event.Records.map(async (record) => {
        const request = parseRequest(record.body);
        if (!request) {
          // A malformed message can never succeed: dropping it beats five retries and a DLQ entry.
          deps.logger.error("malformed send request dropped", { messageId: record.messageId });
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
