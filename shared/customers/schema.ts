import * as z from "zod/mini";
import { MAIL_CATEGORIES, STAGES } from "../core/fields.ts";
import { EmailField, isoDateTime, limit, optionalText, PROFILE_FIELD_NAMES, ProfileFields, Stage, TagsField } from "../core/schema.ts";
import { LEAD_SCORE_SOURCES } from "../core/settings.ts";
import { SEGMENTS } from "../reports/types.ts";
import { CustomerInterest } from "../tracking/schema.ts";

/** Every id `?segment=` accepts: the lifecycle stages, then the RFM value segments (never the same word). */
export const SEGMENT_IDS = [...STAGES, ...SEGMENTS] as const;
export type SegmentId = (typeof SEGMENT_IDS)[number];
const SegmentField = z.enum(SEGMENT_IDS);

export const ListCustomersQuery = z.object({
  q: z.optional(z.string().check(z.maxLength(200))),
  stage: z.optional(Stage),
  tag: z.optional(z.string().check(z.trim(), z.toLowerCase(), z.maxLength(50))),
  email: z.optional(z.string()),
  /** A lifecycle stage or an RFM value segment (champions, regulars, newcomers, potential, slipping, hibernating). */
  segment: z.optional(SegmentField),
  /**
   * `leadScore`: the customers who have a lead score, highest first (decayed to now), on their own
   * index; not with q, email, stage, tag or segment. Absent (or `lastActivity`): most recently active first.
   */
  sort: z.optional(z.enum(["lastActivity", "leadScore"])),
  limit: limit(25),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});

/** `GET /v1/exports/customers`: everyone, or a stage's or a value segment's people, optionally with a tag. */
export const ExportCustomersQuery = z.object({
  segment: ListCustomersQuery.shape.segment,
  tag: ListCustomersQuery.shape.tag,
  cursor: ListCustomersQuery.shape.cursor,
});

export const TimelineQuery = z.object({
  limit: limit(50),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});

type Clearable = z.core.$ZodType<string | null | undefined>;

/** A profile field in a PATCH: `null` or `""` clears it, a value replaces it, absent leaves it. */
function clearable(field: z.core.$ZodType<string | undefined>): Clearable {
  return z.optional(
    z.union([
      z.null(),
      z.pipe(
        z.literal(""),
        z.transform(() => null),
      ),
      field,
    ]),
  );
}

const ProfilePatchFields = Object.fromEntries(PROFILE_FIELD_NAMES.map((name) => [name, clearable(ProfileFields[name])])) as Record<
  keyof typeof ProfileFields,
  Clearable
>;

/** PATCH: profile fields, email (moves the lookup), tags (replace the set), owner, nextContactAt. */
export const CustomerPatch = z
  .strictObject({
    email: z.optional(EmailField),
    ...ProfilePatchFields,
    tags: z.optional(TagsField),
    owner: clearable(optionalText(200)),
    nextContactAt: z.optional(z.union([z.null(), isoDateTime])),
  })
  .check(z.refine((p) => Object.values(p).some((v) => v !== undefined), { error: "send at least one field to change", path: ["body"] }));
export type CustomerPatch = z.output<typeof CustomerPatch>;

/** `POST /v1/customers/{id}/subscription`: the customer asked to stop (false) or to get marketing email again (true). */
export const SubscriptionChange = z.strictObject({
  marketing: z.boolean({ error: "must be true (subscribe) or false (unsubscribe)" }),
  /** What the customer said, kept on the timeline. */
  reason: z.optional(z.string().check(z.trim(), z.maxLength(500))),
});

/**
 * Who made a change that came through the API: a signed-in person (their id in the user pool and
 * their name as it was then) or an API key (its id, as `rapport keys list` shows it).
 */
export const By = z.discriminatedUnion("type", [
  z.object({ type: z.literal("person"), id: z.string(), name: z.string() }),
  z.object({ type: z.literal("key"), id: z.string() }),
]);
export type By = z.output<typeof By>;

export const TimelineEntry = z.object({
  id: z.string(),
  at: z.string(),
  type: z.string(),
  summary: z.optional(z.string()),
  /** The words of a call, meeting or note. */
  text: z.optional(z.string()),
  data: z.optional(z.record(z.string(), z.unknown())),
  by: z.optional(By),
});

export const ConsentState = z.object({
  marketing: z.boolean(),
  updatedAt: z.optional(z.string()),
  version: z.optional(z.string()),
  source: z.optional(z.string()),
});

