import type { TableKey } from "./table.ts";
import { TTL_ATTRIBUTE } from "./table.ts";

/**
 * The website visitor entity: one small item per anonymous visitor id the tracking snippet sent
 * (only with the site's consent), holding the current visit and the interest counts.
 *
 * Access pattern 23: a visitor by id: `PK = VISITOR#<visitorId>, SK = VISITOR` (GetItem, then one
 * UpdateItem per page view). Anonymous visitors carry the TTL attribute and vanish by themselves;
 * tying one to a customer (a form post, a link in an email) removes it, and the customer's item
 * lists the visitor ids it owns, so erasing the customer erases them.
 *
 * Interest counts are flat attributes (`int#<interest>`), so a page view adds to one without the
 * others existing; the current visit's interests and events are small maps (`vi`, `ve`) replaced
 * whole when a visit starts.
 */
export const VISITOR_PREFIX = "VISITOR#";
export const VISITOR_SK = "VISITOR";
export const INTEREST_ATTRIBUTE_PREFIX = "int#";

export function visitorKey(visitorId: string): TableKey {
  return { PK: `${VISITOR_PREFIX}${visitorId}`, SK: VISITOR_SK };
}

/** The visitor id of a visitor item's key, or undefined for any other item. */
export function visitorIdOf(key: { PK?: unknown; SK?: unknown }): string | undefined {
  return typeof key.PK === "string" && key.PK.startsWith(VISITOR_PREFIX) && key.SK === VISITOR_SK ? key.PK.slice(VISITOR_PREFIX.length) : undefined;
}

/** The visitor item as stored. */
export interface VisitorItem {
  PK: string;
  SK: string;
  type: "visitor";
  /** The customer this visitor turned out to be; absent while anonymous. */
  customerId?: string;
  firstAt: string;
  lastAt: string;
  /** Page views ever. */
  views: number;
  /** When the current visit started (page views less than 30 minutes apart are one visit). */
  visitAt: string;
  visitPages: number;
  /** The current visit's first and latest page paths. */
  visitEntry?: string;
  visitPath?: string;
  /** The current visit's interests and custom events, name → count. */
  vi?: Record<string, number>;
  ve?: Record<string, number>;
  /** TTL (epoch seconds): anonymous visitors only. */
  [TTL_ATTRIBUTE]?: number;
  [interest: `int#${string}`]: number | undefined;
}

/** The interest counts of a visitor item (`int#<name>` attributes), name → views. */
export function interestCounts(item: object | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(item ?? {}))
    if (k.startsWith(INTEREST_ATTRIBUTE_PREFIX) && typeof v === "number") out[k.slice(INTEREST_ATTRIBUTE_PREFIX.length)] = v;
  return out;
}

/** What one page view or event adds to a visitor. */
export interface VisitorHit {
  at: string;
  path: string;
  interests: string[];
  event?: string;
  /** Starts a new visit (first view, or 30 minutes since the last). */
  newVisit: boolean;
  /** TTL epoch seconds for an anonymous visitor; undefined for one tied to a customer. */
  expiresAt?: number;
  /** The `lastAt` read before this write: the update applies only if no other hit came in between. */
  previousLastAt?: string;
  /** A page view (counts as a page) or an event (counts only its name). */
  pageView: boolean;
}

/**
 * The UpdateItem of one hit (without the table name): one write, with an optimistic check on
 * `lastAt` so two concurrent hits of one visitor never both start a visit. Written by hand rather
 * than with the update builder because the visit's maps take nested paths.
 */
