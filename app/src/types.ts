/**
 * The API's answers the pages read, typed from the very schemas the API validates and documents
 * with (type-only imports: nothing of zod reaches the browser bundle).
 */
import type * as z from "zod/mini";
import type * as s from "../../shared/customers/schema.ts";

export type { Campaign, CampaignInput, Template, Trigger } from "../../shared/campaigns/schema.ts";
export type {
  CampaignsReport,
  FunnelReport,
  ReferralsReport,
  RetentionReport,
  RevenueReport,
  Segment,
  SegmentsReport,
} from "../../shared/reports/types.ts";

export type CustomerSummary = z.output<typeof s.CustomerSummary>;
export type CustomerPage = z.output<typeof s.CustomerPage>;
export type Customer360 = z.output<typeof s.Customer360>;
export type TimelineEntry = z.output<typeof s.TimelineEntry>;
export type TimelinePage = z.output<typeof s.TimelinePage>;

/** One entry of the 360 view's `emailsSent` (the send ledger, shared/retention/send.ts). */
export interface EmailSent {
  campaignId?: string;
  occurrence?: string;
  kind?: string;
  recipient?: string;
  status?: string;
  subject?: string;
  claimedAt?: string;
  sentAt?: string;
  messageId?: string;
}
