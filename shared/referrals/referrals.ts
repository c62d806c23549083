import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { cancellationCodes, type TransactItem, Update } from "../aws/db.ts";
import { CONTENTION, LOST_RACE, retryTransaction } from "../aws/retry.ts";
import type { Deps } from "../core/deps.ts";
import { getCustomerItem, timelineItem } from "../customers/repository.ts";
import { type CustomerItem, customerUpdate, PROFILE_SK } from "../entities/customer.ts";
import { isDueInIndexBy, setDue } from "../entities/due.ts";
import { referralCodeKey, referralMarkerKey } from "../entities/referral.ts";
import { becomesAmbassador, convertedReferrer, newReferralCode, normalizeReferralCode } from "./program.ts";

/**
 * The advocate programme's writes: a promoter's referral code, crediting a lead who arrived
 * through a link, and (from the table's stream) counting a referred person's first purchase and
 * making an ambassador. Keys come from shared/entities/referral.ts; the rules from ./program.ts.
 */

const MAX_ATTEMPTS = 8;

/** How a person is named on someone else's timeline: their name, else their company, else their email. */
export function displayName(c: Pick<CustomerItem, "firstName" | "lastName" | "company" | "email">): string {
  return [c.firstName, c.lastName].filter(Boolean).join(" ") || c.company || c.email;
}

/**
 * The customer's referral code, created on first use: a random code claimed with a conditional put
 * of its lookup item (pattern 27) in the same transaction that stores it on the customer only if
 * they have none. Of two concurrent first uses (the score posted by script and the comment form),
 * one wins and the other reads the winner's code, so a customer has one code for good.
 *
 * @returns the code, or undefined when the customer does not exist.
 */
export async function ensureReferralCode(deps: Deps, customerId: string): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    const customer = await getCustomerItem(deps, customerId, true);
    if (!customer) return undefined;
    if (customer.referralCode) return customer.referralCode;
    const code = newReferralCode();
    const now = deps.clock.now().toISOString();
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: deps.table,
                Item: { ...referralCodeKey(code), type: "referral_code", customerId, createdAt: now },
                ConditionExpression: "attribute_not_exists(PK)",
              },
            },
            {
              Update: customerUpdate(
                deps.table,
                customerId,
                new Update().set("referralCode", code).when("attribute_exists(PK)").when("attribute_not_exists(referralCode)"),
              ),
            },
          ],
        }),
      );
      return code;
    } catch (err) {
      // Lost to a concurrent first use (or, once in a billion, drew a code in use): read again.
      if (await retryTransaction(err, attempt, { maxAttempts: MAX_ATTEMPTS, reasons: LOST_RACE })) continue;
      throw err;
    }
  }
}

/** The customer a referral code names, or undefined for a code that is malformed or unknown. */
export async function findReferrer(deps: Deps, rawCode: unknown): Promise<string | undefined> {
  const code = normalizeReferralCode(rawCode);
  if (!code) return undefined;
  const result = await deps.db.send(new GetCommand({ TableName: deps.table, Key: referralCodeKey(code) }));
  const id = result.Item?.customerId;
  return typeof id === "string" ? id : undefined;
}

export type CreditOutcome = "credited" | "unknown_code" | "self_referral" | "existing_customer" | "already_referred";

/**
 * Credits a lead who arrived through a referral link to the link's owner: `referredBy` on the new
 * customer, "Referred by X" on their timeline, "Referred Y" on the referrer's, and the referrer's
 * `referredLeads` count, in one transaction. Only a contact this very submission created is
 * credited: somebody already known was not brought by the link. A malformed or unknown code, or
 * a person's own code, is ignored: the lead is stored either way, before this runs.
 */
export async function creditReferral(deps: Deps, lead: { customerId: string; created: boolean; ref: unknown; at: string }): Promise<CreditOutcome> {
  const referrerId = await findReferrer(deps, lead.ref);
  if (!referrerId) return "unknown_code";
  if (referrerId === lead.customerId) return "self_referral";
  if (!lead.created) return "existing_customer";
  const [referrer, referred] = await Promise.all([getCustomerItem(deps, referrerId), getCustomerItem(deps, lead.customerId, true)]);
  // An erased referrer's code item outlives nobody (erasure deletes it); a missing profile is a race with an erasure.
  if (!referrer || !referred) return "unknown_code";
  if (referred.referredBy) return "already_referred";
  const code = normalizeReferralCode(lead.ref)!;
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: customerUpdate(
              deps.table,
              lead.customerId,
              new Update().set("referredBy", referrerId).when("attribute_exists(PK)").when("attribute_not_exists(referredBy)"),
            ),
          },
          {
            Update: customerUpdate(deps.table, referrerId, new Update().add("referredLeads", 1).when("attribute_exists(PK)")),
          },
          {
            Put: {
              TableName: deps.table,
              Item: timelineItem(deps, lead.customerId, {
                at: lead.at,
                type: "referred_by",
                summary: `Referred by ${displayName(referrer)}`,
                data: { referrerId, code },
              }),
            },
          },
          {
            Put: {
              TableName: deps.table,
              Item: timelineItem(deps, referrerId, {
                at: lead.at,
                type: "referred",
                summary: `Referred ${displayName(referred)}`,
                data: { referredId: lead.customerId, code },
              }),
            },
          },
        ],
      }),
    );
  } catch (err) {
    // A concurrent post of the same new address credited it, or a party was erased meanwhile.
    if (cancellationCodes(err)?.includes("ConditionalCheckFailed")) return "already_referred";
    throw err;
  }
  return "credited";
}

