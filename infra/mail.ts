import { Duration, Stack } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as ses from "aws-cdk-lib/aws-ses";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { deadLetterQueue as makeDeadLetterQueue } from "./dead-letter-queue.ts";

/** The SES events Rapport acts on (suppression, engagement on the timeline) or counts. */
export const SES_EVENTS: readonly ses.EmailSendingEvent[] = [
  ses.EmailSendingEvent.SEND,
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.OPEN,
  ses.EmailSendingEvent.CLICK,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.RENDERING_FAILURE,
];

/** The EventBridge `detail-type` SES gives each of those events on the default bus. */
export const SES_DETAIL_TYPES: readonly string[] = [
  "Email Sent",
  "Email Delivered",
  "Email Bounced",
  "Email Complaint Received",
  "Email Opened",
  "Email Clicked",
  "Email Rejected",
  "Email Rendering Failed",
];

export interface MailProps {
  /** The From address of every email; its domain is the SES identity (verified by the owner, not by this stack). */
  senderEmail: string;
}

/**
 * Sending through SES v2: a configuration set (reputation metrics, TLS required) whose events
 * (sends, deliveries, bounces, complaints, opens, clicks, rejects, rendering failures) go to the
 * default EventBridge bus (the only bus SES can publish to), where a rule picks this
 * configuration set's events and hands them to the SES events function.
 *
 * The sending identity (the sender's domain) is not created here: it must be verified by its
 * owner (DKIM records in their DNS), and an identity the account already has would make the
 * deployment fail. `grantSend` names it, so nothing is sent from any other identity.
 */
export class Mail extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly senderEmail: string;
  readonly senderDomain: string;
  /** The account's default bus: SES publishes events nowhere else. */
  private readonly defaultBus: events.IEventBus;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    this.senderEmail = props.senderEmail;
    this.senderDomain = props.senderEmail.slice(props.senderEmail.lastIndexOf("@") + 1).toLowerCase();

    this.configurationSet = new ses.ConfigurationSet(this, "ConfigurationSet", {
      configurationSetName: `rapport-${Stack.of(this).stackName}`,
      reputationMetrics: true,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
    });
    this.defaultBus = events.EventBus.fromEventBusName(this, "DefaultBus", "default");
    this.configurationSet.addEventDestination("ToEventBridge", {
      destination: ses.EventDestination.eventBus(this.defaultBus),
      events: [...SES_EVENTS],
    });
  }

  /**
   * The rule on the default bus handing this configuration set's events (and no one else's) to
   * `handler`. EventBridge retries a failing invocation for a day, then parks the event in a
   * dead-letter queue (alarmed) instead of dropping a bounce or complaint without a trace.
   */
  deliverEventsTo(handler: lambda.IFunction): events.Rule {
    this.eventsDeadLetterQueue = makeDeadLetterQueue(this, "SesEventsDeadLetterQueue", "the dead-letter queue of the SES events rule");
    return new events.Rule(this, "SesEventsRule", {
      description: "SES events of Rapport's configuration set to the ses-events function",
      eventBus: this.defaultBus,
      eventPattern: {
        source: ["aws.ses"],
        detailType: [...SES_DETAIL_TYPES],
        // SES tags every event with the configuration set it was sent with; other senders in
        // the account stay out.
        detail: { mail: { tags: { "ses:configuration-set": [this.configurationSet.configurationSetName] } } },
      },
      targets: [new targets.LambdaFunction(handler, { deadLetterQueue: this.eventsDeadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });
  }

  /** Where SES events go that the handler failed on for a day (set by deliverEventsTo). */
  eventsDeadLetterQueue?: sqs.Queue;

  get configurationSetName(): string {
    return this.configurationSet.configurationSetName;
  }

  /** The sending identities: the sender's domain, and the address itself in case the owner verified that instead. */
  get identityArns(): string[] {
    const stack = Stack.of(this);
    return [this.senderDomain, this.senderEmail].map((name) => stack.formatArn({ service: "ses", resource: "identity", resourceName: name }));
  }

  get configurationSetArn(): string {
    return Stack.of(this).formatArn({ service: "ses", resource: "configuration-set", resourceName: this.configurationSetName });
  }

  /**
   * `ses:SendEmail` (SES v2) from the sender's identity with this configuration set, and only
   * with the configured From address. SES authorizes a send against the identity and the
   * configuration set, so both are named; no other identity, no other action.
   */
  grantSend(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["ses:SendEmail"],
        resources: [...this.identityArns, this.configurationSetArn],
        conditions: { StringEquals: { "ses:FromAddress": this.senderEmail } },
      }),
    );
  }
}
