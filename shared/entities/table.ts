/**
 * The single table's physical shape, shared by the CDK stack and the local stack so both create
 * the very same table. Which item lives under which key is decided by the key modules in
 * shared/entities/, never here.
 */
export const TABLE_KEYS = { partitionKey: "PK", sortKey: "SK" } as const;

/** GSI1: customers by lifecycle stage, most recently active first (access pattern 3). */
export const GSI1 = { name: "GSI1", partitionKey: "GSI1PK", sortKey: "GSI1SK", projection: "ALL" } as const;

/**
 * GSI2: the due index (access pattern 4). Sparse: only customers with something due carry its
 * keys. Sharded: `GSI2PK = DUE#<shard>` spreads a large sweep over partitions. Keys only: the
 * sweep reads the ids of who is due, then just those customers, so a profile edit never writes it.
 */
export const GSI2 = { name: "GSI2", partitionKey: "GSI2PK", sortKey: "GSI2SK", projection: "KEYS_ONLY" } as const;

/** TTL attribute: idempotency records expire by themselves. */
export const TTL_ATTRIBUTE = "expiresAt";

export const GLOBAL_INDEXES = [GSI1, GSI2] as const;
