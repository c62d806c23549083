import type { Campaign, CampaignInput, Template } from "./schema.ts";

/**
 * The campaigns a fresh stack ships with (the README lists them). Their ids are fixed: the sweep, the
 * sender and the feedback loop refer to them. A PUT on one of these ids stores an edited copy
 * that overrides it (shared/campaigns/store.ts); the shipped version stays here.
 *
 * Each email is written once per language as a short letter (paragraphs, links, a sign-off) and
 * turned into the text and HTML versions by `letter()`, so the two never drift apart and every
 * HTML version has the same simple, accessible, image-free markup. Placeholders are listed in
 * `PLACEHOLDERS` (./schema.ts); the renderer escapes their values and sets `<html lang>`.
 */

type UrlPlaceholder = "unsubscribeUrl" | "confirmUrl" | "customerUrl";

type Block =
  /** A paragraph; `\n` is a line break. */
  | string
  /** The primary action, a button in HTML; in text the bare URL on its own line. */
  | { button: UrlPlaceholder; label: string }
  /** A labelled link: "label: URL" in text. */
  | { link: UrlPlaceholder; label: string }
  /** The 0-10 score links (the renderer expands them). */
  | { scoreLinks: true }
  /** Label/value rows: a table in HTML, "Label: value" lines in text. */
  | { fields: [label: string, value: string][] }
  /** A quoted passage, e.g. the customer's comment. */
  | { quote: string; label: string };

interface Letter {
  subject: string;
  blocks: Block[];
  /** The closing lines, e.g. ["Warm regards,", "{{businessName|The team}}"]. */
  signOff: string[];
  /** The small print under a line, with the unsubscribe link: ["Don't want these?", "Unsubscribe"]. */
  unsubscribe?: [string, string];
}

const LINK_STYLE = "color:#1d4ed8;text-decoration:underline";
const P = (html: string) => `<p style="margin:0 0 16px">${html}</p>`;

/** Escapes the static text of a letter for HTML; placeholders pass through (the renderer escapes values). */
function h(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\n/g, "<br>\n");
}

type Language = "en" | "zh" | "nb" | "id";
/** Chinese takes a full-width colon without a space after it. */
const colon = (language: Language) => (language === "zh" ? "：" : ": ");

function blockText(block: Block, language: Language): string {
  if (typeof block === "string") return block;
  if ("button" in block) return `${block.label}${colon(language)}\n{{${block.button}}}`;
  if ("link" in block) return `${block.label}${colon(language)}{{${block.link}}}`;
  if ("scoreLinks" in block) return "{{scoreLinks}}";
  if ("fields" in block) return block.fields.map(([label, value]) => `${label}${colon(language)}${value}`).join("\n");
  return `${block.label}\n${block.quote}`;
}

function blockHtml(block: Block): string {
  if (typeof block === "string") return P(h(block));
  if ("button" in block)
    return `<p style="margin:24px 0"><a href="{{${block.button}}}" style="display:inline-block;padding:12px 24px;border-radius:6px;background:#1d4ed8;color:#ffffff;font-weight:600;text-decoration:none">${h(block.label)}</a></p>`;
  if ("link" in block) return P(`<a href="{{${block.link}}}" style="${LINK_STYLE}">${h(block.label)}</a>`);
  if ("scoreLinks" in block) return "{{scoreLinks}}";
  if ("fields" in block) {
    const rows = block.fields.map(
      ([label, value]) =>
        `<tr><th scope="row" style="padding:4px 16px 4px 0;text-align:start;vertical-align:top;font-weight:600;white-space:nowrap">${h(label)}</th><td style="padding:4px 0;vertical-align:top">${h(value)}</td></tr>`,
    );
    return `<table style="border-collapse:collapse;margin:0 0 16px">\n${rows.join("\n")}\n</table>`;
  }
  return `${P(h(block.label))}\n<blockquote style="margin:0 0 16px;padding:8px 16px;border-inline-start:4px solid #d1d5db;color:#374151;white-space:pre-line">${h(block.quote)}</blockquote>`;
}

/** One language's email: the subject, and text and HTML bodies made from the same blocks. */
function letter(language: Language, { subject, blocks, signOff, unsubscribe }: Letter): Template {
  const text = [...blocks.map((block) => blockText(block, language)), signOff.join("\n")];
  const html = [...blocks.map(blockHtml), P(signOff.map(h).join("<br>\n"))];
  if (unsubscribe) {
    const space = language === "zh" ? "" : " ";
    text.push(`--\n${unsubscribe[0]}${space}${unsubscribe[1]}${colon(language)}{{unsubscribeUrl}}`);
    html.push(
      `<hr style="border:none;border-top:1px solid #e5e7eb;margin:32px 0 16px">\n<p style="margin:0;font-size:13px;color:#4b5563">${h(unsubscribe[0])}${space}<a href="{{unsubscribeUrl}}" style="color:#4b5563;text-decoration:underline">${h(unsubscribe[1])}</a></p>`,
    );
  }
  return { subject, text: text.join("\n\n"), html: html.join("\n") };
}

