import type { Update } from "../aws/db.ts";
import type { MailCategory, PROFILE_FIELD_NAMES, Stage } from "../core/fields.ts";
import type { ScoreState } from "../lead-score/score.ts";
import type { DueIndexKey } from "./due.ts";
import type { TableKey } from "./table.ts";

/**
 * The customer entity: the profile item, its tombstone after erasure, and the stage index.
 *
 * Access patterns served (numbered as in shared/entities/table.ts):
 * 1. Get a customer by id: `PK = CUST#<id>, SK = PROFILE` (GetItem; BatchGetItem for the sweep).
 * 4. List customers by stage, most recently active first: the stage index (GSI1) with
 *    `GSI1PK = STAGE#<stage>, GSI1SK = <lastActivityAt>#<id>` (Query, ScanIndexForward=false).
 *    The sort key carries the id so two customers active in the same millisecond both appear,
 *    and so a cursor ("everything older than this sort key") is exact.
 * 15. Was this customer erased: `PK = CUST#<id>, SK = ERASED` (GetItem).
 *
 * The stage index keys are written only by `setStage` and `setActivity`, so they always follow
 * the stage and last activity they are derived from.
 */
export const CUSTOMER_PREFIX = "CUST#";
export const PROFILE_SK = "PROFILE";

export type ProfileField = (typeof PROFILE_FIELD_NAMES)[number];
export type Profile = Partial<Record<ProfileField, string>>;

/** The customer item as stored (flat, so counters can be updated in place). */
export interface CustomerItem extends Profile, Partial<DueIndexKey> {
  PK: string;
  SK: string;
  /** The stage index keys (`setStage`). */
  GSI1PK: string;
  GSI1SK: string;
  id: string;
  email: string;
  tags?: Set<string>;
  owner?: string;
  nextContactAt?: string;
  stage: Stage;
  orders: number;
  spendMinor: number;
  currency: string;
  lastActivityAt: string;
  firstPurchaseAt?: string;
  /** Lifetime spend right after the first purchase: the milestones it passed by itself are thanked for with it. */
  firstOrderSpendMinor?: number;
  lastPurchaseAt?: string;
  latestFeedbackScore?: number;
  consentMarketing?: boolean;
  consentAt?: string;
  consentVersion?: string;
  consentSource?: string;
  attribution?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  // What the retention engine (sweep and sender) keeps on the record, below.
  /** The event id of the latest purchase (the feedback campaign's occurrence). */
  lastPurchaseId?: string;
  latestFeedbackAt?: string;
  /** Marketing categories the person switched off on the preference page (absent or true: on). */
  mailPreferences?: Partial<Record<MailCategory, boolean>>;
  /** Whether mail may go to this address at all. Suppression items are the authority; this is the record's view. */
  emailStatus?: "ok" | "unsubscribed" | "bounced" | "complained";
  unsubscribedAt?: string;
  /** Double opt-in: a consent grant waiting for its confirmation link. */
  consentPending?: { at: string; source: string; version: string; ip?: string };
  /** When a double opt-in grant was confirmed through its link. */
  consentConfirmedAt?: string;
  /**
   * Per campaign (`sent#<campaignId>`): the last occurrence sent and when. The send ledger is the
   * authority; this is the sweep's cheap view. Flat attributes, so one can be set without the
   * others existing.
   */
  [sentAttribute: `sent#${string}`]: { occurrence: string; at: string } | undefined;
  /** When the lead last got a follow-up (call, meeting, note, email reply). */
  lastFollowUpAt?: string;
  /** When the last marketing email went out (frequency cap). */
  lastMarketingAt?: string;
  /** When the customer last got a low score follow-up or became at risk (occurrence keys). */
  atRiskSince?: string;
  lowFeedbackAt?: string;
  /** The latest open and click of an email SES reported (shared/mail-feedback): segments on engagement read them. */
  lastOpenedAt?: string;
  lastClickedAt?: string;
  /** Marketing messages opened since the last click, each message once (the opens_without_clicks trigger). */
  opensWithoutClick?: number;
  /** The first counted open of the current streak: the trigger's occurrence, so one streak sends once. */
  opensStreakSince?: string;
  /** When the first marketing email went out: the sunset's idle clock starts no earlier (shared/retention/engagement.ts). */
  firstMarketingAt?: string;
  /** When the customer clicked "keep me" in the re-permission email. */
  keptAt?: string;
  /** When marketing stopped for lack of opens and clicks, and since when they had been idle then. */
  sunsetAt?: string;
  sunsetIdleSince?: string;
  /** The comment that came with the latest low score, for the alert's task and email. */
  lowFeedbackComment?: string;
  /** The earliest time something may be due; with the due index keys (entities/due.ts). Absent: nothing due. */
  nextDueAt?: string;
  // Website tracking (shared/tracking/), kept by the table's stream consumer.
  /** Interest → views ever, per UTC day (the last 90 days) and the latest view. */
  interests?: Record<string, { n: number; d: Record<string, number>; last: string }>;
  /** Per tied visitor id, the page views already counted into `interests` (replays count once). */
  interestMarks?: Record<string, number>;
  /** Bumped on every write of `interests`: the optimistic check of concurrent writers. */
  interestsRev?: number;
  /** The website visitor ids tied to this customer (erased with them). */
  visitors?: Set<string>;
  /** Product keys and interests the customer has bought (cross-sell; the interest trigger's "bought nothing in it"). */
  bought?: Set<string>;
  boughtInterests?: Set<string>;
  /**
   * The lead score as of `leadScoreAt` (a reader decays it to now), copied from the score item
   * (entities/lead-score.ts) by the stream consumer, for lists, the stage index and segments.
   */
  leadScore?: ScoreState["leadScore"];
  leadScoreAt?: ScoreState["leadScoreAt"];
  // The advocate programme (shared/referrals/).
  /** This customer's referral code: their link is `/r/<code>` (pattern 27 points back here). */
  referralCode?: string;
  /** Who referred this customer: set once, when they arrived as a new lead through a referral link. */
  referredBy?: string;
  /** Leads this customer's link brought (new contacts only). */
  referredLeads?: number;
  /** Referred people who made a first purchase: the count that makes an ambassador. */
  referrals?: number;
  /** When the referrals reached the ambassador threshold: the programme status, and the reward campaign's occurrence. */
  ambassadorAt?: string;
  /** The perk code handed to this ambassador (one per person, claimed from the pool). */
  perkCode?: string;
  /** Since when the reward mail waits for the perk pool to be refilled (the owner's task says so). */
  perkWaitingSince?: string;
}

