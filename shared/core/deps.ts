import { Logger } from "@aws-lambda-powertools/logger";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "../aws/db.ts";
import { EventBridgeBus, LogOnlyBus } from "../aws/eventbridge-bus.ts";
import type { CaptchaVerifier } from "../leads/bot-protection.ts";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import type { RuntimeConfig } from "./config.ts";
import { configFromEnv } from "./config.ts";
import type { EventBus } from "./ports.ts";

/** What domain code is handed: the table, the clock, configuration and a logger. */
export interface Deps {
  db: DynamoDBDocumentClient;
  table: string;
  clock: Clock;
  config: RuntimeConfig;
  logger: Logger;
  /**
   * Domain events (the README lists them): EventBridge on AWS, in process locally. Only the outbox
   * (shared/outbox/) publishes, from the table's stream: a request never publishes after its write.
   */
  bus: EventBus;
  /**
   * Checks captcha tokens on POST /v1/leads when `config.botProtection.captchaProvider` is set.
   * Built by the capture function and the local stack (`captchaVerifierFromConfig`), not here, so
   * the other functions' bundles carry no captcha client.
   */
  captcha?: CaptchaVerifier;
}

/** The composition root for a Lambda function or the local server: everything from the environment. */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Deps> = {}): Deps {
  const config = configFromEnv(env);
  const logger = overrides.logger ?? new Logger({ serviceName: "rapport", logLevel: (env.LOG_LEVEL as "INFO" | undefined) ?? "INFO" });
  return {
    db: createDocumentClient({ region: config.region, endpoint: config.dynamodbEndpoint }),
    table: config.tableName,
    clock: systemClock,
    config,
    logger,
    bus: config.retention.eventBusName
      ? new EventBridgeBus(config.retention.eventBusName, config.region)
      : new LogOnlyBus((message, extra) => logger.debug(message, extra)),
    ...overrides,
  };
}
