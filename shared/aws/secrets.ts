import { AwsApiError, type AwsCredentials, awsJsonCall } from "./json-api.ts";

export { type AwsCredentials, Sha256 } from "./json-api.ts";

/**
 * Secrets Manager's GetSecretValue as one signed HTTPS request. The functions that sign links
 * need exactly this one call once per cold start; the full SDK client would add ~30 KB to their
 * bundles (npm run bench). Credentials are the function role's, which Lambda passes in the
 * environment. `AWS_ENDPOINT_URL_SECRETS_MANAGER` overrides the endpoint, as it does for the SDK.
 */
export async function getSecretString(
  secretId: string,
  region: string,
  env: NodeJS.ProcessEnv = process.env,
  what = "the link-signing secret",
  credentials?: AwsCredentials,
): Promise<string> {
  const value = (await secretsManager("GetSecretValue", { SecretId: secretId }, region, env, what, credentials)) as {
    SecretString?: string;
    SecretBinary?: string;
  };
  return (value.SecretString ?? (value.SecretBinary ? Buffer.from(value.SecretBinary, "base64").toString("utf8") : "")).trim();
}

/** Secrets Manager's PutSecretValue (a new current version of an existing secret), the same way: for the CLI. */
export async function putSecretString(
  secretId: string,
  value: string,
  region: string,
  credentials: AwsCredentials,
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  await secretsManager("PutSecretValue", { SecretId: secretId, SecretString: value }, region, env, what, credentials);
}

async function secretsManager(
  target: string,
  payload: Record<string, string>,
  region: string,
  env: NodeJS.ProcessEnv,
  what: string,
  given?: AwsCredentials,
): Promise<unknown> {
  const accessKeyId = given?.accessKeyId ?? env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = given?.secretAccessKey ?? env.AWS_SECRET_ACCESS_KEY;
  const sessionToken = given ? given.sessionToken : env.AWS_SESSION_TOKEN;
  if (!accessKeyId || !secretAccessKey) throw new Error(`no AWS credentials in the environment to read ${what} with`);
  try {
    return await awsJsonCall({
      service: "secretsmanager",
      region,
      target: `secretsmanager.${target}`,
      contentType: "application/x-amz-json-1.1",
      input: payload,
      ...(env.AWS_ENDPOINT_URL_SECRETS_MANAGER ? { endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER } : {}),
      credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
      what,
    });
  } catch (err) {
    // The secret's name or value never goes into the message: only the service's answer.
    if (err instanceof AwsApiError) throw new Error(`Secrets Manager answered ${err.status} ${err.type} for ${what}`);
    throw err;
  }
}
