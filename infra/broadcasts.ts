import { Duration, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { SCHEDULE_ROLE_ENV } from "../functions/broadcast-scheduler.ts";
import type { CustomerTable } from "./customer-table.ts";
import { deadLetterQueue as makeDeadLetterQueue } from "./dead-letter-queue.ts";
import { BROADCAST_STREAM_FILTER } from "./stream-filter.ts";

export interface BroadcastsProps {
  table: CustomerTable;
  /** The send queue newsletters' recipients go on. */
  sendQueue: sqs.IQueue;
}

/**
 * Newsletters' starts: the table's stream, filtered to newsletter items, drives the broadcast
 * scheduler function, which keeps a one-time EventBridge Scheduler schedule (`at(...)`, deleted
 * after it ran) per newsletter send time; each schedule invokes the same function, which expands
 * the segment and queues the recipients due. The Scheduler assumes a role of its own that may
 * invoke only that function; the function may create and delete only schedules of the default
 * group, and pass only that role.
 */
export class Broadcasts extends Construct {
  readonly scheduleRole: iam.Role;
  readonly streamDeadLetterQueue: sqs.Queue;
  private readonly props: BroadcastsProps;

  constructor(scope: Construct, id: string, props: BroadcastsProps) {
    super(scope, id);
    this.props = props;
    this.scheduleRole = new iam.Role(this, "ScheduleRole", {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", { conditions: { StringEquals: { "aws:SourceAccount": Stack.of(this).account } } }),
      description: "Assumed by EventBridge Scheduler to start a newsletter (invokes the broadcast scheduler function)",
    });
    this.streamDeadLetterQueue = makeDeadLetterQueue(this, "StreamDeadLetterQueue", "newsletter schedule changes that failed every retry");
  }

  /** Wires the function in: the stream mapping, the schedules it may manage, the role it passes, the queue it feeds. */
  connect(scheduler: lambda.Function): { mapping: lambda.EventSourceMapping } {
    const { table, sendQueue } = this.props;
    const stack = Stack.of(this);
    table.grantStreamRead(scheduler);
    this.scheduleRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [scheduler.functionArn] }));
    scheduler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["scheduler:CreateSchedule", "scheduler:DeleteSchedule"],
        resources: [stack.formatArn({ service: "scheduler", resource: "schedule", resourceName: "default/nl-*" })],
      }),
    );
    scheduler.addToRolePolicy(new iam.PolicyStatement({ actions: ["iam:PassRole"], resources: [this.scheduleRole.roleArn] }));
    scheduler.addToRolePolicy(new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [sendQueue.queueArn] }));
    scheduler.addEnvironment(SCHEDULE_ROLE_ENV, this.scheduleRole.roleArn);
    const dlq = this.streamDeadLetterQueue;
    const mapping = new lambda.EventSourceMapping(this, "Mapping", {
      target: scheduler,
      eventSourceArn: table.tableStreamArn,
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: 10,
      retryAttempts: 10,
      maxRecordAge: Duration.hours(6),
      bisectBatchOnError: true,
      filters: [lambda.FilterCriteria.filter(BROADCAST_STREAM_FILTER)],
      onFailure: {
        bind(_mapping, target) {
          target.addToRolePolicy(new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [dlq.queueArn] }));
          return { destination: dlq.queueArn };
        },
      },
    });
    return { mapping };
  }
}
