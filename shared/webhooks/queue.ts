import { type AwsCredentials, awsJsonCall } from "../aws/json-api.ts";

/** What a webhook delivery carries: the Standard Webhooks message, as the receiver gets it. */
export interface WebhookEvent {
  /** The `webhook-id` header: the domain event's id, the same on every attempt (receivers dedupe on it). */
  id: string;
  type: string;
  /** When it happened (ISO 8601): the body's `timestamp`. */
  timestamp: string;
  data: Record<string, unknown>;
}

/** One event for one endpoint, on the delivery queue; retried by sending it again with a delay. */
export interface WebhookDelivery {
  endpointId: string;
  event: WebhookEvent;
  /** Attempts made so far. */
  attempt: number;
  /** Not attempted before this (ISO 8601): a wait longer than a queue's 15-minute delay is done in hops. */
  notBefore?: string;
}

export interface WebhookQueue {
  /** `delaySeconds`: the deliveries are not handed out before then (SQS allows at most 900). */
  enqueue(deliveries: WebhookDelivery[], options?: { delaySeconds?: number }): Promise<void>;
}

/** SendMessageBatch takes at most 10 messages. */
const BATCH = 10;

interface BatchResult {
  Failed?: { Id: string; Code?: string; SenderFault?: boolean }[];
}

/**
 * The delivery queue on AWS: one SQS message per (endpoint, event), sent with SQS's JSON protocol
 * as one signed request per batch (shared/aws/json-api.ts), so the outbox and the sender carry no
 * SQS client.
 */
export class SqsWebhookQueue implements WebhookQueue {
  private readonly url: string;
  private readonly region: string;
  private readonly credentials?: AwsCredentials;

  constructor(url: string, region: string, options: { credentials?: AwsCredentials } = {}) {
    this.url = url;
    this.region = region;
    this.credentials = options.credentials;
  }

  async enqueue(deliveries: WebhookDelivery[], options: { delaySeconds?: number } = {}): Promise<void> {
    const delay = options.delaySeconds === undefined ? {} : { DelaySeconds: Math.min(900, Math.max(0, Math.ceil(options.delaySeconds))) };
    for (let i = 0; i < deliveries.length; i += BATCH) {
      let entries = deliveries.slice(i, i + BATCH).map((d, n) => ({ Id: String(n), MessageBody: JSON.stringify(d), ...delay }));
      for (let attempt = 0; entries.length > 0; attempt++) {
        const result = await awsJsonCall<BatchResult>({
          service: "sqs",
          region: this.region,
          endpoint: new URL(this.url).origin,
          target: "AmazonSQS.SendMessageBatch",
          contentType: "application/x-amz-json-1.0",
          input: { QueueUrl: this.url, Entries: entries },
          ...(this.credentials ? { credentials: this.credentials } : {}),
          what: "the webhook delivery queue",
        });
        const failed = new Set((result.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
        if (entries.length === 0) break;
        if (attempt >= 4) throw new Error(`SQS refused ${entries.length} webhook deliveries after ${attempt + 1} attempts`);
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }
}

/** Reads a queue message's body back; undefined for anything that is not a delivery. */
export function parseDelivery(body: string): WebhookDelivery | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const d = value as Partial<WebhookDelivery> | null;
  const e = d?.event as Partial<WebhookEvent> | undefined;
  if (typeof d?.endpointId !== "string" || typeof d.attempt !== "number" || !e) return undefined;
  if (typeof e.id !== "string" || typeof e.type !== "string" || typeof e.timestamp !== "string" || typeof e.data !== "object" || e.data === null)
    return undefined;
  return d as WebhookDelivery;
}
