import { api, SignedOut } from "../api.ts";
import { COLORS, chartFigure } from "../charts.ts";
import { h, replace } from "../dom.ts";
import * as f from "../format.ts";
import type { Campaign, CampaignsReport, Trigger } from "../types.ts";
import type { PageContext } from "../ui.ts";
import { announce, dataTable, errorBox, loadInto, pageHeading, section } from "../ui.ts";

export type Performance = CampaignsReport["campaigns"][number];

/** What makes the campaign go out, in a few words. */
export function triggerText(t: Trigger): string {
  switch (t.type) {
    case "first_purchase":
      return t.delayHours === 0 ? "Right after the first purchase" : `${t.delayHours} h after the first purchase`;
    case "purchase":
      return `${t.delayDays} day${t.delayDays === 1 ? "" : "s"} after each purchase`;
    case "spend_milestone":
      return `Lifetime spend reaches ${t.amounts.join(", ")}`;
    case "birthday":
      return `On the birthday, at ${t.localTime} local time`;
    case "at_risk":
      return "When a customer becomes at risk";
    case "lead_no_follow_up":
      return `A lead with no follow-up after ${t.afterHours} h`;
    case "low_feedback":
      return "After a feedback score of 0–6";
    case "double_opt_in":
      return "When a form lead ticks consent (confirm email)";
    case "interest":
      return `Viewed one interest ${t.views} times in ${t.days} days, bought nothing in it`;
    case "opens_without_clicks":
      return `Opened ${t.opens} marketing emails in a row without a click`;
    case "sunset":
      return "No opens or clicks for the sunset period (asks once, then marketing stops)";
    case "ambassador":
      return "When a customer's referrals make them an ambassador";
  }
}

export function audienceText(c: Campaign): string {
  const parts: string[] = [];
  parts.push(c.audience.stages?.length ? c.audience.stages.map(f.label).join(", ") : "Every stage");
  if (c.audience.tags?.length) parts.push(`tagged ${c.audience.tags.join(" and ")}`);
  if (c.audience.excludeTags?.length) parts.push(`not tagged ${c.audience.excludeTags.join(" or ")}`);
  return parts.join("; ");
}

/** Every campaign's definition next to what it achieved (sent, opened, clicked, NPS). */
export async function campaignsPage(ctx: PageContext): Promise<void> {
  ctx.title("Campaigns");
  const body = h("div");
  replace(ctx.main, pageHeading("Campaigns", h("p", { class: "subtitle" }, "What each campaign sends, to whom, and what it achieved (all time).")), body);
  const report = api<CampaignsReport>("/v1/reports/campaigns", { signal: ctx.signal }).catch((err: unknown) => err as Error);
  await loadInto(
    body,
    ctx,
    "Loading campaigns…",
    async () => ({ list: await api<{ items: Campaign[] }>("/v1/campaigns", { signal: ctx.signal }), report: await report }),
    ({ list, report }) => {
      if (report instanceof SignedOut) return null;
      const performance = new Map(report instanceof Error ? [] : report.campaigns.map((p) => [p.id, p]));
      const perf = (c: Campaign) => performance.get(c.id);
      const figure = (c: Campaign, pick: (p: Performance) => string) => (perf(c) ? pick(perf(c)!) : f.NOT_AVAILABLE);
      const table = dataTable<Campaign>(
        "Campaigns",
        [
          {
            heading: "Campaign",
            cell: (c) => [
              h("a", { href: `#/campaigns/${encodeURIComponent(c.id)}` }, c.name),
              c.description && h("span", { class: "cell-note" }, c.description),
              // The sunset's re-permission email: who answered it, and for whom marketing stopped.
              perf(c)?.repermission &&
                h(
                  "span",
                  { class: "cell-note" },
                  `Kept subscribed: ${f.count(perf(c)!.repermission!.kept)} · Sunset: ${f.count(perf(c)!.repermission!.sunset)}`,
                ),
            ],
          },
          { heading: "Status", cell: (c) => h("span", { class: `badge ${c.enabled ? "badge-yes" : "badge-no"}` }, c.enabled ? "On" : "Off") },
          { heading: "Kind", cell: (c) => f.label(c.kind) },
          { heading: "Trigger", cell: (c) => triggerText(c.trigger) },
          { heading: "Audience", cell: (c) => audienceText(c) },
          { heading: "Sent", cell: (c) => figure(c, (p) => f.count(p.sent)), numeric: true },
          { heading: "Delivered", cell: (c) => figure(c, (p) => f.percent(p.rates.delivery)), numeric: true },
          { heading: "Opened", cell: (c) => figure(c, (p) => f.percent(p.rates.open)), numeric: true },
          { heading: "Clicked", cell: (c) => figure(c, (p) => f.percent(p.rates.click)), numeric: true },
          { heading: "Unsubscribed", cell: (c) => figure(c, (p) => f.percent(p.rates.unsubscribe)), numeric: true },
          {
            heading: "NPS",
            cell: (c) => figure(c, (p) => (p.feedback.count ? `${f.number(p.feedback.nps)} (${f.count(p.feedback.count)})` : f.NOT_AVAILABLE)),
            numeric: true,
          },
        ],
        list.items,
        { captionHidden: true, stack: true, empty: "No campaigns." },
      );
      const parts: (HTMLElement | null)[] = [
        report instanceof Error
          ? h(
              "div",
              { class: "panel" },
              h("p", null, "Performance figures could not be loaded; the definitions below are current."),
              errorBox(report, () => void campaignsPage(ctx)),
            )
          : null,
        h("div", { class: "panel" }, table),
      ];
      if (!(report instanceof Error)) {
        const sent = report.campaigns.filter((p) => p.sent > 0);
        if (sent.length) {
          const chart = section("Open and click rates", {});
          parts.push(chart);
          // Drawn once the section is on the page (Chart.js measures its box).
          queueMicrotask(() =>
            chartFigure(
              chart,
              {
                title: "Open and click rates per campaign",
                summary: `${sent.map((p) => `${p.name}: opened ${f.percent(p.rates.open)}, clicked ${f.percent(p.rates.click)}`).join("; ")}.`,
                type: "bar",
                horizontal: true,
                labels: sent.map((p) => p.name),
                labelHeading: "Campaign",
                series: [
                  { label: "Opened (% of delivered)", data: sent.map((p) => p.rates.open), color: COLORS.blue },
                  { label: "Clicked (% of delivered)", data: sent.map((p) => p.rates.click), color: COLORS.amber },
                ],
                format: f.percent,
                tick: (n) => `${n}%`,
                min: 0,
                max: 100,
                size: sent.length > 3 ? "tall" : "normal",
              },
              ctx.charts,
            ),
          );
        }
      }
      announce(`${list.items.length} campaigns.`);
      return parts;
    },
  );
}
