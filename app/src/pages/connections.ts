import { api } from "../api.ts";
import { h, replace } from "../dom.ts";
import * as f from "../format.ts";
import type { PageContext } from "../ui.ts";
import { announce, dataTable, loadInto, pageHeading, section } from "../ui.ts";

interface Problem {
  kind: string;
  message: string;
  count: number;
  firstAt: string;
  lastAt: string;
}

interface Connection {
  platform: "stripe" | "shopify" | "woocommerce";
  endpoint: string;
  addedAt: string;
  deliveries: number;
  lastDelivery: { at: string; event: string; outcome: string } | null;
  problems: Problem[];
}

const PLATFORM_NAMES = { stripe: "Stripe", shopify: "Shopify", woocommerce: "WooCommerce" } as const;
const OUTCOMES: Record<string, string> = {
  counted: "counted",
  duplicate: "a duplicate, counted before",
  not_counted: "not counted (see problems)",
  updated: "customer updated",
  ignored: "ignored",
};

/**
 * Shop connections: each platform's endpoint URL to paste into its webhook settings (with a copy
 * button), the last delivery and the problems seen (an order in another currency, an order without
 * an email address). Connecting a shop stores its signing secret, which only the CLI does.
 */
export async function connectionsPage(ctx: PageContext): Promise<void> {
  ctx.title("Connections");
  const list = h("div", { class: "panel" });
  replace(
    ctx.main,
    pageHeading("Connections", h("p", { class: "subtitle" }, "Shops that send their orders, refunds and customers here.")),
    list,
    section(
      "Connect a shop",
      {},
      h("p", null, "Connecting stores the shop's webhook signing secret, which never passes through a browser. On the machine that runs Rapport:"),
      h("pre", null, h("code", null, "npx rapport connections add shopify --secret -")),
      h("p", { class: "help" }, "Then paste the endpoint URL it prints (also shown above) into the shop's webhook settings."),
    ),
  );
  await loadInto(
    list,
    ctx,
    "Loading connections…",
    () => api<{ connections: Connection[] }>("/v1/connections", { signal: ctx.signal }),
    ({ connections }) =>
      connections.length === 0
        ? h("p", { class: "empty" }, "No shop is connected yet.")
        : h(
            "div",
            null,
            dataTable<Connection>(
              "Shop connections",
              [
                { heading: "Shop", cell: (c) => PLATFORM_NAMES[c.platform] },
                { heading: "Endpoint URL", cell: (c) => endpointCell(c) },
                { heading: "Connected", cell: (c) => f.date(c.addedAt) },
                {
                  heading: "Last delivery",
                  cell: (c) =>
                    c.lastDelivery
                      ? `${f.dateTime(c.lastDelivery.at)}: ${c.lastDelivery.event}, ${OUTCOMES[c.lastDelivery.outcome] ?? c.lastDelivery.outcome}`
                      : "None yet",
                },
                { heading: "Deliveries", cell: (c) => f.count(c.deliveries), numeric: true },
              ],
              connections,
              { stack: true },
            ),
            connections.some((c) => c.problems.length)
              ? section(
                  "Problems",
                  { level: 2 },
                  h(
                    "ul",
                    { class: "problems" },
                    connections.flatMap((c) =>
                      c.problems.map((p) =>
                        h(
                          "li",
                          null,
                          h("strong", null, `${PLATFORM_NAMES[c.platform]}: `),
                          p.message,
                          h("span", { class: "muted" }, ` (${f.count(p.count)}×, last ${f.dateTime(p.lastAt)})`),
                        ),
                      ),
                    ),
                  ),
                )
              : h("p", { class: "muted" }, "No problems seen on recent deliveries."),
          ),
  );
}

/** The URL as text to select, and a button that copies it. */
function endpointCell(c: Connection): HTMLElement {
  const status = h("span", { role: "status", class: "muted" });
  return h(
    "span",
    { class: "copy-field" },
    h("code", null, c.endpoint),
    h(
      "button",
      {
        type: "button",
        class: "button button-quiet",
        "aria-label": `Copy the ${PLATFORM_NAMES[c.platform]} endpoint URL`,
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(c.endpoint);
            status.textContent = "Copied";
            announce("Endpoint URL copied.");
          } catch {
            status.textContent = "Select the URL and copy it";
          }
        },
      },
      "Copy",
    ),
    status,
  );
}
