import type { Tokens } from "./session.ts";

/**
 * Signing a person in with the user pool, from the browser: Cognito's JSON API (InitiateAuth with
 * USER_PASSWORD_AUTH, RespondToAuthChallenge for a first password, REFRESH_TOKEN_AUTH), called
 * with fetch straight to the pool's endpoint, so no password ever passes through Rapport. The
 * page's CSP allows that one endpoint besides this origin.
 */

/** Where and how to sign in, from `GET /v1/app-config`; null when the deployment has no user pool. */
export interface SignInConfig {
  endpoint: string;
  clientId: string;
  region: string;
  userPoolId: string;
  authFlows: string[];
}

/** Cognito refused: `type` is its exception name (`NotAuthorizedException`…), `status` 0 when unreachable. */
export class CognitoRefused extends Error {
  override name = "CognitoRefused";
  type: string;
  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

/** The pool asks for something before handing out tokens (a person invited on AWS must choose a password). */
export interface Challenge {
  challenge: string;
  session: string;
}

let config: Promise<SignInConfig | null> | undefined;

/** The sign-in settings, fetched once per page load (they are public: no credential). */
export function signInConfig(): Promise<SignInConfig | null> {
  config ??= fetch("/v1/app-config", { headers: { accept: "application/json" }, cache: "no-store", credentials: "omit" })
    .then(async (res) => (res.ok ? ((await res.json()) as { signIn: SignInConfig | null }).signIn : null))
    .catch(() => {
      config = undefined;
      return null;
    });
  return config;
}

interface AuthenticationResult {
  IdToken: string;
  AccessToken: string;
  RefreshToken?: string;
  ExpiresIn?: number;
}

async function call(cfg: SignInConfig, action: string, body: unknown): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(cfg.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AWSCognitoIdentityProviderService.${action}` },
      body: JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    throw new CognitoRefused("Unreachable", "The sign-in service could not be reached. Check your connection and try again.");
  }
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    // AWS names the exception in `__type`, sometimes prefixed (`com.amazonaws…#NotAuthorizedException`).
    const type = String(answer.__type ?? answer.code ?? "Error")
      .split("#")
      .pop()!;
    throw new CognitoRefused(type, String(answer.message ?? `The sign-in service answered ${res.status}.`));
  }
  return answer;
}

/** When the id token stops working: its `exp` claim (ms), else `ExpiresIn` from now (cognito-local may omit it). */
function expiryOf(result: AuthenticationResult): number {
  try {
    const payload = result.IdToken.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
    const exp = (JSON.parse(atob(payload)) as { exp?: number }).exp;
    if (typeof exp === "number") return exp * 1000;
  } catch {
    // Not a readable JWT: fall back on what the answer says.
  }
  return Date.now() + (result.ExpiresIn ?? 3600) * 1000;
}

function tokensFrom(result: AuthenticationResult, refreshToken?: string): Tokens {
  return {
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken ?? refreshToken ?? "",
    expiresAt: expiryOf(result),
  };
}

function outcome(answer: Record<string, unknown>, refreshToken?: string): Tokens | Challenge {
  if (answer.AuthenticationResult) return tokensFrom(answer.AuthenticationResult as AuthenticationResult, refreshToken);
  return { challenge: String(answer.ChallengeName), session: String(answer.Session) };
}

/** InitiateAuth with the person's email and password: their tokens, or a challenge to answer. */
export async function passwordSignIn(cfg: SignInConfig, email: string, password: string): Promise<Tokens | Challenge> {
  return outcome(
    await call(cfg, "InitiateAuth", { ClientId: cfg.clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: password } }),
  );
}

/** Answers NEW_PASSWORD_REQUIRED with the password the person chose. */
export async function chooseNewPassword(cfg: SignInConfig, email: string, session: string, newPassword: string): Promise<Tokens | Challenge> {
  return outcome(
    await call(cfg, "RespondToAuthChallenge", {
      ClientId: cfg.clientId,
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      Session: session,
      ChallengeResponses: { USERNAME: email, NEW_PASSWORD: newPassword },
    }),
  );
}

/** Fresh id and access tokens for a refresh token (which Cognito does not renew: it is kept). */
export async function refreshTokens(cfg: SignInConfig, refreshToken: string): Promise<Tokens> {
  const answer = await call(cfg, "InitiateAuth", { ClientId: cfg.clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: refreshToken } });
  return tokensFrom(answer.AuthenticationResult as AuthenticationResult, refreshToken);
}

export function isChallenge(result: Tokens | Challenge): result is Challenge {
  return "challenge" in result;
}
