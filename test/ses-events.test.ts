import { randomUUID } from "node:crypto";
import { Logger, type LogItem } from "@aws-lambda-powertools/logger";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SesEventBridgeEvent } from "../functions/ses-events.ts";
import { makeHandler } from "../functions/ses-events.ts";
import { getCustomerItem } from "../shared/customers/repository.ts";
import type { CustomerItem } from "../shared/entities/customer.ts";
import type { SesEvent } from "../shared/mail-feedback/outcomes.ts";
import { safeLink } from "../shared/mail-feedback/outcomes.ts";
import { getSuppression, isSuppressed } from "../shared/mail-feedback/suppression.ts";
import { useStack } from "./support/stack.ts";

const stack = useStack();
const handle = (event: SesEventBridgeEvent) => makeHandler(stack.deps)(event);

let counter = 0;
async function newCustomer(): Promise<{ id: string; email: string }> {
  const email = `ses-${++counter}-${Date.now()}@example.com`;
  const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email, consent: "yes" } });
  expect(res.status).toBe(201);
  // The change stream writes the new lead's due-index entry a moment later: let it land first.
  await stack.settleReports();
  return { id: res.body.customerId, email };
}

async function customer(id: string): Promise<CustomerItem> {
  return (await getCustomerItem(stack.deps, id, true))!;
}

async function timeline(id: string): Promise<{ id: string; at: string; type: string; summary?: string; data?: Record<string, any> }[]> {
  const res = await stack.api(`/v1/customers/${id}/timeline?limit=100`, { key: stack.adminKey });
  return res.body.items;
}
const ofType = async (id: string, type: string) => (await timeline(id)).filter((e) => e.type === type);

const DETAIL_TYPES: Record<string, string> = {
  Bounce: "Email Bounced",
  Complaint: "Email Complaint Received",
  Delivery: "Email Delivered",
  Open: "Email Opened",
  Click: "Email Clicked",
  Send: "Email Sent",
};

/**
 * An SES event as the configuration set's EventBridge destination delivers it: the envelope
 * EventBridge adds, and as detail the SES event record with the mail object the examples in
 * "Examples of event data that Amazon SES publishes" show (tags as lists of values).
 */
function sesEvent(
  eventType: string,
  to: string,
  specific: Record<string, unknown>,
  tags: Record<string, string> = {},
  messageId = `0100018e-${randomUUID()}-000000`,
): SesEventBridgeEvent {
  const sentAt = "2027-01-15T09:00:00.000Z";
  const detail = {
    eventType,
    mail: {
      timestamp: sentAt,
      source: "Fjord Coffee <hello@example.com>",
      sourceArn: "arn:aws:ses:eu-west-1:123456789012:identity/example.com",
      sendingAccountId: "123456789012",
      messageId,
      destination: [to],
      headersTruncated: false,
      headers: [
        { name: "From", value: "Fjord Coffee <hello@example.com>" },
        { name: "To", value: to },
        { name: "Subject", value: "How did we do?" },
      ],
      commonHeaders: { from: ["Fjord Coffee <hello@example.com>"], to: [to], messageId, subject: "How did we do?" },
      tags: {
        "ses:configuration-set": ["rapport"],
        "ses:source-ip": ["192.0.2.10"],
        "ses:from-domain": ["example.com"],
        "ses:caller-identity": ["rapport-sender"],
        ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, [v]])),
      },
    },
    ...specific,
  } as unknown as SesEvent;
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": DETAIL_TYPES[eventType] ?? eventType,
    source: "aws.ses",
    account: "123456789012",
    time: "2027-01-15T09:05:00Z",
    region: "eu-west-1",
    resources: ["arn:aws:ses:eu-west-1:123456789012:configuration-set/rapport"],
    detail,
  };
}

const tagsFor = (customerId: string) => ({ campaign: "feedback-request", customer: customerId, occurrence: "01JPURCHASE0000000000000000" });

function permanentBounce(to: string, tags: Record<string, string>, messageId?: string) {
  return sesEvent(
    "Bounce",
    to,
    {
      bounce: {
        bounceType: "Permanent",
        bounceSubType: "General",
        bouncedRecipients: [{ emailAddress: to, action: "failed", status: "5.1.1", diagnosticCode: "smtp; 550 5.1.1 user unknown" }],
        timestamp: "2027-01-15T09:00:02.669Z",
        feedbackId: "0100018e-feedback-000000",
        reportingMTA: "dsn; a1-2.smtp-out.eu-west-1.amazonses.com",
      },
    },
    tags,
    messageId,
  );
}

