/**
 * The single table's physical shape, shared by the CDK stack and the local stack so both create
 * the very same table. Which item lives under which key is decided by the key modules in
 * shared/keys/, never here.
 */
export const TABLE_KEYS = { partitionKey: "PK", sortKey: "SK" } as const;

/** GSI1: customers by lifecycle stage, most recently active first (access pattern 3). */
export const GSI1 = { name: "GSI1", partitionKey: "GSI1PK", sortKey: "GSI1SK" } as const;

/** TTL attribute: idempotency records expire by themselves. */
export const TTL_ATTRIBUTE = "expiresAt";

export const GLOBAL_INDEXES = [GSI1] as const;
