import { randomUUID } from "node:crypto";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { Clock } from "../shared/clock.ts";
import type { Deps } from "../shared/deps.ts";
import type { DomainEvent, EventBus, Mailer, SendQueue, SendRequest } from "../shared/ports.ts";
import { makeSender } from "../functions/sender.ts";

/** SQS's redrive policy on AWS: after this many receives a message goes to the DLQ. */
export const MAX_RECEIVES = 5;

interface Pending {
  id: string;
  request: SendRequest;
  receives: number;
}

/**
 * The local stand-in for the SQS send queue and its Lambda consumer: hands the very same sender
 * handler the same SQS event shape, ten records at a time, retries what it reports as batch item
 * failures, and moves a message that failed five times to a dead-letter list, as the redrive
 * policy does on AWS.
 */
export class InProcessQueue implements SendQueue {
  readonly deadLetters: SendRequest[] = [];
  private pending: Pending[] = [];
  private draining: Promise<void> | undefined;
  private readonly deps: Deps;
  private readonly mailer: Mailer;
  /** Wait between a failed batch and its retry (SQS's visibility timeout, scaled down). */
  private readonly retryDelayMs: number;

  constructor(deps: Deps, mailer: Mailer, options: { retryDelayMs?: number } = {}) {
    this.deps = deps;
    this.mailer = mailer;
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  async enqueue(requests: SendRequest[]): Promise<void> {
    this.pending.push(...requests.map((request) => ({ id: randomUUID(), request, receives: 0 })));
  }

  /** How many messages wait (not counting dead letters). */
  get depth(): number {
    return this.pending.length;
  }

  /**
   * Delivers everything queued, as of `clock` (a simulated sweep's instant, or real time), and
   * resolves when the queue is empty. Concurrent calls share one drain.
   */
  drain(clock: Clock = this.deps.clock): Promise<void> {
    this.draining ??= this.run(clock).finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async run(clock: Clock): Promise<void> {
    const sender = makeSender({ ...this.deps, clock }, this.mailer);
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, 10);
      for (const p of batch) p.receives++;
      let response: SQSBatchResponse;
      try {
        response = await sender(toSqsEvent(batch));
      } catch (err) {
        // The whole invocation failed: every record comes back, as SQS would redeliver them.
        this.deps.logger.error("local sender invocation failed", { error: (err as Error).name });
        response = { batchItemFailures: batch.map((p) => ({ itemIdentifier: p.id })) };
      }
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      const retry = batch.filter((p) => failed.has(p.id));
      for (const p of retry) {
        if (p.receives >= MAX_RECEIVES) this.deadLetters.push(p.request);
        else this.pending.push(p);
      }
      if (retry.length > 0 && this.retryDelayMs > 0) await new Promise((r) => setTimeout(r, this.retryDelayMs));
    }
  }
}

function toSqsEvent(batch: Pending[]): SQSEvent {
  return {
    Records: batch.map(
      (p): SQSRecord => ({
        messageId: p.id,
        receiptHandle: p.id,
        body: JSON.stringify(p.request),
        attributes: {
          ApproximateReceiveCount: String(p.receives),
          SentTimestamp: String(Date.now()),
          SenderId: "local",
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: "arn:aws:sqs:local:000000000000:rapport-send",
        awsRegion: "local",
      }),
    ),
  };
}

/**
 * The local event bus: keeps the domain events (tests read them) and applies the stack's one rule
 * on the bus, as EventBridge does on AWS: a lead waiting for double opt-in gets its confirmation
 * email at once, through the send queue, not at the next sweep.
 */
export class LocalBus implements EventBus {
  readonly events: DomainEvent[] = [];
  queue?: InProcessQueue;

  async publish(events: DomainEvent[]): Promise<void> {
    this.events.push(...events);
    const confirmations = events.filter((e) => e.type === "LeadCaptured" && e.data?.consentPending === true);
    if (confirmations.length > 0 && this.queue) {
      await this.queue.enqueue(confirmations.map((e) => ({ customerId: e.customerId, campaignId: "consent-confirmation", occurrence: e.at, dueAt: e.at })));
      void this.queue.drain();
    }
  }
}

/** Runs `sweep` on a fixed interval aligned to the clock (hourly: at the top of each hour), like the schedule rule. */
export function startScheduler(intervalMinutes: number, sweep: () => Promise<unknown>, onError: (err: unknown) => void): () => void {
  const period = intervalMinutes * 60_000;
  let timer: NodeJS.Timeout;
  const tick = () => {
    sweep().catch(onError);
    timer = setTimeout(tick, period - (Date.now() % period));
    timer.unref();
  };
  timer = setTimeout(tick, period - (Date.now() % period));
  timer.unref();
  return () => clearTimeout(timer);
}
