import { STAGES, type Stage } from "../core/fields.ts";
import { toMinor } from "../core/money.ts";
import { leadScoreNow, type ScoreState } from "../lead-score/score.ts";
import { monthsBetween } from "../reports/dates.ts";
import { frequencyScore, recencyScore, segmentOf } from "../reports/rfm.ts";
import type { Segment } from "../reports/types.ts";
import { FIELDS, type Field, type Op } from "./fields.ts";

/**
 * The segment matcher: whether one customer (the attributes a stage index query projected) meets
 * a segment's conditions at a given instant. Pure, so the API, the bench and the unit tests run the
 * very same function.
 */

export interface Condition {
  field: Field;
  op: Op;
  value: string | number | boolean;
}

export interface SegmentDefinition {
  match: "all" | "any";
  conditions: readonly Condition[];
}

/** A customer as the evaluation reads it: only the projected attributes are there. */
export type MatchInput = Record<string, unknown>;

const DAY_MS = 86_400_000;

/**
 * Does `customer` belong to the segment at `now`? `all`: every condition holds; `any`: at least
 * one does. A segment without conditions is everyone under `all` and no one under `any`, as the
 * empty AND and OR are. A missing attribute is no value: a customer without a last purchase is
 * neither before nor after any date, and has no RFM segment; missing numbers (lead score) are 0,
 * missing tags and interests are empty, a missing email status is `ok`.
 */
export function matches(definition: SegmentDefinition, customer: MatchInput, now: Date, options: MatchOptions = {}): boolean {
  const holds = (c: Condition) => conditionHolds(c, customer, now, options);
  return definition.match === "all" ? definition.conditions.every(holds) : definition.conditions.some(holds);
}

/** What a match needs besides the customer: the lead score's half-life, to decay a score to `now`. */
export interface MatchOptions {
  /** Without it, `leadScore` compares the score as last written. */
  scoreHalfLifeDays?: number;
}

/** One condition against one customer. */
export function conditionHolds(condition: Condition, customer: MatchInput, now: Date, options: MatchOptions = {}): boolean {
  const { field, op, value } = condition;
  switch (field) {
    case "stage":
      return compareEq(op, customer.stage, value);
    case "rfmSegment":
      return compareEq(op, rfmSegmentOf(customer, now), value);
    case "locale":
    case "country":
      return compareEq(op, lower(customer[field]), lower(value));
    case "emailStatus":
      return compareEq(op, customer.emailStatus ?? "ok", value);
    case "consent":
      return compareEq(op, customer.consentMarketing === true, value);
    case "tags":
      return hasTag(customer.tags, String(value));
    case "interests":
      return hasInterest(customer.interests, String(value));
    case "orders":
      return compareNumber(op, numberOr(customer.orders, 0), Number(value));
    case "leadScore":
      // The score decays without writes: compare it as of now, as the customer list shows it.
      return compareNumber(
        op,
        options.scoreHalfLifeDays !== undefined && typeof customer.leadScoreAt === "string"
          ? leadScoreNow(customer as ScoreState, options.scoreHalfLifeDays, now)
          : numberOr(customer.leadScore, 0),
        Number(value),
      );
    case "lifetimeSpend": {
      // Spend is kept in the customer's currency's minor unit; the condition speaks in major units.
      const currency = typeof customer.currency === "string" ? customer.currency : "EUR";
      return compareNumber(op, numberOr(customer.spendMinor, 0), minorOf(Number(value), currency));
    }
    case "firstPurchaseAt":
    case "lastPurchaseAt":
    case "lastOpenedAt":
    case "lastClickedAt":
      return compareDate(op, customer[field], value, now);
  }
}

/**
 * The customer's RFM segment at `now`, scored exactly as the segments report scores its cells
 * (recency by calendar months since the last purchase's month, frequency by orders); undefined
 * for a customer who never bought.
 */
