import { Duration } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { CustomerTable } from "./customer-table.ts";
import { deadLetterQueue as makeDeadLetterQueue } from "./dead-letter-queue.ts";
import { REPORTS_STREAM_FILTER } from "./stream-filter.ts";

/** Records per invocation, at most: one shard's, in order. The local poller uses the same. */
export const REPORTS_BATCH_SIZE = 100;

/**
 * How long Lambda may gather records before invoking. Without a window it invokes as soon as a
 * poll (four a second per shard) finds anything, often with a single record; a burst of writes
 * (an import, a sweep, a busy form) would then cost one invocation and one counter transaction
 * per change. Five seconds turns a burst into a few full batches, while reports lag a write by a
 * few seconds at most, which a dashboard never shows.
 */
export const REPORTS_BATCHING_WINDOW = Duration.seconds(5);

/**
 * A failing batch is retried this many times (and each retry is the same batch: the consumer's
 * idempotency relies on it), then parked. Enough to ride out throttling or a conflict storm; not
 * so many that a bad record blocks its shard for long.
 */
export const REPORTS_RETRY_ATTEMPTS = 10;

/**
 * Records older than this are parked rather than applied: a consumer that cannot keep up for six
 * hours (a broken deploy, throttled concurrency) gets its backlog dead-lettered with 18 hours of
 * the stream's 24-hour retention left, so the records behind a dead letter can still be read.
 */
export const REPORTS_MAX_RECORD_AGE = Duration.hours(6);

export interface ReportsStreamProps {
  table: CustomerTable;
  /** The consumer: functions/reports-stream.ts. */
  consumer: lambda.IFunction;
}

/**
 * Keeps the report counters off the request path: the table's stream (both images) feeds the
 * reports-stream function through an event source mapping, so a lead still costs its 4 write
 * units and the counters follow a few seconds later.
 *
 * - Only customer partitions invoke it (REPORTS_STREAM_FILTER, evaluated by Lambda before
 *   invoking and not billed); the counters it writes live elsewhere, so they never come back.
 * - From the oldest record the stream holds (TRIM_HORIZON): a new mapping misses nothing written
 *   since the stream was turned on. Items older than the stream are counted by
 *   `npx rapport reports rebuild --stack NAME`.
 * - No bisecting of a failing batch: splitting it would change where batches start, and the
 *   consumer skips what an earlier delivery wrote by the batch's first record. One batch of a
 *   shard at a time (parallelization factor 1), so a shard's changes are applied in order.
 * - A batch that fails every retry (or is too old) is dead-lettered: the queue gets where it was
 *   (shard and sequence numbers), not the records. That alarms; counters are then off until
 *   `rapport reports rebuild` recomputes them.
 */
export class ReportsStream extends Construct {
  readonly deadLetterQueue: sqs.Queue;
  readonly mapping: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: ReportsStreamProps) {
    super(scope, id);
    this.deadLetterQueue = makeDeadLetterQueue(this, "DeadLetterQueue", "the reports stream consumer's on-failure destination");

    props.table.grantStreamRead(props.consumer);
    const deadLetterQueue = this.deadLetterQueue;
    this.mapping = new lambda.EventSourceMapping(this, "Mapping", {
      target: props.consumer,
      eventSourceArn: props.table.tableStreamArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: REPORTS_BATCH_SIZE,
      maxBatchingWindow: REPORTS_BATCHING_WINDOW,
      retryAttempts: REPORTS_RETRY_ATTEMPTS,
      maxRecordAge: REPORTS_MAX_RECORD_AGE,
      bisectBatchOnError: false,
      parallelizationFactor: 1,
      filters: [lambda.FilterCriteria.filter(REPORTS_STREAM_FILTER)],
      // Lambda sends the failure record with the function's role, which needs nothing but
      // SendMessage on this queue (CDK's SqsDlq would add GetQueueAttributes and GetQueueUrl).
      onFailure: {
        bind(_mapping, target) {
          target.addToRolePolicy(new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [deadLetterQueue.queueArn] }));
          return { destination: deadLetterQueue.queueArn };
        },
      },
    });
  }
}