// Greetings and signatures per language. Fallbacks read naturally when a value is missing.
const HI: Record<Language, string> = { en: "Hi {{firstName|there}},", zh: "{{firstName|亲爱的顾客}}，您好！", nb: "Hei {{firstName|du}}!", id: "Halo {{firstName|Kak}}," };
const TEAM: Record<Language, string> = { en: "{{businessName|The team}}", zh: "{{businessName|我们的团队}}", nb: "{{businessName|Teamet}}", id: "{{businessName|Tim kami}}" };
const MARKETING_FOOTER: Record<Language, [string, string]> = {
  en: ["You're receiving this because you agreed to hear from us.", "Unsubscribe"],
  zh: ["您收到这封邮件，是因为您同意接收我们的消息。", "退订"],
  nb: ["Du får denne e-posten fordi du har sagt ja til å høre fra oss.", "Meld deg av"],
  id: ["Anda menerima email ini karena telah setuju menerima kabar dari kami.", "Berhenti berlangganan"],
};
const TRANSACTIONAL_FOOTER: Record<Language, [string, string]> = {
  en: ["Rather not get emails like this?", "Unsubscribe"],
  zh: ["不想再收到此类邮件？", "退订"],
  nb: ["Vil du ikke lenger få slike e-poster?", "Meld deg av"],
  id: ["Tidak ingin menerima email seperti ini?", "Berhenti berlangganan"],
};

const thankYou = {
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
};

const feedbackRequest = {
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
};

const spendMilestone = {
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
};

const birthday = {
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
    blocks: [
      HI.zh,
      "{{businessName|我们}}全体成员祝您生日快乐！愿您今天被美好的人和事环绕。",
      "感谢您一直以来的支持，祝您度过愉快的一天！",
    ],
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
};

const winBack = {
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
};

const leadFollowUp = {
  en: letter("en", {
    subject: "Follow up with {{fullName|a new lead}}",
    blocks: [
      "A lead is still waiting to hear from us.",
      {
        fields: [
          ["Name", "{{fullName|(not given)}}"],
          ["Email", "{{email|(not given)}}"],
          ["Phone", "{{phone|(not given)}}"],
          ["Company", "{{company|(not given)}}"],
          ["Source", "{{source|(unknown)}}"],
        ],
      },
      "No call, meeting, note or reply has been recorded since they got in touch. A quick, personal reply now makes a real difference.",
      { link: "customerUrl", label: "Open the lead in Rapport" },
      "Once you've followed up, record it (a call, a meeting or a note) and this reminder stops.",
    ],
    signOff: ["Rapport", "for {{businessName|your business}}"],
  }),
  zh: letter("zh", {
    subject: "请跟进潜在客户：{{fullName|新线索}}",
    blocks: [
      "有一位潜在客户还在等待我们的回复。",
      {
        fields: [
          ["姓名", "{{fullName|（未填写）}}"],
          ["邮箱", "{{email|（未填写）}}"],
          ["电话", "{{phone|（未填写）}}"],
          ["公司", "{{company|（未填写）}}"],
          ["来源", "{{source|（未知）}}"],
        ],
      },
      "自对方联系我们以来，还没有记录任何电话、会面、备注或回复。现在亲自回复一下，效果会大不一样。",
      { link: "customerUrl", label: "在 Rapport 中查看" },
      "跟进之后，请记录下来（电话、会面或备注），这条提醒就不会再出现。",
    ],
    signOff: ["Rapport 自动提醒"],
  }),
  nb: letter("nb", {
    subject: "Følg opp {{fullName|en ny interessent}}",
    blocks: [
      "En interessent venter fortsatt på å høre fra oss.",
      {
        fields: [
          ["Navn", "{{fullName|(ikke oppgitt)}}"],
          ["E-post", "{{email|(ikke oppgitt)}}"],
          ["Telefon", "{{phone|(ikke oppgitt)}}"],
          ["Firma", "{{company|(ikke oppgitt)}}"],
          ["Kilde", "{{source|(ukjent)}}"],
        ],
      },
      "Ingen samtaler, møter, notater eller svar er registrert siden vedkommende tok kontakt. Et raskt og personlig svar nå kan utgjøre en stor forskjell.",
      { link: "customerUrl", label: "Åpne i Rapport" },
      "Når du har fulgt opp, registrerer du det (samtale, møte eller notat), så stopper denne påminnelsen.",
    ],
    signOff: ["Rapport", "for {{businessName|bedriften din}}"],
  }),
  id: letter("id", {
    subject: "Tindak lanjuti {{fullName|prospek baru}}",
    blocks: [
      "Ada prospek yang masih menunggu kabar dari kita.",
      {
        fields: [
          ["Nama", "{{fullName|(tidak diisi)}}"],
          ["Email", "{{email|(tidak diisi)}}"],
          ["Telepon", "{{phone|(tidak diisi)}}"],
          ["Perusahaan", "{{company|(tidak diisi)}}"],
          ["Sumber", "{{source|(tidak diketahui)}}"],
        ],
      },
      "Belum ada panggilan, pertemuan, catatan, atau balasan yang tercatat sejak mereka menghubungi kita. Balasan pribadi yang cepat sekarang bisa membuat perbedaan besar.",
      { link: "customerUrl", label: "Buka di Rapport" },
      "Setelah menindaklanjuti, catat aktivitasnya (panggilan, pertemuan, atau catatan) agar pengingat ini berhenti.",
    ],
    signOff: ["Rapport", "untuk {{businessName|bisnis Anda}}"],
  }),
};

