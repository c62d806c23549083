import { ApiError, api, apiDownload, query } from "../api.ts";
import { type Child, h, replace } from "../dom.ts";
import * as f from "../format.ts";
import { apiForm, disclosure, instantOf, localValueOf } from "../forms.ts";
import { isOwner } from "../session.ts";
import type { Customer360, EmailSent, TimelineEntry, TimelinePage } from "../types.ts";
import type { PageContext } from "../ui.ts";
import { announce, dataTable, errorBox, facts, loadInto, loading, pageHeading, section, stageBadge, stats } from "../ui.ts";
import { customerName } from "./customers.ts";
import { type Task, taskActions } from "./today.ts";

const TIMELINE_PAGE = 20;

const PROFILE_LABELS: Record<string, string> = {
  firstName: "First name",
  lastName: "Last name",
  phone: "Phone",
  company: "Company",
  street: "Street",
  city: "City",
  region: "Region",
  postalCode: "Postal code",
  country: "Country",
  birthday: "Birthday",
  locale: "Language",
  timezone: "Time zone",
  linkedin: "LinkedIn",
  twitter: "X / Twitter",
};

/** Where the lead came from (the form's `source`, UTM parameters, the page). */
const ATTRIBUTION_LABELS: Record<string, string> = {
  source: "Lead source",
  utm_source: "UTM source",
  utm_medium: "UTM medium",
  utm_campaign: "UTM campaign",
  page: "Form page",
  referrer: "Referrer",
};

