import { randomUUID } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { SesEventBridgeEvent } from "../functions/ses-events.ts";
import type { Mailer, OutgoingMail } from "../shared/core/ports.ts";
import type { SesEvent } from "../shared/mail-feedback/outcomes.ts";

/**
 * SES's mailbox simulator, as SES answers it on AWS: a mail to one of these addresses is accepted
 * and then reported back as a bounce or a complaint. Every other accepted mail is reported
 * delivered (SES local delivers everything it accepts).
 * https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
const SIMULATOR: Record<string, "bounce" | "complaint" | "suppressed"> = {
  "bounce@simulator.amazonses.com": "bounce",
  "complaint@simulator.amazonses.com": "complaint",
  "suppressionlist@simulator.amazonses.com": "suppressed",
};

/** SES reports outcomes a moment after it accepts a mail; locally a short, fixed delay. */
const REPORT_DELAY_MS = 200;

/**
 * Stands in for what SES does after it accepts a mail and aws-ses-v2-local does not: it publishes
 * the configuration set's events (a Delivery for every accepted mail; a Bounce or a Complaint for
 * the mailbox simulator's addresses) in the EventBridge shape the deployed `ses-events` function
 * receives, to the very same handler. Without it every campaign reads "Delivered 0%" locally.
 *
 * Wraps the mailer the sender uses; a send that fails reports nothing, as on AWS.
 */
export class SimulatedSesEvents implements Mailer {
  private readonly pending = new Set<Promise<void>>();

  private readonly inner: Mailer;
  private readonly deliver: (event: SesEventBridgeEvent) => Promise<unknown>;
  private readonly logger: Logger;
  /** SES's clock: the instant a simulated sweep runs as of, so the outcome follows the send on the timeline. */
  private readonly now: () => Date;

  constructor(inner: Mailer, deliver: (event: SesEventBridgeEvent) => Promise<unknown>, logger: Logger, now: () => Date = () => new Date()) {
    this.inner = inner;
    this.deliver = deliver;
    this.logger = logger;
    this.now = now;
  }

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    const at = this.now();
    const result = await this.inner.send(mail);
    const report = new Promise<void>((resolve) => setTimeout(resolve, REPORT_DELAY_MS))
      .then(async () => {
        for (const event of sesEventsFor(mail, result.messageId, at)) await this.deliver(event);
      })
      .catch((err: unknown) => this.logger.error("simulated SES event failed", { messageId: result.messageId, error: (err as Error).name }))
      .finally(() => this.pending.delete(report));
    this.pending.add(report);
    return result;
  }

  /** Resolves once every event for the mails sent so far has been handled (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

/**
 * The events SES publishes for one accepted mail, shaped as "Contents of event data that Amazon
 * SES publishes" documents them (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html),
 * wrapped as EventBridge delivers them (source `aws.ses`).
 */
export function sesEventsFor(mail: OutgoingMail, messageId: string, at: Date): SesEventBridgeEvent[] {
  const sent = at.toISOString();
  const later = new Date(at.getTime() + 1000).toISOString();
  const record = {
    timestamp: sent,
    source: mail.from,
    messageId,
    destination: [mail.to],
    headersTruncated: false,
    tags: Object.fromEntries(Object.entries(mail.tags).map(([name, value]) => [name, [value]])),
  };
  const simulated = SIMULATOR[mail.to.trim().toLowerCase()];
  const details: { detailType: string; detail: SesEvent }[] = [];
  if (simulated === "bounce" || simulated === "suppressed") {
    details.push({
      detailType: "Email Bounced",
      detail: {
        eventType: "Bounce",
        mail: record,
        bounce: {
          bounceType: "Permanent",
          bounceSubType: simulated === "suppressed" ? "OnAccountSuppressionList" : "General",
          bouncedRecipients: [{ emailAddress: mail.to }],
          timestamp: later,
        },
      },
    });
  } else {
    details.push({ detailType: "Email Delivered", detail: { eventType: "Delivery", mail: record, delivery: { timestamp: later } } });
    if (simulated === "complaint") {
      details.push({
        detailType: "Email Complaint Received",
        detail: {
          eventType: "Complaint",
          mail: record,
          complaint: { complainedRecipients: [{ emailAddress: mail.to }], complaintFeedbackType: "abuse", timestamp: later },
        },
      });
    }
  }
  return details.map(({ detailType, detail }) => ({
    version: "0",
    id: randomUUID(),
    "detail-type": detailType,
    source: "aws.ses",
    account: "000000000000",
    time: later,
    region: "us-east-1",
    resources: [],
    detail,
  }));
}
