import { letter } from "../letter.ts";
import type { CampaignInput } from "../schema.ts";

// Built when asked for, so a bundle that never renders (the sweep's) leaves the text out.
const leadFollowUp = () => ({
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
});

export const leadFollowUpCampaign = {
  id: "lead-follow-up",
  name: "Lead follow-up alert",
  description: "Emails the owning sales rep (or SALES_EMAIL) when a lead has had no follow-up 48 hours after capture; a task for them is raised either way.",
  enabled: true,
  kind: "transactional",
  recipient: "owner",
  trigger: { type: "lead_no_follow_up", afterHours: 48 },
  audience: { stages: ["lead"] },
  minDaysBetween: 0,
} satisfies Omit<CampaignInput, "templates"> & { id: string };

/** Its emails, apart from the definition: the sweep reads definitions only, and its bundle leaves the text out. */
export const leadFollowUpTemplates = leadFollowUp;
