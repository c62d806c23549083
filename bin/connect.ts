import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { localEnv } from "../local/env.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { CliFailure, UsageError } from "./cli.ts";

export interface TargetOptions {
  /** A deployed stack's name; absent for the local stack. */
  stack?: string;
  region?: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The composition root of the CLI: `Deps` for the local stack (DynamoDB Local at
 * `DYNAMODB_ENDPOINT` or `127.0.0.1:$DYNAMODB_PORT`, table `RAPPORT_TABLE` or "rapport") or for a
 * deployed stack (table from its CloudFormation output `TableName`). Never creates a table:
 * `npm start` and `cdk deploy` do that.
 */
export async function connect(options: TargetOptions): Promise<Deps> {
  // Powertools writes INFO to stdout; a CLI keeps stdout for results, so only warnings (stderr) by default.
  const logger = new Logger({ serviceName: "rapport-cli", logLevel: (options.env.LOG_LEVEL as "WARN" | undefined) ?? "WARN" });
  if (options.stack) {
    const { tableName, region, outputs } = await stackTable(options.stack, options.region ?? options.env.AWS_REGION ?? options.env.AWS_DEFAULT_REGION);
    return depsFromEnv(
      {
        ...options.env,
        TABLE_NAME: tableName,
        AWS_REGION: region,
        DYNAMODB_ENDPOINT: "",
        SEND_QUEUE_URL: outputs.SendQueueUrl ?? "",
        EVENT_BUS_NAME: outputs.EventBusName ?? "",
        COGNITO_USER_POOL_ID: outputs.UserPoolId ?? "",
        COGNITO_CLIENT_ID: outputs.UserPoolClientId ?? "",
        COGNITO_ENDPOINT: "",
        // The shop connections' secrets and endpoints (`rapport connections`).
        CONNECTIONS_SECRET_ARN: outputs.ConnectionsSecretArn ?? "",
        CONNECTIONS_FILE: "",
        // The outbound webhook endpoints' secrets (`rapport webhooks`).
        WEBHOOKS_SECRET_ARN: outputs.WebhooksSecretArn ?? "",
        WEBHOOKS_FILE: "",
        PUBLIC_BASE_URL: outputs.ApiUrl ?? "",
      },
      { logger },
    );
  }
  if (options.region) throw new UsageError("--region only applies with --stack");
  let local;
  try {
    local = localEnv(options.env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const endpoint = options.env.DYNAMODB_ENDPOINT || local.dynamodbEndpoint;
  const tableName = options.env.RAPPORT_TABLE || local.tableName;
  await assertLocalTable(endpoint, tableName);
  // What `npm start` gives its handlers, so a sweep run from here sends the same mail with working links.
  let tokenSecret = "";
  try {
    tokenSecret = readFileSync(join(local.dataDir, "token-secret"), "utf8").trim();
  } catch {
    // No secret yet: npm start makes one; commands that sign links say so when they need it.
  }
  // The user pool `npm start` made in cognito-local, for `people` commands.
  let pool: Record<string, string> = {};
  try {
    const saved = JSON.parse(readFileSync(local.cognitoPoolFile, "utf8")) as { userPoolId: string; clientId: string };
    pool = { COGNITO_USER_POOL_ID: saved.userPoolId, COGNITO_CLIENT_ID: saved.clientId, COGNITO_ENDPOINT: local.cognitoEndpoint };
  } catch {
    // No pool yet: npm start makes one; `people` commands say so when they need it.
  }
  return depsFromEnv(
    {
      PUBLIC_BASE_URL: local.apiUrl,
      SES_ENDPOINT: local.sesEndpoint,
      TOKEN_SECRET: tokenSecret,
      // Where `npm start` keeps the shop connections' signing secrets (local/start.ts).
      CONNECTIONS_FILE: join(local.dataDir, "connections.json"),
      WEBHOOKS_FILE: join(local.dataDir, "webhooks.json"),
      ...pool,
      ...options.env,
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: endpoint,
      AWS_REGION: "us-east-1",
    },
    { logger },
  );
}

/** One quick DescribeTable, so "nothing is running" is one line instead of five retries and a stack trace. */
async function assertLocalTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 },
  });
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (err) {
    if ((err as Error).name === "ResourceNotFoundException") {
      throw new CliFailure(`DynamoDB Local at ${endpoint} has no table "${tableName}": run \`npm start\` first (it creates the table)`);
    }
    throw new CliFailure(`nothing answers at ${endpoint} (DynamoDB Local): run \`npm start\` first, or set DYNAMODB_PORT to where it runs`);
  } finally {
    client.destroy();
  }
}

/** Reads the table name from the stack's `TableName` output, with the default AWS credential chain. */
async function stackTable(stackName: string, region: string | undefined): Promise<{ tableName: string; region: string; outputs: Record<string, string> }> {
  // Loaded only for --stack, so local commands start fast.
  const { CloudFormationClient, DescribeStacksCommand } = await import("@aws-sdk/client-cloudformation");
  const client = new CloudFormationClient(region ? { region } : {});
  try {
    let resolvedRegion: string;
    try {
      resolvedRegion = await client.config.region();
    } catch {
      throw new UsageError("no AWS region: pass --region or set AWS_REGION");
    }
    let stack;
    try {
      stack = (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    } catch (err) {
      const e = err as Error;
      if (e.name === "ValidationError" && /does not exist/.test(e.message)) throw new CliFailure(`no stack "${stackName}" in ${resolvedRegion}`);
      if (e.name === "CredentialsProviderError")
        throw new CliFailure(`no AWS credentials found: configure a profile (AWS_PROFILE) or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`);
      throw new CliFailure(`could not read stack "${stackName}" in ${resolvedRegion}: ${e.message}`);
    }
    const tableName = stack?.Outputs?.find((o) => o.OutputKey === "TableName")?.OutputValue;
    if (!tableName) throw new CliFailure(`stack "${stackName}" in ${resolvedRegion} has no TableName output: is it a Rapport stack?`);
    const outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? "", o.OutputValue ?? ""]));
    return { tableName, region: resolvedRegion, outputs };
  } finally {
    client.destroy();
  }
}
