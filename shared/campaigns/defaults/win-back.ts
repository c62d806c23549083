import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";
import { HI, MARKETING_FOOTER, TEAM } from "./phrases.ts";

// Built when asked for, so a bundle that never renders (the sweep's) leaves the text out.
const winBack = () => ({
  en: letter("en", {
    subject: "It's been a while. We'd love to see you again",
    blocks: [
      HI.en,
      "It's been a little while since we last saw you, so we wanted to check in.",
      "If something didn't work for you, we'd really like to know. Just reply to this email and tell us. And if life simply got busy, we understand completely.",
      "Whenever you're ready, we'll be glad to welcome you back.",
    ],
    signOff: ["All the best,", TEAM.en],
    unsubscribe: MARKETING_FOOTER.en,
  }),
  zh: letter("zh", {
    subject: "好久不见，我们很想念您",
    blocks: [
      HI.zh,
      "好久没见到您了，特地来问候一声。",
      "如果之前有哪里让您不满意，真心希望您告诉我们，直接回复这封邮件就好。如果只是最近太忙，我们完全理解。",
      "无论什么时候，我们都欢迎您回来。",
    ],
    signOff: ["祝一切顺利！", TEAM.zh],
    unsubscribe: MARKETING_FOOTER.zh,
  }),
  nb: letter("nb", {
    subject: "Lenge siden sist – vi savner deg",
    blocks: [
      HI.nb,
      "Det er en stund siden vi så deg sist, så vi ville bare høre hvordan det går.",
      "Var det noe som ikke fungerte for deg, vil vi veldig gjerne vite det. Bare svar på denne e-posten. Og har hverdagen rett og slett blitt travel, forstår vi det godt.",
      "Du er hjertelig velkommen tilbake når det passer deg.",
    ],
    signOff: ["Beste hilsen", TEAM.nb],
    unsubscribe: MARKETING_FOOTER.nb,
  }),
  id: letter("id", {
    subject: "Sudah lama tidak bertemu, kami rindu Anda",
    blocks: [
      HI.id,
      "Sudah cukup lama sejak terakhir kali kita bertemu, jadi kami ingin menyapa dan menanyakan kabar Anda.",
      "Jika ada hal yang kurang berkenan, kami sungguh ingin tahu. Cukup balas email ini dan ceritakan kepada kami. Kalau memang sedang sibuk, kami sangat mengerti.",
      "Kapan pun Anda siap, kami selalu senang menyambut Anda kembali.",
    ],
    signOff: ["Salam hangat,", TEAM.id],
    unsubscribe: MARKETING_FOOTER.id,
  }),
});

export const winBackCampaign = {
  id: "win-back",
  name: "Win-back for at-risk customers",
  description: "Checks in with a customer who has had no activity for a while (stage at_risk).",
  enabled: true,
  kind: "marketing",
  category: "offers",
  recipient: "customer",
  trigger: { type: "at_risk" },
  audience: { stages: ["at_risk"] },
  minDaysBetween: 180,
} satisfies Omit<CampaignInput, "templates"> & { id: string };

/** Its emails, apart from the definition: the sweep reads definitions only, and its bundle leaves the text out. */
export const winBackTemplates = winBack;
