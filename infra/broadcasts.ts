import { Duration, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { SCHEDULE_GROUP_ENV, SCHEDULE_ROLE_ENV } from "../functions/broadcast-scheduler.ts";
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
 * the segment and queues the recipients due. The schedules live in a schedule group of the
 * stack's own; the Scheduler assumes a role of its own that may invoke only that function; the
 * function may create and delete only schedules of that group, and pass only that role.
 */
export class Broadcasts extends Construct {
  readonly scheduleRole: iam.Role;
  readonly scheduleGroup: scheduler.CfnScheduleGroup;
  readonly schedulesPolicy: iam.Policy;
  readonly streamDeadLetterQueue: sqs.Queue;
  private readonly props: BroadcastsProps;

  constructor(scope: Construct, id: string, props: BroadcastsProps) {
    super(scope, id);
    this.props = props;
    this.scheduleRole = new iam.Role(this, "ScheduleRole", {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", { conditions: { StringEquals: { "aws:SourceAccount": Stack.of(this).account } } }),
      description: "Assumed by EventBridge Scheduler to start a newsletter (invokes the broadcast scheduler function)",
    });
    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, "ScheduleGroup", { name: `${Stack.of(this).stackName}-newsletters`.slice(0, 64) });
    this.schedulesPolicy = new iam.Policy(this, "SchedulesPolicy", {
      statements: [
        new iam.PolicyStatement({
          actions: ["scheduler:CreateSchedule", "scheduler:DeleteSchedule"],
          resources: [Stack.of(this).formatArn({ service: "scheduler", resource: "schedule", resourceName: `${this.scheduleGroup.name}/*` })],
        }),
        new iam.PolicyStatement({ actions: ["iam:PassRole"], resources: [this.scheduleRole.roleArn] }),
      ],
    });
    Validations.of(this.schedulesPolicy).acknowledge({
      // cdk-nag names the wildcard resource it found; the acknowledgement names exactly that one.
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.scheduleGroup.name}/*]`,
      reason:
        "A newsletter's schedules are named at run time (its id and send time), so the grant names the stack's own newsletter schedule group, not each schedule; nothing else lives in that group.",
    });
    this.streamDeadLetterQueue = makeDeadLetterQueue(this, "StreamDeadLetterQueue", "newsletter schedule changes that failed every retry");
  }

  /** Wires the function in: the stream mapping, the schedules it may manage, the role it passes, the queue it feeds. */
  connect(fn: lambda.Function): { mapping: lambda.EventSourceMapping } {
    const { table, sendQueue } = this.props;
    const scheduler = fn;
    table.grantStreamRead(scheduler);
    this.scheduleRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [scheduler.functionArn] }));
    this.schedulesPolicy.attachToRole(scheduler.role!);
    scheduler.addToRolePolicy(new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [sendQueue.queueArn] }));
    scheduler.addEnvironment(SCHEDULE_ROLE_ENV, this.scheduleRole.roleArn);
    scheduler.addEnvironment(SCHEDULE_GROUP_ENV, this.scheduleGroup.name!);
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
