import type { SendQueue, SendRequest } from "../core/ports.ts";
import { type AwsCredentials, awsJsonCall } from "./json-api.ts";

/** SendMessageBatch takes at most 10 messages. */
const BATCH = 10;

interface BatchResult {
  Failed?: { Id: string; Code?: string; SenderFault?: boolean }[];
}

/**
 * Puts messages on an SQS queue with SQS's JSON protocol, one signed SendMessageBatch per ten
 * (shared/aws/json-api.ts), so no function carries an SQS client; entries SQS refuses are sent
 * again with backoff, and still refused after five attempts throw. `delaySeconds` is rounded up
 * (never earlier than asked) and capped at SQS's 900.
 */
export async function sendSqsBatch(
  queue: { url: string; region: string; credentials?: AwsCredentials; what: string },
  bodies: unknown[],
  options: { delaySeconds?: number } = {},
): Promise<void> {
  const delay = options.delaySeconds === undefined ? {} : { DelaySeconds: Math.min(900, Math.max(0, Math.ceil(options.delaySeconds))) };
  for (let i = 0; i < bodies.length; i += BATCH) {
    let entries = bodies.slice(i, i + BATCH).map((b, n) => ({ Id: String(n), MessageBody: JSON.stringify(b), ...delay }));
    for (let attempt = 0; entries.length > 0; attempt++) {
      const result = await awsJsonCall<BatchResult>({
        service: "sqs",
        region: queue.region,
        endpoint: new URL(queue.url).origin,
        target: "AmazonSQS.SendMessageBatch",
        contentType: "application/x-amz-json-1.0",
        input: { QueueUrl: queue.url, Entries: entries },
        ...(queue.credentials ? { credentials: queue.credentials } : {}),
        what: queue.what,
      });
      const failed = new Set((result.Failed ?? []).map((f) => f.Id));
      entries = entries.filter((e) => failed.has(e.Id));
      if (entries.length === 0) break;
      if (attempt >= 4) throw new Error(`SQS refused ${entries.length} messages for ${queue.what} after ${attempt + 1} attempts`);
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}

/** The send queue on AWS: one message per send, its body the SendRequest as JSON. */
export class SqsQueue implements SendQueue {
  private readonly queue: Parameters<typeof sendSqsBatch>[0];

  constructor(url: string, region: string, options: { credentials?: AwsCredentials } = {}) {
    this.queue = { url, region, ...(options.credentials ? { credentials: options.credentials } : {}), what: "the send queue" };
  }

  enqueue(requests: SendRequest[], options: { delaySeconds?: number } = {}): Promise<void> {
    return sendSqsBatch(this.queue, requests, options);
  }
}
