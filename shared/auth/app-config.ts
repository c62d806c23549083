import type * as z from "zod/mini";
import type { Deps } from "../core/deps.ts";
import type { AppConfig } from "./schema.ts";

/**
 * What a browser needs to sign a person in by calling Cognito's InitiateAuth itself (so no
 * password ever passes through Rapport): the pool, its app client, the region and the endpoint.
 * All of it is public by nature (it is in every token and every sign-in request); no secrets.
 * `signIn: null` when no user pool is configured.
 */
export function appConfig(deps: Pick<Deps, "config">): z.output<typeof AppConfig> {
  const { userPoolId, clientId, endpoint } = deps.config.people;
  if (!userPoolId || !clientId) return { signIn: null };
  const region = deps.config.region;
  return {
    signIn: {
      provider: "cognito",
      region,
      userPoolId,
      clientId,
      endpoint: endpoint ? `${endpoint}/` : `https://cognito-idp.${region}.amazonaws.com/`,
      // cognito-local has no SRP; on AWS the dashboard may prefer SRP, which never sends the password.
      authFlows: endpoint ? ["USER_PASSWORD_AUTH"] : ["USER_SRP_AUTH", "USER_PASSWORD_AUTH"],
    },
  };
}
