import { customerPk, STAGE_INDEX } from "./customer.ts";
import type { TableKey } from "./table.ts";

/**
 * The lead score's sort entry: customers by lead score, highest first (access pattern 25).
 *
 * An item beside the profile, `PK = CUST#<id>, SK = SCORE`, holds the score's state and carries
 * the GSI1 keys `GSI1PK = SCORE, GSI1SK = <rank>#<id>`; a page is a Query of that one partition,
 * descending, then one BatchGetItem of the page's profiles. GSI1 is shared with the stage index and Today
 * (`STAGE#…`, `TASKS#…` and `SCORE` never meet), so no index is added; the entry sits in the
 * customer's partition, so erasure takes it along. Sparse: only a customer with a score has one.
 *
 * Every score decays by the same factor, so the order of decayed-to-now scores never changes
 * without a write. The rank is that order frozen: `log2(score) + (days since 1970) ÷ half-life`,
 * the logarithm of the score decayed "backwards" to a fixed instant. Comparing two ranks compares
 * the two scores at any common instant, now included. A changed half-life re-ranks each customer
 * at their next scored activity.
 */
export const SCORE_SK = "SCORE";
export const SCORE_PARTITION = "SCORE";
export const SCORE_INDEX = STAGE_INDEX;

const DAY_MS = 86_400_000;
/** Keeps ranks positive: log2 of the smallest score kept is above -60; days ÷ half-life stays far below this. */
const RANK_OFFSET = 1e9;

export function scoreEntryKey(customerId: string): TableKey {
  return { PK: customerPk(customerId), SK: SCORE_SK };
}

/** The sort key part that orders scores decayed to any common instant; fixed width, so strings sort as numbers. */
export function scoreRank(score: number, at: string, halfLifeDays: number): string {
  const value = Math.log2(score) + Date.parse(at) / DAY_MS / halfLifeDays + RANK_OFFSET;
  return value.toFixed(6).padStart(20, "0");
}

/**
 * The score item, written whole (a Put) after every scored activity: the sort entry's keys and the
 * score's whole state (parts by source, the log of recent activities, the hot flag, the revision).
 * The state lives here rather than on the profile, which carries only `leadScore` and
 * `leadScoreAt`: the profile is on the stage index with every attribute, so each byte on it is paid
 * twice by every write of the customer, whatever that write is about.
 */
export function scoreEntry<State extends { leadScore: number; leadScoreAt: string }>(customerId: string, state: State, halfLifeDays: number) {
  return {
    ...scoreEntryKey(customerId),
    [SCORE_INDEX.partitionKey]: SCORE_PARTITION,
    [SCORE_INDEX.sortKey]: `${scoreRank(Math.max(state.leadScore, 1e-6), state.leadScoreAt, halfLifeDays)}#${customerId}`,
    type: "lead_score",
    customerId,
    ...state,
  };
}

/** The customer id of an entry `scoreQuery` found. */
export function scoreEntryCustomerId(entry: Record<string, unknown>): string {
  const sortKey = String(entry[SCORE_INDEX.sortKey]);
  return sortKey.slice(sortKey.lastIndexOf("#") + 1);
}

/** The Query of customers by score, highest first; with `before`, those ranked below that sort key (a cursor). Without the table name. */
export function scoreQuery(before?: string) {
  return {
    IndexName: SCORE_INDEX.name,
    KeyConditionExpression: before ? "GSI1PK = :pk AND GSI1SK < :before" : "GSI1PK = :pk",
    ExpressionAttributeValues: { ":pk": SCORE_PARTITION, ...(before ? { ":before": before } : {}) } as Record<string, unknown>,
    ScanIndexForward: false,
  };
}
