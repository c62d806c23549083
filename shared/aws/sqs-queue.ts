import type { SendQueue, SendRequest } from "../core/ports.ts";
import { type AwsCredentials, awsJsonCall } from "./json-api.ts";

/** SendMessageBatch takes at most 10 messages. */
const BATCH = 10;

interface BatchResult {
  Failed?: { Id: string; Code?: string; SenderFault?: boolean }[];
}

/**
 * The send queue on AWS: one message per send, its body the SendRequest as JSON. SQS's JSON
 * protocol as one signed request per batch (shared/aws/json-api.ts): the sweep and the sender carry
 * no SQS client, which kept them over their bundle budget.
 */
export class SqsQueue implements SendQueue {
  private readonly url: string;
  private readonly region: string;
  private readonly credentials?: AwsCredentials;

  constructor(url: string, region: string, options: { credentials?: AwsCredentials } = {}) {
    this.url = url;
    this.region = region;
    this.credentials = options.credentials;
  }

  async enqueue(requests: SendRequest[], options: { delaySeconds?: number } = {}): Promise<void> {
    const delay = options.delaySeconds === undefined ? {} : { DelaySeconds: Math.min(900, Math.max(0, Math.round(options.delaySeconds))) };
    for (let i = 0; i < requests.length; i += BATCH) {
      let entries = requests.slice(i, i + BATCH).map((r, n) => ({ Id: String(n), MessageBody: JSON.stringify(r), ...delay }));
      for (let attempt = 0; entries.length > 0; attempt++) {
        const result = await awsJsonCall<BatchResult>({
          service: "sqs",
          region: this.region,
          endpoint: new URL(this.url).origin,
          target: "AmazonSQS.SendMessageBatch",
          contentType: "application/x-amz-json-1.0",
          input: { QueueUrl: this.url, Entries: entries },
          ...(this.credentials ? { credentials: this.credentials } : {}),
          what: "the send queue",
        });
        const failed = new Set((result.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
        if (entries.length === 0) break;
        if (attempt >= 4) throw new Error(`SQS refused ${entries.length} messages after ${attempt + 1} attempts`);
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }
}