/** One customer's 360° view: who they are, what they agreed to, what they did and what we sent them. */
export async function customerPage(ctx: PageContext): Promise<void> {
  const id = ctx.params.id ?? "";
  ctx.title("Customer");
  const body = h("div");
  replace(ctx.main, h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/customers" }, "Customers")), body);
  await loadInto(
    body,
    ctx,
    "Loading the customer…",
    () => api<Customer360>(`/v1/customers/${encodeURIComponent(id)}`, { signal: ctx.signal }),
    (c) => {
      ctx.title(customerName(c));
      return view(c, ctx);
    },
  );
}

/** Shows the customer again after a change, keeping the reader where they were (the change's own status line says what happened). */
async function refresh(ctx: PageContext, focusId?: string): Promise<void> {
  await customerPage(ctx);
  if (focusId) document.getElementById(focusId)?.focus();
}

function view(c: Customer360, ctx: PageContext) {
  const profilePairs: [string, string][] = Object.keys(PROFILE_LABELS)
    .filter((k) => c.profile[k])
    .map((k) => [PROFILE_LABELS[k]!, c.profile[k]!]);
  const timeline = h("div");
  const page = [
    pageHeading(customerName(c), h("p", { class: "subtitle" }, h("span", null, c.email), " ", stageBadge(c.stage), " ", emailBadge(c))),
    stats([
      { label: "Orders", value: f.count(c.metrics.orders) },
      { label: "Lifetime spend", value: f.money(c.metrics.lifetimeSpend, c.metrics.currency) },
      { label: "Last activity", value: f.date(c.metrics.lastActivityAt) },
      { label: "Latest feedback", value: c.metrics.latestFeedbackScore === undefined ? f.NOT_AVAILABLE : `${c.metrics.latestFeedbackScore} / 10` },
      { label: "Lead score", value: c.leadScore ? f.count(Math.round(c.leadScore.score)) : "0", ...(c.leadScore?.hot ? { note: "Hot" } : {}) },
    ]),
    section("Work with this customer", { class: "actions-panel" }, actions(c, ctx)),
    section("Tasks", {}, tasksBlock(c)),
    h(
      "div",
      { class: "grid-2" },
      section(
        "Profile",
        {},
        facts([
          ["Email", c.email],
          ...profilePairs,
          [
            "Tags",
            c.tags.length
              ? h(
                  "span",
                  { class: "tags" },
                  c.tags.map((t) => h("span", { class: "tag" }, t)),
                )
              : "",
          ],
          ["Owner", c.owner ?? ""],
          ["Next contact", c.nextContactAt ? f.dateTime(c.nextContactAt) : ""],
          ["Customer since", f.dateTime(c.createdAt)],
          ["Updated", f.dateTime(c.updatedAt)],
          ...Object.entries(c.attribution ?? {}).map(([k, v]): [string, string] => [ATTRIBUTION_LABELS[k] ?? f.label(k), v]),
        ]),
      ),
      h(
        "div",
        { class: "stack" },
        section(
          "Consent",
          {},
          facts([
            [
              "Marketing email",
              h("span", { class: `badge ${c.consent.marketing ? "badge-yes" : "badge-no"}` }, c.consent.marketing ? "Yes, consented" : "No consent"),
            ],
            ["Recorded", c.consent.updatedAt ? f.dateTime(c.consent.updatedAt) : ""],
            ["Consent text version", c.consent.version ?? ""],
            ["Where", c.consent.source ?? ""],
          ]),
        ),
        c.engagement ? section("Email engagement", {}, engagementFacts(c.engagement)) : "",
        section(
          "Lifecycle",
          {},
          facts([
            ["Stage", stageBadge(c.stage)],
            ["Orders", f.count(c.metrics.orders)],
            ["Lifetime spend", f.money(c.metrics.lifetimeSpend, c.metrics.currency)],
            ["First purchase", c.metrics.firstPurchaseAt ? f.dateTime(c.metrics.firstPurchaseAt) : ""],
            ["Last purchase", c.metrics.lastPurchaseAt ? f.dateTime(c.metrics.lastPurchaseAt) : ""],
            ["Last activity", f.dateTime(c.metrics.lastActivityAt)],
          ]),
        ),
        section("Lead score", { class: "score-panel" }, scorePanel(c)),
        section("Referrals", {}, referralFacts(c)),
        section("Website interests", {}, interestsTable(c)),
      ),
      section("Timeline", { class: "span-2" }, timeline),
      section(
        "Emails sent",
        { class: "span-2" },
        dataTable<EmailSent>(
          "Emails sent to this customer, newest first",
          [
            { heading: "Campaign", cell: (e) => h("a", { href: `#/campaigns/${encodeURIComponent(e.campaignId ?? "")}` }, e.campaignId ?? "") },
            { heading: "Subject", cell: (e) => e.subject ?? "" },
            { heading: "Status", cell: (e) => f.label(e.status ?? "unknown") },
            { heading: "Sent", cell: (e) => f.dateTime(e.sentAt ?? e.claimedAt) },
          ],
          c.emailsSent as EmailSent[],
          { captionHidden: true, empty: "No emails sent to this customer yet." },
        ),
      ),
    ),
  ];
  void timelineInto(timeline, c.id, ctx);
  return page;
}

/** Where the customer stands in the advocate programme: their link, who they brought, and their reward. */
function referralFacts(c: Customer360): HTMLElement {
  const r = c.referral;
  const status = r?.status ?? "none";
  const badge = h(
    "span",
    { class: `badge ${status === "ambassador" ? "badge-yes" : "badge-no"}` },
    status === "ambassador" ? "Ambassador" : status === "promoter" ? "Promoter (has a link)" : "No referral link",
  );
  return facts([
    ["Programme status", badge],
    ["Referral link", r?.link ? h("a", { href: r.link, rel: "noreferrer" }, r.link) : "Given on the feedback thank-you page after a score of 9 or 10"],
    ["Leads referred", f.count(r?.referredLeads ?? 0)],
    ["Referred people who bought", f.count(r?.referrals ?? 0)],
    ["Referred by", r?.referredBy ? h("a", { href: `#/customers/${encodeURIComponent(r.referredBy)}` }, "the referring customer") : ""],
    ["Ambassador since", r?.ambassadorAt ? f.dateTime(r.ambassadorAt) : ""],
    ["Perk code", r?.perkCode ?? (r?.perkWaitingSince ? `Waiting for the perk pool since ${f.dateTime(r.perkWaitingSince)}` : "")],
  ]);
}

/** The timeline a page at a time: "Show older entries" asks for the next page with the cursor. */
async function timelineInto(target: HTMLElement, id: string, ctx: PageContext): Promise<void> {
  const list = h("ol", { class: "timeline" });
  const more = h("div", { class: "timeline-more" });
  const load = async (cursor?: string) => {
    replace(more, loading("Loading the timeline…"));
    try {
      const page = await api<TimelinePage>(`/v1/customers/${encodeURIComponent(id)}/timeline${query({ limit: TIMELINE_PAGE, cursor })}`, {
        signal: ctx.signal,
      });
      if (ctx.signal.aborted) return;
      const first = list.children.length;
      list.append(...page.items.map(entry));
      if (first === 0 && page.items.length === 0) list.append(h("li", { class: "empty" }, "Nothing on the timeline yet."));
      replace(
        more,
        page.nextCursor &&
          h(
            "button",
            {
              type: "button",
              class: "button",
              onclick: () => {
                void load(page.nextCursor!).then(() => (list.children[first + page.items.length] as HTMLElement | undefined)?.focus());
              },
            },
            "Show older entries",
          ),
      );
    } catch (err) {
      if (ctx.signal.aborted || (err as Error).name === "SignedOut") return;
      replace(
        more,
        errorBox(err, () => void load(cursor)),
      );
    }
  };
  replace(target, list, more);
  await load();
}

function entry(e: TimelineEntry): HTMLElement {
  const words = writtenText(e);
  const visit = visitText(e);
  const by = e.by;
  return h(
    "li",
    { tabindex: "-1" },
    h("time", { datetime: e.at }, f.dateTime(e.at)),
    h("span", { class: `event event-${e.type.replace(/[^a-z_]/g, "")}` }, f.label(e.type)),
    e.summary && h("span", { class: "event-summary" }, e.summary),
    words && h("blockquote", { class: "event-text" }, words),
    visit && h("span", { class: "event-summary" }, visit),
    by && h("span", { class: "event-by" }, by.type === "person" ? `by ${by.name || by.id}` : `by API key ${by.id}`),
  );
}

type Interest = NonNullable<Customer360["interests"]>[number];

/** What they looked at on the website (the tracking snippet), most viewed first. */
const SCORE_SOURCES: Record<string, string> = {
  form: "Form posts",
  page: "Key pages",
  click: "Email clicks",
  reply: "Replies",
  purchase: "Purchases",
};

type LeadScore = NonNullable<Customer360["leadScore"]>;

/** The lead score: the figure now, the change over the trend's days, points by source and the latest scored activities. */
function scorePanel(c: Customer360): Child {
  const s = c.leadScore;
  if (!s) return h("p", { class: "empty" }, "No score yet: form posts, key page visits, email clicks, replies and purchases earn points.");
  const change = s.trend.change;
  const sources = Object.entries(s.breakdown).filter(([, points]) => points > 0);
  return [
    h(
      "p",
      { class: "score-figure" },
      h("span", { class: "score-value" }, f.count(Math.round(s.score))),
      " ",
      s.hot ? h("span", { class: "badge badge-hot" }, "Hot") : h("span", { class: "muted" }, `hot at ${f.count(s.threshold)}`),
    ),
    h(
      "p",
      { class: "score-trend" },
      change === 0
        ? `No change in the last ${s.trend.days} days.`
        : `${change > 0 ? "Up" : "Down"} ${f.count(Math.abs(Math.round(change)))} in the last ${s.trend.days} days (from ${f.count(Math.round(s.trend.before))}).`,
    ),
    dataTable<[string, number]>(
      "Points by source, as they count today",
      [
        { heading: "Source", cell: ([source]) => SCORE_SOURCES[source] ?? source },
        { heading: "Points", cell: ([, points]) => f.count(Math.round(points)), numeric: true },
        {
          heading: "Share",
          cell: ([source, points]) =>
            h("meter", { min: 0, max: Math.max(s.score, 1), value: points, "aria-label": `${SCORE_SOURCES[source] ?? source}: share of the score` }),
        },
      ],
      sources,
      { captionHidden: false },
    ),
    recentScores(s),
    h("p", { class: "help" }, `Points halve every ${f.count(s.halfLifeDays)} days without new activity.`),
  ];
}

function recentScores(s: LeadScore): HTMLElement {
  return h(
    "details",
    { class: "score-recent" },
    h("summary", null, `Latest scored activity (${s.recent.length})`),
    h(
      "ul",
      null,
      s.recent.map((r) => h("li", null, `${SCORE_SOURCES[r.source] ?? r.source}: +${f.count(r.points)} on ${f.dateTime(r.at)}`)),
    ),
  );
}

function interestsTable(c: Customer360): HTMLElement {
  return dataTable<Interest>(
    "Website interests, most viewed first",
    [
      { heading: "Interest", cell: (i) => i.name },
      { heading: "Views", cell: (i) => f.count(i.views), numeric: true },
      { heading: "Last 30 days", cell: (i) => f.count(i.recentViews), numeric: true },
      { heading: "Last viewed", cell: (i) => f.date(i.lastViewedAt) },
      { heading: "Bought", cell: (i) => (i.bought ? "Yes" : "No") },
    ],
    c.interests ?? [],
    { captionHidden: true, stack: true, empty: "No website visits tied to this customer yet." },
  );
}

/** A visit's pages and interests, in a line. */
function visitText(e: TimelineEntry): string | undefined {
  if (e.type !== "visit") return undefined;
  const data = (e.data ?? {}) as { entryPath?: string; lastPath?: string; interests?: Record<string, number> };
  const path = [data.entryPath, data.lastPath].filter((p, i, all) => p && all.indexOf(p) === i).join(" → ");
  const interests = Object.entries(data.interests ?? {})
    .map(([name, n]) => `${name} ×${n}`)
    .join(", ");
  return [path, interests && `Interests: ${interests}`].filter(Boolean).join(" · ") || undefined;
}

/** What the person wrote: a form's message, a feedback comment, a logged call's or note's text. */
function writtenText(e: TimelineEntry): string | undefined {
  if (e.text?.trim()) return e.text;
  const data = (e.data ?? {}) as Record<string, unknown>;
  for (const key of ["text", "message", "comment"]) {
    const value = data[key];
    if (typeof value === "string" && value.trim()) return value;
  }
  return undefined;
}

const EMAIL_STATUS: Record<string, string> = {
  unsubscribed: "Unsubscribed: no marketing email",
  bounced: "Address bounced: no email",
  complained: "Marked email as spam: no email",
};

/** A clear badge when no email (or no marketing email) can reach this address. */
function emailBadge(c: Customer360): HTMLElement | null {
  const status = c.emailStatus;
  const text = status ? EMAIL_STATUS[status] : undefined;
  return text ? h("span", { class: "badge badge-no" }, text) : null;
}

/** Opens, clicks, the open streak and the sunset: why marketing goes to this address or has stopped. */
function engagementFacts(e: NonNullable<Customer360["engagement"]>): HTMLElement {
  return h(
    "div",
    null,
    e.sunsetAt
      ? h(
          "p",
          null,
          h("span", { class: "badge badge-no" }, "No marketing email"),
          ` Sunset on ${f.date(e.sunsetAt)} — no opens or clicks since ${f.date(e.idleSince)}`,
        )
      : "",
    facts([
      ["Last opened", e.lastOpenedAt ? f.dateTime(e.lastOpenedAt) : "Never"],
      ["Last clicked", e.lastClickedAt ? f.dateTime(e.lastClickedAt) : "Never"],
      ["Opened in a row without a click", f.count(e.opensWithoutClick)],
      ["No sign of interest since", e.idleSince ? f.date(e.idleSince) : ""],
      ["Asked to keep getting email", e.keptAt ? f.dateTime(e.keptAt) : ""],
    ]),
  );
}

const INTERACTIONS = [
  ["call", "Call"],
  ["meeting", "Meeting"],
  ["note", "Note"],
  ["support_ticket", "Support ticket"],
  ["email_reply", "Email reply"],
] as const;

/** The everyday changes to one customer, each a small form the API judges. */
/** This customer's tasks (open first) and a form to add one, for the signer-in or a teammate. */
function tasksBlock(c: Customer360): HTMLElement {
  const list = h("div");
  const load = async () => {
    try {
      const { items } = await api<{ items: Task[] }>(`/v1/tasks${query({ customerId: c.id })}`);
      replace(
        list,
        dataTable<Task>(
          "Tasks about this customer",
          [
            { heading: "Due", cell: (t) => f.dateTime(t.dueAt) },
            { heading: "Task", cell: (t) => t.title },
            { heading: "Status", cell: (t) => (t.status === "done" ? `Done ${f.dateTime(t.completedAt)}` : t.overdue ? "Overdue" : "Open") },
            { heading: "Do", cell: (t) => taskActions(t, load) },
          ],
          items,
          { captionHidden: true, stack: true, empty: "No tasks about this customer yet." },
        ),
      );
    } catch (err) {
      replace(list, errorBox(err));
    }
  };
  const title = h("input", { type: "text", maxlength: 200, autocomplete: "off" });
  const dueAt = h("input", { type: "datetime-local" });
  const assignee = h("input", { type: "email", autocomplete: "off" });
  const form = apiForm("task", "Add task", async () => {
    await api("/v1/tasks", {
      method: "POST",
      body: {
        customerId: c.id,
        title: title.value,
        ...(dueAt.value ? { dueAt: instantOf(dueAt.value) } : {}),
        ...(assignee.value ? { assignee: assignee.value } : {}),
      },
    });
    title.value = "";
    await load();
    return "Task added.";
  });
  form.append(
    form.field("title", "Task", title),
    form.field("dueAt", "Due", dueAt, "Leave empty for now"),
    form.field("assignee", "For", assignee, "A teammate's email; leave empty for yourself"),
  );
  void load();
  return h("div", null, list, disclosure("Add a task", form.element));
}

function actions(c: Customer360, ctx: PageContext): HTMLElement {
  return h("div", { class: "actions" }, interactionForm(c, ctx), orderForm(c, ctx), profileForm(c, ctx), subscriptionForm(c, ctx), privacyActions(c));
}

/**
 * The customer asked to stop getting marketing email, or to get it again: recorded with who did
 * it and why (POST /v1/customers/{id}/subscription). A bounced or complained address cannot be
 * resubscribed; the API's 409 says why, and the form shows it.
 */
function subscriptionForm(c: Customer360, ctx: PageContext): HTMLElement {
  const subscribed = c.consent.marketing && !c.emailStatus;
  const reason = h("input", { type: "text", maxlength: 500, autocomplete: "off" });
  const form = apiForm("subscription", subscribed ? "Unsubscribe" : "Subscribe again", async () => {
    const question = subscribed
      ? `Unsubscribe ${c.email} from marketing email? They get no marketing email from now on.`
      : `Subscribe ${c.email} to marketing email again? Only do this when they asked for it: it records their consent with your name.`;
    if (!window.confirm(question)) return "Nothing changed.";
    await api(`/v1/customers/${encodeURIComponent(c.id)}/subscription`, {
      method: "POST",
      body: { marketing: !subscribed, ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) },
    });
    await refresh(ctx, "subscription-reason");
    announce(subscribed ? "Unsubscribed." : "Subscribed again.");
    return subscribed ? "Unsubscribed." : "Subscribed again.";
  });
  form.append(
    h(
      "p",
      { class: "help" },
      subscribed
        ? "They get marketing email now. Unsubscribe them when they ask you to."
        : c.emailStatus === "bounced" || c.emailStatus === "complained"
          ? "Mail to this address bounced or was reported as spam: it cannot be subscribed again."
          : "They get no marketing email now. Subscribe them again only when they ask for it.",
    ),
    form.field("reason", "What they said", reason, "Kept on the timeline with your name, e.g. “asked on the phone”"),
  );
  return disclosure(subscribed ? "Unsubscribe on their request" : "Subscribe again on their request", form.element);
}