const detractorAlert = {
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
};

const consentConfirmation = {
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
};

/** The shipped defaults, by fixed id. */
export const DEFAULT_CAMPAIGNS: Campaign[] = (
  [
    {
      id: "thank-you",
      name: "Thank you after the first purchase",
      description: "A personal thank-you right after a customer's first order.",
      enabled: true,
      kind: "transactional",
      recipient: "customer",
      trigger: { type: "first_purchase", delayHours: 0 },
      audience: {},
      minDaysBetween: 0,
      templates: thankYou,
    },
    {
      id: "feedback-request",
      name: "Feedback request",
      description: "Asks for a 0-10 score 7 days after a purchase, at most once every 90 days.",
      enabled: true,
      kind: "transactional",
      recipient: "customer",
      trigger: { type: "purchase", delayDays: 7 },
      audience: {},
      minDaysBetween: 90,
      templates: feedbackRequest,
    },
    {
      id: "spend-milestone",
      name: "Spend milestone thank-you",
      description: "Thanks a customer when their lifetime spend passes 250, 500 and 1000.",
      enabled: true,
      kind: "transactional",
      recipient: "customer",
      trigger: { type: "spend_milestone", amounts: [250, 500, 1000] },
      audience: {},
      minDaysBetween: 0,
      templates: spendMilestone,
    },
    {
      id: "birthday",
      name: "Birthday greeting",
      description: "A birthday greeting at 10:00 on the customer's birthday, in their time zone.",
      enabled: true,
      kind: "marketing",
      recipient: "customer",
      trigger: { type: "birthday", localTime: "10:00" },
      audience: {},
      minDaysBetween: 300,
      templates: birthday,
    },
    {
      id: "win-back",
      name: "Win-back for at-risk customers",
      description: "Checks in with a customer who has had no activity for a while (stage at_risk).",
      enabled: true,
      kind: "marketing",
      recipient: "customer",
      trigger: { type: "at_risk" },
      audience: { stages: ["at_risk"] },
      minDaysBetween: 180,
      templates: winBack,
    },
    {
      id: "lead-follow-up",
      name: "Lead follow-up alert",
      description: "Alerts the owning sales rep (or SALES_EMAIL) when a lead has had no follow-up 48 hours after capture.",
      enabled: true,
      kind: "transactional",
      recipient: "owner",
      trigger: { type: "lead_no_follow_up", afterHours: 48 },
      audience: { stages: ["lead"] },
      minDaysBetween: 0,
      templates: leadFollowUp,
    },
    {
      id: "detractor-alert",
      name: "Low feedback score alert",
      description: "Tells the owner when a customer scores 0-6, with their comment, so someone follows up.",
      enabled: true,
      kind: "transactional",
      recipient: "owner",
      trigger: { type: "low_feedback" },
      audience: {},
      minDaysBetween: 0,
      templates: detractorAlert,
    },
    {
      id: "consent-confirmation",
      name: "Consent confirmation (double opt-in)",
      description: "Sent at once when a form lead ticks consent and double opt-in is on; consent takes effect when the link is clicked.",
      enabled: true,
      kind: "transactional",
      recipient: "customer",
      trigger: { type: "double_opt_in" },
      audience: {},
      minDaysBetween: 0,
      templates: consentConfirmation,
    },
  ] satisfies (CampaignInput & { id: string })[]
).map((campaign) => ({ ...campaign, isDefault: true }));

/** The shipped default with this id, if there is one. */
export function defaultCampaign(id: string): Campaign | undefined {
  return DEFAULT_CAMPAIGNS.find((c) => c.id === id);
}

export const DEFAULT_CAMPAIGN_IDS: ReadonlySet<string> = new Set(DEFAULT_CAMPAIGNS.map((c) => c.id));
