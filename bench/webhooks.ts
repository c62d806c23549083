/**
 * Outbound webhooks for `npm run bench` (`npm run bench -- --only webhooks` runs just these):
 *
 *  - `webhook.delivery.p95`, `webhook.delivery.p50`: milliseconds from a lead's 201 to its signed
 *    LeadCaptured delivery arriving at a receiver on loopback, through the whole path the local
 *    stack runs: the table's stream (the poller), the outbox, the delivery queue and the webhook
 *    sender. Leads arrive a few hundred milliseconds apart, as from a busy form; each delivery
 *    is verified with the `standardwebhooks` library.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Webhook } from "standardwebhooks";
import { freePort, type RunningDynamo, startDynamo } from "../local/dynamo.ts";
import { startSesLocal } from "../local/ses.ts";
import { type LocalApi, startLocalApi } from "../local/stack.ts";
import { createApiKey } from "../shared/auth/api-keys.ts";
import { FileWebhookSecrets } from "../shared/webhooks/secrets.ts";
import { addWebhook } from "../shared/webhooks/store.ts";
import { fmt, percentile, round } from "./stats.ts";
import type { Report } from "./sweep.ts";

export const WEBHOOK_BUDGETS: Record<string, number> = { "webhook.delivery.p95": 2_000 };

const SAMPLES = 40;
const SPACING_MS = 250;

export interface WebhookResources {
  dynamo?: RunningDynamo;
  ses?: { close(): Promise<void> };
  api?: LocalApi;
  receiver?: { close(): void };
  dataDir?: string;
}

export async function stopWebhookResources(resources: WebhookResources): Promise<void> {
  resources.receiver?.close();
  await resources.api?.close().catch(() => {});
  await resources.ses?.close().catch(() => {});
  await resources.dynamo?.stop().catch(() => {});
  if (resources.dataDir) rmSync(resources.dataDir, { recursive: true, force: true });
}

export async function webhookFigures(report: Report, resources: WebhookResources): Promise<void> {
  const { results, notes, log } = report;
  log("starting DynamoDB Local (in memory) and a webhook receiver ...");
  resources.dynamo = await startDynamo();
  const ses = await startSesLocal();
  resources.ses = ses;
  resources.dataDir = mkdtempSync(path.join(tmpdir(), "rapport-bench-webhooks-"));
  const file = path.join(resources.dataDir, "webhooks.json");
  const api = await startLocalApi({
    dynamodbEndpoint: resources.dynamo.endpoint,
    tableName: "rapport-bench-webhooks",
    port: await freePort(),
    env: { WEBHOOKS_FILE: file },
    logLevel: "ERROR",
    sesEndpoint: ses.url,
    sesEvents: false,
  });
  resources.api = api;

  const arrivals = new Map<string, number>();
  let secret = "";
  let unverified = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      const body = Buffer.concat(chunks).toString("utf8");
      try {
        const verified = new Webhook(secret).verify(body, req.headers as Record<string, string>) as { data: { customerId: string } };
        arrivals.set(verified.data.customerId, at);
      } catch {
        unverified++;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  resources.receiver = server;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rapport`;
  ({ secret } = await addWebhook(api.deps, new FileWebhookSecrets(file), { url, events: ["LeadCaptured"] }));

  // A script's key: its answer names the customer, whose delivery is then timed.
  const { key } = await createApiKey(api.deps, { scopes: ["leads:write"], name: "bench" });
  log(`posting ${SAMPLES} leads ${SPACING_MS} ms apart and timing each one's delivery ...`);
  const accepted = new Map<string, number>();
  for (let i = 0; i < SAMPLES; i++) {
    const res = await fetch(`${api.url}/v1/leads`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ email: `bench.webhook.${process.pid}.${i}@example.com`, firstName: "Maria" }),
    });
    const at = performance.now();
    if (res.status !== 201) throw new Error(`lead answered ${res.status}`);
    accepted.set(((await res.json()) as { customerId: string }).customerId, at);
    await new Promise((r) => setTimeout(r, SPACING_MS));
  }
  const deadline = performance.now() + 30_000;
  while (arrivals.size < SAMPLES && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (arrivals.size < SAMPLES || unverified) throw new Error(`${arrivals.size} of ${SAMPLES} deliveries arrived, ${unverified} failed verification`);
  const latencies = [...accepted].map(([id, at]) => arrivals.get(id)! - at);
  results["webhook.delivery.p95"] = round(percentile(latencies, 95), 0);
  results["webhook.delivery.p50"] = round(percentile(latencies, 50), 0);
  notes["webhook.delivery.p95"] =
    `ms from a lead's 201 to its signed LeadCaptured at a receiver: stream poller → outbox → queue → sender (${SAMPLES} leads, ${SPACING_MS} ms apart; max ${fmt(round(Math.max(...latencies), 0))})`;
  await stopWebhookResources(resources);
  for (const key of Object.keys(resources) as (keyof WebhookResources)[]) delete resources[key];
}
