import { awsJsonCall } from "./json-api.ts";

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
export { AwsApiError as CognitoError } from "./json-api.ts";

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
export function cognitoCall<T = Record<string, unknown>>(target: CognitoTarget, action: string, input: Record<string, unknown>): Promise<T> {
  return awsJsonCall<T>({
    service: "cognito-idp",
    region: target.region,
    target: `AWSCognitoIdentityProviderService.${action}`,
    contentType: "application/x-amz-json-1.1",
    input,
    // cognito-local takes unsigned requests; local runs never load the credential chain.
    ...(target.endpoint ? { endpoint: target.endpoint, unsigned: true } : {}),
    what: `Cognito ${action}`,
  });
}
