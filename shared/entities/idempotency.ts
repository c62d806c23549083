/**
 * Keys of idempotency records (the `Idempotency-Key` header), modelled on Powertools' idempotency
 * utility: one record per (route, caller, key), "in progress" then "completed" with the response.
 */
export function idempotencyKey(scopeHash: string): { PK: string; SK: string } {
  return { PK: `IDEM#${scopeHash}`, SK: "IDEM" };
}