describe("SES events: bounces and complaints", () => {
  it("a permanent bounce suppresses the address, marks the customer bounced and goes on the timeline with the campaign", async () => {
    const c = await newCustomer();
    const outcome = await handle(permanentBounce(c.email, tagsFor(c.id), "msg-bounce-1"));
    expect(outcome).toBe("recorded");
    expect(await getSuppression(stack.deps, c.email)).toEqual({ reason: "bounced", at: "2027-01-15T09:00:02.669Z" });
    expect((await customer(c.id)).emailStatus).toBe("bounced");
    const entries = await ofType(c.id, "email_bounced");
    expect(entries).toEqual([
      expect.objectContaining({
        at: "2027-01-15T09:00:02.669Z",
        data: {
          messageId: "msg-bounce-1",
          campaignId: "feedback-request",
          occurrence: "01JPURCHASE0000000000000000",
          bounceType: "Permanent",
          bounceSubType: "General",
          status: "bounced",
        },
      }),
    ]);
    expect(JSON.stringify(entries)).not.toContain(c.email);
    await stack.settleReports();
    expect(stack.bus.events.filter((e) => e.customerId === c.id && e.type === "CustomerUpdated").map((e) => e.data?.change)).toEqual(["email_bounced"]);
  });

  it("a redelivered event (EventBridge delivers at least once) adds no second entry, even when both copies arrive at once", async () => {
    const c = await newCustomer();
    const event = permanentBounce(c.email, tagsFor(c.id));
    expect(await handle(event)).toBe("recorded");
    expect(await handle(structuredClone(event))).toBe("duplicate");
    const outcomes = await Promise.all([handle(structuredClone(event)), handle(structuredClone(event))]);
    expect(outcomes).toEqual(["duplicate", "duplicate"]);
    expect(await ofType(c.id, "email_bounced")).toHaveLength(1);

    const d = await newCustomer();
    const open = sesEvent(
      "Open",
      d.email,
      { open: { timestamp: "2027-01-15T10:00:00.000Z", userAgent: "Mozilla/5.0", ipAddress: "198.51.100.4" } },
      tagsFor(d.id),
    );
    const both = await Promise.all([handle(open), handle(structuredClone(open))]);
    expect(both.sort()).toEqual(["duplicate", "recorded"]);
    expect(await ofType(d.id, "email_opened")).toHaveLength(1);
  });

  it("a transient bounce goes on the timeline only: no suppression, status unchanged", async () => {
    const c = await newCustomer();
    const event = sesEvent(
      "Bounce",
      c.email,
      {
        bounce: {
          bounceType: "Transient",
          bounceSubType: "MailboxFull",
          bouncedRecipients: [{ emailAddress: c.email }],
          timestamp: "2027-01-15T09:01:00.000Z",
        },
      },
      tagsFor(c.id),
    );
    expect(await handle(event)).toBe("recorded");
    expect(await isSuppressed(stack.deps, c.email)).toBe(false);
    expect((await customer(c.id)).emailStatus).toBeUndefined();
    expect((await ofType(c.id, "email_bounced"))[0]!.data).toMatchObject({ bounceType: "Transient", bounceSubType: "MailboxFull" });
  });

  it("a complaint suppresses the address, marks the customer complained and withdraws marketing consent", async () => {
    const c = await newCustomer();
    expect((await customer(c.id)).consentMarketing).toBe(true);
    const event = sesEvent(
      "Complaint",
      c.email,
      {
        complaint: {
          feedbackId: "0100018e-complaint-000000",
          complaintSubType: null,
          complainedRecipients: [{ emailAddress: c.email }],
          timestamp: "2027-01-15T11:00:00.000Z",
          userAgent: "Mozilla/5.0",
          complaintFeedbackType: "abuse",
          arrivalDate: "2027-01-15T10:59:58.000Z",
        },
      },
      tagsFor(c.id),
    );
    expect(await handle(event)).toBe("recorded");
    expect(await getSuppression(stack.deps, c.email)).toEqual({ reason: "complained", at: "2027-01-15T11:00:00.000Z" });
    const after = await customer(c.id);
    expect(after).toMatchObject({ emailStatus: "complained", consentMarketing: false, consentSource: "spam_complaint" });
    expect(await ofType(c.id, "email_complained")).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ feedbackType: "abuse", campaignId: "feedback-request" }) }),
    ]);
    const view = await stack.api(`/v1/customers/${c.id}`, { key: stack.adminKey });
    expect(view.body.consent.marketing).toBe(false);

    // A bounce reported later never turns a complaint back into a mere bounce.
    await handle(permanentBounce(c.email, tagsFor(c.id)));
    expect((await customer(c.id)).emailStatus).toBe("complained");
  });
});

