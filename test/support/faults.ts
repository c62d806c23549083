import { Logger, type LogItem } from "@aws-lambda-powertools/logger";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import type { FinalizeRequestMiddleware, InitializeMiddleware, MiddlewareStack } from "@smithy/types";
import { CONFLICT_RETRY_MIDDLEWARE } from "../../shared/aws/db.ts";
import { mulberry32 } from "../../shared/demo/seed.ts";

/**
 * Faults injected into the REAL AWS SDK clients the stack uses (DynamoDB Local, SES local): a
 * middleware placed just after the SDK's retry middleware throws a throttling error on some
 * attempts before they are sent. The SDK's own retry strategy (backoff, retry quota) and the
 * project's retry code then run exactly as they would against a throttling AWS service, and
 * every attempt that is let through reaches the real emulator.
 */

/** A seeded PRNG: the same seed gives the same sequence of decisions (the demo seed's mulberry32). */
export const seededRandom = mulberry32;

interface AnyClient {
  middlewareStack: MiddlewareStack<any, any>;
}

export interface ThrottleStats {
  /** Attempts that reached the injector (let through or throttled). */
  attempts: number;
  /** Attempts answered with a throttling error instead of being sent. */
  throttled: number;
  /** Commands throttled on more attempts than the SDK makes: the error reaches our code. */
  exhausted: number;
  /** Per SDK command name, how many attempts were throttled. */
  byCommand: Record<string, number>;
}

export interface ThrottleOptions {
  seed: number;
  /** Fraction of commands whose first attempts are throttled. */
  rate: number;
  /** A throttled command is throttled on 1..maxConsecutive attempts in a row (then let through). */
  maxConsecutive: number;
  /** Fraction of commands throttled on every attempt the SDK makes, so the error surfaces. */
  exhaustRate?: number;
  /** The error to throw for a command: its name. */
  errorName: (commandName: string, random: () => number) => string;
  /** Only commands whose name passes this are touched (default: all). */
  commands?: (commandName: string) => boolean;
  /**
   * Picks particular commands by name and request body (a JSON string for DynamoDB and SES v2):
   * returns how many attempts of this command to throttle (Infinity: all of them), or undefined
   * to leave it to chance. Asked once per command, at its first attempt.
   */
  forced?: (commandName: string, body: string) => number | undefined;
}

function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return "";
}

/**
 * Keeps a client's retry strategy (the same attempts, the same retry quota) but waits a twentieth
 * as long between attempts. The SDK waits up to 1 s × 2^attempt after a throttle: a few hundred
 * injected throttles would otherwise spend most of a test asleep (55 s of the sweep test's 57),
 * while what is under test — which attempts happen and what our code does when they run out —
 * does not depend on how long each wait is.
 */
export function shortenBackoff(client: { config: { retryStrategy: unknown } }, maxAttempts = 5): void {
  const strategy = new ConfiguredRetryStrategy(maxAttempts, (attempt) => Math.random() * 50 * 2 ** Math.min(attempt, 5));
  client.config.retryStrategy = async () => strategy;
}

/** The error a throttling AWS service answers with, shaped as the SDK's deserializer makes it. */
export function throttlingError(name: string, status = 400): Error {
  return Object.assign(new Error(name === "TooManyRequestsException" ? "Maximum sending rate exceeded." : "Rate of requests exceeds the allowed throughput."), {
    name,
    $fault: "client" as const,
    $retryable: { throttling: true },
    $metadata: { httpStatusCode: status, requestId: `injected-${Math.random().toString(36).slice(2)}`, attempts: 1, totalRetryDelay: 0 },
  });
}

/**
 * Throttles a fraction of a client's commands. Returns live statistics and a switch: `enabled`
 * can be flipped at any time (the middleware stays in the client's stack).
 */
