import type { Language } from "../letter.ts";

// Greetings and signatures per language. Fallbacks read naturally when a value is missing.
export const HI: Record<Language, string> = {
  en: "Hi {{firstName|there}},",
  zh: "{{firstName|亲爱的顾客}}，您好！",
  nb: "Hei {{firstName|du}}!",
  id: "Halo {{firstName|Kak}},",
};
export const TEAM: Record<Language, string> = {
  en: "{{businessName|The team}}",
  zh: "{{businessName|我们的团队}}",
  nb: "{{businessName|Teamet}}",
  id: "{{businessName|Tim kami}}",
};
export const MARKETING_FOOTER: Record<Language, [string, string]> = {
  en: ["You're receiving this because you agreed to hear from us.", "Unsubscribe"],
  zh: ["您收到这封邮件，是因为您同意接收我们的消息。", "退订"],
  nb: ["Du får denne e-posten fordi du har sagt ja til å høre fra oss.", "Meld deg av"],
  id: ["Anda menerima email ini karena telah setuju menerima kabar dari kami.", "Berhenti berlangganan"],
};
export const TRANSACTIONAL_FOOTER: Record<Language, [string, string]> = {
  en: ["Rather not get emails like this?", "Unsubscribe"],
  zh: ["不想再收到此类邮件？", "退订"],
  nb: ["Vil du ikke lenger få slike e-poster?", "Meld deg av"],
  id: ["Tidak ingin menerima email seperti ini?", "Berhenti berlangganan"],
};
