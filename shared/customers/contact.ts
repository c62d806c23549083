import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionFailed, itemOfFailedCondition, Update } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { newCustomerId } from "../core/ids.ts";
import type { CustomerItem, Profile } from "../entities/customer.ts";
import { customerKey, customerUpdate, erasedCustomerKey, setActivity, stageIndexKey } from "../entities/customer.ts";
import { dueAttributes, setDueIfAbsent, setDueTimeIfAbsent } from "../entities/due.ts";
import { emailKey } from "../entities/email.ts";
import type { ConsentRecord } from "./item.ts";

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
  /**
   * Without `dueIfNew`: give a new customer this due time and let the change stream write its
   * index entry (shared/retention/due-stream.ts), off the request path.
   */
  dueSoonIfNew?: string;
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
      new DeleteCommand({
        TableName: deps.table,
        Key: emailKey(email),
        ConditionExpression: "customerId = :id",
        ExpressionAttributeValues: { ":id": customerId },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
  return true;
}

async function mergeProfile(deps: Deps, customerId: string, input: ContactInput): Promise<{ customerId: string; created: boolean; before?: CustomerItem }> {
  const update = new Update()
    .set("id", customerId)
    .set("email", input.email)
    .set("type", "customer")
    .set("updatedAt", input.at)
    .setIfNotExists("createdAt", input.at)
    .setIfNotExists("orders", 0)
    .setIfNotExists("spendMinor", 0)
    .setIfNotExists("currency", deps.config.currency);
  setActivity(update, customerId, input.at, "lead");
  for (const [field, value] of Object.entries(input.profile)) {
    if (value === undefined || value === "") continue;
    update.set(field, value);
  }
  if (input.consent) {
    update
      .set("consentMarketing", input.consent.granted)
      // When the person gave it (a released quarantined post, an imported row), not when it was written.
      .set("consentAt", input.consent.at)
      .set("consentVersion", input.consent.version)
      .set("consentSource", input.consent.source);
  }
  if (input.pendingConsent) {
    const { granted: _granted, ...pending } = input.pendingConsent;
    update.set("consentPending", pending);
  }
  if (input.dueIfNew) setDueIfAbsent(update, customerId, input.dueIfNew, deps.config.retention.dueShards);
  else if (input.dueSoonIfNew) setDueTimeIfAbsent(update, input.dueSoonIfNew);
  if (input.attribution && Object.keys(input.attribution).length > 0) update.setIfNotExists("attribution", input.attribution);
  if (input.tags && input.tags.length > 0) update.add("tags", new Set(input.tags));
  const result = await deps.db.send(new UpdateCommand({ ...customerUpdate(deps.table, customerId, update), ReturnValues: "ALL_OLD" }));
  const before = result.Attributes as CustomerItem | undefined;
  return { customerId, created: before === undefined, before };
}

/**
 * The profile item `upsertContact` creates for a new customer (what `mergeProfile`'s update
 * leaves on an item that did not exist), for a writer that creates many customers in one
 * transaction: the importer, a group of new addresses at a time. Keep the two in step.
 */
export function newCustomerItem(deps: Deps, customerId: string, input: Omit<ContactInput, "pendingConsent">): Record<string, unknown> {
  const item: Record<string, unknown> = {
    ...customerKey(customerId),
    id: customerId,
    email: input.email,
    type: "customer",
    updatedAt: input.at,
    lastActivityAt: input.at,
    createdAt: input.at,
    stage: "lead",
    ...stageIndexKey("lead", input.at, customerId),
    orders: 0,
    spendMinor: 0,
    currency: deps.config.currency,
  };
  for (const [field, value] of Object.entries(input.profile)) if (value !== undefined && value !== "") item[field] = value;
  if (input.consent) {
    Object.assign(item, {
      consentMarketing: input.consent.granted,
      consentAt: input.consent.at,
      consentVersion: input.consent.version,
      consentSource: input.consent.source,
    });
  }
  if (input.dueIfNew) Object.assign(item, dueAttributes(customerId, input.dueIfNew, deps.config.retention.dueShards));
  else if (input.dueSoonIfNew) item.nextDueAt = input.dueSoonIfNew;
  if (input.attribution && Object.keys(input.attribution).length > 0) item.attribution = input.attribution;
  if (input.tags && input.tags.length > 0) item.tags = new Set(input.tags);
  return item;
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
