import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";
import { HI, MARKETING_FOOTER, TEAM } from "./phrases.ts";

const interest = {
  en: letter("en", {
    subject: "Still thinking about {{interest|it}}?",
    blocks: [
      HI.en,
      "We noticed you have been looking at {{interest|a few things}} on our site lately. If you have a question about it, just reply to this email and we will help you choose.",
      "Customers who liked the same things also chose:\n{{recommendations|our newest arrivals}}",
    ],
    signOff: ["All the best,", TEAM.en],
    unsubscribe: MARKETING_FOOTER.en,
  }),
  zh: letter("zh", {
    subject: "还在考虑{{interest|它}}吗？",
    blocks: [
      HI.zh,
      "我们注意到您最近在网站上浏览了{{interest|一些商品}}。如有任何疑问，直接回复这封邮件，我们很乐意帮您挑选。",
      "喜欢同类商品的顾客还选择了：\n{{recommendations|我们的新品}}",
    ],
    signOff: ["祝一切顺利！", TEAM.zh],
    unsubscribe: MARKETING_FOOTER.zh,
  }),
  nb: letter("nb", {
    subject: "Tenker du fortsatt på {{interest|det}}?",
    blocks: [
      HI.nb,
      "Vi ser at du har sett på {{interest|noe}} hos oss i det siste. Har du spørsmål, er det bare å svare på denne e-posten, så hjelper vi deg å velge.",
      "Kunder som likte det samme, valgte også:\n{{recommendations|våre nyheter}}",
    ],
    signOff: ["Beste hilsen", TEAM.nb],
    unsubscribe: MARKETING_FOOTER.nb,
  }),
  id: letter("id", {
    subject: "Masih memikirkan {{interest|itu}}?",
    blocks: [
      HI.id,
      "Kami melihat Anda beberapa kali melihat {{interest|produk kami}} di situs kami. Jika ada pertanyaan, cukup balas email ini dan kami akan membantu Anda memilih.",
      "Pelanggan yang menyukai hal yang sama juga memilih:\n{{recommendations|produk terbaru kami}}",
    ],
    signOff: ["Salam hangat,", TEAM.id],
    unsubscribe: MARKETING_FOOTER.id,
  }),
};

export const interestCampaign = {
  id: "interest-nudge",
  name: "Website interest, nothing bought yet",
  description:
    "A customer looked at one interest on the website 3 times in 14 days and bought nothing in it: a short note with what others who liked it chose. Marketing: needs consent.",
  enabled: true,
  kind: "marketing",
  recipient: "customer",
  trigger: { type: "interest", views: 3, days: 14 },
  audience: {},
  minDaysBetween: 30,
  templates: interest,
} satisfies CampaignInput & { id: string };