function interactionForm(c: Customer360, ctx: PageContext): HTMLElement {
  const type = h(
    "select",
    null,
    INTERACTIONS.map(([value, text]) => h("option", { value }, text)),
  );
  const text = h("textarea", { rows: 4, maxlength: 5000 });
  const at = h("input", { type: "datetime-local" });
  const form = apiForm("log", "Save to the timeline", async () => {
    await api("/v1/events", {
      method: "POST",
      body: { type: type.value, customerId: c.id, text: text.value, ...(at.value ? { at: instantOf(at.value) } : {}) },
    });
    await refresh(ctx, "log-type");
    return "Saved to the timeline.";
  });
  form.append(
    form.field("type", "What happened", type),
    form.field("text", "What was said or agreed", text),
    form.field("at", "When", at, "Leave empty for now"),
  );
  return disclosure("Log a call, meeting or note", form.element);
}

function orderForm(c: Customer360, ctx: PageContext): HTMLElement {
  const type = h("select", null, h("option", { value: "purchase" }, "Order"), h("option", { value: "refund" }, "Refund"));
  const amount = h("input", { type: "text", inputmode: "decimal", autocomplete: "off" });
  const product = h("input", { type: "text", autocomplete: "off" });
  const externalId = h("input", { type: "text", autocomplete: "off" });
  const at = h("input", { type: "datetime-local" });
  const form = apiForm("order", "Record", async () => {
    const n = Number(amount.value.replace(",", "."));
    await api("/v1/events", {
      method: "POST",
      body: {
        type: type.value,
        customerId: c.id,
        amount: amount.value.trim() === "" ? undefined : Number.isFinite(n) ? n : amount.value,
        ...(product.value.trim() ? { product: product.value.trim() } : {}),
        ...(externalId.value.trim() ? { externalId: externalId.value.trim() } : {}),
        ...(at.value ? { at: instantOf(at.value) } : {}),
      },
    });
    await refresh(ctx, "order-type");
    return "Recorded.";
  });
  form.append(
    form.field("type", "Order or refund", type),
    form.field("amount", `Amount (${c.metrics.currency})`, amount),
    form.field("product", "Product", product),
    form.field("externalId", "Order number", externalId, "Recording the same order number twice counts it once"),
    form.field("at", "When", at, "Leave empty for now"),
  );
  return disclosure("Record an order or refund", form.element);
}

