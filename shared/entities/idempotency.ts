import type { TableKey } from "./table.ts";

/**
 * Keys of idempotency records (the `Idempotency-Key` header), modelled on Powertools' idempotency
 * utility: one record per (route, caller, key), "in progress" then "completed" with the response.
 * Access pattern 13: GetItem `PK = IDEM#<hash>, SK = IDEM` replays a request's response.
 */
export function idempotencyKey(scopeHash: string): TableKey {
  return { PK: `IDEM#${scopeHash}`, SK: "IDEM" };
}
