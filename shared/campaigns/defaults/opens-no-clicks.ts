import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";
import { HI, MARKETING_FOOTER, TEAM } from "./phrases.ts";

// Short on purpose: a reader who opens and never clicks gets a question, not another offer.
// Built when asked for, so a bundle that never renders (the sweep's) leaves the text out.
const opensNoClicks = () => ({
  en: letter("en", {
    subject: "Are our emails still useful to you?",
    blocks: [
      HI.en,
      "You read our emails, thank you. Are they what you want to hear about? Choose what you'd like to get from us:",
      { link: "preferencesUrl", label: "Choose your emails" },
      "Or just reply and tell us what would be more useful.",
    ],
    signOff: [TEAM.en],
    unsubscribe: MARKETING_FOOTER.en,
  }),
  zh: letter("zh", {
    subject: "我们的邮件对您还有用吗？",
    blocks: [
      HI.zh,
      "感谢您阅读我们的邮件。这些内容是您想看的吗？请选择您希望收到的邮件：",
      { link: "preferencesUrl", label: "选择邮件类型" },
      "也可以直接回复，告诉我们什么内容对您更有用。",
    ],
    signOff: [TEAM.zh],
    unsubscribe: MARKETING_FOOTER.zh,
  }),
  nb: letter("nb", {
    subject: "Er e-postene våre fortsatt nyttige for deg?",
    blocks: [
      HI.nb,
      "Du leser e-postene våre, takk for det. Er det dette du vil høre om? Velg hva du vil få fra oss:",
      { link: "preferencesUrl", label: "Velg e-poster" },
      "Eller bare svar og fortell oss hva som ville vært mer nyttig.",
    ],
    signOff: [TEAM.nb],
    unsubscribe: MARKETING_FOOTER.nb,
  }),
  id: letter("id", {
    subject: "Apakah email kami masih bermanfaat untuk Anda?",
    blocks: [
      HI.id,
      "Terima kasih sudah membaca email kami. Apakah isinya sesuai dengan yang Anda inginkan? Pilih email yang ingin Anda terima:",
      { link: "preferencesUrl", label: "Pilih email Anda" },
      "Atau balas saja dan beri tahu kami apa yang lebih bermanfaat.",
    ],
    signOff: [TEAM.id],
    unsubscribe: MARKETING_FOOTER.id,
  }),
});

/** Opened 5 marketing emails in a row, clicked none: ask what they want (the preference page). */
export const opensNoClicksCampaign = {
  id: "opens-no-clicks",
  name: "Opens but never clicks",
  description: "Opened 5 marketing emails in a row without a click: asks what they would like to get.",
  enabled: true,
  kind: "marketing",
  category: "newsletters",
  recipient: "customer",
  trigger: { type: "opens_without_clicks", opens: 5 },
  audience: {},
  minDaysBetween: 90,
} satisfies Omit<CampaignInput, "templates"> & { id: string };

/** Its emails, apart from the definition: the sweep reads definitions only, and its bundle leaves the text out. */
export const opensNoClicksTemplates = opensNoClicks;
