import { api } from "../api.ts";
import { COLORS, chartFigure } from "../charts.ts";
import { h } from "../dom.ts";
import * as f from "../format.ts";
import type { SegmentsReport } from "../types.ts";
import type { PageContext } from "../ui.ts";
import { dataTable, loadInto, pageHeading, section, stats } from "../ui.ts";

type SegmentRow = SegmentsReport["segments"][number];

/** What each RFM segment means (the grid in shared/reports/types.ts), for readers who don't speak RFM. */
export const SEGMENT_MEANING: Record<string, string> = {
  champions: "Bought recently and often: reward them, ask for reviews",
  regulars: "Buy regularly: keep them close, offer more",
  newcomers: "First purchase was recent: help them buy again",
  potential: "Recent or frequent, not yet both: nudge them",
  slipping: "Used to buy often, not lately: win them back",
  hibernating: "Long gone and rarely bought: low priority",
};

/** Value segments (RFM): who the most profitable customers are and who is slipping. */
export async function segmentsPage(ctx: PageContext): Promise<void> {
  ctx.title("Segments");
  const body = h("div");
  ctx.main.replaceChildren(
    pageHeading(
      "Segments",
      h(
        "p",
        { class: "subtitle" },
        "Customers with at least one purchase, scored 1–5 on recency, frequency and monetary value (RFM), now. Value segments are about purchases; they are not the lifecycle stages (Loyal, At risk), which are about activity. Open a segment to see its people.",
      ),
    ),
    body,
  );
  await loadInto(
    body,
    ctx,
    "Loading segments…",
    () => api<SegmentsReport>("/v1/reports/segments", { signal: ctx.signal }),
    (r) => {
      const top = [...r.segments].sort((a, b) => (b.revenueShare ?? 0) - (a.revenueShare ?? 0))[0];
      const shares = section("Share of customers and of revenue", {});
      const scores = section("RFM score distribution", {});
      const parts = [
        stats([
          { label: "Customers who bought", value: f.count(r.customers) },
          { label: "Their revenue", value: f.money(r.revenue, r.currency), note: "lifetime" },
          {
            label: "Most revenue",
            value: top?.count ? f.label(top.segment) : f.NOT_AVAILABLE,
            note: top?.count ? `${f.percent(top.revenueShare)} of revenue from ${f.percent(top.share)} of customers` : undefined,
          },
        ]),
        section(
          "Value segments",
          {},
          h("p", { class: "help table-note" }, `As of ${f.dateTime(r.asOf)}.`),
          dataTable<SegmentRow>(
            `Value segments as of ${f.dateTime(r.asOf)}`,
            [
              {
                heading: "Segment",
                cell: (s) => [
                  h("a", { href: `#/segments/${encodeURIComponent(s.segment)}` }, f.label(s.segment)),
                  h("span", { class: "cell-note" }, SEGMENT_MEANING[s.segment] ?? ""),
                ],
              },
              {
                heading: "Customers",
                cell: (s) =>
                  h(
                    "a",
                    { href: `#/segments/${encodeURIComponent(s.segment)}`, "aria-label": `${f.count(s.count)} customers in ${f.label(s.segment)}: see them` },
                    f.count(s.count),
                  ),
                numeric: true,
              },
              { heading: "Share", cell: (s) => f.percent(s.share), numeric: true },
              { heading: "Revenue", cell: (s) => f.money(s.revenue, r.currency), numeric: true },
              { heading: "Revenue share", cell: (s) => f.percent(s.revenueShare), numeric: true },
              { heading: "Average lifetime value", cell: (s) => f.money(s.averageLifetimeValue, r.currency), numeric: true },
            ],
            r.segments,
            { captionHidden: true, stack: true, empty: "No customer has bought anything yet, so there is nothing to segment." },
          ),
        ),
        h("div", { class: "grid-2" }, shares, scores),
      ];
      queueMicrotask(() => {
        chartFigure(
          shares,
          {
            title: "Share of customers and of revenue per segment",
            summary: `${r.segments.map((s) => `${f.label(s.segment)}: ${f.percent(s.share)} of customers, ${f.percent(s.revenueShare)} of revenue`).join("; ")}.`,
            type: "bar",
            labels: r.segments.map((s) => f.label(s.segment)),
            labelHeading: "Segment",
            series: [
              { label: "Customers (%)", data: r.segments.map((s) => s.share), color: COLORS.slate },
              { label: "Revenue (%)", data: r.segments.map((s) => s.revenueShare), color: COLORS.blue },
            ],
            format: f.percent,
            tick: (n) => `${n}%`,
            min: 0,
          },
          ctx.charts,
        );
        chartFigure(
          scores,
          {
            title: "Customers per RFM score",
            summary: "How many customers have each score from 1 (lowest) to 5 (highest) for recency, frequency and monetary value.",
            type: "bar",
            labels: ["1", "2", "3", "4", "5"].map((n) => `Score ${n}`),
            labelHeading: "Score",
            series: [
              { label: "Recency", data: r.scores.recency, color: COLORS.blue },
              { label: "Frequency", data: r.scores.frequency, color: COLORS.teal },
              { label: "Monetary", data: r.scores.monetary, color: COLORS.amber },
            ],
            format: (n) => (n === null ? f.NOT_AVAILABLE : f.count(n)),
          },
          ctx.charts,
        );
      });
      return parts;
    },
  );
}
