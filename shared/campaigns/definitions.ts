import { ambassadorRewardCampaign } from "./defaults/ambassador-reward.ts";
import { birthdayCampaign } from "./defaults/birthday.ts";
import { consentConfirmationCampaign } from "./defaults/consent-confirmation.ts";
import { detractorAlertCampaign } from "./defaults/detractor-alert.ts";
import { feedbackRequestCampaign } from "./defaults/feedback-request.ts";
import { interestCampaign } from "./defaults/interest.ts";
import { leadFollowUpCampaign } from "./defaults/lead-follow-up.ts";
import { opensNoClicksCampaign } from "./defaults/opens-no-clicks.ts";
import { spendMilestoneCampaign } from "./defaults/spend-milestone.ts";
import { sunsetCampaign } from "./defaults/sunset.ts";
import { thankYouCampaign } from "./defaults/thank-you.ts";
import { winBackCampaign } from "./defaults/win-back.ts";

/**
 * The shipped defaults' definitions (trigger, audience, kind, …) without their emails, in the
 * order ./defaults.ts lists them. What the sweep needs: it decides who is due and never renders,
 * so its bundle (close to the Lambda size budget) carries no email text. ./defaults.ts joins each
 * with its templates for everything that renders.
 */
export const DEFAULT_DEFINITIONS = [
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
  opensNoClicksCampaign,
  sunsetCampaign,
];

/** Every shipped default is written in these languages (test/campaigns.test.ts checks it). */
export const DEFAULT_LANGUAGES = ["en", "zh", "nb", "id"] as const;
