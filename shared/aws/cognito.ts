import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "./secrets.ts";

/**
 * Where the user pool's API answers: Amazon Cognito in `region` (requests signed with SigV4), or
 * a local stand-in at `endpoint` (cognito-local, which takes unsigned requests).
 */
export interface CognitoTarget {
  region: string;
  /** Local stack only: cognito-local's base URL, e.g. `http://127.0.0.1:9229`. */
  endpoint?: string;
}

/** An error answer of the Cognito API: `type` is its exception name, e.g. `UsernameExistsException`. */
export class CognitoError extends Error {
  override name = "CognitoError";
  readonly type: string;
  readonly status: number;
  constructor(type: string, status: number, message: string) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
let credentials: (() => Promise<Credentials>) | undefined;

/**
 * One call of the Cognito user pools JSON API (`AWSCognitoIdentityProviderService.<action>`).
 * The handful of admin calls the people directory makes do not justify the SDK client, which
 * would add its weight to the function's bundle. On AWS the request is signed with the default
 * credential chain (the function role's credentials in Lambda, the operator's profile in the
 * CLI); cognito-local needs no signature.
 *
 * @throws CognitoError with Cognito's exception name, e.g. `UserNotFoundException`.
 * @example await cognitoCall(target, "AdminDeleteUser", { UserPoolId, Username })
 */
export async function cognitoCall<T = Record<string, unknown>>(target: CognitoTarget, action: string, input: Record<string, unknown>): Promise<T> {
  const url = new URL(target.endpoint || `https://cognito-idp.${target.region}.amazonaws.com`);
  const body = JSON.stringify(input);
  let headers: Record<string, string> = {
    host: url.host,
    "content-type": "application/x-amz-json-1.1",
    "x-amz-target": `AWSCognitoIdentityProviderService.${action}`,
  };
  if (!target.endpoint) {
    // Loaded only to sign: local runs (cognito-local) never pay for the provider chain.
    credentials ??= (await import("@aws-sdk/credential-provider-node")).defaultProvider();
    const signer = new SignatureV4({ service: "cognito-idp", region: target.region, sha256: Sha256, credentials });
    const signed = await signer.sign({ method: "POST", protocol: url.protocol, hostname: url.hostname, path: "/", query: {}, headers, body });
    headers = signed.headers;
  }
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(new URL("/", url), { method: "POST", headers, body, signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    if (res.ok) return (text ? JSON.parse(text) : {}) as T;
    const parsed = safeJson(text);
    const type = String(parsed.__type ?? parsed.code ?? "UnknownError").split("#").pop()!;
    // Throttling and server errors are worth one more try; anything else is an answer.
    if (attempt < 3 && (res.status === 429 || res.status >= 500 || type === "TooManyRequestsException")) {
      await new Promise((r) => setTimeout(r, 100 * attempt));
      continue;
    }
    throw new CognitoError(type, res.status, String(parsed.message ?? parsed.Message ?? `Cognito answered ${res.status} to ${action}`));
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
