import { type AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand, type QueryCommandInput, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { FinalizeRequestMiddleware } from "@smithy/types";
import type { TableKey } from "../entities/table.ts";

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
  return (codes?.includes("TransactionConflict") && codes.every((c) => c === undefined || c === "TransactionConflict")) === true;
}

/** The document client every domain function receives. Built only by composition roots. */
export function createDocumentClient(options: DbOptions): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
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

/** The expression parts of an UpdateItem (or of a transaction's `Update`), as `Update.build()` gives them. */
export interface UpdateParts {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

const SIMPLE_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * Builds an UpdateItem's expressions from named operations, so no writer keeps its own arrays of
 * SET clauses, placeholder names and values in step by hand. Every attribute goes through a
 * `#name` placeholder (reserved words such as `type` or `status` need one, and attributes like
 * `sent#<campaign>` cannot be written bare); every value gets its own `:placeholder`. Entity
 * modules contribute fragments (`setDue`, `setStage`) by calling it on the writer's builder.
 *
 * @example
 * const update = new Update().set("emailStatus", "ok").remove("unsubscribedAt").when("attribute_exists(PK)");
 * await db.send(new UpdateCommand({ TableName, Key, ...update.build() }));
 */
export class Update {
  readonly #names = new Map<string, string>();
  readonly #values: Record<string, unknown> = {};
  readonly #written = new Set<string>();
  readonly #sets: string[] = [];
  readonly #adds: string[] = [];
  readonly #removes: string[] = [];
  readonly #conditions: string[] = [];

  /** The `#placeholder` of a top-level attribute, for a condition. */
  name(attribute: string): string {
    let placeholder = this.#names.get(attribute);
    if (!placeholder) {
      const taken = new Set(this.#names.values());
      placeholder = SIMPLE_NAME.test(attribute) && !taken.has(`#${attribute}`) ? `#${attribute}` : "";
      for (let i = 0; !placeholder || taken.has(placeholder); i++) placeholder = `#n${i}`;
      this.#names.set(attribute, placeholder);
    }
    return placeholder;
  }

  /** A fresh `:placeholder` holding `value`, for a condition. */
  value(value: unknown, hint = "v"): string {
    const base = `:${SIMPLE_NAME.test(hint) ? hint : "v"}`;
    let placeholder = base;
    for (let i = 1; placeholder in this.#values; i++) placeholder = `${base}${i}`;
    this.#values[placeholder] = value;
    return placeholder;
  }

  /** `SET attribute = value`. */
  set(attribute: string, value: unknown): this {
    this.#sets.push(`${this.#write(attribute)} = ${this.value(value, attribute)}`);
    return this;
  }

  /** `SET attribute = if_not_exists(attribute, value)`: only where the item has none yet. */
  setIfNotExists(attribute: string, value: unknown): this {
    const name = this.#write(attribute);
    this.#sets.push(`${name} = if_not_exists(${name}, ${this.value(value, attribute)})`);
    return this;
  }

  /** `ADD attribute value`: a number added, or elements added to a set. */
  add(attribute: string, value: unknown): this {
    this.#adds.push(`${this.#write(attribute)} ${this.value(value, attribute)}`);
    return this;
  }

  /** `REMOVE attribute, …`. */
  remove(...attributes: string[]): this {
    for (const attribute of attributes) this.#removes.push(this.#write(attribute));
    return this;
  }

  /**
   * Adds a condition; all conditions must hold (AND). Text naming attributes bare, or a function
   * given `name` and `value` that returns text with placeholders.
   */
  when(condition: string | ((name: (attribute: string) => string, value: (value: unknown) => string) => string)): this {
    const text =
      typeof condition === "string"
        ? condition
        : condition(
            (a) => this.name(a),
            (v) => this.value(v, "c"),
          );
    if (!this.#conditions.includes(text)) this.#conditions.push(text);
    return this;
  }

  /** True when nothing would be written. */
  get empty(): boolean {
    return this.#sets.length + this.#adds.length + this.#removes.length === 0;
  }

  /** The expressions, names and values to spread into an UpdateItem or a transaction's `Update`. */
  build(): UpdateParts {
    if (this.empty) throw new Error("an update must write at least one attribute");
    const clauses = [
      this.#sets.length ? `SET ${this.#sets.join(", ")}` : "",
      this.#adds.length ? `ADD ${this.#adds.join(", ")}` : "",
      this.#removes.length ? `REMOVE ${this.#removes.join(", ")}` : "",
    ];
    const conditions = this.#conditions.map((c) => (this.#conditions.length > 1 && /\sOR\s/i.test(c) ? `(${c})` : c));
    return {
      UpdateExpression: clauses.filter(Boolean).join(" "),
      ...(conditions.length ? { ConditionExpression: conditions.join(" AND ") } : {}),
      ...(this.#names.size
        ? { ExpressionAttributeNames: Object.fromEntries([...this.#names].map(([attribute, placeholder]) => [placeholder, attribute])) }
        : {}),
      ...(Object.keys(this.#values).length ? { ExpressionAttributeValues: { ...this.#values } } : {}),
    };
  }

  /** An attribute written once: DynamoDB refuses two clauses on one path, so say so where it happens. */
  #write(attribute: string): string {
    if (this.#written.has(attribute)) throw new Error(`update writes ${attribute} twice`);
    this.#written.add(attribute);
    return this.name(attribute);
  }
}

export type WriteRequest = { PutRequest: { Item: Record<string, unknown> & TableKey } } | { DeleteRequest: { Key: TableKey } };

/**
 * BatchWriteItem in 25s, retrying with backoff what DynamoDB hands back unprocessed (it does under
 * load instead of throttling the whole call). For idempotent writes only: a retry repeats them.
 * With `inFlight` above 1, that many calls run at once: only for requests that name each key once,
 * whose order does not matter.
 */
export async function batchWrite(db: DynamoDBDocumentClient, table: string, requests: WriteRequest[], options: { inFlight?: number } = {}): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      let pending: WriteRequest[] = requests.slice(next, next + 25);
      next += 25;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)));
        const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (result.UnprocessedItems?.[table] ?? []) as WriteRequest[];
        if (attempt > 10 && pending.length) throw new Error("DynamoDB kept handing back unprocessed writes");
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.inFlight ?? 1, Math.ceil(requests.length / 25))) }, worker));
}
