import type { PROFILE_FIELD_NAMES } from "../core/fields.ts";
import type { Stage } from "../core/schema.ts";

export type ProfileField = (typeof PROFILE_FIELD_NAMES)[number];
export type Profile = Partial<Record<ProfileField, string>>;

/** The customer item as stored (flat, so counters can be updated in place). */
export interface CustomerItem extends Profile {
  PK: string;
  SK: string;
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
  lastPurchaseAt?: string;
  latestFeedbackScore?: number;
  consentMarketing?: boolean;
  consentAt?: string;
  consentVersion?: string;
  consentSource?: string;
  attribution?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  /** Retention engine state (issue #3). */
  /** The event id of the latest purchase (the feedback campaign's occurrence). */
  lastPurchaseId?: string;
  latestFeedbackAt?: string;
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
  /** The due index (GSI2): the earliest time something may be due. Absent: nothing due. */
  nextDueAt?: string;
  GSI2PK?: string;
  GSI2SK?: string;
}

export interface TimelineItem {
  id: string;
  at: string;
  type: string;
  summary?: string;
  data?: Record<string, unknown>;
}

/** A consent statement, kept on the timeline entry that carried it: the consent ledger. */
export interface ConsentRecord {
  granted: boolean;
  at: string;
  source: string;
  version: string;
  ip?: string;
}