export function injectThrottling(client: AnyClient, options: ThrottleOptions): ThrottleStats & { enabled: boolean; options: ThrottleOptions } {
  const random = seededRandom(options.seed);
  const control = { enabled: true, options, attempts: 0, throttled: 0, exhausted: 0, byCommand: {} as Record<string, number> };
  /** Per command invocation (the SDK's invocation id header): how many more attempts to throttle. */
  const plans = new Map<string, number>();
  const middleware: FinalizeRequestMiddleware<any, any> = (next, context) => async (args) => {
    const request = args.request as { headers?: Record<string, string> };
    const invocation = request.headers?.["amz-sdk-invocation-id"];
    const commandName = String(context.commandName ?? "");
    if (!control.enabled || !invocation || (control.options.commands && !control.options.commands(commandName))) return next(args);
    control.attempts++;
    let remaining = plans.get(invocation);
    const forced =
      remaining === undefined && control.options.forced ? control.options.forced(commandName, bodyText((request as { body?: unknown }).body)) : undefined;
    if (forced !== undefined) {
      remaining = forced;
      if (forced === Number.POSITIVE_INFINITY) control.exhausted++;
    } else if (remaining === undefined) {
      const r = random();
      const { rate, maxConsecutive, exhaustRate = 0 } = control.options;
      if (r < exhaustRate) {
        remaining = Number.POSITIVE_INFINITY;
        control.exhausted++;
      } else if (r < exhaustRate + rate) remaining = 1 + Math.floor(random() * maxConsecutive);
      else remaining = 0;
    }
    if (remaining > 0) {
      plans.set(invocation, remaining - 1);
      control.throttled++;
      control.byCommand[commandName] = (control.byCommand[commandName] ?? 0) + 1;
      const name = control.options.errorName(commandName, random);
      throw throttlingError(name, name === "TooManyRequestsException" ? 429 : 400);
    }
    plans.delete(invocation);
    return next(args);
  };
  client.middlewareStack.addRelativeTo(middleware, {
    name: `injectThrottling-${options.seed}`,
    relation: "after",
    toMiddleware: "retryMiddleware",
    override: true,
  });
  return control;
}

/**
 * DynamoDB under load answers BatchGetItem with only some of the keys and the rest in
 * UnprocessedKeys. This makes every BatchGetItem with more than one key do that: the first half
 * of the keys go to DynamoDB Local, the rest come back unprocessed for the caller to retry.
 * Works on the document client's (unmarshalled) input and output.
 */
export function splitBatchGets(client: AnyClient): { enabled: boolean; split: number } {
  const control = { enabled: true, split: 0 };
  const middleware: InitializeMiddleware<any, any> = (next, context) => async (args) => {
    const input = args.input as { RequestItems?: Record<string, { Keys?: unknown[] }> };
    if (!control.enabled || context.commandName !== "BatchGetItemCommand" || !input.RequestItems) return next(args);
    const sent: Record<string, { Keys?: unknown[] }> = {};
    const held: Record<string, { Keys: unknown[] }> = {};
    for (const [table, request] of Object.entries(input.RequestItems)) {
      const keys = request.Keys ?? [];
      const half = Math.ceil(keys.length / 2);
      sent[table] = { ...request, Keys: keys.slice(0, half) };
      if (keys.length > half) held[table] = { ...request, Keys: keys.slice(half) };
    }
    if (Object.keys(held).length === 0) return next(args);
    control.split++;
    const result = await next({ ...args, input: { ...input, RequestItems: sent } });
    const output = result.output as { UnprocessedKeys?: Record<string, { Keys?: unknown[] }> };
    const unprocessed = { ...output.UnprocessedKeys };
    for (const [table, request] of Object.entries(held)) unprocessed[table] = { ...request, Keys: [...(unprocessed[table]?.Keys ?? []), ...request.Keys] };
    output.UnprocessedKeys = unprocessed;
    return result;
  };
  client.middlewareStack.add(middleware, { step: "initialize", name: "splitBatchGets", override: true });
  return control;
}

/**
 * A Powertools logger for a test stack that prints nothing and counts, by error name, the
 * requests that failed (what the handlers and the local server log at ERROR): it tells a throttle
 * that got past every retry from a 5xx with another cause.
 */
export class FailureCountingLogger extends Logger {
  readonly failures: Record<string, number> = {};
  constructor() {
    super({ serviceName: "rapport", logLevel: "ERROR" });
  }
  protected override printLog(_level: number, log: LogItem): void {
    const attributes = log.getAttributes() as { error?: unknown };
    const name = typeof attributes.error === "string" ? attributes.error : "unknown";
    this.failures[name] = (this.failures[name] ?? 0) + 1;
  }
}

/** Error names AWS uses for throttling. */
export const THROTTLING_ERRORS = ["ProvisionedThroughputExceededException", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"];

/** An AWS error as the SDK's deserializer makes it (a client fault, not marked retryable). */
export function awsError(name: string, message: string, extra: Record<string, unknown> = {}, status = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: "client" as const,
    $metadata: { httpStatusCode: status, requestId: `injected-${Math.random().toString(36).slice(2)}`, attempts: 1, totalRetryDelay: 0 },
    ...extra,
  });
}

