import type { TableKey } from "./table.ts";

/**
 * Co-purchase counters for cross-sell ("customers who bought X also bought Y"), kept by the
 * table's stream consumer from purchases' line items, never on a request path.
 *
 * Access pattern 24: what was bought together with a product, or by people interested in an
 * interest: Query `PK = COBUY#<product key>` (or `COBUY#@<interest>`); each item's sort key is the
 * other product's key and it carries the count of customers and the product's name.
 */
export const CO_PURCHASE_PREFIX = "COBUY#";

/** The partition of what was bought with `productKey`. */
export function coPurchasePartition(productKey: string): string {
  return `${CO_PURCHASE_PREFIX}${productKey}`;
}

/** The partition of what people who looked at `interest` bought. */
export function interestPurchasePartition(interest: string): string {
  return `${CO_PURCHASE_PREFIX}@${interest}`;
}

export function coPurchaseKey(partition: string, otherProductKey: string): TableKey {
  return { PK: partition, SK: otherProductKey };
}

/** The Query of one partition's counters (access pattern 24), without the table name. */
export function coPurchaseQuery(partition: string) {
  return { KeyConditionExpression: "PK = :pk", ExpressionAttributeValues: { ":pk": partition } };
}

/** One counter as stored. */
export interface CoPurchaseItem {
  PK: string;
  SK: string;
  type: "co_purchase";
  /** Customers who bought both (or who looked at the interest and bought the product). */
  count: number;
  name: string;
}
