import { Webhook } from "standardwebhooks";
import type { Deps } from "../core/deps.ts";
import { NotFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import type { DomainEvent } from "../core/ports.ts";
import type { WebhookDelivery, WebhookEvent, WebhookQueue } from "./queue.ts";
import type { WebhookSecrets } from "./secrets.ts";
import type { LastDelivery } from "./store.ts";
import { claimDelivery, deadLetter, getWebhook, recordAttempt, settleDelivery } from "./store.ts";

/**
 * Waits before each retry, after the first attempt failed: quick ones for a receiver restarting,
 * then longer ones for an outage, about 24 hours in all. A delivery still failing 24 hours after
 * its event is dead-lettered.
 */
export const RETRY_SCHEDULE_SECONDS = [5, 30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 28_800] as const;
export const GIVE_UP_AFTER_SECONDS = 24 * 3600;
/** How long a receiver may take to answer. */
const TIMEOUT_MS = 10_000;

export interface DeliveryOptions {
  /** Multiplies every wait (retries and the 24 hours): the local stack's tests run a day of retries in seconds. */
  retryScale?: number;
  timeoutMs?: number;
}

/** The message a domain event becomes: the body's `data` is the event's facts with the customer id. */
export function webhookEventOf(event: DomainEvent): WebhookEvent {
  return { id: event.id, type: event.type, timestamp: event.at, data: { customerId: event.customerId, ...event.data } };
}

/** The body as Standard Webhooks has it: `{"type","timestamp","data"}`. */
export function webhookBody(event: WebhookEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
}

/**
 * One signed POST: `webhook-id`, `webhook-timestamp` (now, in seconds) and `webhook-signature`
 * (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, by the `standardwebhooks` library). A 2xx is a
 * delivery; anything else, or no answer within the timeout, is a failure.
 */
export async function postWebhook(url: string, secret: string, event: WebhookEvent, now: Date, timeoutMs = TIMEOUT_MS): Promise<LastDelivery> {
  const body = webhookBody(event);
  const signature = new Webhook(secret).sign(event.id, now, body);
  const base = { at: now.toISOString(), eventType: event.type };
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Rapport-Webhooks/1",
        "webhook-id": event.id,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": signature,
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The receiver's body is not read beyond what frees the connection: it is theirs, not ours to log.
    await response.body?.cancel().catch(() => undefined);
    return { ...base, ok: response.status >= 200 && response.status < 300, status: response.status };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { ...base, ok: false, error: (err as Error).name === "TimeoutError" ? "timeout" : (cause ?? (err as Error).name) };
  }
}

function describe(last: LastDelivery): string {
  return last.status !== undefined ? `HTTP ${last.status}` : (last.error ?? "no answer");
}

/**
 * Handles one delivery off the queue: skips it when the endpoint is gone, no longer wants the
 * event or already got it (a redelivery); otherwise posts it. A failure goes back on the queue
 * with the next wait of {@link RETRY_SCHEDULE_SECONDS}, or is dead-lettered once 24 hours have
 * passed since the event. Throws only when the table or the queue fails (the queue then hands the
 * message back).
 */
export async function handleDelivery(
  deps: Deps,
  secrets: WebhookSecrets,
  queue: WebhookQueue,
  delivery: WebhookDelivery,
  options: DeliveryOptions = {},
): Promise<"delivered" | "retrying" | "dead" | "skipped" | "waiting"> {
  const scale = options.retryScale ?? 1;
  const now = deps.clock.now();
  if (delivery.notBefore) {
    const wait = (Date.parse(delivery.notBefore) - now.getTime()) / 1000;
    if (wait > 0) {
      // Longer than the queue can delay one message: another hop.
      await queue.enqueue([delivery], { delaySeconds: Math.min(900, wait) });
      return "waiting";
    }
  }
  const endpoint = await getWebhook(deps, delivery.endpointId);
  if (!endpoint || !(endpoint.events as string[]).includes(delivery.event.type)) return "skipped";
  // Longer than an attempt can take (the receiver's timeout), so a live attempt never loses it.
  if (!(await claimDelivery(deps, endpoint.id, delivery.event.id, (options.timeoutMs ?? TIMEOUT_MS) + 20_000))) return "skipped";
  const secret = await secrets.get(endpoint.id);
  const attempt = delivery.attempt + 1;
  const last: LastDelivery = secret
    ? await postWebhook(endpoint.url, secret, delivery.event, now, options.timeoutMs)
    : { at: now.toISOString(), eventType: delivery.event.type, ok: false, error: "no_secret" };
  await recordAttempt(deps, endpoint.id, last);
  await settleDelivery(deps, endpoint.id, delivery.event.id, last.ok);
  if (last.ok) {
    deps.logger.debug("webhook delivered", { endpointId: endpoint.id, eventId: delivery.event.id, attempt });
    return "delivered";
  }
  deps.logger.info("webhook delivery failed", { endpointId: endpoint.id, eventId: delivery.event.id, attempt, outcome: describe(last) });
  const waitSeconds = (RETRY_SCHEDULE_SECONDS[attempt - 1] ?? RETRY_SCHEDULE_SECONDS.at(-1)!) * scale;
  const nextAt = now.getTime() + waitSeconds * 1000;
  const since = Date.parse(delivery.event.timestamp);
  if (attempt > RETRY_SCHEDULE_SECONDS.length || nextAt - (Number.isNaN(since) ? now.getTime() : since) > GIVE_UP_AFTER_SECONDS * 1000 * scale) {
    await deadLetter(deps, { ...delivery, attempt }, describe(last));
    deps.logger.warn("webhook dead-lettered", { endpointId: endpoint.id, eventId: delivery.event.id, attempts: attempt });
    return "dead";
  }
  await queue.enqueue([{ ...delivery, attempt, notBefore: new Date(nextAt).toISOString() }], { delaySeconds: Math.min(900, waitSeconds) });
  return "retrying";
}

/**
 * Sends a `webhook.test` event to one endpoint now, once, and answers how it went (also noted as
 * the endpoint's last delivery): `rapport webhooks test`, `POST /v1/webhooks/{id}/test`.
 */
export async function sendTestWebhook(deps: Deps, secrets: WebhookSecrets, id: string): Promise<LastDelivery & { eventId: string }> {
  const endpoint = await getWebhook(deps, id);
  if (!endpoint) throw new NotFound(`no webhook endpoint ${id}`);
  const now = deps.clock.now();
  const event: WebhookEvent = {
    id: `evt_test_${ulid(deps.clock)}`,
    type: "webhook.test",
    timestamp: now.toISOString(),
    data: { endpointId: id, message: "A test event from Rapport: your endpoint receives and verifies webhooks." },
  };
  const secret = await secrets.get(id);
  const last: LastDelivery = secret
    ? await postWebhook(endpoint.url, secret, event, now)
    : { at: now.toISOString(), eventType: event.type, ok: false, error: "no_secret" };
  await recordAttempt(deps, id, last);
  return { ...last, eventId: event.id };
}
