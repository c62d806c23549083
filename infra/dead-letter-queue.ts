import { Duration, Validations } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";

/**
 * A dead-letter queue as every one of Rapport's is made: SQS-managed encryption, TLS only, and
 * 14 days (the longest SQS keeps anything) to find out why and redrive. cdk-nag's SQS3 ("no
 * dead-letter queue") is acknowledged on it alone: a dead-letter queue of its own would only move
 * the same messages again. `of` says whose queue it is, for that reason.
 */
export function deadLetterQueue(scope: Construct, id: string, of: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: "AwsSolutions-SQS3",
    reason: `This is ${of}; a dead-letter queue of its own would only move the same messages again.`,
  });
  return queue;
}
