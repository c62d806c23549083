import { mkdir, readFile, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { join } from "node:path";
import sesLocalModule from "aws-ses-v2-local";
import { createApiKey, listApiKeys, verifyAuthorization } from "../shared/apikeys.ts";
import { JavaMissingError, startDynamo, type RunningDynamo } from "./dynamo.ts";
import { localEnv } from "./env.ts";
import { startLocalApi, type LocalApi } from "./stack.ts";

/**
 * `npm start`: the whole stack on one machine with no AWS account. DynamoDB Local (persisted
 * under RAPPORT_DATA_DIR), SES local with its mail viewer, the API on PORT. Ctrl-C stops all of it.
 */
const stops: (() => Promise<void>)[] = [];
let stopping = false;

/** Stops what was started, newest first, so no Java process outlives the stack. */
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (stops.length) process.stderr.write("\nStopping Rapport…\n");
    for (const s of stops.reverse()) await s().catch(() => undefined);
  }
  process.exit(code);
}

async function main(): Promise<void> {
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  const env = localEnv();
  await mkdir(join(env.dataDir, "dynamodb"), { recursive: true });

  let dynamo: RunningDynamo;
  try {
    dynamo = await startDynamo({ port: env.dynamodbPort, dbPath: join(env.dataDir, "dynamodb") });
  } catch (err) {
    if (err instanceof JavaMissingError) {
      process.stderr.write(`\n${err.message}\n`);
      return stop(1);
    }
    throw err;
  }
  stops.push(() => dynamo.stop());

  // A CommonJS module: its default export arrives as `.default` under Node's ESM interop.
  const sesLocal = (sesLocalModule as unknown as { default: (config: { host: string; port: number }) => Promise<Server> }).default;
  const ses: Server = await sesLocal({ host: "127.0.0.1", port: env.sesPort });
  stops.push(() => new Promise((resolve) => ses.close(() => resolve())));

  const api: LocalApi = await startLocalApi({
    dynamodbEndpoint: dynamo.endpoint,
    tableName: env.tableName,
    port: env.apiPort,
    host: "0.0.0.0",
    allowedOrigins: (process.env.ALLOWED_ORIGINS ?? "").split(",").filter(Boolean),
    // The same settings a deployment takes from cdk.json context, here from the shell.
    env: { SES_ENDPOINT: env.sesEndpoint, ...pick(process.env, ["CONSENT_VERSION", "CURRENCY", "LOYAL_ORDERS", "LOYAL_SPEND", "LOG_LEVEL"]) },
    logLevel: (process.env.LOG_LEVEL as "INFO" | undefined) ?? "WARN",
  });
  stops.push(() => api.close());

  const adminKey = await firstStartAdminKey(api, env.dataDir);

  const lines = [
    "",
    "Rapport is running.",
    "",
    `  Lead form (try it)   ${env.apiUrl}/`,
    `  API                  ${env.apiUrl}/v1`,
    `  OpenAPI document     ${env.apiUrl}/v1/openapi.json`,
    `  Health               ${env.apiUrl}/v1/health`,
    `  SES mail viewer      http://localhost:${env.sesPort}`,
    `  DynamoDB Local       ${dynamo.endpoint}  (table "${env.tableName}", data in ${join(env.dataDir, "dynamodb")})`,
    "",
    adminKey.created
      ? `  Admin API key (created now; also saved in ${adminKey.file}):`
      : `  Admin API key (from ${adminKey.file}):`,
    `  ${adminKey.key ?? "(the saved key was revoked; create one with: npx rapport keys create --scope admin)"}`,
    "",
    `  curl -H "Authorization: Bearer ${adminKey.key ?? "<key>"}" ${env.apiUrl}/v1/customers`,
    "",
    "Press Ctrl-C to stop.",
    "",
  ];
  process.stdout.write(lines.join("\n"));
}

/**
 * On the first start (no keys in the table) creates an admin key and keeps it in the data folder
 * (git-ignored, readable only by you) so later starts can show it again.
 */
async function firstStartAdminKey(api: LocalApi, dataDir: string): Promise<{ key?: string; created: boolean; file: string }> {
  const file = join(dataDir, "admin-key");
  const saved = await readFile(file, "utf8").then((s) => s.trim(), () => undefined);
  if (saved && (await verifyAuthorization(api.deps, `Bearer ${saved}`))) return { key: saved, created: false, file };
  const keys = await listApiKeys(api.deps);
  if (keys.some((k) => !k.revokedAt && k.scopes.includes("admin")) && saved === undefined) return { created: false, file };
  const { key } = await createApiKey(api.deps, { scopes: ["admin"], name: "local admin (npm start)" });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true, file };
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((n) => (env[n] ? [[n, env[n]!]] : [])));
}

main().catch(async (err: unknown) => {
  process.stderr.write(`Rapport could not start: ${(err as Error).message}\n`);
  await stop(1);
});
