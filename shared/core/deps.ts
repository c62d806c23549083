import { Logger } from "@aws-lambda-powertools/logger";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "../aws/db.ts";
import { EventBridgeBus, LogOnlyBus } from "../aws/eventbridge-bus.ts";
import type { CaptchaVerifier } from "../leads/bot-protection.ts";
import { captchaVerifierFromConfig } from "../leads/siteverify.ts";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import type { RuntimeConfig } from "./config.ts";
import { configFromEnv } from "./config.ts";
import type { DomainEvent, EventBus } from "./ports.ts";

/** What domain code is handed: the table, the clock, configuration and a logger. */
export interface Deps {
  db: DynamoDBDocumentClient;
  table: string;
  clock: Clock;
  config: RuntimeConfig;
  logger: Logger;
  /** Domain events (the README lists them): EventBridge on AWS, in process locally. */
  bus: EventBus;
  /** Checks captcha tokens on POST /v1/leads when `config.botProtection.captchaProvider` is set. */
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
    captcha: captchaVerifierFromConfig(config),
    ...overrides,
  };
}

/**
 * Publishes after the fact is stored. A bus failure must not turn a stored lead or purchase into
 * an error for the caller (who would retry and, without an idempotency key, store it twice), so
 * it is logged (ids only) and the request succeeds.
 */
export async function publishEvents(deps: Pick<Deps, "bus" | "logger">, events: DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await deps.bus.publish(events);
  } catch (err) {
    deps.logger.error("publishing domain events failed", {
      types: events.map((e) => e.type).join(","),
      error: (err as Error).name,
      message: (err as Error).message,
    });
  }
}
