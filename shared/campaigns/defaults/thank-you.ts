import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";
import { HI, TEAM } from "./phrases.ts";

// Built when asked for, so a bundle that never renders (the sweep's) leaves the text out.
const thankYou = () => ({
  en: letter("en", {
    subject: "Thank you for your first order",
    blocks: [
      HI.en,
      "Thank you for your first order with {{businessName|us}}! We're a small team, and every new customer genuinely makes our day.",
      "If you have a question, or anything isn't quite right, just reply to this email. A real person reads every message.",
    ],
    signOff: ["Warm regards,", TEAM.en],
  }),
  zh: letter("zh", {
    subject: "感谢您的首次订购",
    blocks: [
      HI.zh,
      "感谢您第一次在{{businessName|我们这里}}下单！我们是一个小团队，每一位新顾客都让我们特别开心。",
      "如果您有任何疑问，或者有哪里不太满意，直接回复这封邮件就好。每一条回复都由我们亲自阅读。",
    ],
    signOff: ["祝好！", TEAM.zh],
  }),
  nb: letter("nb", {
    subject: "Takk for din første bestilling",
    blocks: [
      HI.nb,
      "Tusen takk for din første bestilling hos {{businessName|oss}}! Vi er et lite team, og hver nye kunde gjør oss oppriktig glade.",
      "Lurer du på noe, eller er noe ikke helt som det skal? Bare svar på denne e-posten. Det er et ekte menneske som leser hver melding.",
    ],
    signOff: ["Vennlig hilsen", TEAM.nb],
  }),
  id: letter("id", {
    subject: "Terima kasih atas pesanan pertama Anda",
    blocks: [
      HI.id,
      "Terima kasih atas pesanan pertama Anda di {{businessName|toko kami}}! Kami tim kecil, dan setiap pelanggan baru benar-benar membuat hari kami lebih cerah.",
      "Jika ada pertanyaan atau ada yang kurang pas, cukup balas email ini. Setiap pesan dibaca langsung oleh tim kami.",
    ],
    signOff: ["Salam hangat,", TEAM.id],
  }),
});

export const thankYouCampaign = {
  id: "thank-you",
  name: "Thank you after the first purchase",
  description: "A personal thank-you right after a customer's first order.",
  enabled: true,
  kind: "transactional",
  recipient: "customer",
  trigger: { type: "first_purchase", delayHours: 0 },
  audience: {},
  minDaysBetween: 0,
} satisfies Omit<CampaignInput, "templates"> & { id: string };

/** Its emails, apart from the definition: the sweep reads definitions only, and its bundle leaves the text out. */
export const thankYouTemplates = thankYou;
