import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { STAGES } from "../core/fields.ts";
import type { Stage } from "../core/schema.ts";
import { type CustomerItem, stageQuery } from "../entities/customer.ts";
import { decodeCursor, encodeCursor } from "../http/cursor.ts";
import { findCustomerIdByEmail, getCustomerItem } from "./repository.ts";
import { scoredSummary } from "./view.ts";

export interface ListFilter {
  stage?: Stage;
  tag?: string;
  email?: string;
  limit: number;
  cursor?: string;
}

/** Upper bound on items read per stage partition for one page when a tag filter discards rows. */
const MAX_SCAN_PER_STAGE = 1000;

/**
 * A page of customers, most recently active first (access pattern 4). With a stage it reads that
 * stage's partition of the stage index; without, every stage partition and merges them. The cursor is the
 * index sort key of the last customer returned, so every partition resumes below it.
 */
export async function listCustomers(deps: Deps, filter: ListFilter) {
  if (filter.email !== undefined) {
    const id = await findCustomerIdByEmail(deps, filter.email);
    const item = id ? await getCustomerItem(deps, id) : undefined;
    const matches = item && (!filter.stage || item.stage === filter.stage) && (!filter.tag || item.tags?.has(filter.tag));
    return { items: matches ? [scoredSummary(deps)(item)] : [], nextCursor: null };
  }
  const page = await customerItemsPage(deps, { ...filter, stages: filter.stage ? [filter.stage] : [...STAGES] });
  return { items: page.items.map(scoredSummary(deps)), nextCursor: page.nextCursor };
}

/** Which stage partitions to read, and what else a customer must be, for `customerItemsPage`. */
export interface StagePageFilter {
  stages: readonly Stage[];
  tag?: string;
  limit: number;
  cursor?: string;
  /** Only customers active at or after this instant: a bound on the index's sort key, so nothing older is read. */
  since?: string;
  /** Kept only when this holds (checked on each item read, after the key range and the tag). */
  match?: (item: CustomerItem) => boolean;
}

/**
 * A page of whole customer items from some stage partitions of the stage index, merged most
 * recently active first, and the cursor for the next page (the listing's and the segment lists').
 */
export async function customerItemsPage(deps: Deps, filter: StagePageFilter): Promise<{ items: CustomerItem[]; nextCursor: string | null }> {
  const after = decodeCursor<{ before: string }>(filter.cursor, ["before"]);
  const perStage = await Promise.all(filter.stages.map((stage) => queryStage(deps, stage, filter, after?.before)));
  const merged = perStage.flatMap((p) => p.items).sort((a, b) => (a.GSI1SK < b.GSI1SK ? 1 : a.GSI1SK > b.GSI1SK ? -1 : 0));
  const page = merged.slice(0, filter.limit);
  const more = merged.length > filter.limit || perStage.some((p) => p.more);
  const last = page[page.length - 1];
  return { items: page, nextCursor: more && last ? encodeCursor({ before: last.GSI1SK }) : null };
}

async function queryStage(deps: Deps, stage: Stage, filter: StagePageFilter, before?: string): Promise<{ items: CustomerItem[]; more: boolean }> {
  const query = stageQuery(stage, before, filter.since);
  const items: CustomerItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  let read = 0;
  do {
    const result = await deps.db.send(
      new QueryCommand({
        TableName: deps.table,
        ...query,
        ...(filter.tag
          ? { FilterExpression: "contains(tags, :tag)", ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ":tag": filter.tag } }
          : {}),
        ScanIndexForward: false,
        Limit: filter.limit + 1,
        ExclusiveStartKey: startKey,
      }),
    );
    // `BETWEEN` includes the cursor's own item, already on the previous page.
    for (const item of (result.Items ?? []) as CustomerItem[]) if (item.GSI1SK !== before && (!filter.match || filter.match(item))) items.push(item);
    read += result.ScannedCount ?? 0;
    startKey = result.LastEvaluatedKey;
  } while (startKey && items.length <= filter.limit && read < MAX_SCAN_PER_STAGE);
  return { items, more: items.length > filter.limit || startKey !== undefined };
}
