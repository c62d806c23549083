import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";
import { HI, MARKETING_FOOTER, TEAM } from "./phrases.ts";

// Built when asked for, so a bundle that never renders (the sweep's) leaves the text out.
const birthday = () => ({
  en: letter("en", {
    subject: "Happy birthday, {{firstName|friend}}!",
    blocks: [
      HI.en,
      "Happy birthday from all of us at {{businessName|the shop}}! We hope your day is full of good people and good moments.",
      "Thank you for being part of our story. Enjoy your day!",
    ],
    signOff: ["Warm wishes,", TEAM.en],
    unsubscribe: MARKETING_FOOTER.en,
  }),
  zh: letter("zh", {
    subject: "{{firstName|亲爱的顾客}}，生日快乐！",
    blocks: [HI.zh, "{{businessName|我们}}全体成员祝您生日快乐！愿您今天被美好的人和事环绕。", "感谢您一直以来的支持，祝您度过愉快的一天！"],
    signOff: ["送上最温暖的祝福，", TEAM.zh],
    unsubscribe: MARKETING_FOOTER.zh,
  }),
  nb: letter("nb", {
    subject: "Gratulerer med dagen!",
    blocks: [
      HI.nb,
      "Hele gjengen hos {{businessName|oss}} ønsker deg en riktig god bursdag! Vi håper dagen blir full av fine folk og gode øyeblikk.",
      "Takk for at du er en del av historien vår. Kos deg i dag!",
    ],
    signOff: ["Varme hilsener", TEAM.nb],
    unsubscribe: MARKETING_FOOTER.nb,
  }),
  id: letter("id", {
    subject: "Selamat ulang tahun, {{firstName|Kak}}!",
    blocks: [
      HI.id,
      "Selamat ulang tahun dari kami semua di {{businessName|sini}}! Semoga hari Anda penuh kebahagiaan bersama orang-orang tersayang.",
      "Terima kasih telah menjadi bagian dari perjalanan kami. Selamat menikmati hari istimewa Anda!",
    ],
    signOff: ["Salam hangat,", TEAM.id],
    unsubscribe: MARKETING_FOOTER.id,
  }),
});

export const birthdayCampaign = {
  id: "birthday",
  name: "Birthday greeting",
  description: "A birthday greeting at 10:00 on the customer's birthday, in their time zone.",
  enabled: true,
  kind: "marketing",
  category: "birthday",
  recipient: "customer",
  trigger: { type: "birthday", localTime: "10:00" },
  audience: {},
  minDaysBetween: 300,
} satisfies Omit<CampaignInput, "templates"> & { id: string };

/** Its emails, apart from the definition: the sweep reads definitions only, and its bundle leaves the text out. */
export const birthdayTemplates = birthday;