export function visitorHitUpdate(visitorId: string, hit: VisitorHit) {
  const names: Record<string, string> = { "#lastAt": "lastAt", "#firstAt": "firstAt", "#type": "type", "#views": "views", "#visitPages": "visitPages" };
  const values: Record<string, unknown> = { ":at": hit.at, ":type": "visitor", ":zero": 0, ":one": 1 };
  const sets = ["#lastAt = :at", "#firstAt = if_not_exists(#firstAt, :at)", "#type = :type"];
  const adds: string[] = [];
  const removes: string[] = [];
  if (hit.pageView) adds.push("#views :one");
  if (hit.newVisit) {
    names["#visitAt"] = "visitAt";
    names["#vi"] = "vi";
    names["#ve"] = "ve";
    names["#visitEntry"] = "visitEntry";
    values[":vi"] = Object.fromEntries(hit.interests.map((i) => [i, 1]));
    values[":ve"] = hit.event ? { [hit.event]: 1 } : {};
    values[":pages"] = hit.pageView ? 1 : 0;
    values[":path"] = hit.path;
    sets.push("#visitAt = :at", "#visitPages = :pages", "#vi = :vi", "#ve = :ve", "#visitEntry = :path");
  } else {
    if (hit.pageView) adds.push("#visitPages :one");
    hit.interests.forEach((interest, n) => {
      names[`#vi${n}`] = interest;
      names["#vi"] = "vi";
      sets.push(`#vi.#vi${n} = if_not_exists(#vi.#vi${n}, :zero) + :one`);
    });
    if (hit.event) {
      names["#ve"] = "ve";
      names["#ev"] = hit.event;
      sets.push("#ve.#ev = if_not_exists(#ve.#ev, :zero) + :one");
    }
  }
  if (hit.pageView) {
    names["#visitPath"] = "visitPath";
    values[":path"] = hit.path;
    sets.push("#visitPath = :path");
  }
  hit.interests.forEach((interest, n) => {
    names[`#int${n}`] = `${INTEREST_ATTRIBUTE_PREFIX}${interest}`;
    adds.push(`#int${n} :one`);
  });
  names["#ttl"] = TTL_ATTRIBUTE;
  if (hit.expiresAt !== undefined) {
    values[":ttl"] = hit.expiresAt;
    sets.push("#ttl = :ttl");
  } else removes.push("#ttl");
  let condition = "attribute_not_exists(#lastAt)";
  if (hit.previousLastAt !== undefined) {
    values[":prev"] = hit.previousLastAt;
    condition = "#lastAt = :prev";
  }
  const expression = [`SET ${sets.join(", ")}`, adds.length ? `ADD ${adds.join(", ")}` : "", removes.length ? `REMOVE ${removes.join(", ")}` : ""]
    .filter(Boolean)
    .join(" ");
  // DynamoDB refuses placeholders an expression does not use.
  const used = (placeholder: string) => new RegExp(`${placeholder}(?![A-Za-z0-9_])`).test(`${expression} ${condition}`);
  return {
    Key: visitorKey(visitorId),
    UpdateExpression: expression,
    ConditionExpression: condition,
    ExpressionAttributeNames: Object.fromEntries(Object.entries(names).filter(([k]) => used(k))),
    ExpressionAttributeValues: Object.fromEntries(Object.entries(values).filter(([k]) => used(k))),
  };
}

/**
 * Ties a visitor to a customer (a form post or a link in an email carried its id): the customer
 * id is set and the TTL removed, so the visitor is kept as long as the customer. Creates the item
 * when the visitor never sent a page view.
 */
export function tieVisitorUpdate(visitorId: string, customerId: string, at: string) {
  return {
    Key: visitorKey(visitorId),
    UpdateExpression:
      "SET #customerId = :c, #type = :type, #firstAt = if_not_exists(#firstAt, :at), #lastAt = if_not_exists(#lastAt, :at), #tiedAt = :at REMOVE #ttl",
    ExpressionAttributeNames: {
      "#customerId": "customerId",
      "#type": "type",
      "#firstAt": "firstAt",
      "#lastAt": "lastAt",
      "#tiedAt": "tiedAt",
      "#ttl": TTL_ATTRIBUTE,
    },
    ExpressionAttributeValues: { ":c": customerId, ":type": "visitor", ":at": at },
  };
}
