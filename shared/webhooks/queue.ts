import type { AwsCredentials } from "../aws/json-api.ts";
import { sendSqsBatch } from "../aws/sqs-queue.ts";

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

/** The delivery queue on AWS: one SQS message per (endpoint, event) (shared/aws/sqs-queue.ts). */
export class SqsWebhookQueue implements WebhookQueue {
  private readonly queue: Parameters<typeof sendSqsBatch>[0];

  constructor(url: string, region: string, options: { credentials?: AwsCredentials } = {}) {
    this.queue = { url, region, ...(options.credentials ? { credentials: options.credentials } : {}), what: "the webhook delivery queue" };
  }

  enqueue(deliveries: WebhookDelivery[], options: { delaySeconds?: number } = {}): Promise<void> {
    return sendSqsBatch(this.queue, deliveries, options);
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
