import type { AwsCredentials } from "../../shared/aws/secrets.ts";
import type { Deps } from "../../shared/core/deps.ts";
import { NotFound, ValidationError } from "../../shared/core/errors.ts";
import { DOMAIN_EVENT_TYPES } from "../../shared/core/ports.ts";
import { sendTestWebhook } from "../../shared/webhooks/deliver.ts";
import { WEBHOOK_ID_PATTERN } from "../../shared/webhooks/schema.ts";
import type { WebhookSecrets } from "../../shared/webhooks/secrets.ts";
import { webhookSecretsFromConfig } from "../../shared/webhooks/secrets.ts";
import { addWebhook, listWebhooks, removeWebhook } from "../../shared/webhooks/store.ts";
import type { Command, CommandContext } from "../cli.ts";
import { CliFailure, UsageError } from "../cli.ts";
import { table } from "../format.ts";

/** The store the target keeps secrets in; on AWS written with the operator's credentials (the default chain). */
async function secretStore(deps: Deps): Promise<WebhookSecrets> {
  let credentials: AwsCredentials | undefined;
  if (deps.config.webhooks.secretArn) {
    // Loaded only for --stack, so local commands start fast.
    const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
    credentials = await defaultProvider()();
  }
  return webhookSecretsFromConfig(deps.config, deps.clock, credentials);
}

function idArg(ctx: CommandContext): string {
  const id = ctx.args[0]!.trim();
  if (!WEBHOOK_ID_PATTERN.test(id)) throw new UsageError(`"${id}" is not a webhook endpoint id (wh_…): see npx rapport webhooks list`);
  return id;
}

/** Domain errors as a CLI says them: the field and what to fix, or what was not found. */
async function cli<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ValidationError) throw new UsageError(err.fields.map((f) => `--${f.field}: ${f.message}`).join("; "));
    if (err instanceof NotFound) throw new CliFailure(err.message);
    throw err;
  }
}

const when = (iso: string | undefined) => (iso ? `${iso.slice(0, 19).replace("T", " ")}Z` : "-");

export const webhooksAdd: Command = {
  name: "webhooks add",
  positionals: ["URL"],
  summary: "Send domain events to a URL as signed Standard Webhooks; prints the endpoint's signing secret (whsec_…) alone on the last line, once.",
  options: {
    events: { type: "string", value: "A,B", description: `the events to send, comma-separated: ${DOMAIN_EVENT_TYPES.join(", ")} (required)` },
    description: { type: "string", value: "TEXT", description: "what the endpoint is for (shown in lists)" },
  },
  notes: [
    "Deliveries failing are retried with growing waits for 24 hours, then dead-lettered (see webhooks list).",
    "Example: npx rapport webhooks add https://example.com/hooks/rapport --events LeadCaptured,PurchaseRecorded",
  ],
  async run(ctx) {
    const events = ((ctx.values.events as string | undefined) ?? "")
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean);
    if (events.length === 0) throw new UsageError(`--events is required: ${DOMAIN_EVENT_TYPES.join(", ")}`);
    const deps = await ctx.deps();
    const description = ctx.values.description as string | undefined;
    const { endpoint, secret } = await cli(async () =>
      addWebhook(deps, await secretStore(deps), { url: ctx.args[0]!, events, ...(description ? { description } : {}) }),
    );
    ctx.err(`Added ${endpoint.id}: ${endpoint.events.join(", ")} → ${endpoint.url}`);
    ctx.err("Its signing secret is below, shown this once: verify deliveries with it (README: Webhooks).");
    ctx.out(secret);
  },
};

export const webhooksList: Command = {
  name: "webhooks list",
  summary: "List webhook endpoints: events, deliveries, failed attempts, dead letters and the last delivery. Secrets are never shown.",
  async run(ctx) {
    const webhooks = await listWebhooks(await ctx.deps());
    if (webhooks.length === 0) {
      ctx.err("No webhook endpoints yet. Add one with: npx rapport webhooks add URL --events LeadCaptured,PurchaseRecorded");
      return;
    }
    for (const line of table(
      ["ID", "URL", "EVENTS", "DELIVERED", "FAILED", "DEAD", "LAST DELIVERY", "OUTCOME"],
      webhooks.map((w) => [
        w.id,
        w.url,
        w.events.join(","),
        String(w.deliveries),
        String(w.failures),
        String(w.deadLetters),
        when(w.lastDelivery?.at),
        w.lastDelivery ? `${w.lastDelivery.ok ? "ok" : "failed"} ${w.lastDelivery.status ?? w.lastDelivery.error ?? ""}`.trim() : "-",
      ]),
    )) {
      ctx.out(line);
    }
    for (const w of webhooks) {
      for (const d of w.recentDeadLetters)
        ctx.err(`${w.id}: dead letter ${d.eventType} ${d.eventId} after ${d.attempts} attempts (${d.lastError}), ${when(d.at)}`);
    }
  },
};

export const webhooksRemove: Command = {
  name: "webhooks remove",
  positionals: ["ID"],
  summary: "Remove a webhook endpoint with its secret and dead letters; deliveries still queued for it are dropped.",
  async run(ctx) {
    const id = idArg(ctx);
    const deps = await ctx.deps();
    await cli(async () => removeWebhook(deps, await secretStore(deps), id));
    ctx.err(`Removed ${id}.`);
  },
};

export const webhooksTest: Command = {
  name: "webhooks test",
  positionals: ["ID"],
  summary: "Send a signed webhook.test event to the endpoint now, once, and say how it answered.",
  async run(ctx) {
    const id = idArg(ctx);
    const deps = await ctx.deps();
    const result = await cli(async () => sendTestWebhook(deps, await secretStore(deps), id));
    if (!result.ok) throw new CliFailure(`the endpoint did not take the test event (${result.status !== undefined ? `HTTP ${result.status}` : result.error})`);
    ctx.out(`delivered ${result.eventId}: HTTP ${result.status}`);
  },
};

export const webhookCommands: Command[] = [webhooksAdd, webhooksList, webhooksRemove, webhooksTest];
