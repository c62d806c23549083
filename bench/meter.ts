/**
 * The consumed-capacity meter the bench puts on a DynamoDB document client: a middleware that asks
 * every data-plane command for ReturnConsumedCapacity and records what each call consumed.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** Commands that accept ReturnConsumedCapacity. */
export const DATA_COMMANDS = new Set(
  [
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
    "ExecuteStatement",
    "BatchExecuteStatement",
    "ExecuteTransaction",
  ].map((c) => `${c}Command`),
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
        meter.calls.push({
          command,
          ok: false,
          error: e.name,
          attempts: e.$metadata?.attempts ?? 1,
          ...splitCapacity(command, e.ConsumedCapacity),
          raw: e.ConsumedCapacity,
          input: sent,
        });
        throw err;
      }
    },
    { step: "initialize", name: "rapportBenchConsumedCapacity" },
  );
  return meter;
}

// ---------------------------------------------------------------------------------------------
// What AWS would bill for a recorded call (the cost sheet, bench/cost.ts)
// ---------------------------------------------------------------------------------------------

/**
 * Read and write units AWS bills for one call, where DynamoDB Local under-reports:
 *  - a read always costs at least one 4 KB unit, even when it finds nothing (Local answers 0 for
 *    an empty Query or a GetItem of a missing key): 0.5 eventually consistent, 1 strongly
 *    consistent, 2 transactional; BatchGetItem and TransactGetItems per key;
 *  - a conditional write that fails is billed (at least 1 WCU, based on the existing item) but its
 *    error carries no ConsumedCapacity; a cancelled transaction is counted at 2 WCU per write item,
 *    an upper bound;
 *  - a committed transaction is billed at least 2 WCU per item written (items up to 1 KB), which
 *    DynamoDB Local does not report (it said 2 for five small updates).
 * Otherwise the reported figures stand.
 */
export function billedUnits(call: CallRecord): { rru: number; wru: number; corrected: boolean } {
  const input = call.input ?? {};
  const consistent = input.ConsistentRead === true;
  const floorOf = (keys: number, perKey: number) => keys * perKey;
  let floorRru = 0;
  let floorWru = 0;
  switch (call.command) {
    case "GetItemCommand":
    case "QueryCommand":
    case "ScanCommand":
      floorRru = consistent ? 1 : 0.5;
      break;
    case "BatchGetItemCommand": {
      const tables = (input.RequestItems ?? {}) as Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>;
      floorRru = Object.values(tables).reduce((n, t) => n + floorOf(t.Keys?.length ?? 0, t.ConsistentRead ? 1 : 0.5), 0);
      break;
    }
    case "TransactGetItemsCommand":
      floorRru = floorOf(((input.TransactItems ?? []) as unknown[]).length, 2);
      break;
    case "PutItemCommand":
    case "UpdateItemCommand":
    case "DeleteItemCommand":
      if (!call.ok && call.error === "ConditionalCheckFailedException") floorWru = 1;
      break;
    case "TransactWriteItemsCommand":
      // DynamoDB bills 2 WCU per written item (per KB) in a transaction, committed or cancelled.
      // DynamoDB Local under-reports committed ones (2 for a transaction of five small updates).
      if (call.ok || call.error === "TransactionCanceledException") floorWru = floorOf(writeItemsOf(input), 2);
      break;
  }
  const rru = Math.max(call.rcu, floorRru);
  const wru = Math.max(call.wcu, floorWru);
  return { rru, wru, corrected: rru !== call.rcu || wru !== call.wcu };
}

function writeItemsOf(input: Record<string, unknown>): number {
  return ((input.TransactItems ?? []) as Record<string, unknown>[]).filter((t) => t.Put || t.Update || t.Delete).length;
}

/**
 * Items a successful call wrote: what a DynamoDB stream would carry as records (one per item
 * changed; a write that changes nothing makes none, so this is an upper bound).
 */
export function itemWrites(call: CallRecord): number {
  if (!call.ok) return 0;
  const input = call.input ?? {};
  switch (call.command) {
    case "PutItemCommand":
    case "UpdateItemCommand":
    case "DeleteItemCommand":
      return 1;
    case "TransactWriteItemsCommand":
      return writeItemsOf(input);
    case "BatchWriteItemCommand":
      return Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>).reduce((n, r) => n + r.length, 0);
    default:
      return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Item size by DynamoDB's rules: names and values in UTF-8; numbers about a byte per two
// significant digits plus one; maps and lists 3 bytes plus 1 per element. (The same rules as
// bench/sweep.ts uses for the customer item's size.)
// ---------------------------------------------------------------------------------------------

type Attr = {
  S?: string;
  N?: string;
  B?: Uint8Array;
  BOOL?: boolean;
  NULL?: boolean;
  M?: Record<string, Attr>;
  L?: Attr[];
  SS?: string[];
  NS?: string[];
  BS?: Uint8Array[];
};

function numberSize(n: string): number {
  const digits = n.replace(/^-/, "").replace(/e.*$/i, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function attrSize(a: Attr): number {
  if (a.S !== undefined) return Buffer.byteLength(a.S);
  if (a.N !== undefined) return numberSize(a.N);
  if (a.B !== undefined) return a.B.length;
  if (a.BOOL !== undefined || a.NULL !== undefined) return 1;
  if (a.SS) return a.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (a.NS) return a.NS.reduce((n, s) => n + numberSize(s), 0);
  if (a.BS) return a.BS.reduce((n, b) => n + b.length, 0);
  if (a.L) return 3 + a.L.reduce((n, v) => n + 1 + attrSize(v), 0);
  if (a.M) return 3 + Object.entries(a.M).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + attrSize(v), 0);
  return 0;
}

/** Bytes of an item in DynamoDB's low-level (marshalled) form, as DynamoDB sizes it. */
export function marshalledItemSize(item: Record<string, Attr>): number {
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + attrSize(v), 0);
}