export const CustomerSummary = z.object({
  id: z.string(),
  email: z.string(),
  firstName: z.optional(z.string()),
  lastName: z.optional(z.string()),
  company: z.optional(z.string()),
  stage: Stage,
  tags: z.array(z.string()),
  owner: z.optional(z.string()),
  /** Absent in search results (`?q=`): the search index does not follow activity. */
  lastActivityAt: z.optional(z.string()),
  createdAt: z.string(),
  /** The lead score decayed to now, one decimal; absent for a customer never scored (and in search results). */
  leadScore: z.optional(z.number()),
});

const ScoreSource = z.enum(LEAD_SCORE_SOURCES);

/** The lead score in the 360° view: the score now, its parts by source, the trend and the latest scored activities. */
export const LeadScoreView = z.object({
  score: z.number(),
  hot: z.boolean(),
  threshold: z.number(),
  halfLifeDays: z.number(),
  updatedAt: z.string(),
  breakdown: z.record(ScoreSource, z.number()),
  trend: z.object({ days: z.number(), before: z.number(), change: z.number() }),
  recent: z.array(z.object({ source: ScoreSource, points: z.number(), at: z.string() })),
});

export const Metrics = z.object({
  orders: z.number(),
  lifetimeSpend: z.number(),
  currency: z.string(),
  lastActivityAt: z.string(),
  firstPurchaseAt: z.optional(z.string()),
  lastPurchaseAt: z.optional(z.string()),
  latestFeedbackScore: z.optional(z.number()),
});

export const Customer360 = z.object({
  id: z.string(),
  email: z.string(),
  profile: z.record(z.string(), z.string()),
  tags: z.array(z.string()),
  owner: z.optional(z.string()),
  nextContactAt: z.optional(z.string()),
  stage: Stage,
  /** Absent while mail may reach the address; otherwise why not (suppression list). */
  emailStatus: z.optional(z.enum(["unsubscribed", "bounced", "complained"])),
  /** Marketing categories as the person set them on the preference page (absent: all on). */
  mailPreferences: z.optional(z.partialRecord(z.enum(MAIL_CATEGORIES), z.boolean())),
  consent: ConsentState,
  metrics: Metrics,
  attribution: z.optional(z.record(z.string(), z.string())),
  createdAt: z.string(),
  updatedAt: z.string(),
  recentTimeline: z.array(TimelineEntry),
  emailsSent: z.array(z.record(z.string(), z.unknown())),
  /** From the website snippet: what they looked at, most viewed first. Absent before any tied visit. */
  interests: z.optional(z.array(CustomerInterest)),
  /** Engagement with marketing email: the open streak and the sunset (absent before any marketing email or open). */
  engagement: z.optional(
    z.object({
      lastOpenedAt: z.optional(z.string()),
      lastClickedAt: z.optional(z.string()),
      /** Marketing emails opened in a row without a click, each message once. */
      opensWithoutClick: z.number(),
      /** Since when nothing showed interest (open, click, "keep me", consent, first marketing email). */
      idleSince: z.optional(z.string()),
      /** When marketing stopped for lack of opens and clicks; absent while it goes (or after an open, click or new consent lifted it). */
      sunsetAt: z.optional(z.string()),
      /** When the customer pressed "keep me" in the re-permission email. */
      keptAt: z.optional(z.string()),
    }),
  ),
  /** Points from activity, decaying over time (see the README's Lead score). Absent before the first scored activity. */
  leadScore: z.optional(LeadScoreView),
  /** The advocate programme: absent for someone with no referral link who was not referred. */
  referral: z.optional(
    z.object({
      code: z.optional(z.string()),
      link: z.optional(z.string()),
      referredBy: z.optional(z.string()),
      referredLeads: z.number(),
      referrals: z.number().check(z.describe("Referred people who bought")),
      status: z.enum(["none", "promoter", "ambassador"]),
      ambassadorAt: z.optional(z.string()),
      perkCode: z.optional(z.string()),
      perkWaitingSince: z.optional(z.string()),
    }),
  ),
});

/** What a subscription change answers (`changed: false`: it already was so); the customer's page reads the rest again. */
export const SubscriptionChanged = z.object({ customerId: z.string(), changed: z.boolean(), marketing: z.boolean() });

export const CustomerPage = z.object({ items: z.array(CustomerSummary), nextCursor: z.nullable(z.string()) });
export const TimelinePage = z.object({ items: z.array(TimelineEntry), nextCursor: z.nullable(z.string()) });