export function rfmSegmentOf(customer: MatchInput, now: Date): Segment | undefined {
  const orders = numberOr(customer.orders, 0);
  const last = customer.lastPurchaseAt;
  if (orders < 1 || typeof last !== "string") return undefined;
  return segmentOf(recencyScore(monthsBetween(last.slice(0, 7), now.toISOString().slice(0, 7))), frequencyScore(orders));
}

/** The customer attributes the conditions read: what the evaluation's ProjectionExpression asks for. */
export function attributesFor(definition: SegmentDefinition): string[] {
  return [...new Set(definition.conditions.flatMap((c) => FIELDS[c.field].attributes))];
}

/**
 * The stages a member can be in, so an evaluation queries only those partitions of the stage
 * index: under `all`, each stage condition narrows them; under `any`, they narrow only when every
 * condition is about the stage.
 */
export function stagesFor(definition: SegmentDefinition): Stage[] {
  const stageConditions = definition.conditions.filter((c) => c.field === "stage");
  const allowedBy = (c: Condition) => STAGES.filter((s) => compareEq(c.op, s, c.value));
  if (definition.match === "all") return STAGES.filter((s) => stageConditions.every((c) => allowedBy(c).includes(s)));
  if (stageConditions.length === 0 || stageConditions.length < definition.conditions.length) return [...STAGES];
  return STAGES.filter((s) => stageConditions.some((c) => allowedBy(c).includes(s)));
}

/**
 * Whether the segment is decided by the stage alone: then its members are exactly the customers of
 * `stagesFor`, and its count is the sum of the stage counters, with no customer read.
 */
export function isStageOnly(definition: SegmentDefinition): boolean {
  return definition.conditions.length > 0 && definition.conditions.every((c) => c.field === "stage");
}

function compareEq(op: Op, actual: unknown, expected: unknown): boolean {
  if (op === "eq") return actual === expected;
  if (op === "neq") return actual !== expected;
  return false;
}

function compareNumber(op: Op, actual: number, expected: number): boolean {
  switch (op) {
    case "eq":
      return actual === expected;
    case "neq":
      return actual !== expected;
    case "gte":
      return actual >= expected;
    case "lte":
      return actual <= expected;
    default:
      return false;
  }
}

/**
 * Dates: `before` a day means earlier than its start, `after` a day means from the next day on
 * (a bare `YYYY-MM-DD` is that UTC day); an instant compares exactly. `within_days` N: at or after
 * N days before now.
 */
function compareDate(op: Op, actual: unknown, value: unknown, now: Date): boolean {
  if (typeof actual !== "string") return false;
  const at = Date.parse(actual);
  if (Number.isNaN(at)) return false;
  if (op === "within_days") return at >= now.getTime() - Number(value) * DAY_MS && at <= now.getTime();
  const text = String(value);
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const bound = Date.parse(day ? `${text}T00:00:00Z` : text);
  if (op === "before") return at < bound;
  if (op === "after") return at >= (day ? bound + DAY_MS : bound + 1);
  return false;
}

function hasTag(tags: unknown, wanted: string): boolean {
  const tag = wanted.trim().toLowerCase();
  if (tags instanceof Set) return tags.has(tag);
  return Array.isArray(tags) && tags.includes(tag);
}

function hasInterest(interests: unknown, wanted: string): boolean {
  if (!interests || typeof interests !== "object") return false;
  const count = (interests as Record<string, unknown>)[wanted.trim().toLowerCase()] ?? (interests as Record<string, unknown>)[wanted.trim()];
  return typeof count === "number" && count > 0;
}

/** `toMinor` asks Intl for the currency's digits; an evaluation asks the same question 100,000 times. */
const minorCache = new Map<string, number>();
function minorOf(amount: number, currency: string): number {
  const key = `${amount}#${currency}`;
  let minor = minorCache.get(key);
  if (minor === undefined) {
    minor = toMinor(amount, currency);
    if (minorCache.size > 1000) minorCache.clear();
    minorCache.set(key, minor);
  }
  return minor;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

function lower(value: unknown): string | undefined {
  return typeof value === "string" ? value.trim().toLowerCase() : undefined;
}