describe("SES events: engagement on the timeline", () => {
  it("delivery and open each add one entry", async () => {
    const c = await newCustomer();
    await handle(
      sesEvent(
        "Delivery",
        c.email,
        {
          delivery: {
            timestamp: "2027-01-15T09:00:01.000Z",
            processingTimeMillis: 546,
            recipients: [c.email],
            smtpResponse: "250 ok",
            reportingMTA: "a8-70.smtp-out.amazonses.com",
          },
        },
        tagsFor(c.id),
      ),
    );
    await handle(
      sesEvent("Open", c.email, { open: { timestamp: "2027-01-15T12:00:00.000Z", userAgent: "Mozilla/5.0", ipAddress: "198.51.100.4" } }, tagsFor(c.id)),
    );
    const items = await timeline(c.id);
    expect(items.filter((e) => e.type === "email_delivered")).toEqual([
      expect.objectContaining({ at: "2027-01-15T09:00:01.000Z", data: expect.objectContaining({ campaignId: "feedback-request" }) }),
    ]);
    expect(items.filter((e) => e.type === "email_opened")).toEqual([expect.objectContaining({ at: "2027-01-15T12:00:00.000Z" })]);
    // Engagement is not a status change: nothing else moved.
    expect((await customer(c.id)).emailStatus).toBeUndefined();
    expect(JSON.stringify(items)).not.toContain("198.51.100.4");
  });

  it("the customer keeps their latest open and click (what segments on engagement read), never moved back by a late older event", async () => {
    const c = await newCustomer();
    const open = (at: string) => handle(sesEvent("Open", c.email, { open: { timestamp: at } }, tagsFor(c.id)));
    await open("2027-01-15T12:00:00.000Z");
    await handle(sesEvent("Click", c.email, { click: { timestamp: "2027-01-15T12:05:00.000Z", link: "https://shop.example/" } }, tagsFor(c.id)));
    // An older open of another message, delivered late
    await open("2027-01-10T08:00:00.000Z");
    const item = await customer(c.id);
    expect(item.lastOpenedAt).toBe("2027-01-15T12:00:00.000Z");
    expect(item.lastClickedAt).toBe("2027-01-15T12:05:00.000Z");
    await open("2027-01-16T08:00:00.000Z");
    expect((await customer(c.id)).lastOpenedAt).toBe("2027-01-16T08:00:00.000Z");
  });

  it("a click keeps the link without its query string or fragment (tokens never reach the timeline)", async () => {
    const c = await newCustomer();
    const token = "eyJjIjoiY3VzXzAxIiwicCI6ImZlZWRiYWNrIiwiZSI6OTk5OTk5OTk5OX0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2ln";
    const event = sesEvent(
      "Click",
      c.email,
      {
        click: {
          timestamp: "2027-01-15T12:30:00.000Z",
          ipAddress: "198.51.100.4",
          userAgent: "Mozilla/5.0",
          link: `https://crm.example.com/v1/feedback?t=${token}&score=9#top`,
          linkTags: { samplekey0: ["samplevalue0"] },
        },
      },
      tagsFor(c.id),
    );
    expect(await handle(event)).toBe("recorded");
    const clicks = await ofType(c.id, "email_clicked");
    expect(clicks).toHaveLength(1);
    expect(clicks[0]!.data!.link).toBe("https://crm.example.com/v1/feedback");
    expect(clicks[0]!.summary).toBe("Clicked https://crm.example.com/v1/feedback");
    expect(JSON.stringify(clicks)).not.toContain(token);
    expect(JSON.stringify(clicks)).not.toContain("score=9");
  });

  it("safeLink keeps scheme, host and path only", () => {
    expect(safeLink("https://user:pass@shop.example.com/a/b?utm_source=x#y")).toBe("https://shop.example.com/a/b");
    expect(safeLink("http://shop.example.com")).toBe("http://shop.example.com/");
    expect(safeLink("mailto:someone@example.com?subject=hi")).toBe("mailto:");
    expect(safeLink("not a url")).toBeUndefined();
    expect(safeLink(undefined)).toBeUndefined();
  });
});

