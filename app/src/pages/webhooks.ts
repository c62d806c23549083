import { ApiError, api } from "../api.ts";
import { h, replace } from "../dom.ts";
import * as f from "../format.ts";
import { apiForm } from "../forms.ts";
import { isOwner } from "../session.ts";
import type { PageContext } from "../ui.ts";
import { announce, dataTable, errorBox, loadInto, pageHeading, section } from "../ui.ts";

const EVENTS = [
  ["LeadCaptured", "A lead is captured (a form, an import)"],
  ["PurchaseRecorded", "A purchase is recorded"],
  ["StageChanged", "A customer's lifecycle stage changes"],
  ["CustomerUpdated", "A profile or consent changes"],
  ["EmailSent", "A campaign email is sent"],
  ["FeedbackReceived", "A feedback score comes in"],
  ["Unsubscribed", "Someone unsubscribes"],
  ["CustomerErased", "A customer is erased"],
  ["HotLead", "A lead's score crosses the hot threshold"],
] as const;

interface LastDelivery {
  at: string;
  eventType: string;
  ok: boolean;
  status?: number;
  error?: string;
}

interface Endpoint {
  id: string;
  url: string;
  events: string[];
  description?: string;
  createdAt: string;
  deliveries: number;
  failures: number;
  deadLetters: number;
  lastDelivery: LastDelivery | null;
  recentDeadLetters: { at: string; eventId: string; eventType: string; attempts: number; lastError: string }[];
}

const outcome = (d: LastDelivery) => `${d.ok ? "Delivered" : "Failed"} (${d.status !== undefined ? `HTTP ${d.status}` : (d.error ?? "no answer")})`;

/**
 * Outbound webhooks (owners only): the endpoints domain events go to, signed as Standard
 * Webhooks, with their deliveries, failed attempts and dead letters; adding one shows its signing
 * secret once; a test event can be sent; an endpoint can be removed.
 */
export async function webhooksPage(ctx: PageContext): Promise<void> {
  ctx.title("Webhooks");
  if (!isOwner()) {
    replace(ctx.main, pageHeading("Webhooks"), h("p", null, "Only an owner manages the webhooks that send events to other tools."));
    return;
  }
  const list = h("div", { class: "panel" });
  const added = h("div", { "aria-live": "polite" });
  const load = () =>
    loadInto(
      list,
      ctx,
      "Loading webhooks…",
      () => api<{ webhooks: Endpoint[] }>("/v1/webhooks", { signal: ctx.signal }),
      ({ webhooks }) =>
        h(
          "div",
          null,
          dataTable<Endpoint>(
            "Webhook endpoints",
            [
              {
                heading: "Endpoint",
                cell: (w) => h("span", null, h("code", null, w.url), w.description ? h("span", { class: "muted" }, ` ${w.description}`) : null),
              },
              { heading: "Events", cell: (w) => w.events.join(", ") },
              {
                heading: "Last delivery",
                cell: (w) => (w.lastDelivery ? `${f.dateTime(w.lastDelivery.at)}: ${w.lastDelivery.eventType}, ${outcome(w.lastDelivery)}` : "None yet"),
              },
              { heading: "Delivered", cell: (w) => f.count(w.deliveries), numeric: true },
              { heading: "Failed attempts", cell: (w) => f.count(w.failures), numeric: true },
              { heading: "Dead letters", cell: (w) => f.count(w.deadLetters), numeric: true },
              { heading: "Actions", cell: (w) => actions(w, load) },
            ],
            webhooks,
            { stack: true, empty: "No webhook endpoints yet: add one below." },
          ),
          webhooks.some((w) => w.recentDeadLetters.length)
            ? section(
                "Dead letters",
                { level: 2 },
                h("p", { class: "help" }, "Deliveries that still failed after 24 hours of retries. Each names its event id (the webhook-id header)."),
                h(
                  "ul",
                  null,
                  webhooks.flatMap((w) =>
                    w.recentDeadLetters.map((d) =>
                      h("li", null, `${w.url}: ${d.eventType} ${d.eventId}, ${d.attempts} attempts, last ${d.lastError}, given up ${f.dateTime(d.at)}`),
                    ),
                  ),
                ),
              )
            : null,
        ),
    );

  const url = h("input", { type: "url", autocomplete: "off", spellcheck: false, placeholder: "https://example.com/hooks/rapport" });
  const description = h("input", { type: "text", autocomplete: "off" });
  const boxes = EVENTS.map(([name, text]) => {
    const box = h("input", { type: "checkbox", id: `webhook-event-${name}`, value: name, name: "events" });
    return { box, row: h("div", { class: "field-check" }, box, h("label", { for: box.id }, h("code", null, name), ` ${text}`)) };
  });
  const form = apiForm("webhook", "Add endpoint", async () => {
    const answer = await api<{ webhook: Endpoint; secret: string }>("/v1/webhooks", {
      method: "POST",
      body: {
        url: url.value.trim(),
        events: boxes.filter((b) => b.box.checked).map((b) => b.box.value),
        ...(description.value.trim() ? { description: description.value.trim() } : {}),
      },
    });
    replace(
      added,
      h(
        "div",
        { class: "notice" },
        h("p", null, `Added. Its signing secret, shown this once: keep it where the receiver can verify deliveries with it.`),
        h("p", null, h("code", { class: "one-time-secret", id: "new-webhook-secret" }, answer.secret)),
      ),
    );
    url.value = "";
    description.value = "";
    for (const b of boxes) b.box.checked = false;
    await load();
    return `Added ${answer.webhook.url}.`;
  });
  form.append(
    form.field(
      "url",
      "Endpoint URL",
      url,
      "Where to POST the events (https). Deliveries are signed: headers webhook-id, webhook-timestamp, webhook-signature.",
    ),
    h(
      "fieldset",
      { class: "checks event-checks", id: "webhook-events" },
      h("legend", null, "Events to send"),
      boxes.map((b) => b.row),
    ),
    form.field("description", "Description", description, "Optional: what the endpoint is for."),
  );

  replace(
    ctx.main,
    pageHeading("Webhooks", h("p", { class: "subtitle" }, "Other tools get every event, signed, retried for 24 hours when their endpoint is down.")),
    list,
    section("Add an endpoint", {}, form.element, added),
  );
  await load();
}

function actions(w: Endpoint, reload: () => Promise<unknown>): HTMLElement {
  const status = h("span", { role: "status" });
  const button = (label: string, aria: string, run: () => Promise<void>) =>
    h(
      "button",
      {
        type: "button",
        class: "button button-quiet",
        "aria-label": aria,
        onclick: async () => {
          try {
            await run();
          } catch (err) {
            replace(status, err instanceof ApiError ? err.message : errorBox(err));
          }
        },
      },
      label,
    );
  return h(
    "span",
    { class: "row-actions" },
    button("Send test", `Send test to ${w.url}`, async () => {
      const result = await api<LastDelivery>(`/v1/webhooks/${encodeURIComponent(w.id)}/test`, { method: "POST" });
      const text = `Test event: ${outcome(result)}.`;
      status.textContent = text;
      announce(text);
    }),
    button("Remove", `Remove the endpoint ${w.url}`, async () => {
      if (!window.confirm(`Remove ${w.url}? It gets no more events.`)) return;
      await api(`/v1/webhooks/${encodeURIComponent(w.id)}`, { method: "DELETE" });
      announce(`Removed ${w.url}.`);
      await reload();
    }),
    status,
  );
}
