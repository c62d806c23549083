/**
 * Keys of the customer entity.
 *
 * Access patterns served:
 * 1. Get a customer by id: `PK = CUST#<id>, SK = PROFILE` (GetItem).
 * 3. List customers by stage, most recently active first: GSI1 with
 *    `GSI1PK = STAGE#<stage>, GSI1SK = <lastActivityAt>#<id>` (Query, ScanIndexForward=false).
 *    The sort key carries the id so two customers active in the same millisecond both appear,
 *    and so a cursor ("everything older than this sort key") is exact.
 */
export const CUSTOMER_PREFIX = "CUST#";
export const PROFILE_SK = "PROFILE";

export function customerKey(customerId: string): { PK: string; SK: string } {
  return { PK: customerPk(customerId), SK: PROFILE_SK };
}

/** The partition that holds everything of one customer: profile and timeline. */
export function customerPk(customerId: string): string {
  return `${CUSTOMER_PREFIX}${customerId}`;
}

export function stageIndexKey(stage: string, lastActivityAt: string, customerId: string): { GSI1PK: string; GSI1SK: string } {
  return { GSI1PK: stagePartition(stage), GSI1SK: stageSortKey(lastActivityAt, customerId) };
}

export function stagePartition(stage: string): string {
  return `STAGE#${stage}`;
}

export function stageSortKey(lastActivityAt: string, customerId: string): string {
  return `${lastActivityAt}#${customerId}`;
}

/**
 * The tombstone of an erased customer (GDPR art. 17, right to erasure): `PK = CUST#<id>, SK = ERASED`
 * (GetItem). It replaces the profile under its own sort key rather than in place, so every reader
 * and conditional writer of `SK = PROFILE` sees an erased customer as absent: nothing written for
 * the old profile (a late purchase, a feedback click, a send) can land on the tombstone.
 */
export const ERASED_SK = "ERASED";

export function erasedCustomerKey(customerId: string): { PK: string; SK: string } {
  return { PK: customerPk(customerId), SK: ERASED_SK };
}
