import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, inject } from "vitest";
import type { RunningCognito } from "../../local/cognito.ts";
import { startCognitoLocal } from "../../local/cognito.ts";
import { startDynamo } from "../../local/dynamo.ts";
import { startSesLocal } from "../../local/ses.ts";
import type { LocalApi, LocalApiOptions } from "../../local/stack.ts";
import { startLocalApi } from "../../local/stack.ts";
import { createApiKey } from "../../shared/auth/api-keys.ts";
import { responseProblems } from "./responses.ts";

/** The HMAC key test stacks sign links with (tests sign their own tokens with it). */
export const TEST_TOKEN_SECRET = "test-token-secret-0123456789abcdef";

export interface TestStack extends LocalApi {
  /** SES local's base URL: `GET /store` lists the mails sent. */
  sesUrl: string;
  /** The mails SES local holds for one address. */
  mailsTo(address: string): Promise<StoredMail[]>;
  adminKey: string;
  leadsKey: string;
  /** The file's own cognito-local and user pool, with `cognito: true`. */
  cognito?: RunningCognito;
  /** fetch against the API with JSON in and out. */
  api(
    path: string,
    init?: { method?: string; body?: unknown; key?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
}

/**
 * Gives a test file its own table (in the run's shared DynamoDB Local) and its own API server,
 * with an admin key and a leads:write key. Call at the top level of a test file.
 *
 * Report counters follow writes through the table's stream, a moment later, as on AWS: call
 * `await stack.settleReports()` after writing and before reading `/v1/reports/...`.
 */
export interface StoredMail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  headers?: { name: string; value: string }[];
  at: number;
}

export interface UseStackOptions extends Partial<LocalApiOptions> {
  /**
   * A DynamoDB Local of this file's own (a fresh JVM) instead of the run's shared one: for a file
   * that saturates it (the load test), so it neither slows the others nor inherits the streams
   * and tables every other file left in the shared one.
   */
  ownDynamo?: boolean;
  /**
   * Run cognito-local for this file (its own process, port and data folder) and let people sign
   * in: the handlers get COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID and COGNITO_ENDPOINT.
   */
  cognito?: boolean;
}

export function useStack({ ownDynamo, cognito: withCognito, ...options }: UseStackOptions = {}): TestStack {
  const stack = {} as TestStack;
  // Every answer the API gives is checked against its route's declared responses (the OpenAPI
  // document's source); a mismatch fails the request's test, whether it came through
  // `stack.api` or a plain fetch.
  let problems: string[] = [];
  const failOnProblems = () => {
    if (!problems.length) return;
    const found = problems;
    problems = [];
    throw new Error(`answers the route table does not declare:\n${found.join("\n")}`);
  };
  afterEach(failOnProblems);
  beforeAll(async () => {
    const ses = await startSesLocal();
    stack.sesUrl = ses.url;
    const dynamo = ownDynamo ? await startDynamo() : undefined;
    const cognitoDir = withCognito ? await mkdtemp(join(tmpdir(), "rapport-cognito-")) : undefined;
    const cognito = cognitoDir ? await startCognitoLocal({ dir: cognitoDir }) : undefined;
    const local = await startLocalApi({
      dynamodbEndpoint: dynamo?.endpoint ?? inject("dynamodbEndpoint"),
      tableName: `test-${randomBytes(6).toString("hex")}`,
      // TEST_LOG_LEVEL=WARN shows what the handlers log, for a failing test.
      logLevel: (process.env.TEST_LOG_LEVEL as "WARN" | undefined) ?? "SILENT",
      // Every "Lambda" of every test file shares two cores here: a 10-second timeout that holds
      // on AWS (one instance per concurrent request) is cut short by the machine, not the code.
      functionTimeoutMs: 60_000,
      sesEndpoint: ses.url,
      retryDelayMs: 0,
      // Files that count SES outcomes feed them themselves; a file that wants SES's reports on (as npm start has) says so.
      sesEvents: false,
      ...options,
      env: { TOKEN_SECRET: TEST_TOKEN_SECRET, ...cognito?.env, ...options.env },
      onResponse: (exchange) => {
        problems.push(...responseProblems(exchange));
        options.onResponse?.(exchange);
      },
    });
    const close = local.close;
    local.close = async () => {
      await close();
      await ses.close();
      await dynamo?.stop();
      await cognito?.stop();
      if (cognitoDir) await rm(cognitoDir, { recursive: true, force: true });
    };
    if (cognito) stack.cognito = cognito;
    Object.assign(stack, local);
    stack.adminKey = (await createApiKey(local.deps, { scopes: ["admin"], name: "test admin" })).key;
    stack.leadsKey = (await createApiKey(local.deps, { scopes: ["leads:write"], name: "test leads" })).key;
    stack.mailsTo = async (address) => {
      const store = (await (await fetch(`${ses.url}/store`)).json()) as { emails: StoredMail[] };
      return store.emails.filter((m) => m.destination.to.includes(address));
    };
    stack.api = async (path, init = {}) => {
      const headers: Record<string, string> = { accept: "application/json", ...init.headers };
      if (init.body !== undefined) headers["content-type"] ??= "application/json";
      if (init.key) headers.authorization = `Bearer ${init.key}`;
      const res = await fetch(`${local.url}${path}`, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers,
        ...(init.body !== undefined ? { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) } : {}),
        redirect: "manual",
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      failOnProblems();
      return { status: res.status, body, headers: res.headers };
    };
  });
  afterAll(async () => {
    await stack.close?.();
  });
  return stack;
}
