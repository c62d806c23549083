import { ambassadorRewardCampaign } from "./defaults/ambassador-reward.ts";
import { birthdayCampaign } from "./defaults/birthday.ts";
import { consentConfirmationCampaign } from "./defaults/consent-confirmation.ts";
import { detractorAlertCampaign } from "./defaults/detractor-alert.ts";
import { feedbackRequestCampaign } from "./defaults/feedback-request.ts";
import { interestCampaign } from "./defaults/interest.ts";
import { leadFollowUpCampaign } from "./defaults/lead-follow-up.ts";
import { spendMilestoneCampaign } from "./defaults/spend-milestone.ts";
import { thankYouCampaign } from "./defaults/thank-you.ts";
import { winBackCampaign } from "./defaults/win-back.ts";
import type { Campaign } from "./schema.ts";

/**
 * The campaigns a fresh stack ships with (the README lists them), one file each under
 * ./defaults/. Their ids are fixed: the sweep, the sender and the feedback loop refer to them. A
 * PUT on one of these ids stores an edited copy that overrides it (shared/campaigns/store.ts);
 * the shipped version stays here. Their emails are written as letters (./letter.ts).
 */

/** The shipped defaults, by fixed id. */
export const DEFAULT_CAMPAIGNS: Campaign[] = [
  thankYouCampaign,
  feedbackRequestCampaign,
  spendMilestoneCampaign,
  birthdayCampaign,
  winBackCampaign,
  leadFollowUpCampaign,
  detractorAlertCampaign,
  consentConfirmationCampaign,
  interestCampaign,
  ambassadorRewardCampaign,
].map((campaign) => ({ ...campaign, isDefault: true }));

/** The shipped default with this id, if there is one. */
export function defaultCampaign(id: string): Campaign | undefined {
  return DEFAULT_CAMPAIGNS.find((c) => c.id === id);
}

export const DEFAULT_CAMPAIGN_IDS: ReadonlySet<string> = new Set(DEFAULT_CAMPAIGNS.map((c) => c.id));
