import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";
import { HI, TEAM, TRANSACTIONAL_FOOTER } from "./phrases.ts";

// Built when asked for, so a bundle that never renders (the sweep's) leaves the text out.
const feedbackRequest = () => ({
  en: letter("en", {
    subject: "How did we do?",
    blocks: [
      HI.en,
      "Thanks again for your recent order. We'd love to know how it went.",
      "How likely are you to recommend {{businessName|us}} to a friend or colleague? Pick a number from 0 (not at all likely) to 10 (extremely likely):",
      { scoreLinks: true },
      "It's one click, and you can add a comment on the next page if you like. We read every answer.",
    ],
    signOff: ["Thank you,", TEAM.en],
    unsubscribe: TRANSACTIONAL_FOOTER.en,
  }),
  zh: letter("zh", {
    subject: "想听听您的感受",
    blocks: [
      HI.zh,
      "再次感谢您最近的订购，我们很想知道这次的体验如何。",
      "您有多大可能把{{businessName|我们}}推荐给朋友或同事？请选择一个数字，0 表示完全不可能，10 表示非常可能：",
      { scoreLinks: true },
      "只需点一下；如果愿意，还可以在下一页留下您的意见。每一条反馈我们都会认真阅读。",
    ],
    signOff: ["谢谢您！", TEAM.zh],
    unsubscribe: TRANSACTIONAL_FOOTER.zh,
  }),
  nb: letter("nb", {
    subject: "Hvordan var opplevelsen din?",
    blocks: [
      HI.nb,
      "Takk igjen for at du handlet hos oss nylig. Vi vil gjerne høre hvordan det gikk.",
      "Hvor sannsynlig er det at du vil anbefale {{businessName|oss}} til en venn eller kollega? Velg et tall fra 0 (svært lite sannsynlig) til 10 (svært sannsynlig):",
      { scoreLinks: true },
      "Det tar bare ett klikk, og du kan legge igjen en kommentar på neste side hvis du vil. Vi leser alle svarene.",
    ],
    signOff: ["Tusen takk!", TEAM.nb],
    unsubscribe: TRANSACTIONAL_FOOTER.nb,
  }),
  id: letter("id", {
    subject: "Bagaimana pengalaman Anda?",
    blocks: [
      HI.id,
      "Terima kasih sekali lagi atas pesanan Anda baru-baru ini. Kami ingin tahu bagaimana pengalaman Anda.",
      "Seberapa besar kemungkinan Anda merekomendasikan {{businessName|kami}} kepada teman atau rekan kerja? Pilih angka dari 0 (sama sekali tidak mungkin) sampai 10 (sangat mungkin):",
      { scoreLinks: true },
      "Cukup satu klik, dan jika berkenan, Anda bisa menambahkan komentar di halaman berikutnya. Setiap jawaban kami baca dengan saksama.",
    ],
    signOff: ["Terima kasih,", TEAM.id],
    unsubscribe: TRANSACTIONAL_FOOTER.id,
  }),
});

export const feedbackRequestCampaign = {
  id: "feedback-request",
  name: "Feedback request",
  description: "Asks for a 0-10 score 7 days after a purchase, at most once every 90 days.",
  enabled: true,
  kind: "transactional",
  recipient: "customer",
  trigger: { type: "purchase", delayDays: 7 },
  audience: {},
  minDaysBetween: 90,
} satisfies Omit<CampaignInput, "templates"> & { id: string };

/** Its emails, apart from the definition: the sweep reads definitions only, and its bundle leaves the text out. */
export const feedbackRequestTemplates = feedbackRequest;