/** What DynamoDB answers a write that meets a transaction in flight: per command, the right shape. */
export function transactionConflict(commandName: string, body: string): Error {
  if (commandName === "TransactWriteItemsCommand") {
    const items = ((JSON.parse(body || "{}") as { TransactItems?: unknown[] }).TransactItems ?? [{}]).length;
    const reasons = Array.from({ length: items }, (_, i) => ({
      Code: i === items - 1 ? "TransactionConflict" : "None",
      ...(i === items - 1 ? { Message: "Transaction is ongoing for the item" } : {}),
    }));
    return awsError(
      "TransactionCanceledException",
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
      { CancellationReasons: reasons },
    );
  }
  return awsError("TransactionConflictException", "Transaction is ongoing for the item");
}

export interface ErrorInjection {
  enabled: boolean;
  /** Attempts answered with an injected error, by error name. */
  injected: Record<string, number>;
  /** Attempts let through, by command name. */
  passed: Record<string, number>;
}

/**
 * Fails chosen commands with a chosen error before they are sent. Placed just below the retry
 * middleware (and below the DynamoDB client's transaction-conflict marker), so the SDK's retries
 * and the project's code react exactly as they would to AWS. `decide` is asked once per command
 * invocation (per SDK invocation id) and answers the error to throw and on how many of its
 * attempts in a row (Infinity: all), or undefined to let it through.
 */
export function injectErrors(
  client: AnyClient,
  name: string,
  decide: (commandName: string, body: string) => { error: () => Error; times: number } | undefined,
): ErrorInjection {
  const control: ErrorInjection = { enabled: true, injected: {}, passed: {} };
  const plans = new Map<string, { error: () => Error; left: number }>();
  const middleware: FinalizeRequestMiddleware<any, any> = (next, context) => async (args) => {
    const request = args.request as { headers?: Record<string, string>; body?: unknown };
    const invocation = request.headers?.["amz-sdk-invocation-id"] ?? "";
    const commandName = String(context.commandName ?? "");
    if (!control.enabled) return next(args);
    if (!plans.has(invocation)) {
      const plan = decide(commandName, bodyText(request.body));
      plans.set(invocation, plan ? { error: plan.error, left: plan.times } : { error: () => new Error("unused"), left: 0 });
    }
    const plan = plans.get(invocation)!;
    if (plan.left > 0) {
      plan.left--;
      const error = plan.error();
      control.injected[error.name] = (control.injected[error.name] ?? 0) + 1;
      throw error;
    }
    control.passed[commandName] = (control.passed[commandName] ?? 0) + 1;
    return next(args);
  };
  const anchor = client.middlewareStack.identify().some((m) => m.startsWith(`${CONFLICT_RETRY_MIDDLEWARE} `)) ? CONFLICT_RETRY_MIDDLEWARE : "retryMiddleware";
  client.middlewareStack.addRelativeTo(middleware, { name, relation: "after", toMiddleware: anchor, override: true });
  return control;
}

/**
 * DynamoDB's global secondary indexes are eventually consistent: a Query on one can miss an item
 * just written and still list one just moved. DynamoDB Local answers from the table at once.
 * This keeps the last answer of each Query on `indexName` per partition; while `stale` is set,
 * the index answers from those (filtered by the query's sort key bound when it is `<= :until`),
 * as a lagging index would, instead of asking DynamoDB Local.
 */
export function lagIndex(client: AnyClient, indexName: string): { stale: boolean; staleAnswers: number } {
  const control = { stale: false, staleAnswers: 0 };
  const seen = new Map<string, Record<string, unknown>[]>();
  const middleware: InitializeMiddleware<any, any> = (next, context) => async (args) => {
    const input = args.input as { IndexName?: string; ExpressionAttributeValues?: Record<string, unknown>; ExclusiveStartKey?: unknown };
    if (context.commandName !== "QueryCommand" || input.IndexName !== indexName) return next(args);
    const values = input.ExpressionAttributeValues ?? {};
    const partition = JSON.stringify(values[":pk"]);
    if (control.stale) {
      control.staleAnswers++;
      const until = values[":until"];
      const items = (seen.get(partition) ?? []).filter((item) => typeof until !== "string" || String(item.GSI2SK) <= until);
      return { output: { Items: items, Count: items.length, $metadata: {} }, response: {} } as any;
    }
    const result = await next(args);
    const items = ((result.output as { Items?: Record<string, unknown>[] }).Items ?? []).map((i) => ({ ...i }));
    if (!input.ExclusiveStartKey) seen.set(partition, items);
    else seen.set(partition, [...(seen.get(partition) ?? []), ...items]);
    return result;
  };
  client.middlewareStack.add(middleware, { step: "initialize", name: `lagIndex-${indexName}`, override: true });
  return control;
}
