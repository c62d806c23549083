import { ApiError, api, query } from "../api.ts";
import { COLORS, chartFigure } from "../charts.ts";
import { h, replace } from "../dom.ts";
import * as f from "../format.ts";
import type { CampaignsReport, FunnelReport, ReferralsReport, RetentionReport, RevenueReport } from "../types.ts";
import type { PageContext } from "../ui.ts";
import { dataTable, loadInto, pageHeading, section, stats } from "../ui.ts";

export const STAGE_COLORS: Record<string, string> = {
  lead: COLORS.slate,
  customer: COLORS.blue,
  loyal: COLORS.teal,
  advocate: COLORS.green,
  at_risk: COLORS.amber,
  churned: COLORS.rose,
};

const PRESETS: { id: string; label: string; days?: number }[] = [
  { id: "30d", label: "Last 30 days", days: 30 },
  { id: "90d", label: "Last 90 days", days: 90 },
  { id: "12m", label: "Last 12 months", days: 365 },
  { id: "ytd", label: "This year so far" },
  { id: "custom", label: "Custom dates" },
];
const DEFAULT_PRESET = "12m";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function presetPeriod(id: string): { from: string; to: string } {
  const to = f.today();
  if (id === "ytd") return { from: `${to.slice(0, 4)}-01-01`, to };
  const days = PRESETS.find((p) => p.id === id)?.days ?? 365;
  return { from: f.addDays(to, -(days - 1)), to };
}

/** A request made at once and shared by the parts that show it; `fetch` gives it once, then asks afresh ("Try again"). */
function retryable<T>(request: () => Promise<T>): { first: Promise<T>; fetch: () => Promise<T> } {
  const first = request();
  let given = false;
  return {
    first,
    fetch: () => {
      if (given) return request();
      given = true;
      return first;
    },
  };
}

/**
 * The overview: where every contact stands (funnel), who is slipping away (churn), what came in
 * (revenue) and what customers say (NPS), for a period the reader picks. Each part loads on its
 * own, so one failing report leaves the others readable.
 */
