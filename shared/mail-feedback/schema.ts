import * as z from "zod/mini";

/**
 * The shape of an SES email sending event as the configuration set's EventBridge destination
 * delivers it: the EventBridge envelope, and as `detail` the event record described in "Contents
 * of event data that Amazon SES publishes". Every record is checked against it before any of it
 * is used, because a record that makes the handler throw is delivered again and again: one that
 * does not fit is dropped, and only its ids are logged.
 *
 * Only the fields the CRM reads are declared; the rest (headers, commonHeaders, the delivery's
 * SMTP response...) pass through unchecked and unused. Limits are SES's own where it has them
 * (50 recipients a message, 256-character tag values) and otherwise generous bounds that keep a
 * hostile value out of a DynamoDB key.
 */

/** `eventType` values the documentation lists (spelled as documented, and as the SDK enums run the words together). */
export const SES_EVENT_TYPES = [
  "Bounce",
  "Complaint",
  "Delivery",
  "Send",
  "Reject",
  "Open",
  "Click",
  "Rendering Failure",
  "RenderingFailure",
  "DeliveryDelay",
  "Subscription",
] as const;

/** `notificationType` values of identity notifications (events not published through a configuration set). */
const NOTIFICATION_TYPES = ["Bounce", "Complaint", "Delivery", "AmazonSnsSubscriptionSucceeded"] as const;

/** SES sends to at most 50 recipients per message. */
const MAX_RECIPIENTS = 50;

/** An address as SES reports it: plain `local@domain`, at most 320 characters (64 + @ + 255). */
const Address = z.string().check(z.minLength(3), z.maxLength(320), z.includes("@"));

/** A timestamp field: any short string; a value that is not a date falls back to the next clue (see `applySesEvent`). */
const Timestamp = z.optional(z.string().check(z.maxLength(64)));

/** A short free-text field SES fills from a fixed vocabulary (bounce types, feedback types). */
const Word = z.string().check(z.maxLength(128));

/**
 * A message tag's values. SES allows letters, digits, `_`, `-`, `.`, `@` in a tag value, at most
 * 256 characters; the sender's `customer`, `campaign` and `occurrence` tags become parts of keys,
 * so they are held to that.
 */
const TagValues = z.optional(z.array(z.string().check(z.regex(/^[\x21-\x7e]{1,256}$/))).check(z.maxLength(10)));

const Recipients = (field: string) =>
  z.optional(
    z.array(z.looseObject({ emailAddress: Address })).check(z.minLength(1), z.maxLength(MAX_RECIPIENTS, { error: `at most ${MAX_RECIPIENTS} ${field}` })),
  );

/** The mail object every event record carries. */
const Mail = z.looseObject({
  timestamp: Timestamp,
  messageId: z.string().check(z.minLength(1), z.maxLength(256)),
  destination: z.optional(z.array(Address).check(z.maxLength(MAX_RECIPIENTS))),
  // Only the sender's own tags are read; SES's (`ses:source-ip`...) are left out of the result.
  tags: z.optional(z.object({ customer: TagValues, campaign: TagValues, occurrence: TagValues })),
});

/** An SES event record (the EventBridge event's `detail`). */
export const SesEventRecord = z
  .looseObject({
    eventType: z.optional(z.enum(SES_EVENT_TYPES)),
    notificationType: z.optional(z.enum(NOTIFICATION_TYPES)),
    mail: Mail,
    bounce: z.optional(
      z.looseObject({
        bounceType: z.optional(Word),
        bounceSubType: z.optional(Word),
        bouncedRecipients: Recipients("bounced recipients"),
        timestamp: Timestamp,
      }),
    ),
    complaint: z.optional(
      z.looseObject({
        complainedRecipients: Recipients("complained recipients"),
        complaintFeedbackType: z.optional(Word),
        complaintSubType: z.optional(z.nullable(Word)),
        timestamp: Timestamp,
      }),
    ),
    delivery: z.optional(z.looseObject({ timestamp: Timestamp })),
    open: z.optional(z.looseObject({ timestamp: Timestamp })),
    // Links can be long (tracking parameters); only scheme, host and path are kept.
    click: z.optional(z.looseObject({ timestamp: Timestamp, link: z.optional(z.string().check(z.maxLength(8192))) })),
  })
  .check(
    z.refine((r) => r.eventType !== undefined || r.notificationType !== undefined, {
      error: "has neither eventType nor notificationType",
      path: ["eventType"],
    }),
  );

export type SesEventRecord = z.output<typeof SesEventRecord>;

/**
 * The EventBridge envelope around an SES event. `time` is kept only when it is a date (it is the
 * fallback for an event's own time); `id` and `detail-type` are for the log.
 */
export const SesEventBridgeEnvelope = z.looseObject({
  id: z.optional(z.string().check(z.maxLength(128))),
  "detail-type": z.optional(z.string().check(z.maxLength(128))),
  source: z.literal("aws.ses"),
  time: z.catch(
    z.optional(
      z.pipe(
        z.string().check(
          z.maxLength(64),
          z.refine((s) => !Number.isNaN(Date.parse(s))),
        ),
        z.transform((s) => new Date(s).toISOString()),
      ),
    ),
    undefined,
  ),
  detail: SesEventRecord,
});

export type SesEventBridgeEnvelope = z.output<typeof SesEventBridgeEnvelope>;

/**
 * Where a record failed the schema, as paths and issue codes only (`detail.bounce.bouncedRecipients.0.emailAddress:
 * too_big`): never the values, which may be addresses.
 */
export function issuePaths(error: z.core.$ZodError): string[] {
  return error.issues.slice(0, 10).map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.code}`);
}
