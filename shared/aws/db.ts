import { type AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { FinalizeRequestMiddleware } from "@smithy/types";
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand, type QueryCommandInput, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";

export interface DbOptions {
  region: string;
  /** DynamoDB Local's URL; omitted on AWS. */
  endpoint?: string;
}

/** The name of the middleware that makes transaction conflicts retryable (tests inject faults below it). */
export const CONFLICT_RETRY_MIDDLEWARE = "retryTransactionConflicts";

/**
 * True for a write that lost to a concurrent transaction and was not applied: a single-item write
 * that met a transaction in flight (`TransactionConflictException`), or a TransactWriteItems
 * cancelled only by conflicts (no condition failed). Trying it again is safe and what AWS advises.
 */
export function isTransactionConflict(err: unknown): boolean {
  const e = err as { name?: string } | undefined;
  if (e?.name === "TransactionConflictException") return true;
  const codes = cancellationCodes(err);
  return codes !== null && codes.includes("TransactionConflict") && codes.every((c) => c === undefined || c === "TransactionConflict");
}

/** The document client every domain function receives. Built only by composition roots. */
export function createDocumentClient(options: DbOptions): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint
      ? { endpoint: options.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
    maxAttempts: 5,
  });
  // The SDK retries throttling and 5xx but not a transaction conflict (a 400). Marked retryable
  // just below the retry middleware, every write everywhere (lead capture, purchases, the sender,
  // the stream consumer) gets the SDK's backoff and retry quota for it, instead of a 500.
  const markRetryable: FinalizeRequestMiddleware<any, any> = (next) => async (args) => {
    try {
      return await next(args);
    } catch (err) {
      if (isTransactionConflict(err)) Object.assign(err as object, { $retryable: { throttling: false } });
      throw err;
    }
  };
  client.middlewareStack.addRelativeTo(markRetryable, { name: CONFLICT_RETRY_MIDDLEWARE, relation: "after", toMiddleware: "retryMiddleware" });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}

/** One write of a TransactWriteItems request (Put, Update, Delete or ConditionCheck), as the document client takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** True for the error DynamoDB gives when a condition expression does not hold. */
export function isConditionFailed(err: unknown): boolean {
  return err instanceof Error && err.name === "ConditionalCheckFailedException";
}

/**
 * The item a failed conditional write returned (ReturnValuesOnConditionCheckFailure: ALL_OLD).
 * The document client does not unmarshall error payloads, so it is done here.
 */
export function itemOfFailedCondition<T = Record<string, unknown>>(err: unknown): T | undefined {
  const raw = (err as { Item?: Record<string, AttributeValue> }).Item;
  return raw ? (unmarshall(raw) as T) : undefined;
}

/** Per-item cancellation reasons of a failed TransactWriteItems, in request order. */
export function cancellationCodes(err: unknown): (string | undefined)[] | null {
  if (!(err instanceof Error) || err.name !== "TransactionCanceledException") return null;
  const reasons = (err as Error & { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((r) => (r.Code === "None" ? undefined : r.Code));
}

/** The item a failed TransactWriteItems returned for its `index`th request (ReturnValuesOnConditionCheckFailure: ALL_OLD). */
export function cancelledItem<T = Record<string, unknown>>(err: unknown, index: number): T | undefined {
  const reasons = (err as { CancellationReasons?: { Item?: Record<string, AttributeValue> }[] }).CancellationReasons;
  const raw = reasons?.[index]?.Item;
  return raw ? (unmarshall(raw) as T) : undefined;
}

/** Every item a Query matches, following `LastEvaluatedKey` (DynamoDB answers at most 1 MB a call). */
export async function* queryAll(db: DynamoDBDocumentClient, input: QueryCommandInput): AsyncGenerator<Record<string, unknown>> {
  let start = input.ExclusiveStartKey;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    yield* (page.Items ?? []) as Record<string, unknown>[];
    start = page.LastEvaluatedKey;
  } while (start);
}

export type WriteRequest = { PutRequest: { Item: Record<string, unknown> & { PK: string; SK: string } } } | { DeleteRequest: { Key: { PK: string; SK: string } } };

/**
 * BatchWriteItem in 25s, retrying with backoff what DynamoDB hands back unprocessed (it does under
 * load instead of throttling the whole call). For idempotent writes only: a retry repeats them.
 */
export async function batchWrite(db: DynamoDBDocumentClient, table: string, requests: WriteRequest[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending: WriteRequest[] = requests.slice(i, i + 25);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)));
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (result.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      if (attempt > 10 && pending.length) throw new Error("DynamoDB kept handing back unprocessed writes");
    }
  }
}
