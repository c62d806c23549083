import { createHash } from "node:crypto";
import type { TableKey } from "./table.ts";

/**
 * Keys of the suppression list (access pattern 11: is this address suppressed). Keyed by the
 * SHA-256 of the normalized address, and storing nothing else that identifies the person, so an
 * erased customer's address stays suppressed without the address being kept.
 */
export function suppressionKey(normalizedEmail: string): TableKey {
  return { PK: `SUPPRESS#${emailHash(normalizedEmail)}`, SK: "SUPPRESS" };
}

export function emailHash(normalizedEmail: string): string {
  return createHash("sha256").update(normalizedEmail, "utf8").digest("hex");
}
