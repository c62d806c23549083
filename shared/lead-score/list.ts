import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { getCustomerItems } from "../customers/repository.ts";
import type { CustomerItem } from "../entities/customer.ts";
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
  // One BatchGetItem of the page's profiles, projected to the list's attributes ("id" among them).
  const found = await getCustomerItems(deps, ids, ROW_ATTRIBUTES);
  const now = deps.clock.now();
  const halfLife = deps.config.leadScore.halfLifeDays;
  const items = ids.flatMap((id) => {
    const item = found.get(id);
    return item ? [summarize(item, leadScoreNow(item, halfLife, now))] : [];
  });
  const last = entries[entries.length - 1];
  return { items, nextCursor: more && last ? encodeCursor({ rank: String(last[SCORE_INDEX.sortKey]) }) : null };
}