const EDITABLE: [string, string, string?][] = [
  ["firstName", "First name"],
  ["lastName", "Last name"],
  ["phone", "Phone", "tel"],
  ["company", "Company"],
  ["street", "Street"],
  ["city", "City"],
  ["region", "Region"],
  ["postalCode", "Postal code"],
  ["country", "Country"],
  ["birthday", "Birthday", "date"],
  ["locale", "Language (e.g. en, nb, pt-BR)"],
  ["timezone", "Time zone (e.g. Europe/Oslo)"],
];

function profileForm(c: Customer360, ctx: PageContext): HTMLElement {
  const email = h("input", { type: "email", value: c.email, autocomplete: "off" });
  const inputs = EDITABLE.map(([name, , kind]) => [name, h("input", { type: kind ?? "text", value: c.profile[name] ?? "", autocomplete: "off" })] as const);
  const tags = h("input", { type: "text", value: c.tags.join(", "), autocomplete: "off" });
  const owner = h("input", { type: "text", value: c.owner ?? "", autocomplete: "off" });
  const next = h("input", { type: "datetime-local", value: localValueOf(c.nextContactAt) });
  const form = apiForm("profile", "Save changes", async () => {
    const patch: Record<string, unknown> = {};
    if (email.value.trim() !== c.email) patch.email = email.value.trim();
    for (const [name, input] of inputs) {
      const before = c.profile[name] ?? "";
      const now = input.value.trim();
      if (now !== before) patch[name] = now === "" ? null : now;
    }
    const tagList = tags.value
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
    if (tagList.join(",") !== c.tags.join(",")) patch.tags = tagList;
    if (owner.value.trim() !== (c.owner ?? "")) patch.owner = owner.value.trim() === "" ? null : owner.value.trim();
    if (next.value !== localValueOf(c.nextContactAt)) patch.nextContactAt = next.value ? instantOf(next.value) : null;
    if (Object.keys(patch).length === 0) return "Nothing changed.";
    await api(`/v1/customers/${encodeURIComponent(c.id)}`, { method: "PATCH", body: patch });
    await refresh(ctx, "profile-email");
    return "Saved.";
  });
  form.append(
    form.field("email", "Email", email),
    ...inputs.map(([name, input]) => form.field(name, EDITABLE.find(([n]) => n === name)![1], input)),
    form.field("tags", "Tags", tags, "Separated by commas"),
    form.field("owner", "Owner", owner, "Who looks after this customer"),
    form.field("nextContactAt", "Next contact", next, "When to get in touch next; it shows on Today"),
  );
  return disclosure("Edit profile, tags, owner, next contact", form.element);
}

