import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";
import { HI, TEAM, TRANSACTIONAL_FOOTER } from "./phrases.ts";

// Built when asked for, so a bundle that never renders (the sweep's) leaves the text out.
const spendMilestone = () => ({
  en: letter("en", {
    subject: "A big thank-you from {{businessName|us}}",
    blocks: [
      HI.en,
      "Your orders with {{businessName|us}} have just passed {{milestone|a new milestone}}. That means a lot to us, and we wanted to say a proper thank you.",
      "Customers like you are the reason a small business like ours gets to keep doing what we love.",
      "If there's anything we could do better, or something you'd like to see from us, just reply. We'd love to hear from you.",
    ],
    signOff: ["With gratitude,", TEAM.en],
    unsubscribe: TRANSACTIONAL_FOOTER.en,
  }),
  zh: letter("zh", {
    subject: "来自{{businessName|我们}}的一份感谢",
    blocks: [
      HI.zh,
      "您在{{businessName|我们这里}}的累计消费已经达到{{milestone|一个新的里程碑}}！这份支持对我们意义重大，我们想郑重地跟您说声谢谢。",
      "正是因为有您这样的顾客，我们这样的小店才能一直做自己热爱的事。",
      "如果有什么我们可以做得更好，或者您希望我们提供什么，欢迎直接回复这封邮件，我们很想听听您的想法。",
    ],
    signOff: ["衷心感谢！", TEAM.zh],
    unsubscribe: TRANSACTIONAL_FOOTER.zh,
  }),
  nb: letter("nb", {
    subject: "En stor takk fra {{businessName|oss}}",
    blocks: [
      HI.nb,
      "Handlene dine hos {{businessName|oss}} har nå til sammen passert {{milestone|en ny milepæl}}. Det setter vi veldig pris på, og vi ville si et ordentlig takk.",
      "Det er kunder som deg som gjør at en liten bedrift som vår kan fortsette med det vi brenner for.",
      "Er det noe vi kan gjøre bedre, eller noe du savner hos oss? Bare svar på denne e-posten. Vi vil gjerne høre fra deg.",
    ],
    signOff: ["Hjertelig hilsen", TEAM.nb],
    unsubscribe: TRANSACTIONAL_FOOTER.nb,
  }),
  id: letter("id", {
    subject: "Terima kasih banyak dari {{businessName|kami}}",
    blocks: [
      HI.id,
      "Total belanja Anda di {{businessName|toko kami}} baru saja mencapai {{milestone|angka yang istimewa}}. Kami sangat menghargainya dan ingin mengucapkan terima kasih secara khusus.",
      "Pelanggan seperti Andalah yang membuat usaha kecil seperti kami bisa terus melakukan apa yang kami cintai.",
      "Jika ada yang bisa kami tingkatkan, atau ada yang ingin Anda lihat dari kami, cukup balas email ini. Kami senang sekali mendengar kabar dari Anda.",
    ],
    signOff: ["Dengan penuh terima kasih,", TEAM.id],
    unsubscribe: TRANSACTIONAL_FOOTER.id,
  }),
});

export const spendMilestoneCampaign = {
  id: "spend-milestone",
  name: "Spend milestone thank-you",
  description: "Thanks a customer when their lifetime spend passes 250, 500 and 1000.",
  enabled: true,
  kind: "transactional",
  recipient: "customer",
  trigger: { type: "spend_milestone", amounts: [250, 500, 1000] },
  audience: {},
  minDaysBetween: 0,
} satisfies Omit<CampaignInput, "templates"> & { id: string };

/** Its emails, apart from the definition: the sweep reads definitions only, and its bundle leaves the text out. */
export const spendMilestoneTemplates = spendMilestone;
