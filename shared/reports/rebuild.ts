import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { batchWrite, queryAll } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { CUSTOMER_PREFIX } from "../entities/customer.ts";
import { COUNTER_PARTITIONS, itemId, parseItemId } from "../entities/report.ts";
import type { TableKey } from "../entities/table.ts";
import type { Counts } from "./contributions.ts";
import { add, contributions, emptyCounts, merge } from "./contributions.ts";

/**
 * Recomputing the report counters from the items (`rapport reports rebuild`): for an upgrade that
 * adds a counter, or after a restore. It reads the whole table once (a parallel Scan: the one
 * place Rapport scans, run by hand, never by a request) and sums what every customer item
 * contributes (shared/reports/contributions.ts, the same function the stream consumer applies).
 *
 * Writes made while it runs may be counted twice or not at all (the consumer applies them to the
 * counters this replaces): run it when the table is quiet, or run it again.
 */

const SCAN_SEGMENTS = 4;

export interface RebuildProgress {
  scanned: number;
}

/** The counters the table's items add up to. */
export async function computeCounters(deps: Deps, onProgress?: (p: RebuildProgress) => void): Promise<Counts> {
  const totals = emptyCounts();
  const cfg = { currency: deps.config.currency };
  let scanned = 0;
  await Promise.all(
    Array.from({ length: SCAN_SEGMENTS }, async (_, segment) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await deps.db.send(new ScanCommand({ TableName: deps.table, Segment: segment, TotalSegments: SCAN_SEGMENTS, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) {
          if (typeof item.PK !== "string" || !item.PK.startsWith(CUSTOMER_PREFIX)) continue;
          const c = contributions(item, cfg);
          merge(totals, c.state);
          merge(totals, c.history);
        }
        scanned += page.Items?.length ?? 0;
        onProgress?.({ scanned });
        start = page.LastEvaluatedKey;
      } while (start);
    }),
  );
  return totals;
}

/** The counters as stored now (every counter partition; zero attributes left out). */
export async function readCounters(deps: Deps): Promise<Counts> {
  const counts = emptyCounts();
  for (const pk of COUNTER_PARTITIONS) {
    for await (const item of partition(deps, pk)) {
      const key = { PK: String(item.PK), SK: String(item.SK) };
      for (const [attr, value] of Object.entries(item)) if (attr !== "PK" && attr !== "SK" && typeof value === "number") add(counts, key, attr, value);
    }
  }
  return counts;
}

/**
 * Replaces the stored counters with `counts`: every counter item is written whole (a counter item
 * holds nothing but counts), and counter items that are not in `counts` are deleted.
 */
export async function writeCounters(deps: Deps, counts: Counts): Promise<{ written: number; deleted: number }> {
  const stale: TableKey[] = [];
  for (const pk of COUNTER_PARTITIONS) {
    for await (const item of partition(deps, pk)) {
      const key = { PK: String(item.PK), SK: String(item.SK) };
      if (!counts.has(itemId(key))) stale.push(key);
    }
  }
  const puts = [...counts].map(([id, attrs]) => ({ PutRequest: { Item: { ...parseItemId(id), ...Object.fromEntries(attrs) } } }));
  const deletes = stale.map((Key) => ({ DeleteRequest: { Key } }));
  await batchWrite(deps.db, deps.table, [...puts, ...deletes]);
  return { written: puts.length, deleted: deletes.length };
}

export async function rebuildReports(deps: Deps, onProgress?: (p: RebuildProgress) => void): Promise<{ scanned: number; written: number; deleted: number }> {
  let scanned = 0;
  const counts = await computeCounters(deps, (p) => {
    scanned = p.scanned;
    onProgress?.(p);
  });
  return { scanned, ...(await writeCounters(deps, counts)) };
}

function partition(deps: Deps, pk: string): AsyncGenerator<Record<string, unknown>> {
  return queryAll(deps.db, { TableName: deps.table, KeyConditionExpression: "PK = :pk", ExpressionAttributeValues: { ":pk": pk }, ConsistentRead: true });
}
