import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";
import { HI, TEAM } from "./phrases.ts";

// Built when asked for, so a bundle that never renders (the sweep's) leaves the text out.
const consentConfirmation = () => ({
  en: letter("en", {
    subject: "Please confirm your subscription",
    blocks: [
      HI.en,
      "Thanks for signing up to hear from {{businessName|us}}. Please confirm that this is your email address and that you'd like our news and offers:",
      { button: "confirmUrl", label: "Yes, subscribe me" },
      "If you didn't sign up, simply ignore this email. You won't be subscribed.",
    ],
    signOff: ["Thank you,", TEAM.en],
  }),
  zh: letter("zh", {
    subject: "请确认您的订阅",
    blocks: [
      HI.zh,
      "感谢您订阅{{businessName|我们}}的消息。请确认这是您的邮箱地址，并且您愿意接收我们的最新消息和优惠：",
      { button: "confirmUrl", label: "确认订阅" },
      "如果您并没有订阅，请忽略这封邮件，我们不会把您加入订阅名单。",
    ],
    signOff: ["谢谢！", TEAM.zh],
  }),
  nb: letter("nb", {
    subject: "Bekreft påmeldingen din",
    blocks: [
      HI.nb,
      "Takk for at du vil høre fra {{businessName|oss}}. Bekreft at dette er e-postadressen din, og at du ønsker nyheter og tilbud fra oss:",
      { button: "confirmUrl", label: "Ja, meld meg på" },
      "Har du ikke meldt deg på? Da kan du bare se bort fra denne e-posten. Du blir ikke lagt til.",
    ],
    signOff: ["Takk!", TEAM.nb],
  }),
  id: letter("id", {
    subject: "Mohon konfirmasi langganan Anda",
    blocks: [
      HI.id,
      "Terima kasih sudah mendaftar untuk menerima kabar dari {{businessName|kami}}. Mohon konfirmasi bahwa ini alamat email Anda dan Anda ingin menerima berita serta penawaran dari kami:",
      { button: "confirmUrl", label: "Ya, saya mau berlangganan" },
      "Jika Anda tidak merasa mendaftar, abaikan saja email ini. Anda tidak akan didaftarkan.",
    ],
    signOff: ["Terima kasih,", TEAM.id],
  }),
});

export const consentConfirmationCampaign = {
  id: "consent-confirmation",
  name: "Consent confirmation (double opt-in)",
  description: "Sent at once when a form lead ticks consent and double opt-in is on; consent takes effect when the link is clicked.",
  enabled: true,
  kind: "transactional",
  recipient: "customer",
  trigger: { type: "double_opt_in" },
  audience: {},
  minDaysBetween: 0,
} satisfies Omit<CampaignInput, "templates"> & { id: string };

/** Its emails, apart from the definition: the sweep reads definitions only, and its bundle leaves the text out. */
export const consentConfirmationTemplates = consentConfirmation;
