import { QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { cancellationCodes, isConditionFailed, Update } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { getCustomerItem } from "../customers/repository.ts";
import { customerUpdate } from "../entities/customer.ts";
import { scheduleDue } from "../entities/due.ts";
import { AVAILABLE_PERK_PREFIX, availablePerkKey, perkPoolQuery, USED_PERK_PREFIX, usedPerkKey } from "../entities/referral.ts";

/**
 * The perk pool: one-time codes (a discount, a gift card) the owner imports
 * (`rapport perks import FILE.csv`) and the ambassador reward hands out, each exactly once.
 * A code is an item `A#<code>` while available and `U#<code>` once given (pattern 29).
 */

/** One code as imported. */
export interface PerkInput {
  code: string;
  description?: string;
  /** ISO 8601; an expired code is never handed out. */
  expiresAt?: string;
}

/** A code is 1-64 visible characters (what a shop's coupon system prints). */
export const PERK_CODE = /^[\x21-\x7e]{1,64}$/;

/**
 * Adds codes to the pool. A code already in it, available or handed out, is skipped: re-importing
 * the same file adds nothing, and a code given to an ambassador never becomes available again.
 * Each code is a transaction (a check that it was never handed out, and a conditional put), so
 * two imports at once add each code once.
 */
export async function importPerks(deps: Deps, perks: readonly PerkInput[], at: string): Promise<{ imported: number; duplicates: number }> {
  let imported = 0;
  let duplicates = 0;
  const seen = new Set<string>();
  const queue: PerkInput[] = [];
  for (const perk of perks) {
    if (seen.has(perk.code)) duplicates++;
    else queue.push(perk);
    seen.add(perk.code);
  }
  const worker = async () => {
    for (let perk = queue.shift(); perk; perk = queue.shift()) {
      try {
        await deps.db.send(
          new TransactWriteCommand({
            TransactItems: [
              { ConditionCheck: { TableName: deps.table, Key: usedPerkKey(perk.code), ConditionExpression: "attribute_not_exists(PK)" } },
              {
                Put: {
                  TableName: deps.table,
                  Item: {
                    ...availablePerkKey(perk.code),
                    type: "perk",
                    code: perk.code,
                    importedAt: at,
                    ...(perk.description ? { description: perk.description } : {}),
                    ...(perk.expiresAt ? { expiresAt: perk.expiresAt } : {}),
                  },
                  ConditionExpression: "attribute_not_exists(PK)",
                },
              },
            ],
          }),
        );
        imported++;
      } catch (err) {
        if (!cancellationCodes(err)?.includes("ConditionalCheckFailed")) throw err;
        duplicates++;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { imported, duplicates };
}

/** How many codes are available and how many were handed out. */
export async function perkSummary(deps: Deps): Promise<{ available: number; used: number }> {
  const count = async (prefix: typeof AVAILABLE_PERK_PREFIX | typeof USED_PERK_PREFIX) => {
    let n = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await deps.db.send(
        new QueryCommand({ TableName: deps.table, ...perkPoolQuery(prefix), Select: "COUNT", ConsistentRead: true, ExclusiveStartKey: start }),
      );
      n += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return n;
  };
  const [available, used] = await Promise.all([count(AVAILABLE_PERK_PREFIX), count(USED_PERK_PREFIX)]);
  return { available, used };
}

const CLAIM_ATTEMPTS = 12;
/** Codes read per page when looking for one to claim; concurrent claims pick at random among them. */
const CANDIDATES = 20;

/**
 * The ambassador's perk code: the one they already hold, or one claimed from the pool now. A claim
 * is one transaction: delete the `A#` item (only if it is still there), put the `U#` item with
 * who got it, and store the code on the customer (only if they have none). Two ambassadors racing
 * for one code: one delete fails and that claim tries another code. The same ambassador claiming
 * twice (a retried send): the second finds the code on the record. Expired codes are passed over.
 *
 * @returns the code, or undefined when the pool has no code left (or the customer is gone).
 */
export async function claimPerk(deps: Deps, customerId: string): Promise<string | undefined> {
  for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
    const customer = await getCustomerItem(deps, customerId, true);
    if (!customer) return undefined;
    if (customer.perkCode) return customer.perkCode;
    const now = deps.clock.now().toISOString();
    const candidate = await findAvailable(deps, now);
    if (!candidate) return undefined;
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: deps.table, Key: availablePerkKey(candidate.code), ConditionExpression: "attribute_exists(PK)" } },
            { Put: { TableName: deps.table, Item: { ...candidate, ...usedPerkKey(candidate.code), customerId, claimedAt: now } } },
            {
              Update: customerUpdate(
                deps.table,
                customerId,
                new Update().set("perkCode", candidate.code).remove("perkWaitingSince").when("attribute_exists(PK)").when("attribute_not_exists(perkCode)"),
              ),
            },
          ],
        }),
      );
      return candidate.code;
    } catch (err) {
      const codes = cancellationCodes(err);
      if (!codes) throw err;
      // Another claim took this code, or gave this customer one: look again.
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
  return undefined;
}

async function findAvailable(deps: Deps, now: string): Promise<(Record<string, unknown> & { code: string }) | undefined> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({ TableName: deps.table, ...perkPoolQuery(AVAILABLE_PERK_PREFIX), Limit: CANDIDATES, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    const usable = (page.Items ?? []).filter((i) => typeof i.code === "string" && !(typeof i.expiresAt === "string" && i.expiresAt <= now));
    if (usable.length > 0) {
      const { PK: _pk, SK: _sk, ...perk } = usable[Math.floor(Math.random() * usable.length)]!;
      return perk as Record<string, unknown> & { code: string };
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return undefined;
}

/** How long a reward waits before the sender looks at the pool again. */
export const PERK_RETRY_MS = 60 * 60 * 1000;

/**
 * The reward mail cannot go for want of a code: the customer is marked as waiting (the sweep then
 * raises the owner's "perk pool empty" task, shared/retention/alerts.ts) and looked at again in an
 * hour, so the mail goes out once codes are imported, never without one.
 */
export async function waitForPerks(deps: Deps, customerId: string, now: Date): Promise<string> {
  const until = new Date(now.getTime() + PERK_RETRY_MS).toISOString();
  await deps.db
    .send(
      new UpdateCommand(
        customerUpdate(deps.table, customerId, new Update().setIfNotExists("perkWaitingSince", now.toISOString()).when("attribute_exists(PK)")),
      ),
    )
    .catch((err: unknown) => {
      // The customer was erased meanwhile: nothing waits.
      if (!isConditionFailed(err)) throw err;
    });
  await scheduleDue(deps, customerId, until);
  return until;
}