export function customerKey(customerId: string): TableKey {
  return { PK: customerPk(customerId), SK: PROFILE_SK };
}

/** The partition that holds everything of one customer: profile, timeline, sends, feedback markers. */
export function customerPk(customerId: string): string {
  return `${CUSTOMER_PREFIX}${customerId}`;
}

/**
 * An UpdateItem (or a transaction's `Update`) of the customer's profile item. Writers describe
 * their change with an `Update` and the fragments below; this names the item.
 */
export function customerUpdate(table: string, customerId: string, update: Update) {
  return { TableName: table, Key: customerKey(customerId), ...update.build() };
}

/**
 * The stage index (GSI1): customers by stage, most recently active first (access pattern 4).
 * Projects everything, so a listing reads no profile.
 */
export const STAGE_INDEX = { name: "GSI1", partitionKey: "GSI1PK", sortKey: "GSI1SK", projection: "ALL" } as const;

export function stageIndexKey(stage: string, lastActivityAt: string, customerId: string): { GSI1PK: string; GSI1SK: string } {
  return { GSI1PK: stagePartition(stage), GSI1SK: stageSortKey(lastActivityAt, customerId) };
}

export function stagePartition(stage: string): string {
  return `STAGE#${stage}`;
}

export function stageSortKey(lastActivityAt: string, customerId: string): string {
  return `${lastActivityAt}#${customerId}`;
}

/** Moves the customer to `stage` in the stage index, keeping their place by `lastActivityAt`. */
export function setStage(update: Update, customerId: string, stage: Stage, lastActivityAt: string): Update {
  const index = stageIndexKey(stage, lastActivityAt, customerId);
  return update.set("stage", stage).set(STAGE_INDEX.partitionKey, index.GSI1PK).set(STAGE_INDEX.sortKey, index.GSI1SK);
}

/**
 * Records activity at `at` on a customer who may not exist yet: last activity and the index sort
 * key move to `at`; stage and index partition are set to `initialStage` only where none exists,
 * so a repeat keeps its stage and a new customer gets one in the same write.
 */
export function setActivity(update: Update, customerId: string, at: string, initialStage: Stage): Update {
  return update
    .set("lastActivityAt", at)
    .set(STAGE_INDEX.sortKey, stageSortKey(at, customerId))
    .setIfNotExists("stage", initialStage)
    .setIfNotExists(STAGE_INDEX.partitionKey, stagePartition(initialStage));
}

/**
 * The key condition of a stage index Query (access pattern 4): the stage's customers, with
 * `before` those less recently active than that sort key (a listing's cursor), with `since` those
 * active at or after that instant. With both, the range is `BETWEEN` (a key condition allows one
 * on the sort key), which includes `before` itself: the caller drops that one item.
 */
export function stageQuery(stage: Stage, before?: string, since?: string) {
  const condition =
    before && since
      ? "GSI1PK = :pk AND GSI1SK BETWEEN :since AND :before"
      : before
        ? "GSI1PK = :pk AND GSI1SK < :before"
        : since
          ? "GSI1PK = :pk AND GSI1SK >= :since"
          : "GSI1PK = :pk";
  return {
    IndexName: STAGE_INDEX.name,
    KeyConditionExpression: condition,
    ExpressionAttributeValues: {
      ":pk": stagePartition(stage),
      ...(before ? { ":before": before } : {}),
      ...(since ? { ":since": since } : {}),
    } as Record<string, unknown>,
  };
}

/**
 * The tombstone of an erased customer (GDPR art. 17, right to erasure; access pattern 15):
 * `PK = CUST#<id>, SK = ERASED`. It replaces the profile under its own sort key rather than in place, so every reader and
 * conditional writer of `SK = PROFILE` sees an erased customer as absent: nothing written for the
 * old profile (a late purchase, a feedback click, a send) can land on the tombstone.
 */
export const ERASED_SK = "ERASED";

export function erasedCustomerKey(customerId: string): TableKey {
  return { PK: customerPk(customerId), SK: ERASED_SK };
}
