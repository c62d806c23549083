import type { Broadcast } from "../../../shared/broadcasts/schema.ts";
import { ApiError, api, query, SignedOut } from "../api.ts";
import { type Child, h, replace } from "../dom.ts";
import * as f from "../format.ts";
import { apiForm, instantOf } from "../forms.ts";
import type { PageContext } from "../ui.ts";
import { announce, dataTable, facts, loadInto, pageHeading, section, stats } from "../ui.ts";
import { customerPicker } from "./customer-picker.ts";

interface SegmentItem {
  id: string;
  name: string;
}

const STATE_TEXT: Record<Broadcast["state"], string> = {
  draft: "Draft",
  scheduled: "Scheduled",
  sending: "Sending",
  sent: "Sent",
  cancelled: "Cancelled",
};

/** The browser's own zone, the default fallback for recipients who gave none. */
const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/**
 * Newsletters: every newsletter with its state and figures, one opened with its skips by reason,
 * preview, test send, schedule and cancel, and a form to write one for a saved segment (whose
 * live count shows as it is picked), sent at one moment or at a local time in each recipient's
 * own time zone.
 */
export async function newslettersPage(ctx: PageContext): Promise<void> {
  ctx.title("Newsletters");
  const list = h("div");
  const detail = h("div", { id: "newsletter-detail" });
  const detailSection = section("Newsletter", { class: "newsletter-detail" }, detail);
  detailSection.hidden = true;
  const open = (id: string) => void openDetail(ctx, detailSection, detail, id, reload);
  const reload = () => loadList(ctx, list, open);
  replace(
    ctx.main,
    pageHeading("Newsletters", h("p", { class: "subtitle" }, "One email to a saved segment, with consent, preferences and the frequency cap respected.")),
    section("Newsletters", {}, list),
    detailSection,
    section(
      "Write a newsletter",
      {},
      await composeForm(ctx, (id) => {
        void reload();
        open(id);
      }),
    ),
  );
  await reload();
}

async function loadList(ctx: PageContext, target: HTMLElement, open: (id: string) => void): Promise<void> {
  await loadInto(
    target,
    ctx,
    "Loading newsletters…",
    () => api<{ items: Broadcast[] }>("/v1/broadcasts", { signal: ctx.signal }),
    (page) =>
      dataTable<Broadcast>(
        "Newsletters",
        [
          {
            heading: "Name",
            cell: (b) => h("button", { type: "button", class: "button button-quiet", onclick: () => open(b.id), "aria-label": `Open ${b.name}` }, b.name),
          },
          { heading: "State", cell: (b) => h("span", { class: `badge state-${b.state}` }, STATE_TEXT[b.state]) },
          { heading: "Send time", cell: (b) => sendAtText(b.sendAt) },
          { heading: "Recipients", cell: (b) => f.count(b.counts.recipients), numeric: true },
          { heading: "Sent", cell: (b) => f.count(b.counts.sent), numeric: true },
          { heading: "Skipped", cell: (b) => f.count(b.counts.skipped), numeric: true },
          { heading: "Opened", cell: (b) => f.count(b.counts.opened), numeric: true },
          { heading: "Clicked", cell: (b) => f.count(b.counts.clicked), numeric: true },
        ],
        page.items,
        { captionHidden: true, stack: true, empty: "No newsletters yet. Write one below." },
      ),
  );
}

function sendAtText(sendAt: Broadcast["sendAt"]): string {
  if (!sendAt) return "not set";
  if (typeof sendAt === "string") return f.dateTime(sendAt);
  const [day, time] = sendAt.localTime.split("T");
  return `${f.date(`${day}T12:00:00Z`)} ${time} in each recipient's time zone (else ${sendAt.fallbackZone})`;
}

async function openDetail(ctx: PageContext, panel: HTMLElement, target: HTMLElement, id: string, reload: () => Promise<void>): Promise<void> {
  panel.hidden = false;
  const data = await loadInto(
    target,
    ctx,
    "Loading the newsletter…",
    () => api<Broadcast & { templates: Record<string, unknown> }>(`/v1/broadcasts/${encodeURIComponent(id)}`, { signal: ctx.signal }),
    (b) => {
      const c = b.counts;
      const reasons = Object.entries(c.skippedReasons);
      const again = () => void openDetail(ctx, panel, target, id, reload).then(reload);
      return [
        facts([
          ["State", STATE_TEXT[b.state]],
          ["Send time", sendAtText(b.sendAt)],
          ["Next recipients due", b.nextAt ? f.dateTime(b.nextAt) : ""],
          ["Languages", b.languages.join(", ")],
        ]),
        stats([
          { label: "Recipients", value: f.count(c.recipients) },
          { label: "Queued", value: f.count(c.queued), note: c.waiting ? `${f.count(c.waiting)} waiting for their time` : undefined },
          { label: "Sent", value: f.count(c.sent) },
          { label: "Delivered", value: f.count(c.delivered) },
          { label: "Opened", value: f.count(c.opened) },
          { label: "Clicked", value: f.count(c.clicked) },
          { label: "Unsubscribed", value: f.count(c.unsubscribed) },
          { label: "Complained", value: f.count(c.complained) },
          { label: "Deferred", value: f.count(c.deferred), note: "frequency cap or quiet hours; sent later" },
        ]),
        h("h3", null, "Skipped"),
        reasons.length === 0
          ? h("p", { class: "muted" }, "Nobody skipped.")
          : h(
              "ul",
              { class: "skip-reasons" },
              reasons.map(([reason, n]) => h("li", null, `${f.count(n)}: ${reason}`)),
            ),
        actions(b, again),
        previewBlock(b),
      ];
    },
  );
  if (data) (panel.querySelector("h2") as HTMLElement).textContent = data.name;
}

