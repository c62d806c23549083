import type { TableKey } from "./table.ts";

/**
 * Keys of external-event markers.
 *
 * Access pattern 7: orders and other events are idempotent on their external id. A marker item is
 * written with `attribute_not_exists(PK)` in the same transaction as the event's effects, so a
 * webhook delivered twice is counted once.
 */
export function externalEventKey(externalId: string): TableKey {
  return { PK: `EXT#${externalId}`, SK: "EXT" };
}
