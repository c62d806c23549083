import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { deadLetterQueue as makeDeadLetterQueue } from "./dead-letter-queue.ts";
import { DOMAIN_EVENT_SOURCE } from "./event-bus.ts";

/** Receives before a send request is parked in the dead-letter queue: an SES outage of a few minutes is retried, a poison message stops. */
export const MAX_RECEIVE_COUNT = 5;

/** The campaign id of the double opt-in confirmation email, as the sender knows it. */
export const CONSENT_CAMPAIGN_ID = "consent-confirmation";

/** SQS hands the sender at most this many send requests per invocation. */
export const SEND_BATCH_SIZE = 10;

export interface RetentionPipelineProps {
  /** The sender function's timeout: the queue's visibility timeout is six times it, as Lambda advises. */
  senderTimeout: Duration;
  /** The custom bus domain events are published on (for the double opt-in rule). */
  bus: events.IEventBus;
  /** EventBridge schedule expression driving the sweep, e.g. `rate(1 hour)`. */
  sweepSchedule: string;
  /** At most this many sender invocations at once: SES's sending rate is an account quota. */
  senderMaxConcurrency: number;
}

export interface PipelineFunctions {
  sweep: lambda.IFunction;
  sender: lambda.Function;
}

/**
 * The path from "due" to "sent": an EventBridge schedule runs the sweep, which puts one send
 * request per due email on the send queue; the sender takes them in batches (reporting partial
 * failures, so one throttled email does not resend the other nine), with a ceiling on concurrent
 * invocations. A request that fails five receives is parked in the dead-letter queue (alarmed).
 *
 * Double opt-in is event-driven: a LeadCaptured event whose consent is pending puts the
 * confirmation email's send request on the same queue at once, instead of waiting for the next
 * sweep. The message is built by an input transformer in exactly the shape the sweep writes
 * (`SendRequest` in shared/core/ports.ts).
 */
export class RetentionPipeline extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly consentRule: events.Rule;
  private readonly props: RetentionPipelineProps;

  constructor(scope: Construct, id: string, props: RetentionPipelineProps) {
    super(scope, id);
    this.props = props;
    this.deadLetterQueue = makeDeadLetterQueue(this, "DeadLetterQueue", "the send queue's dead-letter queue");
    this.queue = new sqs.Queue(this, "SendQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda's advice for SQS event sources: at least six times the function's timeout, so a
      // batch still being worked on (or retried by the poller) is not handed out twice.
      visibilityTimeout: Duration.seconds(props.senderTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    this.consentRule = new events.Rule(this, "ConsentConfirmationRule", {
      description: "Double opt-in: a lead whose marketing consent is pending gets the confirmation email at once",
      eventBus: props.bus,
      eventPattern: {
        source: [DOMAIN_EVENT_SOURCE],
        detailType: ["LeadCaptured"],
        detail: { consentPending: [true] },
      },
      targets: [
        new targets.SqsQueue(this.queue, {
          message: events.RuleTargetInput.fromObject({
            customerId: events.EventField.fromPath("$.detail.customerId"),
            campaignId: CONSENT_CAMPAIGN_ID,
            occurrence: events.EventField.fromPath("$.detail.at"),
            dueAt: events.EventField.fromPath("$.detail.at"),
          }),
        }),
      ],
    });
  }

  /**
   * Wires the functions in: the schedule invokes the sweep, the sweep may only send messages to
   * the queue, the sender consumes it.
   */
  connect(fns: PipelineFunctions): { schedule: events.Rule; eventSource: SqsEventSource } {
    const senderTimeout = fns.sender.timeout ?? Duration.seconds(3);
    if (senderTimeout.toSeconds() > this.props.senderTimeout.toSeconds()) {
      throw new Error(
        `The sender's timeout (${senderTimeout.toSeconds()} s) exceeds the ${this.props.senderTimeout.toSeconds()} s the send queue's visibility timeout was sized for`,
      );
    }
    const schedule = new events.Rule(this, "SweepSchedule", {
      description: "Runs the retention sweep: who is due for a thank-you, feedback request, birthday greeting or win-back",
      schedule: events.Schedule.expression(this.props.sweepSchedule),
      targets: [new targets.LambdaFunction(fns.sweep)],
    });
    fns.sweep.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [this.queue.queueArn] }));
    // While SES is not sending for the account, the sender hands sends back to its own queue with
    // a delay rather than failing them into the DLQ (functions/sender.ts).
    fns.sender.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [this.queue.queueArn] }));
    const eventSource = new SqsEventSource(this.queue, {
      batchSize: SEND_BATCH_SIZE,
      reportBatchItemFailures: true,
      maxConcurrency: this.props.senderMaxConcurrency,
    });
    fns.sender.addEventSource(eventSource);
    return { schedule, eventSource };
  }
}
