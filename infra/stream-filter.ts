import { BROADCAST_PARTITION } from "../shared/entities/broadcast.ts";
import { CUSTOMER_PREFIX, ERASED_SK } from "../shared/entities/customer.ts";
import { TIMELINE_PREFIX } from "../shared/entities/timeline.ts";
import { VISITOR_PREFIX } from "../shared/entities/visitor.ts";

/**
 * Which table changes reach the report counters' stream consumer: only items whose partition key
 * starts with `CUST#` (profiles, timeline entries, send ledger entries: everything a report
 * counts) or `VISITOR#` (website visitors, whose visits go on a tied customer's timeline). The counters themselves (`REPORT#...`), API keys, idempotency records, email claims
 * and the like never invoke it, so its own writes cannot loop back through the stream.
 *
 * One pattern, read by both sides so they cannot drift: the CDK stack deploys it as the event
 * source mapping's filter criteria (Lambda evaluates it before invoking, and filtered-out records
 * are not billed), and the local stream poller (local/streams.ts) evaluates the same object with
 * {@link matchesEventFilter}. The pattern is matched against the record as Lambda sees it, so
 * the key is in DynamoDB JSON (`Keys.PK.S`).
 */
export const REPORTS_STREAM_FILTER = {
  dynamodb: { Keys: { PK: { S: [{ prefix: CUSTOMER_PREFIX }, { prefix: VISITOR_PREFIX }] } } },
} as const;

/**
 * Which table changes reach the outbox (functions/outbox.ts): timeline entries and tombstones in
 * customer partitions, the changes domain events are derived from (shared/outbox/events.ts).
 * Profile updates, send ledger entries and markers never invoke it.
 */
export const OUTBOX_STREAM_FILTER = {
  dynamodb: { Keys: { PK: { S: [{ prefix: CUSTOMER_PREFIX }] }, SK: { S: [{ prefix: TIMELINE_PREFIX }, ERASED_SK] } } },
} as const;

/** A Lambda event filter pattern: nested objects ending in arrays of allowed values or operators. */
export type FilterPattern = { readonly [field: string]: FilterPattern | readonly FilterValue[] };
type FilterValue = string | number | boolean | null | { readonly prefix: string } | { readonly exists: boolean };

/**
 * Lambda's event filtering for the subset of the pattern language Rapport uses: nested field
 * matching, literal values, `prefix` and `exists`. Every field named in the pattern must match;
 * an array of values matches when any one does. Any other operator (`anything-but`, `numeric`,
 * ...) throws, so a pattern changed for AWS cannot silently filter differently on the local stack.
 *
 * @example matchesEventFilter(REPORTS_STREAM_FILTER, { dynamodb: { Keys: { PK: { S: "CUST#c1" } } } }) // true
 */
export function matchesEventFilter(pattern: FilterPattern, event: unknown): boolean {
  for (const [field, expected] of Object.entries(pattern)) {
    const actual = event !== null && typeof event === "object" ? (event as Record<string, unknown>)[field] : undefined;
    if (Array.isArray(expected)) {
      if (!(expected as readonly FilterValue[]).some((value) => matchesValue(value, actual))) return false;
    } else if (!matchesEventFilter(expected as FilterPattern, actual)) {
      return false;
    }
  }
  return true;
}

function matchesValue(expected: FilterValue, actual: unknown): boolean {
  if (expected === null || typeof expected !== "object") {
    // A field holding an array matches when any element does (as in EventBridge patterns).
    return Array.isArray(actual) ? actual.some((a) => a === expected) : actual === expected;
  }
  if ("prefix" in expected) return typeof actual === "string" && actual.startsWith(expected.prefix);
  if ("exists" in expected) return (actual !== undefined) === expected.exists;
  throw new Error(`event filter operator not supported locally: ${JSON.stringify(expected)}`);
}

/**
 * Which table changes reach the broadcast scheduler (functions/broadcast-scheduler.ts): only the
 * newsletters' own items (`BROADCAST` / `<id>`), whose `nextAt` is what gets a schedule.
 */
export const BROADCAST_STREAM_FILTER = {
  dynamodb: { Keys: { PK: { S: [BROADCAST_PARTITION] } } },
} as const;