/** Schedule (a draft or a scheduled one) and cancel (until it is sent), each saying what happened. */
function actions(b: Broadcast, done: () => void): Child {
  const status = h("p", { class: "form-status", role: "status" });
  const fail = (err: unknown) => {
    if (err instanceof SignedOut) return;
    status.textContent =
      err instanceof ApiError ? (err.fields.length ? err.fields.map((x) => `${x.field} ${x.message}`).join("; ") : err.message) : "That failed. Try again.";
  };
  const parts: Child[] = [];
  if (b.state === "draft" || b.state === "scheduled") {
    const when = h("input", { type: "datetime-local", id: "schedule-at" });
    parts.push(
      h("div", { class: "field" }, h("label", { for: "schedule-at" }, "Send at (your time)"), when),
      h(
        "button",
        {
          type: "button",
          class: "button button-primary",
          onclick: () => {
            const sendAt = instantOf(when.value);
            api(`/v1/broadcasts/${encodeURIComponent(b.id)}/schedule`, { method: "POST", body: sendAt ? { sendAt } : {} })
              .then(() => {
                announce("Scheduled.");
                done();
              })
              .catch(fail);
          },
        },
        b.state === "draft" ? "Schedule" : "Move to this time",
      ),
    );
  }
  if (b.state === "draft" || b.state === "scheduled" || b.state === "sending") {
    const confirm = h("button", { type: "button", class: "button button-danger" }, "Yes, cancel it: nobody not yet sent to gets it");
    // The button class sets a display that would beat `hidden` on the button itself: hide its wrapper.
    const confirmWrap = h("span", { hidden: true }, confirm);
    confirm.addEventListener("click", () => {
      api(`/v1/broadcasts/${encodeURIComponent(b.id)}/cancel`, { method: "POST" })
        .then(() => {
          announce("Cancelled.");
          done();
        })
        .catch(fail);
    });
    parts.push(
      h(
        "button",
        {
          type: "button",
          class: "button",
          onclick: () => {
            confirmWrap.hidden = false;
            confirm.focus();
          },
        },
        "Cancel newsletter…",
      ),
      confirmWrap,
    );
  }
  return parts.length ? h("div", null, h("div", { class: "form-actions newsletter-actions" }, parts), status) : null;
}

/** The newsletter as one customer would get it, and the same sent to yourself (links inert in both). */
function previewBlock(b: Broadcast): HTMLElement {
  const picker = customerPicker("nl-preview");
  const { search, found } = picker;
  const status = h("p", { class: "form-status", role: "status" });
  const shown = h("div", { class: "preview" });
  const run = async (what: "preview" | "test") => {
    if (!found.value) {
      status.textContent = "Choose a customer first.";
      search.focus();
      return;
    }
    try {
      if (what === "preview") {
        const p = await api<{ language: string; subject: string; text: string }>(`/v1/broadcasts/${encodeURIComponent(b.id)}/preview`, {
          method: "POST",
          body: { customerId: found.value },
        });
        replace(
          shown,
          facts([
            ["Language", p.language],
            ["Subject", p.subject],
          ]),
          h("pre", { class: "mono preview-text", tabindex: "0", "aria-label": "Plain text of the email" }, p.text),
        );
        status.textContent = "Preview shown. Links in a preview do nothing.";
      } else {
        const sent = await api<{ to: string }>(`/v1/broadcasts/${encodeURIComponent(b.id)}/test`, { method: "POST", body: { customerId: found.value } });
        status.textContent = `Test sent to ${sent.to}, subject starting “[Test]”. It is not recorded on the customer.`;
      }
    } catch (err) {
      if (err instanceof SignedOut) return;
      status.textContent =
        err instanceof ApiError ? (err.fields.length ? err.fields.map((x) => `${x.field} ${x.message}`).join("; ") : err.message) : "That failed.";
    }
  };
  return h(
    "div",
    { class: "newsletter-preview" },
    h("h3", null, "Preview and test"),
    h("div", { class: "toolbar preview-controls" }, picker.fields),
    picker.status,
    h(
      "div",
      { class: "form-actions" },
      h("button", { type: "button", class: "button", onclick: () => void run("preview") }, "Show preview"),
      h("button", { type: "button", class: "button", onclick: () => void run("test") }, "Send a test to me"),
    ),
    status,
    shown,
  );
}

