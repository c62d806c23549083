import { JwtRsaVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { PeopleConfig } from "../core/config.ts";

/** What a verified token says about its holder. */
export interface VerifiedToken {
  /** The person's immutable id in the user pool. */
  sub: string;
  tokenUse: "id" | "access";
}

/**
 * The issuer of the pool's tokens: Cognito's `https://cognito-idp.<region>.amazonaws.com/<pool>`,
 * or cognito-local's `<endpoint>/<pool>` on the local stack.
 */
export function issuerOf(people: Required<Pick<PeopleConfig, "userPoolId">> & PeopleConfig, region: string): string {
  return people.endpoint ? `${people.endpoint}/${people.userPoolId}` : `https://cognito-idp.${region}.amazonaws.com/${people.userPoolId}`;
}

/**
 * aws-jwt-verify fetches keys with `https.request`, which refuses cognito-local's `http://`
 * JWKS; the platform's fetch reads both. Keys are cached by the verifier per cold start.
 */
const fetcher = {
  fetch: async (uri: string): Promise<ArrayBuffer> => {
    const res = await fetch(uri, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`JWKS at ${uri} answered ${res.status}`);
    return res.arrayBuffer();
  },
};

/** A token that verifies but is not one the dashboard's client may use here (its class names it in logs). */
class TokenNotForThisClient extends Error {}

type Verifier = { verify(token: string): Promise<JwtPayload> };
const verifiers = new Map<string, Verifier>();

/**
 * A verifier of the pool's id and access tokens: RS256 signature by a key of the pool's JWKS,
 * issuer, expiry (aws-jwt-verify), and that the token was issued to the dashboard's app client
 * (an id token's `aud`, an access token's `client_id`). Built once per pool and client.
 */
function verifierFor(people: PeopleConfig, region: string): Verifier | undefined {
  if (!people.userPoolId || !people.clientId) return undefined;
  const issuer = issuerOf({ ...people, userPoolId: people.userPoolId }, region);
  const cacheKey = `${issuer}\n${people.clientId}`;
  let verifier = verifiers.get(cacheKey);
  if (!verifier) {
    const clientId = people.clientId;
    verifier = JwtRsaVerifier.create(
      {
        issuer,
        jwksUri: `${issuer}/.well-known/jwks.json`,
        // Checked below per token use: id tokens carry the client in `aud`, access tokens in `client_id`.
        audience: null,
        customJwtCheck: ({ payload }) => {
          const use = payload.token_use;
          if (use !== "id" && use !== "access") throw new TokenNotForThisClient("not an id or access token");
          const client = use === "id" ? payload.aud : payload.client_id;
          if (client !== clientId) throw new TokenNotForThisClient("issued to another app client");
          if (typeof payload.sub !== "string" || payload.sub === "") throw new TokenNotForThisClient("no sub");
        },
      },
      { jwksCache: new SimpleJwksCache({ fetcher }) },
    );
    verifiers.set(cacheKey, verifier);
  }
  return verifier;
}

/**
 * Verifies a token from the user pool; null for anything that is not a valid, unexpired id or
 * access token of this pool issued to the dashboard's client (or when no pool is configured).
 * The reason is returned for logs: an error class name, never the token.
 */
export async function verifyPersonToken(people: PeopleConfig, region: string, token: string): Promise<{ token: VerifiedToken } | { rejected: string }> {
  const verifier = verifierFor(people, region);
  if (!verifier) return { rejected: "NoUserPool" };
  try {
    const payload = await verifier.verify(token);
    return { token: { sub: payload.sub as string, tokenUse: payload.token_use as "id" | "access" } };
  } catch (err) {
    // aws-jwt-verify's errors keep `name` "Error": their class says what failed (JwtExpiredError…).
    return { rejected: (err as Error).constructor?.name || "Error" };
  }
}
