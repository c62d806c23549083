import type { TableKey } from "./table.ts";

/**
 * Keys of held (quarantined) lead submissions: posts to `POST /v1/leads` that looked like a bot
 * (captcha missing or failed, sent too fast), kept for an admin to release or drop.
 *
 * Access pattern 12: list held submissions newest first (Query `PK = QUARANTINE`,
 * ScanIndexForward=false), and get, release or drop one by id (`SK = q_<ulid>`). The ids are ULIDs,
 * so sort key order is arrival order. One partition: a quarantine is small (items expire after 30
 * days) and is read as one list.
 */
export const QUARANTINE_PARTITION = "QUARANTINE";

export function quarantineKey(id: string): TableKey {
  return { PK: QUARANTINE_PARTITION, SK: id };
}
