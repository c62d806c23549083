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

/** An error answer of an AWS JSON API: `type` is its exception name, e.g. `UsernameExistsException`. */
export class AwsApiError extends Error {
  override name = "AwsApiError";
  readonly type: string;
  readonly status: number;
  constructor(type: string, status: number, message: string) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

export interface AwsJsonCall {
  /** The signing name, e.g. `sqs`, `secretsmanager`, `cognito-idp`. */
  service: string;
  region: string;
  /** `X-Amz-Target`, e.g. `AmazonSQS.SendMessageBatch`. */
  target: string;
  /** The protocol's media type: `application/x-amz-json-1.0` (SQS) or `-1.1` (most others). */
  contentType: "application/x-amz-json-1.0" | "application/x-amz-json-1.1";
  input: Record<string, unknown>;
  /** The service's URL; default `https://<service>.<region>.amazonaws.com`. */
  endpoint?: string;
  /** No signature (a local stand-in such as cognito-local). */
  unsigned?: boolean;
  /** Given credentials; default the credential chain (in a Lambda bundle: the role's, from the environment). */
  credentials?: AwsCredentials;
  /** What the call is for, in error messages ("the link-signing secret"). */
  what: string;
}

let chain: (() => Promise<AwsCredentials>) | undefined;

/**
 * One call of an AWS JSON-protocol API as a signed `fetch`. The few calls Rapport makes to SQS,
 * Secrets Manager and Cognito do not justify each service's SDK client, which adds 25–35 KB and a
 * protocol layer to every bundle that carries it (the sender and the sweep stay under their bundle
 * budget this way; `npm run bench`). Credentials come from the default chain: in a Lambda bundle
 * that module is replaced by the environment provider (infra/bundling.ts), in the CLI it is the
 * operator's profile. Throttling and server errors are tried again twice; any other error answer
 * throws an AwsApiError with the service's exception name.
 */
export async function awsJsonCall<T = Record<string, unknown>>(call: AwsJsonCall): Promise<T> {
  const url = new URL(call.endpoint || `https://${call.service}.${call.region}.amazonaws.com`);
  const body = JSON.stringify(call.input);
  let headers: Record<string, string> = { host: url.host, "content-type": call.contentType, "x-amz-target": call.target };
  if (!call.unsigned) {
    const credentials = call.credentials ?? (await (chain ??= (await import("@aws-sdk/credential-provider-node")).defaultProvider())());
    const signer = new SignatureV4({ service: call.service, region: call.region, sha256: Sha256, credentials });
    const signed = await signer.sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: "/",
      query: {},
      headers,
      body,
    });
    headers = signed.headers;
  }
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(new URL("/", url), { method: "POST", headers, body, signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    if (res.ok) return (text ? JSON.parse(text) : {}) as T;
    const parsed = safeJson(text);
    const type = String(parsed.__type ?? parsed.code ?? "UnknownError")
      .split("#")
      .pop()!;
    if (attempt < 3 && (res.status === 429 || res.status >= 500 || /Throttl|TooManyRequests/.test(type))) {
      await new Promise((r) => setTimeout(r, 100 * attempt));
      continue;
    }
    throw new AwsApiError(
      type,
      res.status,
      String(parsed.message ?? parsed.Message ?? `${call.service} answered ${res.status}${type ? ` ${type}` : ""} for ${call.what}`),
    );
  }
}

function safeJson(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
