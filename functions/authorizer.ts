import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import { resolvePrincipal } from "../shared/auth/principal.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import type { Principal } from "../shared/http/http.ts";

export interface AuthorizerResult {
  isAuthorized: boolean;
  /** The principal, flattened to strings as API Gateway requires; `type: ""` for no valid credential. */
  context: { type: Principal["type"] | ""; id: string; scopes: string; role?: string; name?: string };
}

/**
 * The HTTP API's Lambda authorizer (simple responses), the one authorizer for API keys and for
 * people's sign-in tokens: resolves the bearer credential to a principal. It lets every request
 * with an Authorization header through with that context (an empty one for a bad credential),
 * and the function's route guard (shared/http/handler.ts) answers 401 or 403 from it: an HTTP API
 * authorizer can only deny with 403, and the README promises 401 for a bad credential. API
 * Gateway itself answers 401 when the header is missing.
 */
export function makeAuthorizer(deps: Deps) {
  return async (event: Pick<APIGatewayRequestAuthorizerEventV2, "headers">): Promise<AuthorizerResult> => {
    const authorization = event.headers?.authorization ?? event.headers?.Authorization;
    const principal = await resolvePrincipal(deps, authorization);
    return { isAuthorized: true, context: principal ?? { type: "", id: "", scopes: "" } };
  };
}

let authorizer: ReturnType<typeof makeAuthorizer> | undefined;
export const handler = (event: APIGatewayRequestAuthorizerEventV2) => (authorizer ??= makeAuthorizer(depsFromEnv()))(event);
