import { Duration } from "aws-cdk-lib";
import type * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";

export interface AlarmsProps {
  functions: Record<string, lambda.IFunction>;
  stage: apigwv2.IHttpStage;
  /** Where alarm notifications go; without it the alarms are only visible in the console. */
  email?: string;
}

/**
 * Tells the operator when users are likely seeing failures: any function error and any 5xx from
 * the API, over five minutes. With `rapport:alarmEmail` set, each alarm and its recovery is mailed.
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
