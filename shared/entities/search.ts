/**
 * Keys of the customer search index: one small item per (word, customer), written off the request
 * path by the table's stream consumer from the customer's profile (shared/customers/search.ts).
 *
 * Access pattern served:
 * - Find customers by the beginning of any word of their name, company, email address or phone
 *   number: `PK = SEARCH#<the word's first two characters>, SK begins_with <typed word>` (Query).
 *   The sort key ends with the customer id, so two customers with the same word both appear and
 *   a page boundary is exact. Partitions by two characters keep each one small (at 100,000
 *   customers the busiest holds a few thousand items) while a two-letter query still needs one.
 */
export const SEARCH_PREFIX = "SEARCH#";

/** Words shorter than this are found only by typing them whole. */
export const SEARCH_PARTITION_CHARS = 2;

export function searchPartition(word: string): string {
  return SEARCH_PREFIX + [...word].slice(0, SEARCH_PARTITION_CHARS).join("");
}

/** The index item of one word of one customer. Words hold letters and digits only, never `#`. */
export function searchKey(word: string, customerId: string): { PK: string; SK: string } {
  return { PK: searchPartition(word), SK: `${word}#${customerId}` };
}
