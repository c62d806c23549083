import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionFailed, itemOfFailedCondition } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { Conflict, NotFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { QUARANTINE_PARTITION, quarantineKey } from "../entities/quarantine.ts";
import { TTL_ATTRIBUTE } from "../entities/table.ts";
import { decodeCursor, encodeCursor } from "../http/cursor.ts";
import type { Suspicion } from "./bot-protection.ts";
import type { LeadResult, SubmissionContext } from "./capture.ts";
import { captureLead } from "./capture.ts";
import type { HoldReason, LeadInput } from "./schema.ts";
import { QuarantineId } from "./schema.ts";

/**
 * The quarantine: lead submissions that looked like bots, or came from a page on an origin that is
 * not allowed (shared/leads/bot-protection.ts), held for 30 days for an admin to release (they
 * become customers as if they had passed) or drop. Held items
 * carry the person's data, so they expire by themselves (DynamoDB TTL) rather than pile up.
 */

const HOLD_DAYS = 30;
/** How long a release may take before another release of the same item may try again. */
const RELEASE_LOCK_SECONDS = 60;

/** A held submission, as the admin routes show it. */
export interface HeldSubmission {
  id: string;
  heldAt: string;
  reason: HoldReason;
  detail?: string;
  /** The validated lead without its captcha token (a token is single-use and proves nothing later). */
  lead: Partial<LeadInput>;
  context: SubmissionContext;
  expiresAt: string;
}

interface HeldItem extends Omit<HeldSubmission, "expiresAt"> {
  PK: string;
  SK: string;
  [TTL_ATTRIBUTE]: number;
  releasingUntil?: number;
}

/** Holds a submission instead of capturing it. One PutItem. */
export async function holdLead(
  deps: Pick<Deps, "db" | "table" | "clock">,
  lead: LeadInput,
  context: SubmissionContext,
  suspicion: Suspicion,
): Promise<HeldSubmission> {
  const now = deps.clock.now();
  const id = `q_${ulid(deps.clock)}`;
  const { "cf-turnstile-response": _turnstile, "h-captcha-response": _hcaptcha, _gotcha: _honeypot, ...kept } = lead;
  const item: HeldItem = {
    ...quarantineKey(id),
    id,
    heldAt: now.toISOString(),
    reason: suspicion.reason,
    ...(suspicion.detail ? { detail: suspicion.detail } : {}),
    lead: kept,
    context,
    [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + HOLD_DAYS * 86_400,
  };
  await deps.db.send(new PutCommand({ TableName: deps.table, Item: { ...item, type: "quarantine" }, ConditionExpression: "attribute_not_exists(SK)" }));
  return toHeld(item);
}

/** Held submissions, newest first, a page at a time. Expired ones still awaiting TTL deletion are left out. */
export async function listQuarantine(
  deps: Pick<Deps, "db" | "table" | "clock">,
  limit: number,
  cursor?: string,
): Promise<{ items: HeldSubmission[]; nextCursor: string | null }> {
  const start = decodeCursor<{ sk: string }>(cursor, ["sk"]);
  if (start && !QuarantineId.safeParse(start.sk).success) throw new NotFound("cursor does not belong to the quarantine");
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: "PK = :pk",
      FilterExpression: "#ttl > :now",
      ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ":pk": QUARANTINE_PARTITION, ":now": Math.floor(deps.clock.now().getTime() / 1000) },
      ScanIndexForward: false,
      Limit: limit,
      ...(start ? { ExclusiveStartKey: quarantineKey(start.sk) } : {}),
    }),
  );
  const last = result.LastEvaluatedKey as { SK: string } | undefined;
  return { items: ((result.Items ?? []) as HeldItem[]).map(toHeld), nextCursor: encodeCursor(last ? { sk: last.SK } : null) };
}

/**
 * Releases a held submission: it is captured exactly as it would have been had it passed (with the
 * client IP, page and user agent it came with; a consent grant keeps its original time), then the
 * held item is deleted. A claim on the item first makes two concurrent releases capture it once
 * (the second gets a Conflict); if the capture fails, the claim lapses and a retry can release it.
 *
 * @throws NotFound when it was released, dropped or has expired.
 */
export async function releaseQuarantined(deps: Deps, id: string): Promise<LeadResult> {
  const nowSeconds = Math.floor(deps.clock.now().getTime() / 1000);
  let item: HeldItem;
  try {
    const result = await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: quarantineKey(id),
        UpdateExpression: "SET releasingUntil = :until",
        ConditionExpression: "attribute_exists(SK) AND #ttl > :now AND (attribute_not_exists(releasingUntil) OR releasingUntil < :now)",
        ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ":until": nowSeconds + RELEASE_LOCK_SECONDS, ":now": nowSeconds },
        ReturnValues: "ALL_NEW",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    item = result.Attributes as HeldItem;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const existing = itemOfFailedCondition<HeldItem>(err);
    if (existing && existing[TTL_ATTRIBUTE] > nowSeconds) throw new Conflict("release_in_progress", `held submission ${id} is being released already`);
    throw new NotFound(`no held submission ${id}`);
  }
  const result = await captureLead(deps, item.lead as LeadInput, { ...item.context, submittedAt: item.heldAt });
  await deps.db.send(new DeleteCommand({ TableName: deps.table, Key: quarantineKey(id) }));
  return result;
}

/**
 * Drops a held submission for good.
 *
 * @throws NotFound when it was released, dropped or has expired.
 */
export async function dropQuarantined(deps: Pick<Deps, "db" | "table" | "clock">, id: string): Promise<void> {
  try {
    await deps.db.send(
      new DeleteCommand({
        TableName: deps.table,
        Key: quarantineKey(id),
        ConditionExpression: "attribute_exists(SK) AND #ttl > :now",
        ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ":now": Math.floor(deps.clock.now().getTime() / 1000) },
      }),
    );
  } catch (err) {
    if (isConditionFailed(err)) throw new NotFound(`no held submission ${id}`);
    throw err;
  }
}

function toHeld(item: HeldItem): HeldSubmission {
  return {
    id: item.id,
    heldAt: item.heldAt,
    reason: item.reason,
    ...(item.detail ? { detail: item.detail } : {}),
    lead: item.lead,
    context: item.context,
    expiresAt: new Date(item[TTL_ATTRIBUTE] * 1000).toISOString(),
  };
}
