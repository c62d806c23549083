import { Duration } from "aws-cdk-lib";
import type * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/**
 * A stream consumer this far behind is stuck, not busy: with a 5-second batching window and
 * batches of 100 it keeps up with thousands of changes a minute.
 */
export const MAX_ITERATOR_AGE = Duration.minutes(5);

export interface AlarmsProps {
  functions: Record<string, lambda.IFunction>;
  stage: apigwv2.IHttpStage;
  /** Queues where a message means something failed for good (the send queue's DLQ, the stream consumer's). */
  deadLetterQueues: Record<string, sqs.IQueue>;
  /**
   * Functions fed by a DynamoDB stream: their iterator age (how old the last record handed to
   * them was) says how far behind they are.
   */
  streamConsumers?: Record<string, lambda.IFunction>;
  /**
   * SES account reputation (fractions, e.g. 0.05): SES reviews, then pauses, an account whose
   * bounce or complaint rate stays high, which would stop every email, transactional included.
   */
  sesReputation: { bounceRate: number; complaintRate: number };
  /** Where alarm notifications go; without it the alarms are only visible in the console. */
  email?: string;
}

/**
 * Tells the operator when users are likely seeing failures: any function error and any 5xx from
 * the API over five minutes, anything parked in a dead-letter queue, a stream consumer more than
 * five minutes behind (reports going stale), and an SES bounce or complaint rate approaching the
 * level where SES pauses the account. With `rapport:alarmEmail` set, each alarm and its recovery
 * is mailed.
 */
export class Alarms extends Construct {
  readonly topic?: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    if (props.email) {
      this.topic = new sns.Topic(this, "Topic", { displayName: "Rapport alarms", enforceSSL: true });
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    }
    const period = Duration.minutes(5);
    const alarms = [
      ...Object.entries(props.functions).map(
        ([name, fn]) =>
          new cloudwatch.Alarm(this, `${name}-errors`, {
            alarmDescription: `The ${name} function failed (uncaught error or timeout)`,
            metric: fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      ),
      new cloudwatch.Alarm(this, "api-5xx", {
        alarmDescription: "The API answered 5xx",
        metric: props.stage.metricServerError({ period, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      ...Object.entries(props.deadLetterQueues).map(
        ([name, queue]) =>
          new cloudwatch.Alarm(this, `${name}-messages`, {
            alarmDescription: `Messages are waiting in ${name}: they failed every retry; find out why, then redrive them`,
            metric: queue.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      ),
      ...Object.entries(props.streamConsumers ?? {}).map(
        ([name, fn]) =>
          new cloudwatch.Alarm(this, `${name}-iterator-age`, {
            alarmDescription: `The ${name} function is more than ${MAX_ITERATOR_AGE.toMinutes()} minutes behind the table's stream: reports are stale (failing batches being retried, or throttled)`,
            metric: fn.metric("IteratorAge", { period, statistic: cloudwatch.Stats.MAXIMUM }),
            threshold: MAX_ITERATOR_AGE.toMilliseconds(),
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      ),
      sesReputationAlarm(this, "ses-bounce-rate", "Reputation.BounceRate", props.sesReputation.bounceRate, "bounce"),
      sesReputationAlarm(this, "ses-complaint-rate", "Reputation.ComplaintRate", props.sesReputation.complaintRate, "complaint"),
    ];
    if (this.topic) {
      const action = new actions.SnsAction(this.topic);
      for (const alarm of alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }
}

/** SES publishes these for the whole account (no dimensions), over a moving window of recent sends. */
function sesReputationAlarm(scope: Construct, id: string, metricName: string, threshold: number, what: string): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: `The SES account's ${what} rate reached ${threshold}: SES may put the account under review or pause sending`,
    metric: new cloudwatch.Metric({ namespace: "AWS/SES", metricName, period: Duration.minutes(15), statistic: cloudwatch.Stats.MAXIMUM }),
    threshold,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