function privacyActions(c: Customer360): HTMLElement {
  const download = h(
    "button",
    {
      type: "button",
      class: "button",
      onclick: () => {
        apiDownload(`/v1/customers/${encodeURIComponent(c.id)}/export`, `customer-${c.id}.json`)
          .then(() => announce("The export is downloaded."))
          .catch(() => announce("The export could not be downloaded. Try again."));
      },
    },
    "Download everything held (JSON)",
  );
  const confirm = h("input", { type: "text", autocomplete: "off", spellcheck: false });
  const erase = apiForm(
    "erase",
    "Erase this customer",
    async () => {
      if (confirm.value.trim().toLowerCase() !== c.email.toLowerCase()) {
        throw new ApiError(400, "Type the customer's email address to confirm.", [
          { field: "confirm", message: "must be the customer's email address, to confirm" },
        ]);
      }
      await api(`/v1/customers/${encodeURIComponent(c.id)}`, { method: "DELETE" });
      location.hash = "#/customers";
      return "Erased.";
    },
    { danger: true },
  );
  erase.append(
    h("p", null, "Erasure deletes everything personal about this customer for good. Counts in the reports stay, without the person. Only owners may erase."),
    erase.field("confirm", "Type the email address to confirm", confirm, c.email),
  );
  // Erasure is an owner's call: staff see only the export.
  if (!isOwner()) return disclosure("Export (privacy requests)", h("p", null, download));
  return disclosure("Export or erase (privacy requests)", h("p", null, download), erase.element);
}
