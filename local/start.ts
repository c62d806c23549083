import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createApiKey, listApiKeys, verifyAuthorization } from "../shared/auth/api-keys.ts";
import { addPerson, listPeople } from "../shared/auth/people.ts";
import { RUNTIME_SETTINGS } from "../shared/core/settings.ts";
import { normalizeEmail } from "../shared/customers/email.ts";
import { startCognitoLocal } from "./cognito.ts";
import { JavaMissingError, type RunningDynamo, startDynamo } from "./dynamo.ts";
import { localEnv } from "./env.ts";
import { startSesLocal } from "./ses.ts";
import { SES_TRACKING_FILE } from "./ses-events.ts";
import { type LocalApi, startLocalApi } from "./stack.ts";

/**
 * `npm start`: the whole stack on one machine with no AWS account. DynamoDB Local (persisted
 * under RAPPORT_DATA_DIR), SES local with its mail viewer, cognito-local for people's sign-in,
 * the API on PORT. Ctrl-C stops all of it.
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

  // RAPPORT_SES_ENDPOINT: deliver to an SES endpoint that is already running (one that outlives
  // this process, as the restart test needs) instead of starting SES local here.
  const sesEndpoint = process.env.RAPPORT_SES_ENDPOINT || env.sesEndpoint;
  if (!process.env.RAPPORT_SES_ENDPOINT) {
    const ses = await startSesLocal(env.sesPort);
    stops.push(() => ses.close());
  }

  // The user pool people sign in to (Cognito on AWS), kept under the data folder.
  const cognito = await startCognitoLocal({ dir: env.cognitoDir, port: env.cognitoPort, poolFile: env.cognitoPoolFile });
  stops.push(() => cognito.stop());

  const api: LocalApi = await startLocalApi({
    dynamodbEndpoint: dynamo.endpoint,
    tableName: env.tableName,
    port: env.apiPort,
    host: "0.0.0.0",
    allowedOrigins: (process.env.ALLOWED_ORIGINS ?? "").split(",").filter(Boolean),
    sesEndpoint,
    sweepIntervalMinutes: Number(process.env.SWEEP_INTERVAL_MINUTES ?? 60),
    sesTrackingJournal: join(env.dataDir, SES_TRACKING_FILE),
    // The same settings a deployment takes from cdk.json context, here from the shell.
    env: {
      TOKEN_SECRET: await localSecret(env.dataDir),
      ...cognito.env,
      // The shop connections' signing secrets, as `npx rapport connections add` writes them.
      CONNECTIONS_FILE: join(env.dataDir, "connections.json"),
      // The outbound webhook endpoints' signing secrets, as `npx rapport webhooks add` writes them.
      WEBHOOKS_FILE: join(env.dataDir, "webhooks.json"),
      // Every setting of the settings table but ALLOWED_ORIGINS, which adds to the API's own origins
      // above; CAPTCHA_SECRET is the local stand-in for the secret a deployment keeps in Secrets Manager.
      ...pick(process.env, [
        ...Object.values(RUNTIME_SETTINGS)
          .map((s) => s.env!)
          .filter((name) => name !== "ALLOWED_ORIGINS"),
        "CAPTCHA_SECRET",
      ]),
    },
    logLevel: (process.env.LOG_LEVEL as "INFO" | undefined) ?? "WARN",
  });
  stops.push(() => api.close());
  // SQS keeps queued sends through a crash; locally the journal does (a restart delivers them).
  api.queue.persistTo(join(env.dataDir, "send-queue.jsonl"));

  const adminKey = await firstStartAdminKey(api, env.dataDir);
  const owner = await firstStartOwner(api, env.dataDir);
  const initiateAuth = JSON.stringify({
    ClientId: cognito.clientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: owner.email ?? "<email>", PASSWORD: owner.password ?? "<password>" },
  });

  const lines = [
    "",
    "Rapport is running.",
    "",
    `  Dashboard            ${env.apiUrl}/app  (sign in as the owner below, or with the admin key)`,
    `  Lead form (try it)   ${env.apiUrl}/`,
    `  API                  ${env.apiUrl}/v1`,
    `  OpenAPI document     ${env.apiUrl}/v1/openapi.json`,
    `  Health               ${env.apiUrl}/v1/health`,
    `  Sweeps               every ${Number(process.env.SWEEP_INTERVAL_MINUTES ?? 60)} min, or now: npx rapport sweep [--at ISO]`,
    `  SES mail viewer      ${process.env.RAPPORT_SES_ENDPOINT ? sesEndpoint : `http://localhost:${env.sesPort}`}`,
    `  DynamoDB Local       ${dynamo.endpoint}  (table "${env.tableName}", data in ${join(env.dataDir, "dynamodb")})`,
    `  Sign-in (Cognito)    ${cognito.endpoint}  (cognito-local: pool ${cognito.userPoolId}, app client ${cognito.clientId})`,
    "",
    owner.password
      ? `  Sign in as a person: the owner ${owner.created ? "created now" : "created on the first start"} (also saved in ${owner.file}):`
      : "  Sign in as a person: add yourself with  npx rapport people add EMAIL --role owner  (it prints your password)",
    ...(owner.password ? [`    email     ${owner.email}`, `    password  ${owner.password}`] : []),
    "  Tokens come from the pool (Rapport never sees a password); by hand:",
    `  curl -s ${cognito.endpoint}/ -H 'content-type: application/x-amz-json-1.1' -H 'x-amz-target: AWSCognitoIdentityProviderService.InitiateAuth' -d '${initiateAuth}'`,
    "  then send its AccessToken or IdToken as  Authorization: Bearer <token>.  More people: npx rapport people add EMAIL --role owner|staff",
    "",
    adminKey.created ? `  Admin API key (created now; also saved in ${adminKey.file}):` : `  Admin API key (from ${adminKey.file}):`,
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
  const saved = await readFile(file, "utf8").then(
    (s) => s.trim(),
    () => undefined,
  );
  if (saved && (await verifyAuthorization(api.deps, `Bearer ${saved}`))) return { key: saved, created: false, file };
  const keys = await listApiKeys(api.deps);
  if (keys.some((k) => !k.revokedAt && k.scopes.includes("admin")) && saved === undefined) return { created: false, file };
  const { key } = await createApiKey(api.deps, { scopes: ["admin"], name: "local admin (npm start)" });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true, file };
}

/**
 * On the first start (nobody in the team yet) adds an owner, RAPPORT_OWNER_EMAIL or
 * owner@rapport.localhost, and keeps their email and password in the data folder (git-ignored,
 * readable only by you) so later starts can show them again. No mail goes out locally, so this
 * is how the first person learns their password.
 */
