import { randomUUID } from "node:crypto";
import { appendFile, readFile } from "node:fs/promises";
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

/** Where the local server answers the open pixel and the click links it adds (SES's tracking domain on AWS). */
export const TRACKING_PATH = "/_ses/";
/** The journal of tracked mails in the local data dir (npm start and `rapport sweep` both write it). */
export const SES_TRACKING_FILE = "ses-tracking.jsonl";
/** Mails whose opens and clicks are still told apart: the latest ones (a local stack's memory, not a database). */
const TRACKED_MAILS = 20_000;

interface TrackedMail {
  id: string;
  mail: Pick<OutgoingMail, "from" | "to" | "tags">;
  messageId: string;
  links: string[];
}

/** Where a stack's tracking URLs lead, and the file shared with `rapport sweep` (which sends from a process of its own). */
export interface TrackingOptions {
  /** The tracking URLs' base: the local API's URL and `TRACKING_PATH`. */
  base: string;
  /** One line per tracked mail; the server reads it for a URL it did not make itself. */
  journal?: string;
}

/** What the local server answers for a tracking URL. */
export type TrackingAnswer = { kind: "pixel" } | { kind: "redirect"; location: string } | { kind: "unknown" };

const ENTITIES: Record<string, string> = { "&amp;": "&", "&quot;": '"', "&#39;": "'", "&#x27;": "'", "&lt;": "<", "&gt;": ">" };

/**
 * The HTML part as SES's open and click tracking sends it: every http(s) link of an `<a>` goes
 * through a tracking URL that redirects to it, and a 1×1 image at the end of the body reports the
 * open (https://docs.aws.amazon.com/ses/latest/dg/faqs-metrics.html). The text part is left alone,
 * as SES leaves it. Returns the HTML and the links, by their number in the tracking URLs.
 */
export function withTracking(html: string, base: string, id: string): { html: string; links: string[] } {
  const links: string[] = [];
  const tracked = html.replace(/(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?:\/\/[^"']+)\2/gi, (_all, start: string, quote: string, href: string) => {
    links.push(href.replace(/&(amp|quot|#39|#x27|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity));
    return `${start}${quote}${base}click/${id}/${links.length - 1}${quote}`;
  });
  // loading="lazy": a viewer that lists every mail with its HTML hidden (SES local's does) does not
  // count each as opened; it loads when the mail is shown.
  const pixel = `<img src="${base}open/${id}" width="1" height="1" alt="" loading="lazy" style="display:block;border:0;width:1px;height:1px">`;
  const closing = tracked.search(/<\/body>/i);
  return { html: closing === -1 ? `${tracked}${pixel}` : `${tracked.slice(0, closing)}${pixel}${tracked.slice(closing)}`, links };
}

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
  /** With it, mails go out with SES-style open and click tracking (`withTracking`). */
  private readonly tracking?: TrackingOptions;
  private readonly tracked = new Map<string, TrackedMail>();

  constructor(
    inner: Mailer,
    deliver: (event: SesEventBridgeEvent) => Promise<unknown>,
    logger: Logger,
    now: () => Date = () => new Date(),
    tracking?: TrackingOptions,
  ) {
    this.inner = inner;
    this.deliver = deliver;
    this.logger = logger;
    this.now = now;
    if (tracking) this.tracking = tracking;
  }

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    const at = this.now();
    const id = randomUUID();
    const tracking = this.tracking && mail.html ? withTracking(mail.html, this.tracking.base, id) : undefined;
    const result = await this.inner.send(tracking ? { ...mail, html: tracking.html } : mail);
    if (tracking) {
      const entry = { id, mail: { from: mail.from, to: mail.to, tags: mail.tags }, messageId: result.messageId, links: tracking.links };
      this.remember(entry);
      if (this.tracking?.journal) await appendFile(this.tracking.journal, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    }
    const report = new Promise<void>((resolve) => setTimeout(resolve, REPORT_DELAY_MS))
      .then(async () => {
        for (const event of sesEventsFor(mail, result.messageId, at)) await this.deliver(event);
      })
      .catch((err: unknown) => this.logger.error("simulated SES event failed", { messageId: result.messageId, error: (err as Error).name }))
      .finally(() => this.pending.delete(report));
    this.pending.add(report);
    return result;
  }

  /**
   * A tracking URL was fetched (`open/<id>` or `click/<id>/<n>` under the tracking base): reports
   * the Open or Click event SES would publish to the same ses-events handler, and says what to
   * answer. Every fetch is an event, as with SES (a mail opened twice reports two opens); what
   * counts once is the handler's business. A link from before a restart is unknown: nothing to report.
   */
  async track(path: string, userAgent = "unknown"): Promise<TrackingAnswer> {
    const [kind, id, n] = path.split("/");
    const entry = id ? (this.tracked.get(id) ?? (await this.fromJournal(id))) : undefined;
    const link = kind === "click" && entry && n !== undefined && /^\d+$/.test(n) ? entry.links[Number(n)] : undefined;
    if (!entry || (kind !== "open" && !link)) return { kind: "unknown" };
    const at = this.now().toISOString();
    const record = mailRecord(entry.mail, entry.messageId, at);
    // The fields SES documents for these events; the handler reads only some of them.
    const open = { timestamp: at, ipAddress: "127.0.0.1", userAgent };
    const click = { ...open, link: link!, linkTags: {} };
    const detail: SesEvent = kind === "open" ? { eventType: "Open", mail: record, open } : { eventType: "Click", mail: record, click };
    await this.deliver(eventBridge(kind === "open" ? "Email Opened" : "Email Clicked", detail, at));
    return kind === "open" ? { kind: "pixel" } : { kind: "redirect", location: link! };
  }

  private remember(entry: TrackedMail): void {
    this.tracked.set(entry.id, entry);
    if (this.tracked.size > TRACKED_MAILS) this.tracked.delete(this.tracked.keys().next().value!);
  }

  /** A mail another process sent (`rapport sweep`): looked up in the journal both write. */
  private async fromJournal(id: string): Promise<TrackedMail | undefined> {
    if (!this.tracking?.journal) return undefined;
    const text = await readFile(this.tracking.journal, "utf8").catch(() => "");
    for (const line of text.split("\n")) {
      if (!line.includes(id)) continue;
      try {
        const entry = JSON.parse(line) as TrackedMail;
        if (entry.id === id) {
          this.remember(entry);
          return entry;
        }
      } catch {
        // A line cut short by a killed process: not the one asked for.
      }
    }
    return undefined;
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
  const later = new Date(at.getTime() + 1000).toISOString();
  const record = mailRecord(mail, messageId, at.toISOString());
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
  return details.map(({ detailType, detail }) => eventBridge(detailType, detail, later));
}

/** The `mail` object of every SES event record: the message as it was sent. */
function mailRecord(mail: Pick<OutgoingMail, "from" | "to" | "tags">, messageId: string, sentAt: string) {
  return {
    timestamp: sentAt,
    source: mail.from,
    messageId,
    destination: [mail.to],
    headersTruncated: false,
    tags: Object.fromEntries(Object.entries(mail.tags).map(([name, value]) => [name, [value]])),
  };
}

/** An SES event as EventBridge delivers it (source `aws.ses`). */
function eventBridge(detailType: string, detail: SesEvent, time: string): SesEventBridgeEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": detailType,
    source: "aws.ses",
    account: "000000000000",
    time,
    region: "us-east-1",
    resources: [],
    detail,
  };
}
