import type { TableKey } from "./table.ts";

/**
 * Keys of the email lookup entity: one item per normalized email address, pointing at its customer.
 *
 * Access pattern 2 (find a customer by normalized email) and the dedupe guarantee: the item is
 * created with `attribute_not_exists(PK)`, so of any number of concurrent posts of one address
 * exactly one claims it and every other learns the winner's customer id from the failed write.
 */
export function emailKey(normalizedEmail: string): TableKey {
  return { PK: `EMAIL#${normalizedEmail}`, SK: "EMAIL" };
}
