import { randomUUID } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { WebhookDelivery, WebhookQueue } from "../shared/webhooks/queue.ts";

/** SQS's redrive policy on AWS: after this many receives a message goes to the DLQ. */
const MAX_RECEIVES = 5;

interface Message {
  id: string;
  delivery: WebhookDelivery;
  notBefore: number;
  receives: number;
}

/**
 * The local stand-in for the webhook delivery queue (SQS) and its consumer: hands the very same
 * webhook-sender handler the SQS event shape, ten messages at a time, as soon as each message's
 * delay is over; a message the handler reports as failed comes back after `retryDelayMs`, and
 * after five receives goes to `deadLetters`. In memory: queued deliveries do not survive a restart
 * of `npm start` (SQS keeps them on AWS).
 */
export class LocalWebhookQueue implements WebhookQueue {
  readonly deadLetters: WebhookDelivery[] = [];
  private messages: Message[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private handler: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;
  private stopped = false;
  private readonly logger: Pick<Logger, "error">;
  private readonly retryDelayMs: number;

  constructor(logger: Pick<Logger, "error">, options: { retryDelayMs?: number } = {}) {
    this.logger = logger;
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  /** The consumer, set once the handler (which itself enqueues retries here) is built. */
  consume(handler: (event: SQSEvent) => Promise<SQSBatchResponse>): void {
    this.handler = handler;
    this.schedule();
  }

  async enqueue(deliveries: WebhookDelivery[], options: { delaySeconds?: number } = {}): Promise<void> {
    const notBefore = Date.now() + Math.max(0, options.delaySeconds ?? 0) * 1000;
    for (const delivery of deliveries) this.messages.push({ id: randomUUID(), delivery, notBefore, receives: 0 });
    this.schedule();
  }

  /** Messages waiting (delayed ones included). */
  get depth(): number {
    return this.messages.length;
  }

  /** Resolves once nothing is queued or being handled (retries not yet due included). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ((this.messages.length > 0 || this.running) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped || !this.handler || this.running) return;
    clearTimeout(this.timer);
    if (this.messages.length === 0) return;
    const wait = Math.max(0, Math.min(...this.messages.map((m) => m.notBefore)) - Date.now());
    this.timer = setTimeout(() => {
      this.running = this.run().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, wait);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.stopped || !this.handler) return;
      const now = Date.now();
      const batch = this.messages.filter((m) => m.notBefore <= now).slice(0, 10);
      if (batch.length === 0) return;
      this.messages = this.messages.filter((m) => !batch.includes(m));
      for (const m of batch) m.receives++;
      let response: SQSBatchResponse;
      try {
        response = await this.handler(toSqsEvent(batch));
      } catch (err) {
        this.logger.error("local webhook sender invocation failed", { error: (err as Error).name });
        response = { batchItemFailures: batch.map((m) => ({ itemIdentifier: m.id })) };
      }
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      for (const m of batch.filter((b) => failed.has(b.id))) {
        if (m.receives >= MAX_RECEIVES) this.deadLetters.push(m.delivery);
        else this.messages.push({ ...m, notBefore: Date.now() + this.retryDelayMs });
      }
    }
  }
}

function toSqsEvent(batch: Message[]): SQSEvent {
  return {
    Records: batch.map(
      (m): SQSRecord => ({
        messageId: m.id,
        receiptHandle: m.id,
        body: JSON.stringify(m.delivery),
        attributes: {
          ApproximateReceiveCount: String(m.receives),
          SentTimestamp: String(Date.now()),
          SenderId: "local",
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: "arn:aws:sqs:local:000000000000:rapport-webhooks",
        awsRegion: "local",
      }),
    ),
  };
}
