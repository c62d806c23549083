import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";

type Data = string | ArrayBuffer | ArrayBufferView;

function bytes(data: Data): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 (or HMAC-SHA-256 with a secret) on node:crypto, in the shape SignatureV4 asks for. */
export class Sha256 {
  private hash: Hash | Hmac;
  private readonly secret?: Data;
  constructor(secret?: Data) {
    this.secret = secret;
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: Data): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(this.secret));
  }
}

/** AWS credentials as Lambda passes them in the environment, or as the CLI's credential chain resolves them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Secrets Manager's GetSecretValue as one signed HTTPS request. The functions that sign links
 * need exactly this one call once per cold start; the full SDK client would add ~30 KB to their
 * bundles (npm run bench). Credentials are the function role's, which Lambda passes in the
 * environment. `AWS_ENDPOINT_URL_SECRETS_MANAGER` overrides the endpoint, as it does for the SDK.
 */
export async function getSecretString(secretId: string, region: string, env: NodeJS.ProcessEnv = process.env, what = "the link-signing secret", credentials?: AwsCredentials): Promise<string> {
  const value = (await secretsManager("GetSecretValue", { SecretId: secretId }, region, env, what, credentials)) as { SecretString?: string; SecretBinary?: string };
  return (value.SecretString ?? (value.SecretBinary ? Buffer.from(value.SecretBinary, "base64").toString("utf8") : "")).trim();
}

/** Secrets Manager's PutSecretValue (a new current version of an existing secret), the same way: for the CLI. */
export async function putSecretString(secretId: string, value: string, region: string, credentials: AwsCredentials, what: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await secretsManager("PutSecretValue", { SecretId: secretId, SecretString: value }, region, env, what, credentials);
}

async function secretsManager(target: string, payload: Record<string, string>, region: string, env: NodeJS.ProcessEnv, what: string, given?: AwsCredentials): Promise<unknown> {
  const accessKeyId = given?.accessKeyId ?? env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = given?.secretAccessKey ?? env.AWS_SECRET_ACCESS_KEY;
  const sessionToken = given ? given.sessionToken : env.AWS_SESSION_TOKEN;
  if (!accessKeyId || !secretAccessKey) throw new Error(`no AWS credentials in the environment to read ${what} with`);
  const endpoint = new URL(env.AWS_ENDPOINT_URL_SECRETS_MANAGER || `https://secretsmanager.${region}.amazonaws.com`);
  const body = JSON.stringify(payload);
  const signer = new SignatureV4({
    service: "secretsmanager",
    region,
    sha256: Sha256,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
  });
  const signed = await signer.sign({
    method: "POST",
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path: "/",
    query: {},
    headers: {
      host: endpoint.host,
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `secretsmanager.${target}`,
    },
    body,
  });
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(new URL("/", endpoint), { method: "POST", headers: signed.headers, body, signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    if (res.ok) return JSON.parse(text);
    // Throttling and server errors are worth one more try; anything else is a configuration problem.
    if (attempt >= 3 || (res.status !== 429 && res.status < 500)) {
      const type = (/"__type"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? "").split("#").pop();
      throw new Error(`Secrets Manager answered ${res.status}${type ? ` ${type}` : ""} for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100 * attempt));
  }
}
