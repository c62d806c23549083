import type { DynamoDBStreamEvent } from "aws-lambda";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { runOutbox } from "../shared/outbox/outbox.ts";
import type { WebhookQueue } from "../shared/webhooks/queue.ts";
import { SqsWebhookQueue } from "../shared/webhooks/queue.ts";

/**
 * The outbox: a second consumer of the table's stream (timeline entries and tombstones only, see
 * infra/outbox.ts) that publishes the domain events to the bus and queues their webhook
 * deliveries (shared/outbox/outbox.ts). A failure throws: the event source mapping retries the
 * batch, splitting it to find a record that keeps failing, and the events keep their ids.
 */
export function makeHandler(deps: Deps, queue?: WebhookQueue) {
  return async (event: DynamoDBStreamEvent): Promise<void> => {
    const records = Array.isArray(event?.Records) ? event.Records : [];
    const { events, deliveries } = await runOutbox(deps, records, queue);
    if (events) deps.logger.debug("outbox batch", { records: records.length, events, deliveries });
  };
}

let built: ReturnType<typeof makeHandler> | undefined;
export const handler = (event: DynamoDBStreamEvent): Promise<void> =>
  (built ??= (() => {
    const deps = depsFromEnv();
    const url = deps.config.webhooks.queueUrl;
    return makeHandler(deps, url ? new SqsWebhookQueue(url, deps.config.region) : undefined);
  })())(event);
