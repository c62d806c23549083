import * as z from "zod/mini";
import { CampaignInput } from "../campaigns/schema.ts";
import { instant } from "../core/dates.ts";
import { BROADCAST_ID_PATTERN } from "../entities/broadcast.ts";

/**
 * A newsletter (broadcast): one email to a saved segment's members at one time. The letters are
 * campaign templates (same placeholders, same checks, `en` required as the fallback), and it is
 * sent as a marketing email of the `newsletters` category through the campaigns' send queue and
 * sender, with all of their guardrails.
 */

export const BroadcastIdParam = z.string().check(z.regex(BROADCAST_ID_PATTERN, { error: "is not a newsletter id" }));

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$/;

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * When it goes out: one instant for everyone (`"2027-01-15T09:00:00Z"`), or a wall-clock time in
 * each recipient's own time zone (`{"localTime": "2027-01-15T10:00", "fallbackZone": "Europe/Oslo"}`;
 * a recipient without a valid zone gets it at that time in `fallbackZone`).
 */
export const SendAt = z.union(
  [
    instant(),
    z.strictObject({
      localTime: z.string({ error: "is required" }).check(z.regex(LOCAL_TIME, { error: "must be a local date and time, YYYY-MM-DDTHH:MM" })),
      fallbackZone: z.string({ error: "is required" }).check(z.refine(isTimeZone, { error: "must be an IANA time zone such as Europe/Oslo" })),
    }),
  ],
  {
    error: (issue) =>
      issue.input === undefined
        ? "is required"
        : "must be an ISO 8601 instant such as 2027-01-15T09:00:00Z, or {localTime: YYYY-MM-DDTHH:MM, fallbackZone: an IANA zone}",
  },
);
export type SendAt = z.output<typeof SendAt>;

export const BroadcastInput = z.strictObject({
  name: CampaignInput.shape.name,
  segmentId: z.string({ error: "is required" }).check(z.regex(/^seg_[0-9A-HJKMNP-TV-Z]{26}$/, { error: "is not a segment id" })),
  templates: CampaignInput.shape.templates,
  /** Absent: a draft until `schedule` names the time. */
  sendAt: z.optional(SendAt),
});
export type BroadcastInput = z.output<typeof BroadcastInput>;

/** `POST /v1/broadcasts/{id}/schedule`: the send time, unless the draft has one already. */
export const ScheduleInput = z.strictObject({ sendAt: z.optional(SendAt) });

export const BROADCAST_STATES = ["draft", "scheduled", "sending", "sent", "cancelled"] as const;
export type BroadcastState = (typeof BROADCAST_STATES)[number];

const count = z.number();

/** A newsletter as answered: its definition, state and figures. */
export const Broadcast = z.object({
  id: z.string(),
  name: z.string(),
  segmentId: z.string(),
  sendAt: z.optional(SendAt),
  state: z.enum(BROADCAST_STATES),
  /** The languages it has a letter in. */
  languages: z.array(z.string()),
  createdAt: z.string(),
  scheduledAt: z.optional(z.string()),
  cancelledAt: z.optional(z.string()),
  /** When the next recipients are due (the first send time before it starts); absent when nothing waits. */
  nextAt: z.optional(z.string()),
  counts: z.object({
    recipients: count.check(z.describe("Members of the segment when it was expanded.")),
    queued: count.check(z.describe("Handed to the send queue.")),
    waiting: count.check(z.describe("Members whose send time (their local time, or a deferral) has not come yet.")),
    sent: count,
    skipped: count,
    skippedReasons: z.record(z.string(), z.number()),
    deferred: count.check(z.describe("Held back by the frequency cap or quiet hours, then sent later (not dropped).")),
    delivered: count,
    opened: count,
    clicked: count,
    unsubscribed: count,
    complained: count,
    bounced: count,
  }),
});
export type Broadcast = z.output<typeof Broadcast>;

export const BroadcastWithTemplates = z.extend(Broadcast, { templates: CampaignInput.shape.templates });

export const BroadcastList = z.object({ items: z.array(Broadcast) });
