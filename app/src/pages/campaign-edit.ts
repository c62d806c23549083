import { PLACEHOLDERS } from "../../../shared/campaigns/placeholders.ts";
import { STAGES } from "../../../shared/core/fields.ts";
import { ApiError, api, type FieldError, SignedOut } from "../api.ts";
import { type Child, h, replace } from "../dom.ts";
import * as f from "../format.ts";
import { isOwner } from "../session.ts";
import type { Campaign, CampaignsReport, Trigger } from "../types.ts";
import type { PageContext } from "../ui.ts";
import { announce, errorBox, facts, loadInto, loading, pageHeading, section } from "../ui.ts";
import { triggerText } from "./campaigns.ts";
import { customerPicker } from "./customer-picker.ts";

type TriggerType = Trigger["type"];

/** The trigger kinds, and the fields each one has (CampaignInput's `trigger`, shared/campaigns/schema.ts). */
const TRIGGERS: { type: TriggerType; label: string; fields: { name: string; label: string; help: string; kind: "int" | "amounts" | "time" }[] }[] = [
  {
    type: "first_purchase",
    label: "After the first purchase",
    fields: [{ name: "delayHours", label: "Delay in hours", help: "0 sends it at the next sweep", kind: "int" }],
  },
  { type: "purchase", label: "After each purchase", fields: [{ name: "delayDays", label: "Delay in days", help: "Days after each purchase", kind: "int" }] },
  {
    type: "spend_milestone",
    label: "Lifetime spend milestone",
    fields: [{ name: "amounts", label: "Amounts", help: "Comma-separated, in your currency, e.g. 500, 1000", kind: "amounts" }],
  },
  { type: "birthday", label: "Birthday", fields: [{ name: "localTime", label: "Local time", help: "In the customer's time zone (HH:MM)", kind: "time" }] },
  { type: "at_risk", label: "Customer becomes at risk", fields: [] },
  {
    type: "lead_no_follow_up",
    label: "Lead not followed up",
    fields: [{ name: "afterHours", label: "After hours", help: "Hours after capture with no call, meeting, note or reply", kind: "int" }],
  },
  { type: "low_feedback", label: "Low feedback score (0–6)", fields: [] },
  { type: "double_opt_in", label: "Double opt-in (confirm consent)", fields: [] },
  { type: "ambassador", label: "Becomes an ambassador (referrals)", fields: [] },
  {
    type: "interest",
    label: "Website interest, nothing bought in it",
    fields: [
      { name: "views", label: "Views", help: "Page views of one interest", kind: "int" },
      { name: "days", label: "Within days", help: "In the last this many days (1-90)", kind: "int" },
    ],
  },
  {
    type: "opens_without_clicks",
    label: "Opens emails but never clicks",
    fields: [{ name: "opens", label: "Opens in a row", help: "Marketing emails opened in a row with no click (2-100)", kind: "int" }],
  },
  { type: "sunset", label: "Sunset: no opens or clicks (re-permission)", fields: [] },
];

function languageName(tag: string): string {
  try {
    const name = new Intl.DisplayNames(["en"], { type: "language" }).of(tag);
    return name && name !== tag ? `${name} (${tag})` : tag;
  } catch {
    return tag;
  }
}

