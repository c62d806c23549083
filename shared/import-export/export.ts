import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { csvLine } from "../core/csv.ts";
import type { Deps } from "../core/deps.ts";
import { PROFILE_FIELD_NAMES, STAGES } from "../core/fields.ts";
import { fromMinor } from "../core/money.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { PROFILE_SK, stageQuery } from "../entities/customer.ts";
import { STORAGE_ATTRIBUTES } from "../entities/table.ts";

/**
 * `rapport export`: every customer, as CSV (our field names, so the file imports back with
 * `rapport import`) or as JSON lines (the whole stored record).
 */

export type ExportFormat = "csv" | "jsonl";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["csv", "jsonl"];

/**
 * The CSV columns: the lead fields `rapport import` reads back (profile, tags, consent,
 * first-touch attribution), then what Rapport keeps about the customer.
 */
export const EXPORT_COLUMNS = [
  "id",
  "email",
  ...PROFILE_FIELD_NAMES,
  "tags",
  "consentMarketing",
  "consentAt",
  "consentSource",
  "source",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "stage",
  "orders",
  "lifetimeSpend",
  "currency",
  "createdAt",
  "lastActivityAt",
] as const;

/**
 * Every live customer item, a page at a time. A full export has to read every customer, so it
 * reads the stage index (access pattern 4) partition by partition rather than scanning the
 * table: every customer is in exactly one stage partition, and the index holds only customer items,
 * so nothing is read and thrown away (a Scan would also read every timeline entry, lookup and
 * marker in the table, several items per customer). Erased customers are skipped: their profile
 * is gone, and anything with `erasedAt` is a tombstone.
 */
export async function* customerPages(deps: Deps): AsyncGenerator<CustomerItem[]> {
  for (const stage of STAGES) {
    const query = stageQuery(stage);
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await deps.db.send(
        new QueryCommand({
          TableName: deps.table,
          ...query,
          FilterExpression: "SK = :profile AND attribute_not_exists(erasedAt)",
          ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ":profile": PROFILE_SK },
          ExclusiveStartKey: startKey,
        }),
      );
      startKey = page.LastEvaluatedKey;
      const items = (page.Items ?? []) as CustomerItem[];
      if (items.length) yield items;
    } while (startKey);
  }
}

/** One customer as CSV cells, in EXPORT_COLUMNS order (`csvLine` neutralizes formula-like text when it writes them). */
export function csvCells(item: CustomerItem): string[] {
  const attribution = item.attribution ?? {};
  const value = (column: (typeof EXPORT_COLUMNS)[number]): string => {
    switch (column) {
      case "tags":
        return [...(item.tags ?? [])].sort().join(";");
      case "consentMarketing":
        return String(item.consentMarketing === true);
      case "source":
      case "utm_source":
      case "utm_medium":
      case "utm_campaign":
        return attribution[column] ?? "";
      case "orders":
        return String(item.orders ?? 0);
      case "lifetimeSpend":
        return String(fromMinor(item.spendMinor ?? 0, item.currency));
      default: {
        const v = (item as unknown as Record<string, unknown>)[column];
        return v === undefined || v === null ? "" : String(v);
      }
    }
  };
  return EXPORT_COLUMNS.map((c) => value(c));
}

/** One customer as the whole stored record, minus storage keys, with sets as sorted arrays and lifetime spend in major units. */
export function jsonRecord(item: CustomerItem): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    if (STORAGE_ATTRIBUTES.has(key)) continue;
    record[key] = value instanceof Set ? [...value].sort() : value;
  }
  record.lifetimeSpend = fromMinor(item.spendMinor ?? 0, item.currency);
  return record;
}

export interface ExportOptions {
  format: ExportFormat;
  /** Receives the output a chunk at a time; awaited, so a slow reader slows the export instead of filling memory. */
  write: (text: string) => void | Promise<void>;
  /** Called after each page with the customers written so far. */
  onProgress?: (customers: number) => void;
}

/**
 * Writes every customer (all stages) in the given format.
 *
 * @example await exportCustomers(deps, { format: "csv", write: (t) => void process.stdout.write(t) });
 */
export async function exportCustomers(deps: Deps, options: ExportOptions): Promise<{ customers: number; elapsedMs: number }> {
  const started = performance.now();
  let customers = 0;
  if (options.format === "csv") await options.write(csvLine(EXPORT_COLUMNS));
  for await (const page of customerPages(deps)) {
    const text = page.map((item) => (options.format === "csv" ? csvLine(csvCells(item)) : `${JSON.stringify(jsonRecord(item))}\n`)).join("");
    await options.write(text);
    customers += page.length;
    options.onProgress?.(customers);
  }
  return { customers, elapsedMs: performance.now() - started };
}
