/**
 * The outside world the retention engine talks to, as interfaces. Domain code receives these;
 * the composition roots pick the AWS adapters (shared/aws/) or the local ones (local/).
 */

/** Domain events on the bus, as the README documents them. Details carry ids and facts, never PII beyond the customer id. */
export const DOMAIN_EVENT_TYPES = [
  "LeadCaptured",
  "CustomerUpdated",
  "StageChanged",
  "PurchaseRecorded",
  "EmailSent",
  "FeedbackReceived",
  "Unsubscribed",
  "CustomerErased",
  "HotLead",
] as const;
export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

export interface DomainEvent {
  /**
   * Unique per change and the same on every redelivery of it (the table's stream record id):
   * consumers drop repeats by it. The bus carries it as the detail's `eventId`.
   */
  id: string;
  type: DomainEventType;
  customerId: string;
  /** When it happened (ISO 8601). */
  at: string;
  data?: Record<string, string | number | boolean | null>;
}

export interface EventBus {
  /** Throws when an event was not accepted: the outbox (shared/outbox/) fails its batch, and the stream delivers it again. */
  publish(events: DomainEvent[]): Promise<void>;
}

/** One email to send: which customer, which campaign, which occurrence of it (the ledger key). */
export interface SendRequest {
  customerId: string;
  campaignId: string;
  /** Distinguishes repeats of one campaign: a purchase id, a year, a milestone amount. */
  occurrence: string;
  /** When the sweep found it due. */
  dueAt: string;
  /** How many times the sender has handed it back while SES was not sending for the account. */
  pauses?: number;
  /** A test send to a person of the team, not to the customer (`POST /v1/campaigns/{id}/test`). */
  test?: TestSend;
}

/** Where a test send goes and in which language it is rendered. */
export interface TestSend {
  to: string;
  locale: string;
}

export interface SendQueue {
  /** `delaySeconds` (at most 900, as SQS allows): the messages are not handed out before then. */
  enqueue(requests: SendRequest[], options?: { delaySeconds?: number }): Promise<void>;
}

export interface OutgoingMail {
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  text: string;
  html: string;
  /** Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post. */
  headers: Record<string, string>;
  /** SES message tags: campaign and customer ids, so SES events can be attributed. */
  tags: Record<string, string>;
}

export interface Mailer {
  /** Sends one message; throws on failure (throttling included: the caller decides on retries). */
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}