export async function overviewPage(ctx: PageContext): Promise<void> {
  ctx.title("Overview");
  const requested = { from: ctx.query.get("from") ?? "", to: ctx.query.get("to") ?? "" };
  const preset = ctx.query.get("preset") ?? (requested.from || requested.to ? "custom" : DEFAULT_PRESET);
  const period =
    preset === "custom" && DAY.test(requested.from) && DAY.test(requested.to) ? requested : presetPeriod(preset === "custom" ? DEFAULT_PRESET : preset);
  const interval = f.spanDays(period.from, period.to) > 62 ? "month" : "day";

  const funnel = retryable(() => api<FunnelReport>(`/v1/reports/funnel${query(period)}`, { signal: ctx.signal }));
  const retention = retryable(() => api<RetentionReport>(`/v1/reports/retention${query(period)}`, { signal: ctx.signal }));
  const revenue = retryable(() => api<RevenueReport>(`/v1/reports/revenue${query({ ...period, interval })}`, { signal: ctx.signal }));
  const campaigns = retryable(() => api<CampaignsReport>("/v1/reports/campaigns", { signal: ctx.signal }));
  const referrals = () => api<ReferralsReport>(`/v1/reports/referrals${query({ ...period, interval, top: 10 })}`, { signal: ctx.signal });
  const answers = Promise.allSettled([funnel.first, retention.first, revenue.first, campaigns.first]);

  const form = periodForm(period, preset);
  const keyFigures = h("div", { class: "stats-slot" });
  const funnelBody = h("div");
  const churnBody = h("div");
  const revenueBody = h("div");
  const npsBody = h("div");
  const referralsBody = h("div");

  replace(
    ctx.main,
    pageHeading("Overview"),
    form,
    section("Key figures", { class: "panel-plain" }, keyFigures),
    h(
      "div",
      { class: "grid-2" },
      section("Contacts per stage now", {}, funnelBody),
      section("Churn in the period", {}, churnBody),
      section(interval === "month" ? "Revenue by month" : "Revenue by day", {}, revenueBody),
      section("NPS by campaign", {}, npsBody),
      section("Referrals", { class: "span-2" }, referralsBody),
    ),
  );

  void loadInto(
    keyFigures,
    ctx,
    "Loading key figures…",
    () => answers,
    ([fu, re, rv, ca]) => {
      const ok = <T>(r: PromiseSettledResult<T>) => (r.status === "fulfilled" ? r.value : undefined);
      const fun = ok(fu);
      const ret = ok(re);
      const rev = ok(rv);
      const nps = ok(ca) ? overallNps(ok(ca)!) : undefined;
      return stats([
        { label: "Contacts now", value: fun ? f.count(fun.total) : f.NOT_AVAILABLE, note: "every stage, today" },
        { label: "New contacts in the period", value: fun ? f.count(fun.newContacts) : f.NOT_AVAILABLE, note: "captured between the dates" },
        {
          label: "Revenue in the period",
          value: rev ? f.money(rev.totals.revenue, rev.currency) : f.NOT_AVAILABLE,
          note: rev ? `${f.count(rev.totals.purchases)} purchases` : undefined,
        },
        {
          label: "Churn rate in the period",
          value: ret ? f.percent(ret.churn.rate) : f.NOT_AVAILABLE,
          note: ret ? `${f.count(ret.churn.churned)} churned in the period, of ${f.count(ret.churn.activeAtStart)} active at its start` : undefined,
        },
        {
          label: "NPS, all time",
          value: nps && nps.nps !== null ? f.number(nps.nps) : f.NOT_AVAILABLE,
          note: nps ? `${f.count(nps.count)} answers, all time` : undefined,
        },
      ]);
    },
  );
  void loadInto(funnelBody, ctx, "Loading the funnel…", funnel.fetch, (r) => funnelView(r, ctx));
  void loadInto(churnBody, ctx, "Loading churn…", retention.fetch, (r) => churnView(r, ctx));
  void loadInto(revenueBody, ctx, "Loading revenue…", revenue.fetch, (r) => revenueView(r, ctx));
  void loadInto(npsBody, ctx, "Loading campaign feedback…", campaigns.fetch, (r) => npsView(r, ctx));
  void loadInto(referralsBody, ctx, "Loading referrals…", referrals, referralsView);

  // A period the API refuses (from after to, say) is named next to the field it is about.
  funnel.first.catch((err: unknown) => {
    if (err instanceof ApiError) for (const field of err.fields) form.showError(field.field, field.message);
  });
}

function periodForm(period: { from: string; to: string }, preset: string) {
  const select = h(
    "select",
    { id: "period-preset", name: "preset" },
    PRESETS.map((p) => h("option", { value: p.id, selected: p.id === preset }, p.label)),
  );
  const from = h("input", { id: "period-from", name: "from", type: "date", value: period.from, max: f.today(), "aria-describedby": "period-from-error" });
  const to = h("input", { id: "period-to", name: "to", type: "date", value: period.to, max: f.today(), "aria-describedby": "period-to-error" });
  const errors = {
    from: h("p", { class: "field-error", id: "period-from-error", hidden: true }),
    to: h("p", { class: "field-error", id: "period-to-error", hidden: true }),
  };
  select.addEventListener("change", () => {
    if (select.value === "custom") return from.focus();
    const p = presetPeriod(select.value);
    from.value = p.from;
    to.value = p.to;
  });
  for (const input of [from, to]) input.addEventListener("input", () => (select.value = "custom"));

  const form = h(
    "form",
    {
      class: "toolbar period",
      "aria-label": "Report period",
      onsubmit: (event: Event) => {
        event.preventDefault();
        if (from.value && to.value && from.value > to.value) return showError("from", "must be on or before the end date");
        location.hash = `#/overview${select.value === "custom" ? query({ preset: "custom", from: from.value, to: to.value }) : query({ preset: select.value })}`;
      },
    },
    h("div", { class: "field field-wide" }, h("label", { for: "period-preset" }, "Period"), select),
    h("div", { class: "field" }, h("label", { for: "period-from" }, "From"), from, errors.from),
    h("div", { class: "field" }, h("label", { for: "period-to" }, "To"), to, errors.to),
    h("div", { class: "field field-action" }, h("button", { type: "submit", class: "button button-primary" }, "Show")),
    h("p", { class: "help period-note" }, `Showing ${f.day(period.from)} to ${f.day(period.to)} (UTC days, both included).`),
  );

  function showError(field: string, message: string): void {
    const key = field === "to" ? "to" : "from";
    errors[key].textContent = `${key === "from" ? "From" : "To"} ${message}`;
    errors[key].hidden = false;
    (key === "from" ? from : to).setAttribute("aria-invalid", "true");
  }
  return Object.assign(form, { showError });
}

