import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionFailed } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { ValidationError } from "../core/errors.ts";
import { tokenSecret, verifyToken } from "../email-links/tokens.ts";
import type { VisitorItem } from "../entities/visitor.ts";
import { visitorHitUpdate, visitorKey } from "../entities/visitor.ts";
import { validate } from "../http/http.ts";
import { isBot } from "./bots.ts";
import { pageInterests } from "./interests.ts";
import type { TrackInput } from "./schema.ts";
import { TrackInput as TrackSchema } from "./schema.ts";
import { tieVisitor } from "./tie.ts";

/** Page views less than this apart are one visit. */
export const VISIT_GAP_MS = 30 * 60_000;
/**
 * Requests one client IP may make per minute to POST /v1/track, per function instance: a person
 * browsing makes a few; a page left open that sends events in a loop is slowed down.
 */
export const TRACK_RATE_PER_MINUTE = 120;
/** The largest body POST /v1/track takes; a page view is a few hundred bytes. */
export const MAX_TRACK_BYTES = 4096;

export interface TrackOutcome {
  stored: boolean;
  reason?: "no_visitor" | "bot";
}

/**
 * Reads the snippet's body: JSON, sent by `navigator.sendBeacon` as text/plain (a type a beacon
 * may carry cross-origin without a preflight) or by fetch as application/json.
 */
export function parseTrackBody(text: string): TrackInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw ValidationError.field("body", "is not valid JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw ValidationError.field("body", "must be a JSON object");
  return validate(TrackSchema, value);
}

/**
 * Records one page view or event of a visitor: one GetItem and one UpdateItem of the visitor's
 * item (access pattern 23). A visit is page views less than 30 minutes apart; the visitor's
 * current visit and interest counts live on that one item, and the table's stream puts a known
 * customer's visits on their timeline (shared/tracking/stream.ts), off this path.
 *
 * Nothing is stored for a bot's user agent or without a visitor id (no consent yet, or Global
 * Privacy Control: the snippet then sends none).
 */
export async function recordHit(deps: Deps, input: TrackInput, userAgent: string | undefined): Promise<TrackOutcome> {
  if (isBot(userAgent)) return { stored: false, reason: "bot" };
  if (!input.visitorId) return { stored: false, reason: "no_visitor" };
  const interestProp = input.props?.interest;
  const declared = [
    ...(input.interests ?? []),
    ...(typeof interestProp === "string" && /^[\p{L}\p{N}][\p{L}\p{N} _-]{0,39}$/u.test(interestProp.trim()) ? [interestProp.trim().toLowerCase()] : []),
  ];
  const pageView = input.type === "pageview";
  if (input.link) await tieByLink(deps, input.visitorId, input.link);
  const interests = pageView ? pageInterests(input.path, declared, deps.config.tracking.interestPaths) : [...new Set(declared)];
  // One retry: a second hit of the same visitor that landed between the read and the write.
  for (let attempt = 0; ; attempt++) {
    const now = deps.clock.now();
    const at = now.toISOString();
    const previous = (await deps.db.send(new GetCommand({ TableName: deps.table, Key: visitorKey(input.visitorId), ConsistentRead: true }))).Item as
      | VisitorItem
      | undefined;
    const newVisit = !previous?.visitAt || now.getTime() - Date.parse(previous.lastAt) > VISIT_GAP_MS;
    const expiresAt = previous?.customerId ? undefined : Math.floor(now.getTime() / 1000) + deps.config.tracking.visitorTtlDays * 86_400;
    const update = visitorHitUpdate(input.visitorId, {
      at,
      path: input.path,
      interests,
      ...(input.type === "event" ? { event: input.name! } : {}),
      newVisit,
      expiresAt,
      previousLastAt: previous?.lastAt,
      pageView,
    });
    try {
      await deps.db.send(new UpdateCommand({ TableName: deps.table, ...update }));
      return { stored: true };
    } catch (err) {
      if (!isConditionFailed(err) || attempt >= 1) throw err;
    }
  }
}

/**
 * A page reached from a link in a Rapport email (`?rapport_c=<token>`, signed for the customer
 * with purpose "visit"): ties the visitor to that customer. A bad or expired token is ignored:
 * the page view still counts, anonymously.
 */
async function tieByLink(deps: Deps, visitorId: string, token: string): Promise<void> {
  const verified = verifyToken(await tokenSecret(deps), token, "visit", deps.clock.now());
  if (verified.ok) await tieVisitor(deps, visitorId, verified.payload.c);
  else deps.logger.info("tracking link ignored", { reason: verified.error });
}
