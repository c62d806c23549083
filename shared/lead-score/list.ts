import { BatchGetCommand, type BatchGetCommandOutput, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { type CustomerItem, customerKey } from "../entities/customer.ts";
import { SCORE_INDEX, scoreEntryCustomerId, scoreQuery } from "../entities/lead-score.ts";
import { decodeCursor, encodeCursor } from "../http/cursor.ts";
import { leadScoreNow } from "./score.ts";

/** The attributes a list row shows (`summarize`), and the score's two. */
const ROW_ATTRIBUTES = ["id", "email", "firstName", "lastName", "company", "stage", "tags", "owner", "lastActivityAt", "createdAt", "leadScore", "leadScoreAt"];

/**
 * A page of the customers who have a lead score, highest first as of now (access pattern 25): one
 * Query of the score entries (small items: a page of 25 reads about 3 KB), then the page's
 * profiles in one BatchGetItem, eventually consistent. The order is the index's, which is the
 * order of the decayed-to-now scores (shared/entities/lead-score.ts). A customer erased since
 * their entry was read is left out of the page.
 */
export async function listByScore(
  deps: Deps,
  limit: number,
  cursor: string | undefined,
  summarize: (item: CustomerItem, leadScore: number) => Record<string, unknown>,
): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }> {
  const after = decodeCursor<{ rank: string }>(cursor, ["rank"]);
  const result = await deps.db.send(new QueryCommand({ TableName: deps.table, ...scoreQuery(after?.rank), Limit: limit + 1 }));
  const entries = (result.Items ?? []).slice(0, limit);
  const more = (result.Items ?? []).length > limit;
  const ids = entries.map(scoreEntryCustomerId);
  const found = await profiles(deps, ids);
  const now = deps.clock.now();
  const halfLife = deps.config.leadScore.halfLifeDays;
  const items = ids.flatMap((id) => {
    const item = found.get(id);
    return item ? [summarize(item, leadScoreNow(item, halfLife, now))] : [];
  });
  const last = entries[entries.length - 1];
  return { items, nextCursor: more && last ? encodeCursor({ rank: String(last[SCORE_INDEX.sortKey]) }) : null };
}

async function profiles(deps: Deps, ids: string[]): Promise<Map<string, CustomerItem>> {
  const found = new Map<string, CustomerItem>();
  if (ids.length === 0) return found;
  const names = Object.fromEntries(ROW_ATTRIBUTES.map((a, i) => [`#a${i}`, a]));
  let keys: Record<string, unknown>[] | undefined = ids.map(customerKey);
  for (let attempt = 0; keys?.length && attempt < 5; attempt++) {
    const out: BatchGetCommandOutput = await deps.db.send(
      new BatchGetCommand({
        RequestItems: { [deps.table]: { Keys: keys, ProjectionExpression: Object.keys(names).join(", "), ExpressionAttributeNames: names } },
      }),
    );
    for (const item of out.Responses?.[deps.table] ?? []) found.set(String(item.id), item as CustomerItem);
    keys = out.UnprocessedKeys?.[deps.table]?.Keys;
  }
  return found;
}
