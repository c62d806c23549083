import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ROLES } from "../shared/auth/roles.ts";
import { CognitoError, cognitoCall } from "../shared/aws/cognito.ts";
import { freePort } from "./dynamo.ts";

/** The user pool the local stack signs people in with, as the handlers' environment names it. */
export interface LocalUserPool {
  /** cognito-local's base URL; also its tokens' issuer domain. */
  endpoint: string;
  userPoolId: string;
  clientId: string;
}

export interface RunningCognito extends LocalUserPool {
  port: number;
  /** COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID and COGNITO_ENDPOINT, for the handlers and the CLI. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts cognito-local (the npm package: Cognito's user pool API, InitiateAuth with
 * USER_PASSWORD_AUTH, and a JWKS) as a child process with `dir` as its working directory, where
 * it keeps its data in `.cognito/`. Creates the pool on first use, as the CDK stack's `People`
 * construct does on AWS: email as the username, groups `owner` and `staff`, and an app client for
 * the dashboard; its ids are kept in `poolFile` (default `<dir>/pool.json`) for later starts.
 * Resolves once the pool answers.
 */
export async function startCognitoLocal(options: { dir: string; port?: number; poolFile?: string }): Promise<RunningCognito> {
  await mkdir(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const bin = createRequire(import.meta.url).resolve("cognito-local/lib/bin/start.js");
  // HOST makes the issuer `http://127.0.0.1:<port>/<pool>`, the same URL the JWKS is fetched from.
  const child = spawn(process.execPath, [bin], {
    cwd: options.dir,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  // Read both streams (it logs every request), keeping only the tail for error messages.
  child.stdout!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  const endpoint = `http://127.0.0.1:${port}`;
  const target = { region: "us-east-1", endpoint };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cognito-local exited (${child.exitCode}):\n${output}`);
    try {
      await cognitoCall(target, "ListUserPools", { MaxResults: 1 });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`cognito-local did not start on port ${port} within 30 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const pool = await ensurePool(target, options.poolFile ?? join(options.dir, "pool.json"));
    return {
      ...pool,
      port,
      env: { COGNITO_USER_POOL_ID: pool.userPoolId, COGNITO_CLIENT_ID: pool.clientId, COGNITO_ENDPOINT: endpoint },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The pool saved in `file` if cognito-local still has it, otherwise a new one (saved there). */
async function ensurePool(target: { region: string; endpoint: string }, file: string): Promise<LocalUserPool> {
  const saved = await readFile(file, "utf8").then(
    (text) => JSON.parse(text) as { userPoolId: string; clientId: string },
    () => undefined,
  );
  if (saved) {
    try {
      await cognitoCall(target, "DescribeUserPoolClient", { UserPoolId: saved.userPoolId, ClientId: saved.clientId });
      return { endpoint: target.endpoint, ...saved };
    } catch (err) {
      if (!(err instanceof CognitoError)) throw err;
      // Its data folder was wiped: make the pool again.
    }
  }
  const created = await cognitoCall<{ UserPool: { Id: string } }>(target, "CreateUserPool", { PoolName: "rapport", UsernameAttributes: ["email"] });
  const userPoolId = created.UserPool.Id;
  const client = await cognitoCall<{ UserPoolClient: { ClientId: string } }>(target, "CreateUserPoolClient", {
    UserPoolId: userPoolId,
    ClientName: "dashboard",
    ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  });
  for (const group of ROLES) await cognitoCall(target, "CreateGroup", { UserPoolId: userPoolId, GroupName: group });
  const pool = { userPoolId, clientId: client.UserPoolClient.ClientId };
  await writeFile(file, `${JSON.stringify(pool)}\n`);
  return { endpoint: target.endpoint, ...pool };
}

/**
 * Signs a person in as the dashboard will: Cognito's InitiateAuth with USER_PASSWORD_AUTH, straight
 * to the pool (Rapport's API never sees the password). For tests and the `npm start` hint.
 */
export async function signIn(pool: LocalUserPool, email: string, password: string): Promise<{ idToken: string; accessToken: string; refreshToken: string }> {
  const result = await cognitoCall<{ AuthenticationResult: { IdToken: string; AccessToken: string; RefreshToken: string } }>(
    { region: "us-east-1", endpoint: pool.endpoint },
    "InitiateAuth",
    { ClientId: pool.clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: password } },
  );
  const r = result.AuthenticationResult;
  return { idToken: r.IdToken, accessToken: r.AccessToken, refreshToken: r.RefreshToken };
}
