import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import type { RuntimeConfig } from "./config.ts";
import { configFromEnv } from "./config.ts";
import { createDocumentClient } from "./db.ts";

/** What domain code is handed: the table, the clock, configuration and a logger. */
export interface Deps {
  db: DynamoDBDocumentClient;
  table: string;
  clock: Clock;
  config: RuntimeConfig;
  logger: Logger;
}

/** The composition root for a Lambda function or the local server: everything from the environment. */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Deps> = {}): Deps {
  const config = configFromEnv(env);
  return {
    db: createDocumentClient({ region: config.region, endpoint: config.dynamodbEndpoint }),
    table: config.tableName,
    clock: systemClock,
    config,
    logger: new Logger({ serviceName: "rapport", logLevel: (env.LOG_LEVEL as "INFO" | undefined) ?? "INFO" }),
    ...overrides,
  };
}
