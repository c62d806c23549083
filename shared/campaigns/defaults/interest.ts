import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";
import { HI, MARKETING_FOOTER, TEAM } from "./phrases.ts";

// Built when asked for, so a bundle that never renders (the sweep's) leaves the text out.
const interest = () => ({
  en: letter("en", {
    subject: "Still thinking about {{interest|it}}?",
    blocks: [HI.en, "Questions about {{interest|what you looked at}}? Just reply.", "Others who liked it also chose:\n{{recommendations|our new arrivals}}"],
    signOff: [TEAM.en],
    unsubscribe: MARKETING_FOOTER.en,
  }),
  zh: letter("zh", {
    subject: "还在考虑{{interest|它}}吗？",
    blocks: [HI.zh, "对{{interest|您浏览的商品}}有疑问？直接回复即可。", "喜欢它的顾客还选择了：\n{{recommendations|我们的新品}}"],
    signOff: [TEAM.zh],
    unsubscribe: MARKETING_FOOTER.zh,
  }),
  nb: letter("nb", {
    subject: "Tenker du fortsatt på {{interest|det}}?",
    blocks: [HI.nb, "Spørsmål om {{interest|det du så på}}? Bare svar.", "Andre som likte det, valgte også:\n{{recommendations|våre nyheter}}"],
    signOff: [TEAM.nb],
    unsubscribe: MARKETING_FOOTER.nb,
  }),
  id: letter("id", {
    subject: "Masih memikirkan {{interest|itu}}?",
    blocks: [
      HI.id,
      "Ada pertanyaan tentang {{interest|yang Anda lihat}}? Balas saja.",
      "Yang menyukainya juga memilih:\n{{recommendations|produk terbaru kami}}",
    ],
    signOff: [TEAM.id],
    unsubscribe: MARKETING_FOOTER.id,
  }),
});

/** An interest viewed 3 times in 14 days with nothing bought in it (website tracking). */
export const interestCampaign = {
  id: "interest-nudge",
  name: "Website interest, nothing bought yet",
  description: "Viewed one interest 3 times in 14 days, bought nothing in it.",
  enabled: true,
  kind: "marketing",
  category: "offers",
  recipient: "customer",
  trigger: { type: "interest", views: 3, days: 14 },
  audience: {},
  minDaysBetween: 30,
} satisfies Omit<CampaignInput, "templates"> & { id: string };

/** Its emails, apart from the definition: the sweep reads definitions only, and its bundle leaves the text out. */
export const interestTemplates = interest;
