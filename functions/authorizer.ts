import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import { verifyAuthorization } from "../shared/auth/api-keys.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";

export interface AuthorizerResult {
  isAuthorized: boolean;
  context: { keyId: string; scopes: string };
}

/**
 * The HTTP API's Lambda authorizer (simple responses): resolves the bearer key to its id and
 * scopes. It lets every request with an Authorization header through with that context (an empty
 * one for a bad key), and the function's route guard (shared/http/handler.ts) answers 401 or 403 from
 * it: an HTTP API authorizer can only deny with 403, and the README promises 401 for a bad key.
 * API Gateway itself answers 401 when the header is missing.
 */
export function makeAuthorizer(deps: Deps) {
  return async (event: Pick<APIGatewayRequestAuthorizerEventV2, "headers">): Promise<AuthorizerResult> => {
    const authorization = event.headers?.authorization ?? event.headers?.Authorization;
    const principal = await verifyAuthorization(deps, authorization);
    return { isAuthorized: true, context: principal ?? { keyId: "", scopes: "" } };
  };
}

let authorizer: ReturnType<typeof makeAuthorizer> | undefined;
export const handler = (event: APIGatewayRequestAuthorizerEventV2) => (authorizer ??= makeAuthorizer(depsFromEnv()))(event);
