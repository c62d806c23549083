/**
 * The consumed-capacity meter the bench puts on a DynamoDB document client: a middleware that asks
 * every data-plane command for ReturnConsumedCapacity and records what each call consumed.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** Commands that accept ReturnConsumedCapacity. */
export const DATA_COMMANDS = new Set(
  ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"].map((c) => `${c}Command`),
);
export const WRITE_COMMANDS = new Set(["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand", "BatchWriteItemCommand", "TransactWriteItemsCommand"]);
/** Commands that read (a Query, a Scan, a GetItem, a BatchGetItem, a transactional get, PartiQL). */
export const READ_COMMANDS = new Set([...DATA_COMMANDS].filter((c) => !WRITE_COMMANDS.has(c)));

export interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

export interface CallRecord {
  command: string;
  ok: boolean;
  error?: string;
  /** HTTP attempts the SDK made (retries included). */
  attempts: number;
  rcu: number;
  wcu: number;
  /** False when the response carried no ConsumedCapacity at all. */
  reported: boolean;
  raw?: unknown;
  /** The command's input as sent (before the meter added ReturnConsumedCapacity). */
  input?: Record<string, unknown>;
  /** Items returned: Count of a Query or Scan, items of a BatchGetItem, 0/1 of a GetItem. */
  items?: number;
  /** Keys a BatchGetItem left unprocessed. */
  unprocessed?: number;
}

export interface Meter {
  calls: CallRecord[];
  /** TOTAL for the figures; INDEXES to see the table / index split in the breakdown. */
  mode: "TOTAL" | "INDEXES";
}

export function splitCapacity(command: string, consumed: unknown): { rcu: number; wcu: number; reported: boolean } {
  if (consumed === undefined || consumed === null) return { rcu: 0, wcu: 0, reported: false };
  let rcu = 0;
  let wcu = 0;
  // BatchGetItem, BatchWriteItem and the transactions answer an array (one entry per table);
  // the single-item commands and Query/Scan answer one object.
  for (const c of (Array.isArray(consumed) ? consumed : [consumed]) as Capacity[]) {
    if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
      rcu += c.ReadCapacityUnits ?? 0;
      wcu += c.WriteCapacityUnits ?? 0;
    } else if (WRITE_COMMANDS.has(command)) {
      wcu += c.CapacityUnits ?? 0;
    } else {
      rcu += c.CapacityUnits ?? 0;
    }
  }
  return { rcu, wcu, reported: true };
}

function itemsOf(command: string, output: Record<string, unknown>): { items?: number; unprocessed?: number } {
  if (command === "QueryCommand" || command === "ScanCommand") return { items: Number(output.Count ?? 0) };
  if (command === "GetItemCommand") return { items: output.Item ? 1 : 0 };
  if (command === "BatchGetItemCommand") {
    const responses = (output.Responses ?? {}) as Record<string, unknown[]>;
    const unprocessed = (output.UnprocessedKeys ?? {}) as Record<string, { Keys?: unknown[] }>;
    return {
      items: Object.values(responses).reduce((n, items) => n + items.length, 0),
      unprocessed: Object.values(unprocessed).reduce((n, t) => n + (t.Keys?.length ?? 0), 0),
    };
  }
  return {};
}

/** Adds the counting middleware to the document client's stack; every command it sends is recorded. */
export function instrument(db: DynamoDBDocumentClient): Meter {
  const meter: Meter = { calls: [], mode: "TOTAL" };
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "unknown";
      const sent = args.input as Record<string, unknown>;
      const input = DATA_COMMANDS.has(command) ? { ...sent, ReturnConsumedCapacity: meter.mode } : sent;
      try {
        const result = await next({ ...args, input: input as typeof args.input });
        const output = result.output as { ConsumedCapacity?: unknown; $metadata?: { attempts?: number } };
        meter.calls.push({
          command,
          ok: true,
          attempts: output.$metadata?.attempts ?? 1,
          ...splitCapacity(command, output.ConsumedCapacity),
          raw: output.ConsumedCapacity,
          input: sent,
          ...itemsOf(command, output as Record<string, unknown>),
        });
        return result;
      } catch (err) {
        const e = err as Error & { ConsumedCapacity?: unknown; CancellationReasons?: unknown; $metadata?: { attempts?: number } };
        meter.calls.push({ command, ok: false, error: e.name, attempts: e.$metadata?.attempts ?? 1, ...splitCapacity(command, e.ConsumedCapacity), raw: e.ConsumedCapacity, input: sent });
        throw err;
      }
    },
    { step: "initialize", name: "rapportBenchConsumedCapacity" },
  );
  return meter;
}
