import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";

// Built when asked for, so a bundle that never renders (the sweep's) leaves the text out.
const detractorAlert = () => ({
  en: letter("en", {
    subject: "Low feedback score ({{score|0-6}}/10) from {{fullName|a customer}}",
    blocks: [
      "{{fullName|A customer}} ({{email|no email}}) just answered our feedback request with a score of {{score|0-6}} out of 10.",
      { label: "Their comment:", quote: "{{comment|(no comment)}}" },
      "A personal reply in the next day or two can turn this around: find out what went wrong and what would make it right.",
      { link: "customerUrl", label: "Open the customer in Rapport" },
    ],
    signOff: ["Rapport", "for {{businessName|your business}}"],
  }),
  zh: letter("zh", {
    subject: "收到低分反馈（{{score|0-6}}/10）：{{fullName|一位顾客}}",
    blocks: [
      "{{fullName|一位顾客}}（{{email|无邮箱}}）刚刚回复了我们的满意度调查，评分为 {{score|0-6}} 分（满分 10 分）。",
      { label: "对方的留言：", quote: "{{comment|（没有留言）}}" },
      "在一两天内亲自回复，往往能扭转局面：了解哪里出了问题，以及怎样才能弥补。",
      { link: "customerUrl", label: "在 Rapport 中查看该顾客" },
    ],
    signOff: ["Rapport 自动提醒"],
  }),
  nb: letter("nb", {
    subject: "Lav score ({{score|0-6}}/10) fra {{fullName|en kunde}}",
    blocks: [
      "{{fullName|En kunde}} ({{email|ingen e-post}}) har nettopp svart på spørsmålet vårt om tilbakemelding og gav oss {{score|0-6}} av 10.",
      { label: "Kommentaren:", quote: "{{comment|(ingen kommentar)}}" },
      "Et personlig svar i løpet av en dag eller to kan snu dette. Finn ut hva som gikk galt, og hva som skal til for å rette det opp.",
      { link: "customerUrl", label: "Åpne kunden i Rapport" },
    ],
    signOff: ["Rapport", "for {{businessName|bedriften din}}"],
  }),
  id: letter("id", {
    subject: "Skor masukan rendah ({{score|0-6}}/10) dari {{fullName|pelanggan}}",
    blocks: [
      "{{fullName|Seorang pelanggan}} ({{email|tanpa email}}) baru saja menjawab permintaan masukan kita dengan skor {{score|0-6}} dari 10.",
      { label: "Komentarnya:", quote: "{{comment|(tidak ada komentar)}}" },
      "Balasan pribadi dalam satu atau dua hari ke depan bisa mengubah keadaan: cari tahu apa yang salah dan apa yang bisa memperbaikinya.",
      { link: "customerUrl", label: "Buka pelanggan di Rapport" },
    ],
    signOff: ["Rapport", "untuk {{businessName|bisnis Anda}}"],
  }),
});

export const detractorAlertCampaign = {
  id: "detractor-alert",
  name: "Low feedback score alert",
  description: "Tells the owner when a customer scores 0-6, with their comment, so someone follows up.",
  enabled: true,
  kind: "transactional",
  recipient: "owner",
  trigger: { type: "low_feedback" },
  audience: {},
  minDaysBetween: 0,
} satisfies Omit<CampaignInput, "templates"> & { id: string };

/** Its emails, apart from the definition: the sweep reads definitions only, and its bundle leaves the text out. */
export const detractorAlertTemplates = detractorAlert;
