import { createHash } from "node:crypto";
import { DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionFailed, itemOfFailedCondition } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { Conflict, IdempotencyMismatch, ValidationError } from "../core/errors.ts";
import { idempotencyKey } from "../entities/idempotency.ts";
import { TTL_ATTRIBUTE } from "../entities/table.ts";
import type { HttpResult } from "./http.ts";

export interface IdempotencyOptions {
  /** The client's `Idempotency-Key` header. */
  key: string;
  /** What the key is scoped to: the route and, for admin routes, the API key id. */
  scope: string;
  /**
   * The request as parsed and validated (fields and values, whatever the encoding). A retry is the
   * same request when these are: a new multipart boundary or JSON keys in another order change
   * nothing. The same key with other fields or values is refused (422) rather than replayed.
   */
  request: unknown;
}

/** How long a completed response is replayed, and how long an unfinished claim blocks others. */
const KEEP_SECONDS = 24 * 3600;
const LOCK_SECONDS = 60;

/**
 * Runs `work` at most once per Idempotency-Key, after Powertools' idempotency utility: claim a
 * record "in progress" with a conditional write, run, store the response as "completed". A repeat
 * gets the stored response; a concurrent repeat gets 409; a claim whose run failed is removed so
 * the client's retry runs for real; a claim abandoned by a crash expires after a minute.
 */
export async function withIdempotency(deps: Deps, options: IdempotencyOptions, work: () => Promise<HttpResult>): Promise<HttpResult> {
  if (options.key.length < 1 || options.key.length > 255) throw ValidationError.field("Idempotency-Key", "must be 1 to 255 characters");
  const id = createHash("sha256").update(`${options.scope}\n${options.key}`).digest("hex");
  const fingerprint = createHash("sha256").update(canonicalJson(options.request)).digest("hex");
  const nowSeconds = Math.floor(deps.clock.now().getTime() / 1000);
  const key = idempotencyKey(id);
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.table,
        Item: {
          ...key,
          type: "idempotency",
          status: "in_progress",
          fingerprint,
          lockedUntil: nowSeconds + LOCK_SECONDS,
          [TTL_ATTRIBUTE]: nowSeconds + KEEP_SECONDS,
        },
        ConditionExpression: "attribute_not_exists(PK) OR (#status = :inProgress AND lockedUntil < :now) OR #ttl < :now",
        ExpressionAttributeNames: { "#status": "status", "#ttl": TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ":inProgress": "in_progress", ":now": nowSeconds },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const existing = itemOfFailedCondition<{ status?: string; fingerprint?: string; response?: HttpResult }>(err);
    if (existing?.fingerprint !== fingerprint) throw new IdempotencyMismatch();
    if (existing.status === "completed" && existing.response) {
      return { ...existing.response, headers: { ...existing.response.headers, "idempotent-replayed": "true" } };
    }
    throw new Conflict("idempotency_in_progress", "a request with this Idempotency-Key is still being processed; retry shortly");
  }
  let response: HttpResult;
  try {
    response = await work();
  } catch (err) {
    await deps.db.send(new DeleteCommand({ TableName: deps.table, Key: key }));
    throw err;
  }
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.table,
      Key: key,
      UpdateExpression: "SET #status = :done, #response = :response",
      ExpressionAttributeNames: { "#status": "status", "#response": "response" },
      ExpressionAttributeValues: { ":done": "completed", ":response": response },
    }),
  );
  return response;
}

/**
 * JSON with every object's keys sorted, so two requests with the same fields and values give the
 * same text whatever order they came in. Arrays keep their order: in a list, order can mean something.
 */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
    ) ?? "null"
  );
}
