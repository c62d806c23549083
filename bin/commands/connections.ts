import type { AwsCredentials } from "../../shared/aws/secrets.ts";
import type { Platform } from "../../shared/connections/platforms.ts";
import { hookPath, isPlatform, PLATFORMS, SECRET_NAMES, SETUP } from "../../shared/connections/platforms.ts";
import type { ConnectionSecrets } from "../../shared/connections/secrets.ts";
import { connectionSecretsFromConfig } from "../../shared/connections/secrets.ts";
import { addConnection, listConnections, removeConnection } from "../../shared/connections/store.ts";
import type { Deps } from "../../shared/core/deps.ts";
import type { Command, CommandContext } from "../cli.ts";
import { CliFailure, UsageError } from "../cli.ts";
import { table } from "../format.ts";

function platformArg(ctx: CommandContext): Platform {
  const name = ctx.args[0]!.trim().toLowerCase();
  if (!isPlatform(name)) throw new UsageError(`unknown platform "${name}": use ${PLATFORMS.join(", ")}`);
  return name;
}

/** The store the target keeps secrets in; on AWS written with the operator's credentials (the default chain). */
async function secretStore(deps: Deps): Promise<ConnectionSecrets> {
  let credentials: AwsCredentials | undefined;
  if (deps.config.connections.secretArn) {
    // Loaded only for --stack, so local commands start fast.
    const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
    credentials = await defaultProvider()();
  }
  return connectionSecretsFromConfig(deps.config, deps.clock, credentials);
}

/** `--secret -` reads the secret from stdin, so it stays out of shell history and process lists. */
async function readSecret(raw: string | undefined): Promise<string> {
  if (raw === undefined) throw new UsageError("--secret is required: the platform's webhook signing secret (or - to read it from stdin)");
  let secret = raw;
  if (raw === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    secret = Buffer.concat(chunks).toString("utf8");
  }
  secret = secret.trim();
  if (secret.length < 8 || /\s/.test(secret))
    throw new UsageError("--secret must be the signing secret as the platform shows it: at least 8 characters, no spaces");
  return secret;
}

export const connectionsAdd: Command = {
  name: "connections add",
  positionals: ["stripe|shopify|woocommerce"],
  summary:
    "Connect a shop: store its webhook signing secret (Secrets Manager with --stack, the data directory locally) and print the URL to paste into the platform.",
  options: {
    secret: { type: "string", value: "S", description: "the platform's webhook signing secret, or - to read it from stdin (required)" },
  },
  notes: [
    "Adding a platform again replaces its secret (after rolling it at the platform).",
    ...PLATFORMS.map((p) => `${p}: the secret is ${SECRET_NAMES[p]}`),
    "Example: npx rapport connections add stripe --secret whsec_…",
  ],
  async run(ctx) {
    const platform = platformArg(ctx);
    const secret = await readSecret(ctx.values.secret as string | undefined);
    const deps = await ctx.deps();
    await (await secretStore(deps)).put(platform, secret);
    await addConnection(deps, platform);
    const url = `${deps.config.publicBaseUrl}${hookPath(platform)}`;
    ctx.err(`Connected ${platform}. Its secret is stored, never printed or logged.`);
    ctx.err(`Paste the URL below into ${SETUP[platform].where}.`);
    ctx.err(`Subscribe to: ${SETUP[platform].events}.`);
    ctx.out(url);
  },
};

export const connectionsList: Command = {
  name: "connections list",
  summary: "List shop connections: endpoint URL, when added, last delivery and its outcome, problems. Secrets are never shown.",
  async run(ctx) {
    const connections = await listConnections(await ctx.deps());
    if (connections.length === 0) {
      ctx.err("No shops connected yet. Connect one with: npx rapport connections add stripe --secret whsec_…");
      return;
    }
    const when = (iso: string | undefined) => (iso ? `${iso.slice(0, 19).replace("T", " ")}Z` : "-");
    for (const line of table(
      ["PLATFORM", "ENDPOINT", "ADDED", "LAST DELIVERY", "OUTCOME", "DELIVERIES", "PROBLEMS"],
      connections.map((c) => [
        c.platform,
        c.endpoint,
        when(c.addedAt),
        when(c.lastDelivery?.at),
        c.lastDelivery?.outcome ?? "-",
        String(c.deliveries),
        String(c.problems.length),
      ]),
    )) {
      ctx.out(line);
    }
    for (const c of connections) {
      for (const p of c.problems) ctx.err(`${c.platform}: ${p.message} (${p.count}×, last ${when(p.lastAt)})`);
    }
  },
};

export const connectionsRemove: Command = {
  name: "connections remove",
  positionals: ["stripe|shopify|woocommerce"],
  summary: "Disconnect a shop: forget its secret (its deliveries are refused from then on) and its delivery history. Purchases already recorded stay.",
  async run(ctx) {
    const platform = platformArg(ctx);
    const deps = await ctx.deps();
    const hadSecret = await (await secretStore(deps)).remove(platform);
    const hadItems = await removeConnection(deps, platform);
    if (!hadSecret && !hadItems) throw new CliFailure(`no ${platform} connection`);
    ctx.err(`Removed the ${platform} connection. Delete the webhook at the platform too, or it keeps retrying.`);
  },
};

export const connectionCommands: Command[] = [connectionsAdd, connectionsList, connectionsRemove];
