import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import type { DeliveryOptions } from "../shared/webhooks/deliver.ts";
import { handleDelivery } from "../shared/webhooks/deliver.ts";
import type { WebhookQueue } from "../shared/webhooks/queue.ts";
import { parseDelivery, SqsWebhookQueue } from "../shared/webhooks/queue.ts";
import type { WebhookSecrets } from "../shared/webhooks/secrets.ts";
import { webhookSecretsFromConfig } from "../shared/webhooks/secrets.ts";

/**
 * Takes webhook deliveries off their queue and posts them, signed (shared/webhooks/deliver.ts).
 * A receiver's failure is not this function's: the delivery goes back on the queue with its next
 * wait, or to the endpoint's dead letters after 24 hours. Only a failure here (the table, the
 * queue) reports the message as failed, for SQS to hand it back.
 */
export function makeHandler(deps: Deps, secrets: WebhookSecrets, queue: WebhookQueue, options: DeliveryOptions = {}) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const records = Array.isArray(event?.Records) ? event.Records : [];
    const failures: SQSBatchResponse["batchItemFailures"] = [];
    await Promise.all(
      records.map(async (record) => {
        const delivery = parseDelivery(record.body);
        if (!delivery) {
          deps.logger.error("webhook delivery message dropped: not a delivery", { messageId: record.messageId });
          return;
        }
        try {
          await handleDelivery(deps, secrets, queue, delivery, options);
        } catch (err) {
          deps.logger.error("webhook delivery failed here", { messageId: record.messageId, endpointId: delivery.endpointId, error: (err as Error).name });
          failures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures: failures };
  };
}

let built: ReturnType<typeof makeHandler> | undefined;
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> =>
  (built ??= (() => {
    const deps = depsFromEnv();
    const url = deps.config.webhooks.queueUrl;
    if (!url) throw new Error("WEBHOOK_QUEUE_URL is not set");
    return makeHandler(deps, webhookSecretsFromConfig(deps.config, deps.clock), new SqsWebhookQueue(url, deps.config.region));
  })())(event);