function funnelView(r: FunnelReport, ctx: PageContext) {
  const body = h("div");
  chartFigure(
    body,
    {
      title: "Contacts per stage now",
      summary: `${f.count(r.total)} contacts now, ${r.stages.map((s) => `${f.label(s.stage)} ${f.count(s.count)}`).join(", ")}.`,
      type: "bar",
      horizontal: true,
      labels: r.stages.map((s) => f.label(s.stage)),
      labelHeading: "Stage",
      series: [{ label: "Contacts", data: r.stages.map((s) => s.count), color: r.stages.map((s) => STAGE_COLORS[s.stage] ?? COLORS.slate) }],
      format: (n) => (n === null ? f.NOT_AVAILABLE : f.count(n)),
    },
    ctx.charts,
  );
  body.append(
    dataTable(
      "Contacts per stage now, and their moves in the period",
      [
        { heading: "Stage", cell: (s) => h("a", { href: `#/segments/${encodeURIComponent(s.stage)}` }, f.label(s.stage)) },
        { heading: "Now", cell: (s) => f.count(s.count), numeric: true },
        { heading: "At the period's start", cell: (s) => f.count(s.atStart), numeric: true },
        { heading: "Entered in the period", cell: (s) => f.count(s.entered), numeric: true },
      ],
      r.stages,
      { stack: true },
    ),
    dataTable(
      `Conversion in the period, ${f.day(r.period.from)} to ${f.day(r.period.to)}`,
      [
        { heading: "Step", cell: (c) => `${f.label(c.from)} → ${f.label(c.to)}` },
        { heading: "Moved", cell: (c) => f.count(c.moved), numeric: true },
        { heading: "Could move", cell: (c) => f.count(c.eligible), numeric: true },
        { heading: "Rate", cell: (c) => f.percent(c.rate), numeric: true },
      ],
      r.conversions,
    ),
  );
  return body;
}

function churnView(r: RetentionReport, ctx: PageContext) {
  const body = h("div");
  body.append(
    h(
      "p",
      { class: "lead-figure" },
      h("strong", null, f.percent(r.churn.rate)),
      ` churn in the period: ${f.count(r.churn.churned)} customers churned between ${f.day(r.period.from)} and ${f.day(r.period.to)}, of ${f.count(r.churn.activeAtStart)} active at its start.`,
    ),
    h(
      "p",
      { class: "help" },
      "Churned in the period counts who left during these dates; the Churned stage under “Contacts per stage now” counts everyone churned today, whenever they left.",
    ),
  );
  chartFigure(
    body,
    {
      title: "Churn rate per month",
      summary: `Monthly churn rate from ${f.month(r.trend[0]?.month ?? "")} to ${f.month(r.trend.at(-1)?.month ?? "")}.`,
      type: "line",
      labels: r.trend.map((t) => f.month(t.month)),
      labelHeading: "Month",
      series: [{ label: "Churn rate", data: r.trend.map((t) => t.rate), color: COLORS.rose }],
      format: f.percent,
      tick: (n) => `${n}%`,
    },
    ctx.charts,
  );
  return body;
}

