import { Duration, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { CustomerTable } from "./customer-table.ts";
import { deadLetterQueue as makeDeadLetterQueue } from "./dead-letter-queue.ts";
import { OUTBOX_STREAM_FILTER } from "./stream-filter.ts";

/** The webhook sender's timeout: ten deliveries at once, each given at most 10 s by the receiver. */
export const WEBHOOK_SENDER_TIMEOUT = Duration.seconds(30);

export interface OutboxProps {
  table: CustomerTable;
}

export interface OutboxFunctions {
  /** functions/outbox.ts: the second consumer of the table's stream. */
  outbox: lambda.Function;
  /** functions/webhook-sender.ts: the delivery queue's consumer. */
  sender: lambda.Function;
  /** functions/people.ts: adds and removes endpoints, so it writes their secrets. */
  admin: lambda.Function;
}

/**
 * Domain events out of the table's stream, to the bus and to webhook endpoints.
 *
 * - A second event source mapping on the stream (the report counters have their own), invoked
 *   only for timeline entries and tombstones (OUTBOX_STREAM_FILTER). From LATEST: events start
 *   when the outbox is deployed rather than replaying a day of old ones. A failing batch is
 *   retried and bisected, so one record that keeps failing is isolated; what fails every retry
 *   goes to a dead-letter queue (where it was in the stream, not the records), which alarms.
 * - The delivery queue: one message per (event, endpoint). The sender puts a failed delivery back
 *   with its next wait (SQS delays up to 15 minutes; longer waits are hops), and dead-letters
 *   it in the table after 24 hours; the queue's own DLQ gets only messages the sender itself
 *   could not handle five times.
 * - The endpoints' signing secrets: one Secrets Manager secret, a JSON object by endpoint id.
 */
export class Outbox extends Construct {
  readonly streamDeadLetterQueue: sqs.Queue;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly secret: secretsmanager.Secret;
  private readonly props: OutboxProps;

  constructor(scope: Construct, id: string, props: OutboxProps) {
    super(scope, id);
    this.props = props;
    this.streamDeadLetterQueue = makeDeadLetterQueue(this, "StreamDeadLetterQueue", "the outbox stream consumer's on-failure destination");
    this.deadLetterQueue = makeDeadLetterQueue(this, "DeliveryDeadLetterQueue", "the webhook delivery queue's dead-letter queue");
    this.queue = new sqs.Queue(this, "DeliveryQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(WEBHOOK_SENDER_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.secret = new secretsmanager.Secret(this, "WebhookSecrets", {
      description: "Rapport: the outbound webhook endpoints' signing secrets (JSON, a key per endpoint id), written when an endpoint is added",
      secretObjectValue: {},
    });
    Validations.of(this.secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Rolled per endpoint by removing and adding it: each endpoint's receiver holds a copy, so a rotation without them would break their verification.",
    });
  }

  get secretArn(): string {
    return this.secret.secretArn;
  }

  /** Wires the functions in: the stream mapping, the queue's producers and consumer, the secret's readers and writer. */
  connect(fns: OutboxFunctions): { mapping: lambda.EventSourceMapping } {
    this.props.table.grantStreamRead(fns.outbox);
    const streamDlq = this.streamDeadLetterQueue;
    const mapping = new lambda.EventSourceMapping(this, "Mapping", {
      target: fns.outbox,
      eventSourceArn: this.props.table.tableStreamArn,
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      retryAttempts: 10,
      maxRecordAge: Duration.hours(6),
      bisectBatchOnError: true,
      parallelizationFactor: 1,
      filters: [lambda.FilterCriteria.filter(OUTBOX_STREAM_FILTER)],
      onFailure: {
        bind(_mapping, target) {
          target.addToRolePolicy(new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [streamDlq.queueArn] }));
          return { destination: streamDlq.queueArn };
        },
      },
    });
    for (const fn of [fns.outbox, fns.sender]) {
      fn.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [this.queue.queueArn] }));
      fn.addEnvironment("WEBHOOK_QUEUE_URL", this.queue.queueUrl);
    }
    fns.sender.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));
    fns.sender.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [this.secret.secretArn] }));
    fns.admin.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], resources: [this.secret.secretArn] }),
    );
    for (const fn of [fns.sender, fns.admin]) fn.addEnvironment("WEBHOOKS_SECRET_ARN", this.secret.secretArn);
    return { mapping };
  }
}