/**
 * The stream's part of the programme: a referred person's first purchase (the profile change after
 * which it carries both `referredBy` and `firstPurchaseAt`) adds one to the referrer's `referrals`, with
 * a "Referral converted" entry on the referrer's timeline; reaching the threshold
 * (`rapport:ambassadorReferrals`) makes them an ambassador (`ambassadorAt`, an entry, and due now,
 * so the sweep sends the reward campaign). A marker per referred person (pattern 28) written in
 * the same transaction makes a redelivered record, or a second purchase, count nothing.
 */
export async function applyReferralRecords(deps: Deps, records: readonly DynamoDBRecord[]): Promise<{ converted: number }> {
  let converted = 0;
  for (const record of records) {
    if (record.eventName !== "INSERT" && record.eventName !== "MODIFY") continue;
    const keys = record.dynamodb?.Keys as Record<string, AttributeValue> | undefined;
    if (keys?.SK?.S !== PROFILE_SK) continue;
    const after = image(record.dynamodb?.NewImage);
    const referrerId = convertedReferrer(image(record.dynamodb?.OldImage), after);
    if (!referrerId || !after || typeof after.id !== "string") continue;
    if (await creditConversion(deps, referrerId, after as unknown as CustomerItem)) converted++;
  }
  return { converted };
}

function image(raw: unknown): Record<string, unknown> | undefined {
  try {
    return raw && typeof raw === "object" ? unmarshall(raw as Record<string, AttributeValue>) : undefined;
  } catch {
    return undefined;
  }
}

async function creditConversion(deps: Deps, referrerId: string, referred: CustomerItem): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const referrer = await getCustomerItem(deps, referrerId, true);
    if (!referrer) return false;
    const now = deps.clock.now().toISOString();
    const before = referrer.referrals ?? 0;
    const after = before + 1;
    const promote = becomesAmbassador(after, deps.config.referrals.ambassadorAfter, referrer.ambassadorAt);
    const update = new Update()
      .set("referrals", after)
      .set("updatedAt", now)
      // Optimistic: the count this was computed from is still the count.
      .when((name, value) =>
        before === 0 ? `attribute_exists(PK) AND attribute_not_exists(${name("referrals")})` : `${name("referrals")} = ${value(before)}`,
      );
    if (promote) {
      update.set("ambassadorAt", now);
      if (!isDueInIndexBy(referrer, now)) setDue(update, referrerId, now, deps.config.retention.dueShards);
    }
    const items: TransactItem[] = [
      {
        Put: {
          TableName: deps.table,
          Item: { ...referralMarkerKey(referrerId, referred.id), type: "referral_conversion", referredId: referred.id, at: now },
          ConditionExpression: "attribute_not_exists(PK)",
        },
      },
      { Update: customerUpdate(deps.table, referrerId, update) },
      {
        Put: {
          TableName: deps.table,
          Item: timelineItem(deps, referrerId, {
            at: now,
            type: "referral_converted",
            summary: `Referral converted: ${displayName(referred)} made a first purchase (${after} so far)`,
            data: { referredId: referred.id, referrals: after },
          }),
        },
      },
      ...(promote
        ? [
            {
              Put: {
                TableName: deps.table,
                Item: timelineItem(deps, referrerId, {
                  at: now,
                  type: "ambassador",
                  summary: `Became an ambassador (${after} referred customers)`,
                  data: { referrals: after },
                }),
              },
            },
          ]
        : []),
    ];
    try {
      await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (err) {
      const codes = cancellationCodes(err);
      // The marker exists: this person's first purchase was credited already (a redelivered record).
      if (codes?.[0] === "ConditionalCheckFailed") return false;
      const reasons = codes?.[1] === "ConditionalCheckFailed" ? LOST_RACE : CONTENTION;
      if (await retryTransaction(err, attempt, { maxAttempts: MAX_ATTEMPTS, reasons })) continue;
      throw err;
    }
  }
}
