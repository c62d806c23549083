import { DeleteCommand, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionFailed } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { normalizeEmail } from "../customers/email.ts";
import { suppressionKey } from "../entities/suppression.ts";

/**
 * The suppression list: addresses that get no email at all, whatever the campaign. Items hold the
 * reason and the time only; the key is a hash of the normalized address (shared/entities/suppression.ts),
 * so an address stays suppressed after its customer is erased without the address being kept.
 *
 * Reasons rank: a bounce or a complaint is permanent and is never replaced by, or cleared with, an
 * unsubscribe; only an unsubscribe can be undone (a resubscribe).
 */
export type SuppressionReason = "unsubscribed" | "bounced" | "complained";

export interface Suppression {
  reason: SuppressionReason;
  at: string;
}

/** The one spelling of an address the key is computed from; SES reports addresses as the recipient's server wrote them. */
function keyOf(email: string) {
  return suppressionKey(normalizeEmail(email) ?? email.trim().toLowerCase());
}

/**
 * The suppression write as a transaction item, for writers that change the customer in the same
 * transaction. An unsubscribe never overwrites an existing bounce or complaint (and keeps the time
 * of the first unsubscribe); a bounce or complaint replaces whatever was there.
 */
export function suppressionUpdate(deps: Pick<Deps, "table">, email: string, reason: SuppressionReason, at: string) {
  const keep = reason === "unsubscribed";
  return {
    TableName: deps.table,
    Key: keyOf(email),
    UpdateExpression: keep
      ? "SET #type = :type, #reason = if_not_exists(#reason, :reason), #at = if_not_exists(#at, :at)"
      : "SET #type = :type, #reason = :reason, #at = :at",
    ExpressionAttributeNames: { "#type": "type", "#reason": "reason", "#at": "at" },
    ExpressionAttributeValues: { ":type": "suppression", ":reason": reason, ":at": at },
  };
}

/**
 * The removal of an unsubscribe as a transaction item: deletes the item only when its reason is
 * `unsubscribed` (or there is none), so a transaction that carries it fails on a bounce or complaint.
 */
export function unsuppressDelete(deps: Pick<Deps, "table">, email: string) {
  return {
    TableName: deps.table,
    Key: keyOf(email),
    ConditionExpression: "attribute_not_exists(PK) OR #reason = :unsubscribed",
    ExpressionAttributeNames: { "#reason": "reason" },
    ExpressionAttributeValues: { ":unsubscribed": "unsubscribed" },
  };
}

/** Puts an address on the suppression list (idempotent; see `suppressionUpdate` for how reasons combine). */
export async function suppress(deps: Pick<Deps, "db" | "table">, email: string, reason: SuppressionReason, at: string): Promise<void> {
  await deps.db.send(new UpdateCommand(suppressionUpdate(deps, email, reason, at)));
}

/**
 * Takes an address off the list if, and only if, it is there because of an unsubscribe: a
 * resubscribe never clears a bounce or a complaint. Answers whether the address may now get mail.
 */
export async function unsuppress(deps: Pick<Deps, "db" | "table">, email: string): Promise<boolean> {
  try {
    await deps.db.send(new DeleteCommand(unsuppressDelete(deps, email)));
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}

/** Why and since when an address is suppressed, or undefined when mail may go to it. */
export async function getSuppression(deps: Pick<Deps, "db" | "table">, email: string): Promise<Suppression | undefined> {
  const result = await deps.db.send(new GetCommand({ TableName: deps.table, Key: keyOf(email), ConsistentRead: true }));
  const item = result.Item as Partial<Suppression> | undefined;
  return item?.reason ? { reason: item.reason, at: item.at ?? "" } : undefined;
}

/** Whether an address must get no email at all (the guard every send checks). */
export async function isSuppressed(deps: Pick<Deps, "db" | "table">, email: string): Promise<boolean> {
  return (await getSuppression(deps, email)) !== undefined;
}
