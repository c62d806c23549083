import { ambassadorRewardTemplates } from "./defaults/ambassador-reward.ts";
import { birthdayTemplates } from "./defaults/birthday.ts";
import { consentConfirmationTemplates } from "./defaults/consent-confirmation.ts";
import { detractorAlertTemplates } from "./defaults/detractor-alert.ts";
import { feedbackRequestTemplates } from "./defaults/feedback-request.ts";
import { interestTemplates } from "./defaults/interest.ts";
import { leadFollowUpTemplates } from "./defaults/lead-follow-up.ts";
import { opensNoClicksTemplates } from "./defaults/opens-no-clicks.ts";
import { spendMilestoneTemplates } from "./defaults/spend-milestone.ts";
import { sunsetTemplates } from "./defaults/sunset.ts";
import { thankYouTemplates } from "./defaults/thank-you.ts";
import { winBackTemplates } from "./defaults/win-back.ts";
import { DEFAULT_DEFINITIONS } from "./definitions.ts";
import type { Campaign, Template } from "./schema.ts";

/**
 * The campaigns a fresh stack ships with (the README lists them), one file each under
 * ./defaults/. Their ids are fixed: the sweep, the sender and the feedback loop refer to them. A
 * PUT on one of these ids stores an edited copy that overrides it (shared/campaigns/store.ts);
 * the shipped version stays here. Their emails are written as letters (./letter.ts).
 */

/** Each default's emails, by its id (the definitions are in ./definitions.ts). */
const TEMPLATES: Record<string, Record<string, Template>> = {
  "thank-you": thankYouTemplates(),
  "feedback-request": feedbackRequestTemplates(),
  "spend-milestone": spendMilestoneTemplates(),
  birthday: birthdayTemplates(),
  "win-back": winBackTemplates(),
  "lead-follow-up": leadFollowUpTemplates(),
  "detractor-alert": detractorAlertTemplates(),
  "consent-confirmation": consentConfirmationTemplates(),
  "interest-nudge": interestTemplates(),
  "opens-no-clicks": opensNoClicksTemplates(),
  "sunset-repermission": sunsetTemplates(),
  "ambassador-reward": ambassadorRewardTemplates(),
};

/** The shipped defaults, by fixed id. */
export const DEFAULT_CAMPAIGNS: Campaign[] = DEFAULT_DEFINITIONS.map((campaign) => ({ ...campaign, templates: TEMPLATES[campaign.id]!, isDefault: true }));

/** The shipped default with this id, if there is one. */
export function defaultCampaign(id: string): Campaign | undefined {
  return DEFAULT_CAMPAIGNS.find((c) => c.id === id);
}

export const DEFAULT_CAMPAIGN_IDS: ReadonlySet<string> = new Set(DEFAULT_CAMPAIGNS.map((c) => c.id));
