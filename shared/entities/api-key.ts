import type { TableKey } from "./table.ts";

/**
 * Keys of API keys. Only the SHA-256 of a key is stored, never the key.
 *
 * Access pattern 9: find a key by its hash (GetItem `PK = APIKEY, SK = <hash>`), list all keys
 * (Query `PK = APIKEY`), and find one by its public id, which is the first 12 hex digits of its
 * hash (Query `begins_with(SK, <id>)`). Keys are few, so one partition holds them all.
 */
export const API_KEY_PARTITION = "APIKEY";

export function apiKeyKey(hash: string): TableKey {
  return { PK: API_KEY_PARTITION, SK: hash };
}

export function apiKeyIdFromHash(hash: string): string {
  return hash.slice(0, 12);
}
