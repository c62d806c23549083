import { Duration, Stack } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";

/** Every domain event carries this source (shared/aws/eventbridge-bus.ts). */
export const DOMAIN_EVENT_SOURCE = "rapport";

export interface EventBusProps {
  /** How long published events stay replayable. @default 30 days */
  archiveRetention?: Duration;
}

/**
 * The custom bus carrying Rapport's domain events (LeadCaptured, StageChanged, EmailSent, ...;
 * ids and facts only, no PII beyond the customer id). Other systems subscribe with their own
 * rules; the archive keeps the events for replay, so a subscriber added later or one that was
 * broken for a day can catch up.
 */
export class EventBus extends Construct {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;

  constructor(scope: Construct, id: string, props: EventBusProps = {}) {
    super(scope, id);
    this.bus = new events.EventBus(this, "Bus", {
      eventBusName: `rapport-${Stack.of(this).stackName}`,
      description: "Rapport domain events (source: rapport)",
    });
    this.archive = this.bus.archive("Archive", {
      description: "Rapport domain events, for replay",
      eventPattern: { source: [DOMAIN_EVENT_SOURCE] },
      retention: props.archiveRetention ?? Duration.days(30),
    });
  }

  get eventBusName(): string {
    return this.bus.eventBusName;
  }

  /** `events:PutEvents` on this bus only: for the functions that publish domain events. */
  grantPublish(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["events:PutEvents"], resources: [this.bus.eventBusArn] }));
  }
}