async function firstStartOwner(api: LocalApi, dataDir: string): Promise<{ email?: string; password?: string; created: boolean; file: string }> {
  const file = join(dataDir, "owner-login");
  const [savedEmail, savedPassword] = await readFile(file, "utf8").then(
    (s) => s.trim().split("\n"),
    () => [] as string[],
  );
  const people = await listPeople(api.deps);
  if (people.length > 0) {
    const stillThere = savedEmail && people.some((p) => p.email === savedEmail);
    return stillThere ? { email: savedEmail, password: savedPassword, created: false, file } : { created: false, file };
  }
  const email = normalizeEmail(process.env.RAPPORT_OWNER_EMAIL || "owner@rapport.localhost");
  if (!email) throw new Error("RAPPORT_OWNER_EMAIL is not a valid email address");
  const { password } = await addPerson(api.deps, { email, role: "owner", name: "Owner" });
  await writeFile(file, `${email}\n${password}\n`, { mode: 0o600 });
  return { email, password, created: true, file };
}

/** The HMAC key for links in emails, made once and kept in the data folder (AWS keeps it in Secrets Manager). */
async function localSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, "token-secret");
  const saved = await readFile(file, "utf8").then(
    (s) => s.trim(),
    () => "",
  );
  if (saved.length >= 32) return saved;
  const secret = randomBytes(32).toString("base64url");
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((n) => (env[n] ? [[n, env[n]!]] : [])));
}

main().catch(async (err: unknown) => {
  process.stderr.write(`Rapport could not start: ${(err as Error).message}\n`);
  await stop(1);
});
