import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { isConditionFailed, itemOfFailedCondition } from "../aws/db.ts";
import { newCustomerId } from "../core/ids.ts";
import { customerKey, erasedCustomerKey, stagePartition, stageSortKey } from "../entities/customer.ts";
import { dueIndexKey } from "../entities/due.ts";
import { emailKey } from "../entities/email.ts";
import type { ConsentRecord, CustomerItem, Profile } from "./item.ts";

export interface ContactInput {
  email: string;
  profile: Profile;
  tags?: string[];
  consent?: ConsentRecord;
  /** First-touch attribution, kept from the first submission only. */
  attribution?: Record<string, string>;
  at: string;
  /** Double opt-in: the consent grant waits for its confirmation link instead of taking effect. */
  pendingConsent?: ConsentRecord;
  /** Put a new customer in the due index at this time (a repeat's entry is left alone). */
  dueIfNew?: string;
}

/**
 * Finds or creates the one customer for an email and merges the given profile into it.
 *
 * Two round trips, safe under any concurrency: (1) claim the email lookup with a conditional put;
 * the loser of a race learns the winner's id from the failed write; (2) one UpdateItem that sets
 * only the fields given (so nothing is wiped) and initialises the rest with `if_not_exists`, so
 * it is correct whichever of the racing requests reaches the profile first. `created` is true
 * for the request whose update brought the profile into existence: exactly one of them.
 */
export async function upsertContact(deps: Deps, input: ContactInput): Promise<{ customerId: string; created: boolean; before?: CustomerItem }> {
  for (let attempt = 1; ; attempt++) {
    const { customerId, claimed } = await claimEmail(deps, input.email);
    const result = await mergeProfile(deps, customerId, input);
    // The lookup named a customer whose profile did not exist: either a racing request's new
    // customer not written yet (fine: this update made it) or a customer erased since the lookup
    // was read. An erased id must not come back to life with the new data and no email lookup.
    if (!result.created || claimed || attempt > 3 || !(await isErased(deps, customerId, input.email))) return result;
  }
}

/**
 * True when `customerId` was erased. Then the profile this request just recreated is deleted, and
 * so is an email lookup still naming the erased id, and the caller claims the email afresh.
 */
async function isErased(deps: Deps, customerId: string, email: string): Promise<boolean> {
  const tombstone = await deps.db.send(new GetCommand({ TableName: deps.table, Key: erasedCustomerKey(customerId), ConsistentRead: true }));
  if (!tombstone.Item) return false;
  await deps.db.send(new DeleteCommand({ TableName: deps.table, Key: customerKey(customerId) }));
  try {
    await deps.db.send(
      new DeleteCommand({ TableName: deps.table, Key: emailKey(email), ConditionExpression: "customerId = :id", ExpressionAttributeValues: { ":id": customerId } }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
  return true;
}

async function mergeProfile(deps: Deps, customerId: string, input: ContactInput): Promise<{ customerId: string; created: boolean; before?: CustomerItem }> {
  const names: Record<string, string> = { "#type": "type" };
  const values: Record<string, unknown> = {
    ":id": customerId,
    ":email": input.email,
    ":now": input.at,
    ":type": "customer",
    ":lead": "lead",
    ":leadPk": stagePartition("lead"),
    ":gsi1sk": stageSortKey(input.at, customerId),
    ":zero": 0,
    ":currency": deps.config.currency,
  };
  const sets = [
    "id = :id",
    "email = :email",
    "#type = :type",
    "updatedAt = :now",
    "lastActivityAt = :now",
    "GSI1SK = :gsi1sk",
    "createdAt = if_not_exists(createdAt, :now)",
    "stage = if_not_exists(stage, :lead)",
    "GSI1PK = if_not_exists(GSI1PK, :leadPk)",
    "orders = if_not_exists(orders, :zero)",
    "spendMinor = if_not_exists(spendMinor, :zero)",
    "currency = if_not_exists(currency, :currency)",
  ];
  for (const [field, value] of Object.entries(input.profile)) {
    if (value === undefined || value === "") continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  if (input.consent) {
    Object.assign(values, {
      ":cg": input.consent.granted,
      ":cv": input.consent.version,
      ":cs": input.consent.source,
      // When the person gave it (a released quarantined post, an imported row), not when it was written.
      ":ca": input.consent.at,
    });
    sets.push("consentMarketing = :cg", "consentAt = :ca", "consentVersion = :cv", "consentSource = :cs");
  }
  if (input.pendingConsent) {
    const { granted: _granted, ...pending } = input.pendingConsent;
    values[":pending"] = pending;
    sets.push("consentPending = :pending");
  }
  if (input.dueIfNew) {
    const due = dueIndexKey(customerId, input.dueIfNew, deps.config.retention.dueShards);
    Object.assign(values, { ":due": input.dueIfNew, ":duePk": due.GSI2PK, ":dueSk": due.GSI2SK });
    sets.push("nextDueAt = if_not_exists(nextDueAt, :due)", "GSI2PK = if_not_exists(GSI2PK, :duePk)", "GSI2SK = if_not_exists(GSI2SK, :dueSk)");
  }
  if (input.attribution && Object.keys(input.attribution).length > 0) {
    values[":attr"] = input.attribution;
    sets.push("attribution = if_not_exists(attribution, :attr)");
  }
  let expression = `SET ${sets.join(", ")}`;
  if (input.tags && input.tags.length > 0) {
    values[":tags"] = new Set(input.tags);
    expression += " ADD tags :tags";
  }
  const result = await deps.db.send(
    new UpdateCommand({
      TableName: deps.table,
      Key: customerKey(customerId),
      UpdateExpression: expression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: "ALL_OLD",
    }),
  );
  const before = result.Attributes as CustomerItem | undefined;
  return { customerId, created: before === undefined, before };
}

/** Claims the email for a new customer id, or answers the id that already holds it. */
async function claimEmail(deps: Deps, email: string): Promise<{ customerId: string; claimed: boolean }> {
  const candidate = newCustomerId(deps.clock);
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.table,
        Item: { ...emailKey(email), type: "email", customerId: candidate },
        ConditionExpression: "attribute_not_exists(PK)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return { customerId: candidate, claimed: true };
  } catch (err) {
    const existing = itemOfFailedCondition<{ customerId?: string }>(err)?.customerId;
    if (isConditionFailed(err) && existing) return { customerId: existing, claimed: false };
    throw err;
  }
}
