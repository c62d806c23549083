import * as z from "zod/mini";

/** A visitor id as the snippet makes it: 22 base64url characters (128 random bits); 16 to 64 accepted. */
export const VISITOR_ID = /^[A-Za-z0-9_-]{16,64}$/;
export const VisitorId = z.string().check(z.regex(VISITOR_ID, { error: "must be 16-64 letters, digits, - or _" }));

const interestName = z
  .string()
  .check(z.trim(), z.toLowerCase(), z.regex(/^[\p{Ll}\p{Lo}\p{N}][\p{Ll}\p{Lo}\p{N} _-]{0,39}$/u, { error: "must be 1-40 letters, digits, spaces, - or _" }));

const propValue = z.union([z.string().check(z.maxLength(200)), z.number(), z.boolean()]);

/** What the snippet sends: a page view or a custom event (`rapport.track(name, props)`). */
export const TrackInput = z
  .strictObject({
    type: z.enum(["pageview", "event"], { error: "must be pageview or event" }),
    // Absent without consent or under Global Privacy Control: then nothing is stored.
    visitorId: z.optional(VisitorId),
    path: z.string().check(z.maxLength(500, { error: "at most 500 characters" }), z.regex(/^\//, { error: "must start with /" })),
    interests: z.optional(z.array(interestName).check(z.maxLength(5, { error: "at most 5" }))),
    name: z.optional(z.string().check(z.trim(), z.regex(/^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,63}$/, { error: "must be 1-64 letters, digits, spaces, _ . : -" }))),
    link: z.optional(z.string().check(z.maxLength(1000))),
    // Only `interest` is used (a view of it); the other properties are not stored.
    props: z.optional(z.record(z.string().check(z.maxLength(40)), propValue).check(z.refine((p) => Object.keys(p).length <= 10, { error: "at most 10" }))),
  })
  .check(z.refine((t) => t.type !== "event" || Boolean(t.name), { error: "is required for an event", path: ["name"] }));
export type TrackInput = z.output<typeof TrackInput>;

export const TrackAccepted = z.object({
  stored: z.boolean(),
  reason: z.optional(z.enum(["no_visitor", "bot"])),
});

export const RecommendationsQuery = z.object({
  visitor: VisitorId,
  limit: z.optional(
    z.pipe(
      z.string().check(z.regex(/^\d{1,2}$/, { error: "must be a whole number from 1 to 20" })),
      z.transform((v) => Math.min(20, Math.max(1, Number(v)))),
    ),
  ),
});

/** What a site shows a visitor: what they care about, and products they have not bought. No personal data. */
export const Recommendations = z.object({
  interests: z.array(z.string()),
  products: z.array(z.object({ id: z.string(), name: z.string(), score: z.number() })),
});

/** One interest of a customer, as the 360° view shows it. */
export const CustomerInterest = z.object({
  name: z.string(),
  views: z.number(),
  /** In the last 30 days. */
  recentViews: z.number(),
  lastViewedAt: z.string(),
  bought: z.boolean(),
});
