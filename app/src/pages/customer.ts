import { api, query } from "../api.ts";
import { h, replace } from "../dom.ts";
import * as f from "../format.ts";
import type { Customer360, EmailSent, TimelineEntry, TimelinePage } from "../types.ts";
import type { PageContext } from "../ui.ts";
import { dataTable, errorBox, facts, loadInto, loading, pageHeading, section, stageBadge, stats } from "../ui.ts";
import { customerName } from "./customers.ts";

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

function view(c: Customer360, ctx: PageContext) {
  const profilePairs: [string, string][] = Object.keys(PROFILE_LABELS)
    .filter((k) => c.profile[k])
    .map((k) => [PROFILE_LABELS[k]!, c.profile[k]!]);
  const timeline = h("div");
  const page = [
    pageHeading(customerName(c), h("p", { class: "subtitle" }, h("span", null, c.email), " ", stageBadge(c.stage))),
    stats([
      { label: "Orders", value: f.count(c.metrics.orders) },
      { label: "Lifetime spend", value: f.money(c.metrics.lifetimeSpend, c.metrics.currency) },
      { label: "Last activity", value: f.date(c.metrics.lastActivityAt) },
      { label: "Latest feedback", value: c.metrics.latestFeedbackScore === undefined ? f.NOT_AVAILABLE : `${c.metrics.latestFeedbackScore} / 10` },
    ]),
    h(
      "div",
      { class: "grid-2" },
      section(
        "Profile",
        {},
        facts([
          ["Email", c.email],
          ...profilePairs,
          ["Tags", c.tags.length ? h("span", { class: "tags" }, c.tags.map((t) => h("span", { class: "tag" }, t))) : ""],
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
            ["Marketing email", h("span", { class: `badge ${c.consent.marketing ? "badge-yes" : "badge-no"}` }, c.consent.marketing ? "Yes, consented" : "No consent")],
            ["Recorded", c.consent.updatedAt ? f.dateTime(c.consent.updatedAt) : ""],
            ["Consent text version", c.consent.version ?? ""],
            ["Where", c.consent.source ?? ""],
          ]),
        ),
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

/** The timeline a page at a time: "Show older entries" asks for the next page with the cursor. */
async function timelineInto(target: HTMLElement, id: string, ctx: PageContext): Promise<void> {
  const list = h("ol", { class: "timeline" });
  const more = h("div", { class: "timeline-more" });
  const load = async (cursor?: string) => {
    replace(more, loading("Loading the timeline…"));
    try {
      const page = await api<TimelinePage>(`/v1/customers/${encodeURIComponent(id)}/timeline${query({ limit: TIMELINE_PAGE, cursor })}`, { signal: ctx.signal });
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
      replace(more, errorBox(err, () => void load(cursor)));
    }
  };
  replace(target, list, more);
  await load();
}

function entry(e: TimelineEntry): HTMLElement {
  return h(
    "li",
    { tabindex: "-1" },
    h("time", { datetime: e.at }, f.dateTime(e.at)),
    h("span", { class: `event event-${e.type.replace(/[^a-z_]/g, "")}` }, f.label(e.type)),
    e.summary && h("span", { class: "event-summary" }, e.summary),
  );
}
