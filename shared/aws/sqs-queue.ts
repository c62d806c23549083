import { SQSClient, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import type { SendQueue, SendRequest } from "../core/ports.ts";

/** SendMessageBatch takes at most 10 messages. */
const BATCH = 10;

/** The send queue on AWS: one message per send, its body the SendRequest as JSON. */
export class SqsQueue implements SendQueue {
  private readonly client: SQSClient;
  private readonly url: string;

  constructor(url: string, region: string, client?: SQSClient) {
    this.url = url;
    this.client = client ?? new SQSClient({ region, maxAttempts: 5 });
  }

  async enqueue(requests: SendRequest[], options: { delaySeconds?: number } = {}): Promise<void> {
    const delay = options.delaySeconds === undefined ? {} : { DelaySeconds: Math.min(900, Math.max(0, Math.round(options.delaySeconds))) };
    for (let i = 0; i < requests.length; i += BATCH) {
      let entries = requests.slice(i, i + BATCH).map((r, n) => ({ Id: String(n), MessageBody: JSON.stringify(r), ...delay }));
      for (let attempt = 0; entries.length > 0; attempt++) {
        const result = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.url, Entries: entries }));
        const failed = new Set((result.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
        if (entries.length === 0) break;
        if (attempt >= 4) throw new Error(`SQS refused ${entries.length} messages after ${attempt + 1} attempts`);
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }
}
