import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { h } from "./dom.ts";

// Only the parts the dashboard draws: bars and lines on category/linear axes, tooltips, legends.
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';
Chart.defaults.font.size = 13;
Chart.defaults.color = "#374151";
Chart.defaults.borderColor = "#e5e7eb";
// Drawn at once: nothing moves on screen (reduced motion, screenshots, slow phones alike).
Chart.defaults.animation = false;

/**
 * Series colours: each at least 3:1 against white (WCAG non-text contrast), and told apart by
 * more than hue where it matters (legends name them; the data tables carry every number).
 */
export const COLORS = {
  blue: "#1d4ed8",
  teal: "#0f766e",
  amber: "#b45309",
  purple: "#6d28d9",
  rose: "#be123c",
  slate: "#475569",
  green: "#15803d",
};

export interface Series {
  label: string;
  data: (number | null)[];
  /** One colour, or one per label (a bar chart whose bars mean different things). */
  color: string | string[];
}

export interface ChartSpec {
  /** Caption of the data table and start of the canvas's label. */
  title: string;
  /** One sentence for screen readers: what the chart shows (the table has the numbers). */
  summary: string;
  type: "bar" | "line";
  labels: string[];
  /** Heading of the first column of the data table (what the labels are). */
  labelHeading: string;
  series: Series[];
  /** Bars left to right instead of bottom to top. */
  horizontal?: boolean;
  /** A value as the table and tooltips write it. */
  format: (n: number | null) => string;
  /** A value-axis tick; defaults to `format`. */
  tick?: (n: number) => string;
  min?: number;
  max?: number;
  /** Taller for charts with many bars on a phone. */
  size?: "normal" | "tall";
}

/**
 * A chart and its accessible alternative: the canvas is an image labelled with the chart's title
 * and summary (role="img"), followed by a visually hidden table with every number, so a screen
 * reader user gets the same data a sighted one does.
 */
export function chartFigure(parent: HTMLElement, spec: ChartSpec, charts: Chart[]): HTMLElement {
  const canvas = h("canvas", { role: "img", "aria-label": `${spec.title}. ${spec.summary} The data table after this chart lists every value.` });
  const table = h(
    "table",
    null,
    h("caption", null, spec.title),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", { scope: "col" }, spec.labelHeading),
        spec.series.map((s) => h("th", { scope: "col" }, s.label)),
      ),
    ),
    h(
      "tbody",
      null,
      spec.labels.map((label, i) =>
        h(
          "tr",
          null,
          h("th", { scope: "row" }, label),
          spec.series.map((s) => h("td", null, spec.format(s.data[i] ?? null))),
        ),
      ),
    ),
  );
  // Hidden in a div: a table itself ignores `overflow`, and would widen the page on a phone.
  const figure = h(
    "figure",
    { class: "chart" },
    h("div", { class: `chart-canvas${spec.size === "tall" ? " chart-canvas-tall" : ""}` }, canvas),
    h("div", { class: "visually-hidden" }, table),
  );
  parent.append(figure);

  const valueAxis = {
    beginAtZero: true,
    ...(spec.min !== undefined ? { min: spec.min } : {}),
    ...(spec.max !== undefined ? { max: spec.max } : {}),
    ticks: { callback: (value: number | string) => (spec.tick ?? spec.format)(Number(value)) },
  };
  const categoryAxis = {
    grid: { display: false },
    ticks: {
      autoSkip: true,
      maxRotation: 0,
      // Long names (campaigns) are shortened on the axis; tooltips and the table have them whole.
      callback(this: { getLabelForValue(value: number): string }, value: number | string) {
        const text = this.getLabelForValue(Number(value));
        return text.length > 22 ? `${text.slice(0, 20).trimEnd()}…` : text;
      },
    },
  };
  const config: ChartConfiguration<"bar" | "line", (number | null)[], string> = {
    type: spec.type,
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s) => ({
        label: s.label,
        data: s.data,
        backgroundColor: s.color,
        borderColor: s.color,
        borderWidth: spec.type === "line" ? 2 : 0,
        borderRadius: spec.type === "bar" ? 3 : 0,
        pointRadius: spec.type === "line" ? 3 : 0,
        spanGaps: true,
        maxBarThickness: 56,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: spec.horizontal ? "y" : "x",
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { display: spec.series.length > 1, position: "bottom", labels: { boxWidth: 14, boxHeight: 14 } },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ""}: ${spec.format(item.parsed[spec.horizontal ? "x" : "y"] ?? null)}` } },
      },
      scales: spec.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
    },
  };
  charts.push(new Chart(canvas, config));
  return figure;
}
