import { randomUUID } from "node:crypto";
import { appendFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { makeSender } from "../functions/sender.ts";
import type { Clock } from "../shared/core/clock.ts";
import type { Deps } from "../shared/core/deps.ts";
import type { DomainEvent, EventBus, Mailer, SendQueue, SendRequest } from "../shared/core/ports.ts";

/** SQS's redrive policy on AWS: after this many receives a message goes to the DLQ. */
export const MAX_RECEIVES = 5;

interface Pending {
  id: string;
  request: SendRequest;
  receives: number;
  /** Not handed out before this (epoch ms): a message enqueued with a delay. */
  notBefore?: number;
}

/** One line of the queue's journal: a message queued, handled (sent, skipped or a duplicate), or dead-lettered. */
type JournalLine = { op: "add"; id: string; request: SendRequest } | { op: "done"; id: string } | { op: "dead"; id: string; request: SendRequest };

/**
 * The local stand-in for the SQS send queue and its Lambda consumer: hands the very same sender
 * handler the same SQS event shape, ten records at a time, retries what it reports as batch item
 * failures, and moves a message that failed five times to a dead-letter list, as the redrive
 * policy does on AWS.
 *
 * In memory by default (tests). `npm start` keeps it in a journal file (`persistTo`), because SQS
 * is durable: the sweep moves a customer's due entry once their sends are enqueued, so a queued
 * send lost with the process would never be sent. After a restart, every message not yet handled
 * (queued, or in flight when the process died) is delivered again; the ledger claim makes a
 * repeat of one that did go out a no-op.
 */
export class InProcessQueue implements SendQueue {
  readonly deadLetters: SendRequest[] = [];
  private pending: Pending[] = [];
  /** The journal file, once `persistTo` was called. */
  private journal: string | undefined;
  private draining: Promise<void> | undefined;
  private readonly deps: Deps;
  private readonly mailer: Mailer;
  /** Wait between a failed batch and its retry (SQS's visibility timeout, scaled down). */
  private readonly retryDelayMs: number;
  /** How long the sender pauses when SES will not send for the account (default: as on AWS). */
  private readonly pauseSeconds: number | undefined;

  constructor(deps: Deps, mailer: Mailer, options: { retryDelayMs?: number; pauseSeconds?: number } = {}) {
    this.deps = deps;
    this.mailer = mailer;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.pauseSeconds = options.pauseSeconds;
  }

  /** As SendMessage: `delaySeconds` keeps the messages from being handed out before then. */
  async enqueue(requests: SendRequest[], options: { delaySeconds?: number } = {}): Promise<void> {
    const notBefore = options.delaySeconds ? Date.now() + options.delaySeconds * 1000 : undefined;
    const messages = requests.map((request) => ({ id: randomUUID(), request, receives: 0, ...(notBefore ? { notBefore } : {}) }));
    // Written before the caller goes on (the sweep then moves the due entries), as SendMessage returns once stored.
    this.record(messages.map((m): JournalLine => ({ op: "add", id: m.id, request: m.request })));
    this.pending.push(...messages);
  }

  /**
   * Keeps the queue in `file` from now on: loads what an earlier process left there (messages
   * queued or in flight, and dead letters), rewrites the file with just those and what is queued
   * now, and starts delivering the loaded messages. Answers how many it loaded.
   */
  persistTo(file: string): number {
    const live = new Map<string, JournalLine>();
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    for (const line of text.split("\n")) {
      let entry: JournalLine;
      try {
        entry = JSON.parse(line) as JournalLine;
      } catch {
        continue; // an empty line, or the last one, cut short by a crash: its enqueue never returned
      }
      if (entry.op === "done") live.delete(entry.id);
      else live.set(entry.id, entry);
    }
    const restored: Pending[] = [];
    for (const entry of live.values()) {
      if (entry.op === "dead") this.deadLetters.push(entry.request);
      else if (entry.op === "add" && !this.pending.some((p) => p.id === entry.id)) restored.push({ id: entry.id, request: entry.request, receives: 0 });
    }
    this.pending.unshift(...restored);
    this.journal = file;
    this.compact();
    if (restored.length > 0) {
      this.deps.logger.info("send queue restored", { messages: restored.length });
      void this.drain();
    }
    return restored.length;
  }

  /** Rewrites the journal with only what is still live: the dead letters and the queued messages. */
  private compact(): void {
    if (!this.journal) return;
    const lines: JournalLine[] = [
      ...this.deadLetters.map((request): JournalLine => ({ op: "dead", id: randomUUID(), request })),
      ...this.pending.map((p): JournalLine => ({ op: "add", id: p.id, request: p.request })),
    ];
    writeFileSync(`${this.journal}.tmp`, lines.map((l) => `${JSON.stringify(l)}\n`).join(""), { mode: 0o600 });
    renameSync(`${this.journal}.tmp`, this.journal);
  }

  private record(lines: JournalLine[]): void {
    if (this.journal && lines.length > 0) appendFileSync(this.journal, lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
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
    const sender = makeSender({ ...this.deps, clock }, this.mailer, {
      requeue: this,
      ...(this.pauseSeconds === undefined ? {} : { pauseSeconds: this.pauseSeconds }),
    });
    while (this.pending.length > 0) {
      const now = Date.now();
      const ready = this.pending.filter((p) => (p.notBefore ?? 0) <= now);
      if (ready.length === 0) {
        // Only delayed messages left (a paused sender handed them back): wait for the first.
        const first = Math.min(...this.pending.map((p) => p.notBefore ?? 0));
        await new Promise((r) => setTimeout(r, Math.max(1, first - now)));
        continue;
      }
      const batch = ready.slice(0, 10);
      this.pending = this.pending.filter((p) => !batch.includes(p));
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
      const handled: JournalLine[] = batch.filter((p) => !failed.has(p.id)).map((p) => ({ op: "done", id: p.id }));
      for (const p of retry) {
        if (p.receives >= MAX_RECEIVES) {
          this.deadLetters.push(p.request);
          handled.push({ op: "dead", id: p.id, request: p.request });
        } else this.pending.push(p);
      }
      this.record(handled);
      if (retry.length > 0 && this.retryDelayMs > 0) await new Promise((r) => setTimeout(r, this.retryDelayMs));
    }
    // Empty now: the journal need not keep the history of what was delivered.
    this.compact();
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