function revenueView(r: RevenueReport, ctx: PageContext) {
  const body = h("div");
  const labelOf = r.interval === "month" ? f.month : f.day;
  body.append(
    h(
      "p",
      { class: "lead-figure" },
      h("strong", null, f.money(r.totals.revenue, r.currency)),
      ` from ${f.count(r.totals.purchases)} purchases; ${f.count(r.totals.newCustomers)} first-time buyers.`,
    ),
  );
  chartFigure(
    body,
    {
      title: r.interval === "month" ? "Revenue per month" : "Revenue per day",
      summary: `Revenue in ${r.currency} per ${r.interval}, ${f.money(r.totals.revenue, r.currency)} in total.`,
      type: "bar",
      labels: r.rows.map((row) => labelOf(row.period)),
      labelHeading: r.interval === "month" ? "Month" : "Day",
      series: [{ label: `Revenue (${r.currency})`, data: r.rows.map((row) => row.revenue), color: COLORS.blue }],
      format: (n) => f.money(n, r.currency),
      tick: (n) => f.money(n, r.currency, true),
    },
    ctx.charts,
  );
  return body;
}

function overallNps(r: CampaignsReport): { nps: number | null; count: number } {
  let count = 0;
  let promoters = 0;
  let detractors = 0;
  for (const c of r.campaigns) {
    count += c.feedback.count;
    promoters += c.feedback.promoters;
    detractors += c.feedback.detractors;
  }
  return { count, nps: count === 0 ? null : Math.round(((promoters - detractors) / count) * 1000) / 10 };
}

function npsView(r: CampaignsReport, ctx: PageContext) {
  const body = h("div");
  const overall = overallNps(r);
  const answered = r.campaigns.filter((c) => c.feedback.count > 0);
  body.append(
    h(
      "p",
      { class: "lead-figure" },
      h("strong", null, overall.nps === null ? f.NOT_AVAILABLE : f.number(overall.nps)),
      overall.count === 0
        ? " overall: no feedback answers yet. Scores come from the 0–10 links in feedback emails."
        : ` overall NPS from ${f.count(overall.count)} answers (% promoters − % detractors, all time).`,
    ),
  );
  if (answered.length === 0) return body;
  chartFigure(
    body,
    {
      title: "NPS per campaign",
      summary: `${answered.map((c) => `${c.name} ${c.feedback.nps === null ? f.NOT_AVAILABLE : f.number(c.feedback.nps)}`).join(", ")}.`,
      type: "bar",
      horizontal: true,
      labels: answered.map((c) => c.name),
      labelHeading: "Campaign",
      series: [
        { label: "NPS", data: answered.map((c) => c.feedback.nps), color: answered.map((c) => ((c.feedback.nps ?? 0) >= 0 ? COLORS.teal : COLORS.rose)) },
      ],
      format: (n) => (n === null ? f.NOT_AVAILABLE : f.number(n)),
      min: -100,
      max: 100,
      size: answered.length > 4 ? "tall" : "normal",
    },
    ctx.charts,
  );
  return body;
}

/** What promoters' referral links brought in the period, and who brought the most (all time). */
function referralsView(r: ReferralsReport) {
  const t = r.totals;
  return h(
    "div",
    null,
    h(
      "p",
      { class: "lead-figure" },
      h("strong", null, f.count(t.referredLeads)),
      ` referred leads in the period; ${f.count(t.conversions)} referred people made a first purchase (${f.percent(t.conversionRate)}), and referred customers spent ${f.money(t.revenue, r.currency)}.`,
    ),
    h(
      "p",
      { class: "help" },
      `Promoters (scores 9–10) get a personal referral link on the feedback thank-you page. After ${f.count(r.ambassadorAfter)} referred people buy, a referrer becomes an ambassador and gets the reward email with a perk code.`,
    ),
    dataTable(
      "Top referrers, all time",
      [
        { heading: "Referrer", cell: (x) => h("a", { href: `#/customers/${encodeURIComponent(x.customerId)}` }, x.name ?? "Erased customer") },
        { heading: "Status", cell: (x) => h("span", { class: `badge ${x.ambassador ? "badge-yes" : "badge-no"}` }, x.ambassador ? "Ambassador" : "Promoter") },
        { heading: "Leads", cell: (x) => f.count(x.leads), numeric: true },
        { heading: "Bought", cell: (x) => f.count(x.conversions), numeric: true },
        { heading: "Revenue", cell: (x) => f.money(x.revenue, r.currency), numeric: true },
      ],
      r.topReferrers,
      { stack: true, empty: "No referrals yet: nobody has arrived through a referral link." },
    ),
  );
}