describe("SES events: which customer", () => {
  it("without a customer tag, the customer is found by the recipient's address, however SES spells it", async () => {
    const c = await newCustomer();
    const shouted = c.email.toUpperCase();
    expect(await handle(permanentBounce(shouted, {}))).toBe("recorded");
    expect((await customer(c.id)).emailStatus).toBe("bounced");
    expect(await isSuppressed(stack.deps, c.email)).toBe(true);
    expect((await ofType(c.id, "email_bounced"))[0]!.data).toEqual({
      messageId: expect.any(String),
      bounceType: "Permanent",
      bounceSubType: "General",
      status: "bounced",
    });
  });

  it("an alert to the customer's owner carries the customer's tag, but its bounce suppresses the owner's address and leaves the customer alone", async () => {
    const c = await newCustomer();
    const owner = `owner-${Date.now()}@shop.example.com`;
    const before = await customer(c.id);
    expect(await handle(permanentBounce(owner, { campaign: "detractor-alert", customer: c.id, occurrence: "2027-01-15T09:00:00.000Z" }))).toBe(
      "suppressed_only",
    );
    expect(await isSuppressed(stack.deps, owner)).toBe(true);
    expect(await isSuppressed(stack.deps, c.email)).toBe(false);
    expect(await customer(c.id)).toEqual(before);
    expect(await ofType(c.id, "email_bounced")).toHaveLength(0);
    expect(await handle(sesEvent("Open", owner, { open: { timestamp: "2027-01-15T12:00:00.000Z" } }, { customer: c.id }))).toBe("no_customer");
    expect(await ofType(c.id, "email_opened")).toHaveLength(0);
  });

  it("a bounce for an address no customer has is still suppressed; events that are not SES email events are ignored", async () => {
    const stranger = `stranger-${Date.now()}@example.org`;
    expect(await handle(permanentBounce(stranger, {}))).toBe("suppressed_only");
    expect(await getSuppression(stack.deps, stranger)).toMatchObject({ reason: "bounced" });
    const c = await newCustomer();
    expect(await handle(sesEvent("Send", c.email, { send: {} }, tagsFor(c.id)))).toBe("ignored");
    expect(await handle({ ...sesEvent("Open", c.email, {}, tagsFor(c.id)), source: "aws.events" })).toBe("ignored");
    expect(await ofType(c.id, "email_opened")).toHaveLength(0);
  });
});

/** A Powertools logger that keeps every line it would print instead of printing it. */
class CapturingLogger extends Logger {
  readonly lines: string[] = [];
  protected override printLog(_level: number, log: LogItem): void {
    this.lines.push(JSON.stringify(log.getAttributes()));
  }
}

/** Sets the value at a dotted path of a deep copy (array indices as numbers), creating nothing on the way. */
function withValueAt<T>(event: T, path: string, value: unknown): T {
  const copy = structuredClone(event) as Record<string, any>;
  const keys = path.split(".");
  let at: any = copy;
  for (const key of keys.slice(0, -1)) {
    if (at === null || typeof at !== "object") return copy as T;
    at = at[key];
  }
  if (at !== null && typeof at === "object") at[keys.at(-1)!] = value;
  return copy as T;
}

