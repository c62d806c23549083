import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";
import { HI, TEAM, TRANSACTIONAL_FOOTER } from "./phrases.ts";

// Short on purpose: every default's letters ride in the sweep's and the sender's bundles.
// Built when asked for, so a bundle that never renders (the sweep's) leaves the text out.
const reward = () => ({
  en: letter("en", {
    subject: "A thank-you gift, ambassador",
    blocks: [HI.en, "Friends you sent us became customers. Thank you! Your one-time code: {{perkCode}}"],
    signOff: [TEAM.en],
    unsubscribe: TRANSACTIONAL_FOOTER.en,
  }),
  zh: letter("zh", {
    subject: "推荐大使的感谢礼物",
    blocks: [HI.zh, "您推荐的朋友已成为我们的顾客。谢谢您！您的一次性代码：{{perkCode}}"],
    signOff: [TEAM.zh],
    unsubscribe: TRANSACTIONAL_FOOTER.zh,
  }),
  nb: letter("nb", {
    subject: "En takk til deg, ambassadør",
    blocks: [HI.nb, "Venner du sendte til oss, har blitt kunder. Tusen takk! Din engangskode: {{perkCode}}"],
    signOff: [TEAM.nb],
    unsubscribe: TRANSACTIONAL_FOOTER.nb,
  }),
  id: letter("id", {
    subject: "Hadiah terima kasih, duta kami",
    blocks: [HI.id, "Teman yang Anda ajak kini pelanggan kami. Terima kasih! Kode sekali pakai Anda: {{perkCode}}"],
    signOff: [TEAM.id],
    unsubscribe: TRANSACTIONAL_FOOTER.id,
  }),
});

/**
 * The ambassador reward: when a referrer's referred people who bought reach
 * `rapport:ambassadorReferrals` (3), a thank-you with a one-time perk code from the pool
 * (`rapport perks import`). Transactional: it answers something the customer did and carries what
 * they earned, so it needs no marketing consent (an unsubscribed address still gets nothing).
 */
export const ambassadorRewardCampaign = {
  id: "ambassador-reward",
  name: "Ambassador reward",
  description: "A one-time perk code for a new ambassador.",
  enabled: true,
  kind: "transactional",
  recipient: "customer",
  trigger: { type: "ambassador" },
  audience: {},
  minDaysBetween: 0,
} satisfies Omit<CampaignInput, "templates"> & { id: string };

/** Its emails, apart from the definition: the sweep reads definitions only, and its bundle leaves the text out. */
export const ambassadorRewardTemplates = reward;
