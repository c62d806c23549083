import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { cancellationCodes, cancelledItem, type TransactItem } from "../aws/db.ts";
import { CONTENTION, retryTransaction } from "../aws/retry.ts";
import type { Deps } from "../core/deps.ts";
import { CUSTOMER_PREFIX } from "../entities/customer.ts";
import { appliedKey, parseItemId } from "../entities/report.ts";
import { TTL_ATTRIBUTE } from "../entities/table.ts";
import type { ContributionConfig, Counts } from "./contributions.ts";
import { emptyCounts, merge, recordDelta } from "./contributions.ts";

/**
 * The stream consumer's work: turns a batch of DynamoDB stream records (one shard's, in order)
 * into counter updates, exactly once.
 *
 * Streams and Lambda deliver at least once: a batch whose invocation failed or timed out comes
 * again from the same first record. So the deltas of a run of records (a chunk) are written in one
 * transaction together with a marker keyed by the chunk's first record's eventID that holds the
 * chunk's last sequence number. A redelivered batch finds the marker, skips the records it
 * covers (sequence numbers grow within a shard) and goes on from the first one it does not. A
 * chunk is cut where the transaction would exceed DynamoDB's limits (100 items; the update
 * expression's size), so any batch size works. Markers expire after two days (a stream keeps
 * records for one).
 *
 * Cost: one transaction per chunk, i.e. per batch of up to 100 records in practice (transactions
 * bill two units per item written); a redelivered chunk's failed condition returns the marker, so
 * no read is needed to know what to skip.
 */

/** Counter items per transaction, besides the marker. */
const MAX_ITEMS_PER_CHUNK = 99;
/** Attributes added per counter item in one update (keeps the update expression under 4 KB). */
const MAX_ATTRIBUTES_PER_ITEM = 150;
const MARKER_DAYS = 2;
const MAX_ATTEMPTS = 12;

export interface ApplyResult {
  /** Records whose deltas were written now. */
  applied: number;
  /** Records already applied by an earlier delivery, or not about a customer partition. */
  skipped: number;
}

export async function applyStreamRecords(deps: Deps, records: DynamoDBRecord[]): Promise<ApplyResult> {
  const result: ApplyResult = { applied: 0, skipped: 0 };
  const relevant = (Array.isArray(records) ? records : []).filter((r) => isCustomerRecord(r));
  result.skipped += records.length - relevant.length;
  const cfg = { currency: deps.config.currency };

  let i = 0;
  while (i < relevant.length) {
    const deltas = emptyCounts();
    let j = i;
    for (; j < relevant.length; j++) {
      const delta = deltaOf(deps, relevant[j]!, cfg);
      if (j > i && !fits(deltas, delta)) break;
      merge(deltas, delta);
    }
    const chunk = relevant.slice(i, j);
    if (deltas.size === 0) {
      // Nothing to count (a profile edit, an idempotency record...): nothing to write, nothing to repeat.
      result.applied += chunk.length;
      i = j;
      continue;
    }
    const outcome = await writeChunk(deps, chunk, deltas);
    if (outcome.written) {
      result.applied += chunk.length;
      i = j;
      continue;
    }
    // An earlier delivery wrote a chunk starting here: skip what its marker covers, go on after it.
    const start = i;
    while (i < relevant.length && BigInt(sequenceOf(relevant[i]!)) <= outcome.lastSeq) i++;
    result.skipped += i - start;
  }
  return result;
}

function isCustomerRecord(record: DynamoDBRecord): boolean {
  const pk = record?.dynamodb?.Keys?.PK?.S;
  return (
    typeof pk === "string" && pk.startsWith(CUSTOMER_PREFIX) && typeof record.eventID === "string" && /^\d{1,64}$/.test(String(record.dynamodb!.SequenceNumber))
  );
}

/**
 * A record's counter changes. A record whose images cannot be read counts for nothing and is
 * logged by id: throwing would stop the shard, since Lambda retries a stream batch until its
 * records expire, and every later record would wait behind it (a rebuild recounts everything).
 */
function deltaOf(deps: Deps, record: DynamoDBRecord, cfg: ContributionConfig): Counts {
  try {
    return recordDelta(image(record.dynamodb?.OldImage), image(record.dynamodb?.NewImage), cfg);
  } catch (err) {
    deps.logger.error("stream record unreadable; not counted", { eventID: record.eventID, error: (err as Error).name });
    return emptyCounts();
  }
}

function sequenceOf(record: DynamoDBRecord): string {
  return record.dynamodb!.SequenceNumber!;
}

function image(raw: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return raw ? unmarshall(raw as Record<string, AttributeValue>) : undefined;
}

/** Would adding `delta` keep the chunk's transaction within DynamoDB's limits? */
function fits(chunk: Counts, delta: Counts): boolean {
  let items = chunk.size;
  for (const [id, attrs] of delta) {
    const existing = chunk.get(id);
    if (!existing) items++;
    const union = existing ? new Set([...existing.keys(), ...attrs.keys()]).size : attrs.size;
    if (union > MAX_ATTRIBUTES_PER_ITEM) return false;
  }
  return items <= MAX_ITEMS_PER_CHUNK;
}

/**
 * Writes one chunk's deltas and its marker atomically. When the marker already exists (a
 * redelivery), nothing is written and the existing marker's last sequence number comes back with
 * the failed condition, so the common case (a first delivery) costs no read at all.
 */
async function writeChunk(deps: Deps, chunk: DynamoDBRecord[], deltas: Counts): Promise<{ written: true } | { written: false; lastSeq: bigint }> {
  const nowSeconds = Math.floor(deps.clock.now().getTime() / 1000);
  const first = chunk[0]!;
  const last = chunk.at(-1)!;
  const items: TransactItem[] = [
    {
      Put: {
        TableName: deps.table,
        Item: {
          ...appliedKey(first.eventID!),
          type: "report_marker",
          firstSeq: sequenceOf(first),
          lastSeq: sequenceOf(last),
          records: chunk.length,
          [TTL_ATTRIBUTE]: nowSeconds + MARKER_DAYS * 86_400,
        },
        ConditionExpression: "attribute_not_exists(PK)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
    ...[...deltas].map(([id, attrs]) => ({ Update: addUpdate(deps.table, id, attrs) })),
  ];
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
      return { written: true };
    } catch (err) {
      const codes = cancellationCodes(err);
      const marker = codes?.[0] === "ConditionalCheckFailed" ? cancelledItem(err, 0) : undefined;
      if (marker) return { written: false, lastSeq: BigInt(String(marker.lastSeq)) };
      // Two shards' consumers updating the same counter at once conflict; wait and try again.
      if (!(await retryTransaction(err, attempt, { maxAttempts: MAX_ATTEMPTS, reasons: CONTENTION, baseMs: 25, maxExponent: 6 }))) throw err;
    }
  }
}

/** `ADD #a0 :v0, #a1 :v1, ...` on one counter item; ADD creates the item and the attributes. */
function addUpdate(table: string, id: string, attrs: Map<string, number>) {
  const names: Record<string, string> = {};
  const values: Record<string, number> = {};
  const parts: string[] = [];
  let n = 0;
  for (const [attr, value] of attrs) {
    names[`#a${n}`] = attr;
    values[`:v${n}`] = value;
    parts.push(`#a${n} :v${n}`);
    n++;
  }
  return {
    TableName: table,
    Key: parseItemId(id),
    UpdateExpression: `ADD ${parts.join(", ")}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
