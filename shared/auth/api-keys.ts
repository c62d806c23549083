import { createHash, randomBytes } from "node:crypto";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { NotFound, ValidationError } from "../core/errors.ts";
import { API_KEY_PARTITION, apiKeyIdFromHash, apiKeyKey } from "../entities/api-key.ts";
import type { Scope } from "../http/routes.ts";

export const SCOPES: Scope[] = ["admin", "leads:write"];
const KEY_PATTERN = /^rk_[A-Za-z0-9_-]{43}$/;

export function hashKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A valid key: its id and its space-separated scopes. */
export interface ApiKeyPrincipal {
  keyId: string;
  scopes: string;
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  revokedAt?: string;
}

/**
 * Creates a key and stores only its SHA-256 (keys are 256 random bits, so a fast hash is enough:
 * nothing to brute-force). The key itself is returned once and never again.
 */
export async function createApiKey(deps: Deps, options: { scopes: Scope[]; name?: string }): Promise<{ key: string; info: ApiKeyInfo }> {
  if (options.scopes.length === 0 || options.scopes.some((s) => !SCOPES.includes(s))) {
    throw ValidationError.field("scope", `must be one of ${SCOPES.join(", ")}`);
  }
  const key = `rk_${randomBytes(32).toString("base64url")}`;
  const hash = hashKey(key);
  const info: ApiKeyInfo = {
    id: apiKeyIdFromHash(hash),
    name: options.name ?? "unnamed",
    scopes: [...new Set(options.scopes)],
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.db.send(
    new PutCommand({ TableName: deps.table, Item: { ...apiKeyKey(hash), type: "apikey", ...info }, ConditionExpression: "attribute_not_exists(SK)" }),
  );
  return { key, info };
}

/**
 * The principal an `Authorization: Bearer <key>` header stands for, or null for a missing,
 * malformed, unknown or revoked key. The lookup is by hash, so no key is ever compared in code.
 *
 * Why that is timing-safe without `timingSafeEqual`: the only comparison is DynamoDB finding the
 * item whose sort key equals SHA-256(presented key). How long that takes can at best tell an
 * attacker how much of a stored *hash* their guess's hash matches, and knowing part of a hash
 * does not help to find a key that produces it (SHA-256 is preimage-resistant; keys are 256
 * random bits). Byte-by-byte leaks of the kind `===` on the key itself would have are therefore
 * useless, and the shape check before the lookup depends only on the input, never on a secret.
 * test/security.test.ts checks that the key itself never reaches the table.
 */
export async function verifyAuthorization(deps: Deps, authorization: string | undefined): Promise<ApiKeyPrincipal | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  const key = match?.[1];
  if (!key || !KEY_PATTERN.test(key)) return null;
  const result = await deps.db.send(new GetCommand({ TableName: deps.table, Key: apiKeyKey(hashKey(key)), ConsistentRead: true }));
  const item = result.Item as (ApiKeyInfo & { SK: string }) | undefined;
  if (!item || item.revokedAt) return null;
  return { keyId: item.id, scopes: item.scopes.join(" ") };
}

export async function listApiKeys(deps: Deps): Promise<ApiKeyInfo[]> {
  const result = await deps.db.send(
    new QueryCommand({ TableName: deps.table, KeyConditionExpression: "PK = :pk", ExpressionAttributeValues: { ":pk": API_KEY_PARTITION } }),
  );
  return (result.Items ?? []).map((i) => ({
    id: i.id,
    name: i.name,
    scopes: i.scopes,
    createdAt: i.createdAt,
    ...(i.revokedAt ? { revokedAt: i.revokedAt } : {}),
  }));
}

/** Revokes a key by its id (as `keys create` printed it) or by the key itself. */
export async function revokeApiKey(deps: Deps, idOrKey: string): Promise<ApiKeyInfo> {
  const id = KEY_PATTERN.test(idOrKey) ? apiKeyIdFromHash(hashKey(idOrKey)) : idOrKey;
  if (!/^[0-9a-f]{12}$/.test(id)) throw ValidationError.field("id", "is neither a key id (12 hex digits) nor a key");
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :id)",
      ExpressionAttributeValues: { ":pk": API_KEY_PARTITION, ":id": id },
    }),
  );
  const item = result.Items?.[0];
  if (!item) throw new NotFound(`no API key ${id}`);
  const revokedAt = item.revokedAt ?? deps.clock.now().toISOString();
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.table,
      Key: apiKeyKey(item.SK),
      UpdateExpression: "SET revokedAt = :r",
      ExpressionAttributeValues: { ":r": revokedAt },
    }),
  );
  return { id: item.id, name: item.name, scopes: item.scopes, createdAt: item.createdAt, revokedAt };
}