/** A number the API can judge: a number when it is one, the text as typed otherwise (so the API names what is wrong). */
function numeric(raw: string): number | string | undefined {
  const text = raw.trim();
  if (text === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

const list = (raw: string) =>
  raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Edit one campaign: its definition as a form, saved with PUT /v1/campaigns/{id}. The API is the
 * one judge of what is valid (the form does not second-guess it): a 400 puts each of its field
 * messages next to that field and in a summary at the top that links to them.
 */
export async function campaignEditPage(ctx: PageContext): Promise<void> {
  const id = ctx.params.id ?? "";
  ctx.title("Campaign");
  const body = h("div");
  replace(ctx.main, h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/campaigns" }, "Campaigns")), body);
  const report = api<CampaignsReport>("/v1/reports/campaigns", { signal: ctx.signal });
  report.catch(() => undefined);
  await loadInto(
    body,
    ctx,
    "Loading the campaign…",
    () => api<Campaign>(`/v1/campaigns/${encodeURIComponent(id)}`, { signal: ctx.signal }),
    (campaign) => {
      ctx.title(`Edit ${campaign.name}`);
      const performance = h("div");
      void loadInto(
        performance,
        ctx,
        "Loading performance…",
        () => report,
        (r) => performanceView(r.campaigns.find((p) => p.id === campaign.id)),
      );
      return [
        pageHeading(
          campaign.name,
          h("p", { class: "subtitle" }, `${triggerText(campaign.trigger)} · ${f.label(campaign.kind)} · id `, h("code", null, campaign.id)),
        ),
        h("div", { class: "grid-edit" }, h("div", null, editForm(campaign, ctx)), section("Performance", { class: "side" }, performance)),
        previewSection(campaign),
      ];
    },
  );
}

function performanceView(p: CampaignsReport["campaigns"][number] | undefined): Child {
  if (!p) return h("p", { class: "empty" }, "No figures for this campaign yet.");
  return facts([
    ["Sent", f.count(p.sent)],
    ["Delivered", `${f.count(p.delivered)} (${f.percent(p.rates.delivery)})`],
    ["Opened", `${f.count(p.opened)} (${f.percent(p.rates.open)})`],
    ["Clicked", `${f.count(p.clicked)} (${f.percent(p.rates.click)})`],
    ["Bounced", f.count(p.bounced)],
    ["Marked as spam", f.count(p.complained)],
    ["Unsubscribed", `${f.count(p.unsubscribed)} (${f.percent(p.rates.unsubscribe)})`],
    ["Feedback answers", f.count(p.feedback.count)],
    ["NPS", p.feedback.nps === null ? f.NOT_AVAILABLE : f.number(p.feedback.nps)],
    ["Average score", p.feedback.average === null ? f.NOT_AVAILABLE : f.number(p.feedback.average)],
  ]);
}

interface FieldSlot {
  control: HTMLElement;
  error: HTMLElement;
  label: string;
}

function editForm(campaign: Campaign, ctx: PageContext): HTMLElement {
  /** API field path (`trigger.delayDays`, `templates.en.subject`) → its control and error line. */
  const slots = new Map<string, FieldSlot>();

  /** `summaryLabel`: how the error summary names the field when `labelText` alone is ambiguous. */
  function field(
    path: string,
    labelText: string,
    control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
    help?: string,
    summaryLabel = labelText,
  ): HTMLElement {
    const id = `campaign-${path.replace(/[^A-Za-z0-9-]+/g, "-")}`;
    control.id = id;
    const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
    const helpLine = help ? h("p", { class: "help", id: `${id}-help` }, help) : null;
    control.setAttribute("aria-describedby", [helpLine ? `${id}-help` : "", `${id}-error`].filter(Boolean).join(" "));
    slots.set(path, { control, error, label: summaryLabel });
    const isCheckbox = control instanceof HTMLInputElement && control.type === "checkbox";
    return h(
      "div",
      { class: `field${isCheckbox ? " field-check" : ""}` },
      isCheckbox ? [control, h("label", { for: id }, labelText)] : [h("label", { for: id }, labelText), control],
      helpLine,
      error,
    );
  }

  const name = h("input", { type: "text", value: campaign.name, autocomplete: "off" });
  const description = h("textarea", { rows: "2" });
  description.value = campaign.description ?? "";
  const enabled = h("input", { type: "checkbox", checked: campaign.enabled });
  const kind = h(
    "select",
    null,
    ["transactional", "marketing"].map((k) => h("option", { value: k, selected: campaign.kind === k }, f.label(k))),
  );
  const recipient = h(
    "select",
    null,
    h("option", { value: "customer", selected: campaign.recipient === "customer" }, "The customer"),
    h("option", { value: "owner", selected: campaign.recipient === "owner" }, "The customer's owner (internal alert)"),
  );

  // Trigger: its own fields per type; values typed for one type are kept if the reader switches back.
  const triggerValues: Record<string, string> = {};
  for (const [k, v] of Object.entries(campaign.trigger)) if (k !== "type") triggerValues[k] = Array.isArray(v) ? v.join(", ") : String(v);
  const triggerType = h(
    "select",
    null,
    TRIGGERS.map((t) => h("option", { value: t.type, selected: campaign.trigger.type === t.type }, t.label)),
  );
  const triggerFields = h("div", { class: "trigger-fields" });
  const triggerInputs = new Map<string, HTMLInputElement>();
  function renderTriggerFields(): void {
    for (const key of [...slots.keys()]) if (key.startsWith("trigger.")) slots.delete(key);
    triggerInputs.clear();
    const spec = TRIGGERS.find((t) => t.type === triggerType.value)!;
    replace(
      triggerFields,
      spec.fields.length === 0 ? h("p", { class: "help" }, "No settings for this trigger.") : null,
      spec.fields.map((fs) => {
        const input = h("input", {
          type: fs.kind === "time" ? "time" : "text",
          inputmode: fs.kind === "int" ? "numeric" : fs.kind === "amounts" ? "decimal" : null,
          value: triggerValues[fs.name] ?? "",
          autocomplete: "off",
        });
        input.addEventListener("input", () => (triggerValues[fs.name] = input.value));
        triggerInputs.set(fs.name, input);
        return field(`trigger.${fs.name}`, fs.label, input, fs.help);
      }),
    );
  }
  triggerType.addEventListener("change", renderTriggerFields);
  renderTriggerFields();

  const stageBoxes = STAGES.map((s) =>
    h("input", { type: "checkbox", id: `campaign-stage-${s}`, value: s, checked: campaign.audience.stages?.includes(s) ?? false }),
  );
  const stagesError = h("p", { class: "field-error", id: "campaign-audience-stages-error", hidden: true });
  const stagesFieldset = h(
    "fieldset",
    { class: "checks", "aria-describedby": "campaign-audience-stages-help campaign-audience-stages-error" },
    h("legend", null, "Stages"),
    h(
      "div",
      { class: "check-row" },
      stageBoxes.map((box, i) => h("div", { class: "field-check" }, box, h("label", { for: box.id }, f.label(STAGES[i]!)))),
    ),
    h("p", { class: "help", id: "campaign-audience-stages-help" }, "None ticked: every stage."),
    stagesError,
  );
  slots.set("audience.stages", { control: stageBoxes[0]!, error: stagesError, label: "Stages" });
  const tags = h("input", { type: "text", value: (campaign.audience.tags ?? []).join(", "), autocomplete: "off" });
  const excludeTags = h("input", { type: "text", value: (campaign.audience.excludeTags ?? []).join(", "), autocomplete: "off" });
  const minDays = h("input", { type: "text", inputmode: "numeric", value: String(campaign.minDaysBetween), autocomplete: "off" });

  const languages = Object.keys(campaign.templates).sort((a, b) => (a === "en" ? -1 : b === "en" ? 1 : a.localeCompare(b)));
  const templateInputs = new Map<string, { subject: HTMLInputElement; text: HTMLTextAreaElement; html: HTMLTextAreaElement }>();
  const templates = languages.map((lang) => {
    const t = campaign.templates[lang]!;
    const subject = h("input", { type: "text", value: t.subject, autocomplete: "off" });
    const text = h("textarea", { rows: "8", class: "mono" });
    text.value = t.text;
    const html = h("textarea", { rows: "8", class: "mono", spellcheck: "false" });
    html.value = t.html;
    templateInputs.set(lang, { subject, text, html });
    return h(
      "details",
      { class: "template", open: lang === "en", "data-lang": lang },
      h("summary", null, languageName(lang), lang === "en" ? " — the fallback for every other language" : ""),
      field(`templates.${lang}.subject`, "Subject", subject, undefined, `Subject (${languageName(lang)})`),
      field(`templates.${lang}.text`, "Plain text", text, undefined, `Plain text (${languageName(lang)})`),
      field(`templates.${lang}.html`, "HTML", html, undefined, `HTML (${languageName(lang)})`),
    );
  });

  const summary = h("div", { class: "error-summary", tabindex: "-1", role: "alert", hidden: true });
  const status = h("p", { class: "save-status", role: "status" });
  const save = h("button", { type: "submit", class: "button button-primary" }, "Save campaign");

  function read(): Record<string, unknown> {
    const trigger: Record<string, unknown> = { type: triggerType.value };
    for (const fs of TRIGGERS.find((t) => t.type === triggerType.value)!.fields) {
      const raw = triggerInputs.get(fs.name)?.value ?? "";
      trigger[fs.name] = fs.kind === "int" ? numeric(raw) : fs.kind === "amounts" ? list(raw).map((a) => numeric(a)) : raw;
    }
    return {
      name: name.value,
      description: description.value,
      enabled: enabled.checked,
      kind: kind.value,
      recipient: recipient.value,
      trigger,
      audience: {
        stages: stageBoxes.filter((b) => b.checked).map((b) => b.value),
        tags: list(tags.value),
        excludeTags: list(excludeTags.value),
      },
      minDaysBetween: numeric(minDays.value),
      templates: Object.fromEntries([...templateInputs].map(([lang, t]) => [lang, { subject: t.subject.value, text: t.text.value, html: t.html.value }])),
    };
  }

  function clearErrors(): void {
    summary.hidden = true;
    replace(summary);
    for (const slot of slots.values()) {
      slot.error.hidden = true;
      slot.error.textContent = "";
      slot.control.removeAttribute("aria-invalid");
    }
  }

  /** The slot for an API field path: the exact one, else the nearest parent (`audience.tags.0` → `audience.tags`). */
  function slotFor(path: string): FieldSlot | undefined {
    const parts = path.split(".");
    while (parts.length) {
      const slot = slots.get(parts.join("."));
      if (slot) return slot;
      parts.pop();
    }
    return undefined;
  }

  function showErrors(fields: FieldError[]): void {
    const items: HTMLElement[] = [];
    const messages = new Map<FieldSlot, string[]>();
    for (const { field: path, message } of fields) {
      const slot = slotFor(path);
      if (slot) messages.set(slot, [...(messages.get(slot) ?? []), message]);
      const where = slot ? slot.label : path;
      items.push(
        h(
          "li",
          null,
          slot
            ? h(
                "a",
                {
                  href: `#${slot.control.id}`,
                  onclick: (event: Event) => {
                    // The route lives in the hash: move focus instead of following the link.
                    event.preventDefault();
                    const details = slot.control.closest("details");
                    if (details) details.open = true;
                    slot.control.focus();
                  },
                },
                `${where}: ${message}`,
              )
            : `${where}: ${message}`,
        ),
      );
    }
    for (const [slot, list] of messages) {
      slot.error.textContent = list.join("; ");
      slot.error.hidden = false;
      slot.control.setAttribute("aria-invalid", "true");
      const details = slot.control.closest("details");
      if (details) details.open = true;
    }
    replace(summary, h("h2", null, fields.length === 1 ? "One field needs fixing" : `${fields.length} fields need fixing`), h("ul", null, items));
    summary.hidden = false;
    summary.focus();
  }

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    clearErrors();
    save.disabled = true;
    replace(status, loading("Saving…"));
    try {
      const saved = await api<Campaign>(`/v1/campaigns/${encodeURIComponent(campaign.id)}`, { method: "PUT", body: read(), signal: ctx.signal });
      replace(status, `Saved ${f.dateTime(saved.updatedAt)}.`);
      announce("Campaign saved.");
    } catch (err) {
      if (err instanceof SignedOut || ctx.signal.aborted) return;
      replace(status);
      if (err instanceof ApiError && err.status === 400 && err.fields.length) showErrors(err.fields);
      else {
        replace(summary, errorBox(err));
        summary.hidden = false;
        summary.focus();
      }
    } finally {
      save.disabled = false;
    }
  }

  /**
   * "Add a language": the campaign with one more template (a copy of the English one, to
   * translate), saved at once with PUT, so the same campaign schema judges the language tag;
   * then the page shows it, open, to be translated and saved again.
   */
  function addLanguage(): HTMLElement {
    const tag = h("input", {
      type: "text",
      id: "campaign-add-language",
      autocomplete: "off",
      spellcheck: "false",
      "aria-describedby": "campaign-add-language-help campaign-add-language-error",
    });
    const error = h("p", { class: "field-error", id: "campaign-add-language-error", hidden: true });
    const done = h("p", { class: "form-status", role: "status" });
    const add = async () => {
      error.hidden = true;
      tag.removeAttribute("aria-invalid");
      const lang = tag.value.trim();
      const fail = (message: string) => {
        error.textContent = `Language ${message}`;
        error.hidden = false;
        tag.setAttribute("aria-invalid", "true");
        tag.focus();
      };
      if (!lang) return fail("is required: a tag such as de, fr or pt-BR");
      if (Object.keys(campaign.templates).some((l) => l.toLowerCase() === lang.toLowerCase())) return fail(`${lang} is already there`);
      const definition = read() as { templates: Record<string, unknown> };
      definition.templates[lang] = definition.templates.en;
      replace(done, loading("Adding…"));
      try {
        await api<Campaign>(`/v1/campaigns/${encodeURIComponent(campaign.id)}`, { method: "PUT", body: definition, signal: ctx.signal });
      } catch (err) {
        replace(done);
        if (err instanceof SignedOut || ctx.signal.aborted) return;
        const fields = err instanceof ApiError ? err.fields : [];
        return fail(fields.length ? fields.map((x) => x.message).join("; ") : err instanceof ApiError ? err.message : "could not be added; try again");
      }
      await campaignEditPage(ctx);
      announce(`${languageName(lang)} added, with the English text to translate.`);
      const added = document.querySelector<HTMLDetailsElement>(`details[data-lang="${CSS.escape(lang)}"]`);
      if (added) {
        added.open = true;
        added.querySelector<HTMLInputElement>("input")?.focus();
      }
    };
    tag.addEventListener("keydown", (event) => {
      // Enter adds the language; it must not submit the campaign form around it.
      if (event.key === "Enter") {
        event.preventDefault();
        void add();
      }
    });
    return h(
      "div",
      { class: "field add-language" },
      h("label", { for: "campaign-add-language" }, "Add a language"),
      tag,
      h(
        "p",
        { class: "help", id: "campaign-add-language-help" },
        "A language tag such as de, fr or pt-BR. It starts as a copy of the English text, saved at once.",
      ),
      error,
      h("button", { type: "button", class: "button", onclick: () => void add() }, "Add language"),
      done,
    );
  }

  return h(
    "form",
    { class: "campaign-form", novalidate: true, "aria-label": "Campaign definition", onsubmit: (event: Event) => void submit(event) },
    summary,
    h(
      "fieldset",
      { class: "panel" },
      h("legend", null, "Basics"),
      field("name", "Name", name),
      field("description", "Description", description, "For your team; customers never see it."),
      field("enabled", "Enabled (the sweep sends it)", enabled),
      h(
        "div",
        { class: "field-row" },
        field("kind", "Kind", kind, "Marketing needs consent, obeys quiet hours and the frequency cap."),
        field("recipient", "Recipient", recipient),
      ),
    ),
    h("fieldset", { class: "panel" }, h("legend", null, "Trigger"), field("trigger", "When", triggerType), triggerFields),
    h(
      "fieldset",
      { class: "panel" },
      h("legend", null, "Audience and frequency"),
      stagesFieldset,
      h(
        "div",
        { class: "field-row" },
        field("audience.tags", "Only customers tagged", tags, "Comma-separated; all of them"),
        field("audience.excludeTags", "Never customers tagged", excludeTags, "Comma-separated; any of them"),
      ),
      field("minDaysBetween", "Minimum days between two sends to one customer", minDays, "0: no limit"),
    ),
    h(
      "fieldset",
      { class: "panel" },
      h("legend", null, "Emails"),
      h(
        "p",
        { class: "help" },
        "Placeholders: ",
        Object.keys(PLACEHOLDERS).map((p, i) => [i ? ", " : "", h("code", null, `{{${p}}}`)]),
        ". A fallback goes after a bar: ",
        h("code", null, "{{firstName|there}}"),
        ".",
      ),
      templates,
      isOwner() ? addLanguage() : null,
    ),
    h(
      "div",
      { class: "form-actions" },
      // Campaign edits are an owner's: staff read the campaign and go back.
      isOwner() ? save : h("p", { class: "help" }, "Only an owner may change a campaign."),
      h("a", { href: "#/campaigns", class: "button button-quiet" }, "Back to campaigns"),
      status,
    ),
  );
}

interface Preview {
  customerId: string;
  language: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * See the campaign as one customer would get it, in one of its languages, and send that to
 * yourself. The HTML is shown as its source, never rendered into the dashboard: the page's CSP
 * allows no frames and Trusted Types no markup from strings; the plain text shows the words.
 */
function previewSection(campaign: Campaign): HTMLElement {
  const picker = customerPicker("preview");
  const { search, found } = picker;
  const locale = h(
    "select",
    { id: "preview-locale" },
    h("option", { value: "" }, "The customer's own language"),
    Object.keys(campaign.templates)
      .sort()
      .map((l) => h("option", { value: l }, languageName(l))),
  );
  const status = h("p", { class: "form-status", role: "status" });
  const shown = h("div", { class: "preview" });

  const body = () => ({ customerId: found.value, ...(locale.value ? { locale: locale.value } : {}) });
  const need = () => {
    if (found.value) return false;
    status.textContent = "Choose a customer first.";
    search.focus();
    return true;
  };

  const show = async () => {
    if (need()) return;
    status.textContent = "Rendering…";
    try {
      const p = await api<Preview>(`/v1/campaigns/${encodeURIComponent(campaign.id)}/preview`, { method: "POST", body: body() });
      replace(
        shown,
        facts([
          ["Language", languageName(p.language)],
          ["Subject", p.subject],
        ]),
        h("h3", null, "Plain text"),
        h("pre", { class: "mono preview-text", tabindex: "0", "aria-label": "Plain text of the email" }, p.text),
        h(
          "details",
          null,
          h("summary", null, "HTML source"),
          h("pre", { class: "mono preview-text", tabindex: "0", "aria-label": "HTML of the email" }, p.html),
        ),
      );
      status.textContent = `Preview in ${languageName(p.language)}. Links in a preview do nothing.`;
    } catch (err) {
      if (err instanceof SignedOut) return;
      status.textContent =
        err instanceof ApiError ? (err.fields.length ? err.fields.map((x) => `${x.field} ${x.message}`).join("; ") : err.message) : "The preview failed.";
    }
  };
  const test = async () => {
    if (need()) return;
    status.textContent = "Sending…";
    try {
      const sent = await api<{ to: string; language: string }>(`/v1/campaigns/${encodeURIComponent(campaign.id)}/test`, { method: "POST", body: body() });
      status.textContent = `Test sent to ${sent.to} in ${languageName(sent.language)}, subject starting “[Test]”. It is not recorded on the customer.`;
    } catch (err) {
      if (err instanceof SignedOut) return;
      status.textContent =
        err instanceof ApiError ? (err.fields.length ? err.fields.map((x) => `${x.field} ${x.message}`).join("; ") : err.message) : "The test failed.";
    }
  };

  return section(
    "Preview and test",
    {},
    h("p", { class: "help" }, "See this campaign as one customer would get it, with their details filled in, and send it to yourself."),
    h("div", { class: "toolbar preview-controls" }, picker.fields, h("div", { class: "field" }, h("label", { for: "preview-locale" }, "Language"), locale)),
    picker.status,
    h(
      "div",
      { class: "form-actions" },
      h("button", { type: "button", class: "button button-primary", onclick: () => void show() }, "Show preview"),
      h("button", { type: "button", class: "button", onclick: () => void test() }, "Send a test to me"),
    ),
    status,
    shown,
  );
}