/** The compose form: name, segment (with its live count), letters in English and one more language, send time. */
async function composeForm(ctx: PageContext, created: (id: string) => void): Promise<HTMLElement> {
  const segments = await api<{ items: SegmentItem[] }>("/v1/segments", { signal: ctx.signal }).catch(() => ({ items: [] as SegmentItem[] }));
  const name = h("input", { type: "text", autocomplete: "off", maxlength: "100" });
  const segment = h(
    "select",
    null,
    h("option", { value: "" }, segments.items.length ? "Choose a saved segment" : "No saved segments yet: build one under Saved segments"),
    segments.items.map((s) => h("option", { value: s.id }, s.name)),
  );
  const countLine = h("p", { class: "segment-count", role: "status", id: "newsletter-segment-count" });
  segment.addEventListener("change", () => {
    if (!segment.value) return void (countLine.textContent = "");
    countLine.textContent = "Counting…";
    const id = segment.value;
    api<{ count: number }>(`/v1/segments/${encodeURIComponent(id)}/members${query({ limit: 1 })}`, { signal: ctx.signal })
      .then((m) => {
        if (segment.value === id)
          countLine.textContent = `${f.count(m.count)} ${m.count === 1 ? "member" : "members"} now (consent and preferences are checked when it is sent)`;
      })
      .catch(() => (countLine.textContent = "The count is not available right now."));
  });
  const letter = (lang: string) => ({
    subject: h("input", { type: "text", autocomplete: "off", maxlength: "200" }),
    text: h("textarea", { rows: "5" }),
    html: h("textarea", { rows: "5" }),
    lang,
  });
  const en = letter("en");
  const other = letter("");
  const otherLang = h("input", { type: "text", autocomplete: "off", maxlength: "35", placeholder: "nb" });
  const mode = h(
    "select",
    null,
    h("option", { value: "draft" }, "Save as a draft (schedule later)"),
    h("option", { value: "instant" }, "At one moment for everyone"),
    h("option", { value: "local" }, "At a local time in each recipient's time zone"),
  );
  const when = h("input", { type: "datetime-local" });
  const zone = h("input", { type: "text", autocomplete: "off", value: BROWSER_ZONE });

  const form = apiForm("newsletter", "Save newsletter", async () => {
    const templates: Record<string, { subject: string; text: string; html: string }> = {
      en: { subject: en.subject.value, text: en.text.value, html: en.html.value },
    };
    const tag = otherLang.value.trim();
    if (tag) templates[tag] = { subject: other.subject.value, text: other.text.value, html: other.html.value };
    const sendAt =
      mode.value === "instant"
        ? (instantOf(when.value) ?? "")
        : mode.value === "local"
          ? { localTime: when.value, fallbackZone: zone.value.trim() }
          : undefined;
    const saved = await api<Broadcast>("/v1/broadcasts", {
      method: "POST",
      body: { name: name.value, segmentId: segment.value, templates, ...(sendAt !== undefined ? { sendAt } : {}) },
    });
    created(saved.id);
    return saved.state === "scheduled" ? `Scheduled “${saved.name}”.` : `Saved “${saved.name}” as a draft.`;
  });
  const letterFields = (l: typeof en, title: string, path: string) =>
    h(
      "fieldset",
      { class: "letter" },
      h("legend", null, title),
      form.field(`templates.${path}.subject`, "Subject", l.subject, "Placeholders such as {{firstName|there}} and {{unsubscribeUrl}} work as in campaigns"),
      form.field(`templates.${path}.text`, "Plain text", l.text),
      form.field(`templates.${path}.html`, "HTML", l.html),
    );
  form.append(
    form.field("name", "Name", name),
    form.field("segmentId", "Segment", segment),
    countLine,
    letterFields(en, "English (the fallback for every other language)", "en"),
    form.field("language", "Another language (optional, a tag such as nb or pt-BR)", otherLang),
    letterFields(other, "The other language's letter", "other"),
    form.field("mode", "When", mode),
    form.field("sendAt", "Date and time", when, "For “local time”, 10:00 means 10:00 wherever each recipient is"),
    form.field("sendAt.fallbackZone", "Time zone for recipients who gave none", zone),
  );
  // The other language's fields are reported under its tag: point them at the same controls.
  otherLang.addEventListener("change", () => {
    const tag = otherLang.value.trim();
    for (const part of ["subject", "text", "html"] as const) if (tag) other[part].setAttribute("name", `templates.${tag}.${part}`);
  });
  return form.element;
}
