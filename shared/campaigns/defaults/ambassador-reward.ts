import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";
import { HI, TEAM, TRANSACTIONAL_FOOTER } from "./phrases.ts";

const reward = {
  en: letter("en", {
    subject: "You're one of our ambassadors: a thank-you gift",
    blocks: [
      HI.en,
      "Friends you sent our way have become customers of {{businessName|ours}}: you are one of our ambassadors. Thank you!",
      { fields: [["Your one-time code", "{{perkCode}}"]] },
      { link: "referralLink", label: "Your referral link" },
    ],
    signOff: ["With thanks,", TEAM.en],
    unsubscribe: TRANSACTIONAL_FOOTER.en,
  }),
  zh: letter("zh", {
    subject: "您已成为我们的推荐大使：一份感谢礼物",
    blocks: [
      HI.zh,
      "您推荐的朋友已成为{{businessName|我们}}的顾客：您是我们的推荐大使。谢谢您！",
      { fields: [["您的一次性代码", "{{perkCode}}"]] },
      { link: "referralLink", label: "您的推荐链接" },
    ],
    signOff: ["衷心感谢！", TEAM.zh],
    unsubscribe: TRANSACTIONAL_FOOTER.zh,
  }),
  nb: letter("nb", {
    subject: "Du er en av våre ambassadører: en takk fra oss",
    blocks: [
      HI.nb,
      "Venner du har sendt til oss, har blitt kunder hos {{businessName|oss}}: du er en av våre ambassadører. Tusen takk!",
      { fields: [["Din engangskode", "{{perkCode}}"]] },
      { link: "referralLink", label: "Din vervelenke" },
    ],
    signOff: ["Takk!", TEAM.nb],
    unsubscribe: TRANSACTIONAL_FOOTER.nb,
  }),
  id: letter("id", {
    subject: "Anda kini duta kami: hadiah terima kasih",
    blocks: [
      HI.id,
      "Teman-teman yang Anda ajak kini menjadi pelanggan {{businessName|kami}}: Anda salah satu duta kami. Terima kasih!",
      { fields: [["Kode sekali pakai Anda", "{{perkCode}}"]] },
      { link: "referralLink", label: "Tautan referensi Anda" },
    ],
    signOff: ["Terima kasih,", TEAM.id],
    unsubscribe: TRANSACTIONAL_FOOTER.id,
  }),
};

/**
 * The ambassador reward: when a referrer's referred people who bought reach
 * `rapport:ambassadorReferrals` (3), a thank-you with a one-time perk code from the pool
 * (`rapport perks import`). Transactional: it answers something the customer did and carries what
 * they earned, so it needs no marketing consent (an unsubscribed address still gets nothing).
 */
export const ambassadorRewardCampaign = {
  id: "ambassador-reward",
  name: "Ambassador reward",
  description: "A thank-you with a one-time perk code when a customer's referrals make them an ambassador.",
  enabled: true,
  kind: "transactional",
  recipient: "customer",
  trigger: { type: "ambassador" },
  audience: {},
  minDaysBetween: 0,
  templates: reward,
} satisfies CampaignInput & { id: string };
