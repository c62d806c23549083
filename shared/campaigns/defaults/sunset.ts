import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";
import { HI, MARKETING_FOOTER, TEAM } from "./phrases.ts";

// Built when asked for, so a bundle that never renders (the sweep's) leaves the text out.
const sunset = () => ({
  en: letter("en", {
    subject: "Do you still want to hear from us?",
    blocks: [
      HI.en,
      "You haven't opened our emails for a while. Still want our news and offers? Press the button, or we'll stop sending them soon.",
      { button: "keepUrl", label: "Yes, keep me subscribed" },
    ],
    signOff: [TEAM.en],
    unsubscribe: MARKETING_FOOTER.en,
  }),
  zh: letter("zh", {
    subject: "您还想收到我们的邮件吗？",
    blocks: [
      HI.zh,
      "您有一段时间没有打开我们的邮件了。还想收到我们的消息和优惠吗？请点击按钮，否则我们很快会停止发送。",
      { button: "keepUrl", label: "是的，继续订阅" },
    ],
    signOff: [TEAM.zh],
    unsubscribe: MARKETING_FOOTER.zh,
  }),
  nb: letter("nb", {
    subject: "Vil du fortsatt høre fra oss?",
    blocks: [
      HI.nb,
      "Det er en stund siden du åpnet e-postene våre. Vil du fortsatt få nyheter og tilbud? Trykk på knappen, ellers slutter vi snart å sende dem.",
      { button: "keepUrl", label: "Ja, jeg vil fortsatt få e-post" },
    ],
    signOff: [TEAM.nb],
    unsubscribe: MARKETING_FOOTER.nb,
  }),
  id: letter("id", {
    subject: "Apakah Anda masih ingin menerima kabar dari kami?",
    blocks: [
      HI.id,
      "Sudah lama Anda tidak membuka email kami. Masih ingin menerima kabar dan penawaran kami? Tekan tombol ini, atau kami akan segera berhenti mengirimnya.",
      { button: "keepUrl", label: "Ya, saya tetap berlangganan" },
    ],
    signOff: [TEAM.id],
    unsubscribe: MARKETING_FOOTER.id,
  }),
});

/**
 * The sunset's one re-permission email: no open or click for SUNSET_DAYS. Without an open, a
 * click or the button within SUNSET_GRACE_DAYS, marketing stops for the address (transactional
 * mail still goes). Disabling it turns the sunset off: nobody is stopped without being asked.
 */
export const sunsetCampaign = {
  id: "sunset-repermission",
  name: "Sunset: do you still want to hear from us?",
  description: "No opens or clicks for the sunset period: asks once; marketing stops if they don't engage within the grace period.",
  enabled: true,
  kind: "marketing",
  category: "newsletters",
  recipient: "customer",
  trigger: { type: "sunset" },
  audience: {},
  minDaysBetween: 0,
} satisfies Omit<CampaignInput, "templates"> & { id: string };

/** Its emails, apart from the definition: the sweep reads definitions only, and its bundle leaves the text out. */
export const sunsetTemplates = sunset;
