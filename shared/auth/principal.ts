import type { Deps } from "../core/deps.ts";
import type { Principal } from "../http/http.ts";
import { verifyAuthorization } from "./api-keys.ts";
import { personPrincipal } from "./people.ts";
import { verifyPersonToken } from "./tokens.ts";

/** Three base64url parts; Cognito's tokens are a few KB at most. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * Who an `Authorization: Bearer …` header stands for: an API key (`rk_…`, looked up by hash), or
 * a person's id or access token from the user pool (verified, then looked up in the people
 * directory). Null for anything else: missing, malformed, unknown, revoked, expired, forged,
 * from another pool or client, or of someone no longer in the team.
 */
export async function resolvePrincipal(deps: Deps, authorization: string | undefined): Promise<Principal | null> {
  const credential = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
  if (!credential) return null;
  if (credential.startsWith("rk_")) {
    const key = await verifyAuthorization(deps, authorization);
    return key ? { type: "key", id: key.keyId, scopes: key.scopes } : null;
  }
  if (credential.length > MAX_TOKEN_LENGTH || !JWT_SHAPE.test(credential)) return null;
  const verified = await verifyPersonToken(deps.config.people, deps.config.region, credential);
  if ("rejected" in verified) {
    // The error's class (JwtExpiredError, JwtInvalidSignatureError…), never the token.
    deps.logger.info("sign-in token rejected", { reason: verified.rejected });
    return null;
  }
  return personPrincipal(deps, verified.token.sub);
}