describe("SES events: records that do not fit the SES event schema are dropped, never thrown", () => {
  const logger = new CapturingLogger({ serviceName: "rapport", logLevel: "DEBUG" });
  const strict = (event: unknown) => makeHandler({ ...stack.deps, logger })(event);
  const huge = `${"a".repeat(100_000)}@example.com`;

  it("each poison shape seen in the wild is dropped as invalid, logged by id without the address, and writes nothing", async () => {
    const to = `poison-${Date.now()}@example.com`;
    const bounce = permanentBounce(to, {}, "msg-poison");
    const poisons: [string, unknown][] = [
      ["a null detail", { ...bounce, detail: null }],
      ["bouncedRecipients as a string", withValueAt(bounce, "detail.bounce.bouncedRecipients", to)],
      ["a recipient without an address", withValueAt(bounce, "detail.bounce.bouncedRecipients", [{}])],
      ["a numeric emailAddress", withValueAt(bounce, "detail.bounce.bouncedRecipients.0.emailAddress", 42)],
      ["mail.destination as a string", withValueAt(bounce, "detail.mail.destination", to)],
      ["a 100 KB address", withValueAt(withValueAt(bounce, "detail.bounce.bouncedRecipients.0.emailAddress", huge), "detail.mail.destination", [huge])],
      ["a 100 KB campaign tag", withValueAt(bounce, "detail.mail.tags.campaign", ["x".repeat(100_000)])],
      ["an unknown event type", withValueAt(bounce, "detail.eventType", "Teleported")],
      ["no mail object", withValueAt(bounce, "detail.mail", undefined)],
    ];
    for (const [name, event] of poisons) expect(await strict(event), name).toBe("invalid");
    expect(await isSuppressed(stack.deps, to)).toBe(false);
    expect(await isSuppressed(stack.deps, huge.toLowerCase())).toBe(false);
    const dropped = logger.lines.filter((l) => l.includes("dropped"));
    expect(dropped).toHaveLength(poisons.length);
    expect(dropped.every((l) => l.includes(bounce.id))).toBe(true);
    expect(dropped[1]).toContain("detail.bounce.bouncedRecipients");
    expect(logger.lines.join("\n")).not.toContain("@example.com");
  });

  it("an event that is not an object at all is ignored", async () => {
    for (const event of [null, undefined, 42, "aws.ses", [], { source: "aws.ses" }]) expect(await strict(event)).toMatch(/^(ignored|invalid)$/);
  });

  it("the handler never throws, whatever shape the event has (property-based)", async () => {
    const c = await newCustomer();
    const types = fc.constantFrom("Bounce", "Complaint", "Delivery", "Open", "Click", "Send", "Reject", "DeliveryDelay", "Subscription", "Rendering Failure");
    const paths = fc.constantFrom(
      "detail",
      "detail.eventType",
      "detail.mail",
      "detail.mail.messageId",
      "detail.mail.timestamp",
      "detail.mail.destination",
      "detail.mail.destination.0",
      "detail.mail.tags",
      "detail.mail.tags.customer",
      "detail.mail.tags.customer.0",
      "detail.mail.tags.campaign",
      "detail.mail.tags.occurrence",
      "detail.bounce",
      "detail.bounce.bounceType",
      "detail.bounce.bouncedRecipients",
      "detail.bounce.bouncedRecipients.0",
      "detail.bounce.bouncedRecipients.0.emailAddress",
      "detail.bounce.timestamp",
      "detail.complaint",
      "detail.complaint.complainedRecipients",
      "detail.click",
      "detail.click.link",
      "detail.open.timestamp",
      "time",
      "id",
    );
    const values = fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.constantFrom(null, "", huge, [huge], [{}], [{ emailAddress: 1 }], "not a date", "+275760-09-13T00:00:00.000Z", c.id, [c.id], "javascript:alert(1)"),
    );
    const specific = (type: string): Record<string, unknown> => ({
      bounce: { bounceType: "Permanent", bouncedRecipients: [{ emailAddress: c.email }], timestamp: "2027-01-15T09:00:02.669Z" },
      complaint: { complainedRecipients: [{ emailAddress: c.email }], timestamp: "2027-01-15T11:00:00.000Z" },
      delivery: { timestamp: "2027-01-15T09:00:01.000Z" },
      open: { timestamp: "2027-01-15T12:00:00.000Z" },
      click: { timestamp: "2027-01-15T12:30:00.000Z", link: "https://shop.example.com/a?b=c" },
      eventType: type,
    });
    await fc.assert(
      fc.asyncProperty(types, fc.array(fc.tuple(paths, values), { maxLength: 3 }), fc.option(fc.anything(), { freq: 10 }), async (type, changes, whole) => {
        let event: unknown = sesEvent(type, c.email, specific(type), tagsFor(c.id));
        for (const [path, value] of changes) event = withValueAt(event, path, value);
        if (whole !== null) event = whole;
        await expect(strict(event)).resolves.toMatch(/^(recorded|duplicate|suppressed_only|no_customer|ignored|invalid)$/);
      }),
      { numRuns: 300 },
    );
    expect(logger.lines.join("\n")).not.toContain(c.email);
  });
});
