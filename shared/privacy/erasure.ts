import { DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionFailed, queryAll, type TransactItem } from "../aws/db.ts";
import { LOST_RACE, retryTransaction } from "../aws/retry.ts";
import type { Deps } from "../core/deps.ts";
import { NotFound } from "../core/errors.ts";
import type { Stage } from "../core/fields.ts";
import { normalizeEmail } from "../customers/email.ts";
import { getCustomerItem } from "../customers/repository.ts";
import { searchWrites } from "../customers/search.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { customerKey, customerPk, ERASED_SK, erasedCustomerKey, PROFILE_SK } from "../entities/customer.ts";
import { emailKey } from "../entities/email.ts";
import { externalEventKey } from "../entities/external-event.ts";
import { QUARANTINE_PARTITION } from "../entities/quarantine.ts";
import { referralCodeKey } from "../entities/referral.ts";
import { suppressionKey } from "../entities/suppression.ts";
import { TIMELINE_PREFIX } from "../entities/timeline.ts";
import { visitorKey } from "../entities/visitor.ts";
import type { SuppressionReason } from "../mail-feedback/suppression.ts";
import type { CustomerErasure } from "./schema.ts";

/**
 * Erasure of one customer (GDPR art. 17, `DELETE /v1/customers/{id}`).
 *
 * Every item that holds data of a customer, and what erasure does to it:
 *
 * | item | key | erasure |
 * |---|---|---|
 * | profile (contact details, profile fields, tags, owner, consent, attribution, campaign state; GSI1 stage listing, GSI2 due index) | `CUST#<id>` / `PROFILE` | deleted, which also takes it out of both indexes; replaced by the tombstone |
 * | tombstone | `CUST#<id>` / `ERASED` | written: id, stage at erasure, order count, lifetime spend, currency, createdAt, erasedAt |
 * | timeline entries (form submissions with message, IP, user agent, page, attribution; orders; emails sent with subjects; SES events; feedback with comments; stage changes; profile edits) | `CUST#<id>` / `TL#…` | deleted |
 * | send ledger (subject lines can hold a first name or full name) | `CUST#<id>` / `SEND#…` | deleted: no email can go to the id again, so exactly-once has nothing left to guard |
 * | feedback markers | `CUST#<id>` / `FB#…` | deleted |
 * | anything else in the customer's partition | `CUST#<id>` / … | deleted: the partition is emptied whatever it holds |
 * | email lookup | `EMAIL#<email>` / `EMAIL` | deleted (only if it points at this customer), so the address can become a new customer |
 * | suppression | `SUPPRESS#<sha256(email)>` / `SUPPRESS` | kept; written with the customer's reason if it is missing, so an unsubscribed, bounced or complained address stays suppressed |
 * | external-event markers | `EXT#<externalId>` / `EXT` | kept without the customer and event ids (see `anonymiseMarkers`) |
 * | held (quarantined) lead submissions from the address (email, profile fields, message, IP, user agent) | `QUARANTINE` / `q_…` | deleted, before the profile: a release would bring the person back |
 * | search index words (name, company, email and phone words; the result list's fields) | `SEARCH#<xy>` / `<word>#<id>` | deleted, after the profile (the stream consumer deletes them too, from the profile's removal) |
 * | idempotency records | `IDEM#<hash>` / `IDEM` | left to expire (see below) |
 *
 * Idempotency records are keyed by a hash of the caller's key and scope, so nothing leads from a
 * customer to them short of a Scan of the whole table. They hold a status, a SHA-256 of the request
 * body and the response, whose body has the customer id, the event id and a stage (never an
 * address or a name), and they expire by TTL 24 hours after the request (shared/http/idempotency.ts).
 *
 * Order of work, chosen so that a crash or a racing write never leaves personal data behind for
 * good: (1) empty the partition but the profile, and drop held submissions from the address; (2) in one transaction, delete the profile, put
 * the tombstone, delete the email lookup and make sure of the suppression; (3) empty the partition
 * again for whatever a concurrent request wrote meanwhile. Until (2) commits the customer is still
 * there and a retried DELETE starts over; after it, every later DELETE answers "already erased"
 * and runs (3) again. Writers for the old profile fail their `attribute_exists(PK)` or counter
 * conditions once it is gone, because the tombstone lives under another sort key.
 */

/** What is left of an erased customer. Only these attributes, nothing that identifies a person. */
export interface TombstoneItem {
  PK: string;
  SK: string;
  type: "erased_customer";
  id: string;
  stage: Stage;
  orders: number;
  spendMinor: number;
  currency: string;
  createdAt: string;
  erasedAt: string;
  /** Who erased it (a person's or API key's id): the CustomerErased event says so. */
  erasedBy?: string;
}

/** Items read (and deleted) per round: one Query page. */
const PAGE_SIZE = 100;
/** Deletes in flight at once. */
const DELETE_CONCURRENCY = 25;
/** Attempts before giving up when concurrent writes keep changing the profile under us. */
const MAX_ATTEMPTS = 8;

/**
 * Erases a customer: personal data gone from every item, aggregate counts kept on a tombstone,
 * `CustomerErased` published (ids only). Idempotent: an erased customer answers
 * `alreadyErased: true` (and any leftovers are removed again); an id that never existed is a
 * `NotFound`. Works a page at a time, so any number of timeline entries is fine.
 *
 * @example await eraseCustomer(deps, "cus_01J...", actorId(principal)) // { erased: true, alreadyErased: false, ... }
 */
export async function eraseCustomer(deps: Deps, customerId: string, actor: string): Promise<CustomerErasure> {
  for (let attempt = 1; ; attempt++) {
    const [profile, tombstone] = await Promise.all([getCustomerItem(deps, customerId, true), getTombstone(deps, customerId)]);
    if (!profile) {
      if (!tombstone) throw new NotFound(`no customer ${customerId}`);
      await purgePartition(deps, customerId);
      return { customerId, erased: true, alreadyErased: true, erasedAt: tombstone.erasedAt };
    }
    // A profile next to a tombstone was re-created by a write that raced an earlier erasure: erased again, keeping the first tombstone.
    const erasedAt = tombstone?.erasedAt ?? deps.clock.now().toISOString();
    await purgePartition(deps, customerId);
    if (profile.email) await dropHeldSubmissions(deps, profile.email);
    try {
      await deps.db.send(
        new TransactWriteCommand({ TransactItems: await replaceProfile(deps, customerId, profile, tombstone !== undefined, erasedAt, actor) }),
      );
    } catch (err) {
      if (await retryTransaction(err, attempt, { maxAttempts: MAX_ATTEMPTS, reasons: LOST_RACE })) continue;
      throw err;
    }
    const removed = await purgePartition(deps, customerId);
    await dropSearchWords(deps, profile);
    await dropVisitors(deps, customerId, profile);
    deps.logger.info("customer erased", { customerId, by: actor, lateItems: removed, again: tombstone !== undefined });
    return { customerId, erased: true, alreadyErased: tombstone !== undefined, erasedAt };
  }
}

/** The tombstone of an erased customer, or undefined when the id was never erased. */
export async function getTombstone(deps: Pick<Deps, "db" | "table">, customerId: string): Promise<TombstoneItem | undefined> {
  const result = await deps.db.send(new GetCommand({ TableName: deps.table, Key: erasedCustomerKey(customerId), ConsistentRead: true }));
  return result.Item as TombstoneItem | undefined;
}

/**
 * Runs a read of a customer; when it finds none because the customer was erased, the NotFound
 * says so ("customer was erased", still a 404: nothing about them can be shown).
 */
export async function unlessErased<T>(deps: Pick<Deps, "db" | "table">, customerId: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof NotFound && (await getTombstone(deps, customerId))) throw new NotFound("customer was erased");
    throw err;
  }
}

/**
 * The transaction that erases the profile: delete it (only if the counts the tombstone copies are
 * still what was read, so a purchase recorded meanwhile is not lost from them), put the tombstone,
 * delete the email lookup if it still points here, and keep the address suppressed.
 */
async function replaceProfile(
  deps: Deps,
  id: string,
  profile: CustomerItem,
  tombstoneExists: boolean,
  erasedAt: string,
  actor: string,
): Promise<TransactItem[]> {
  const counts = { stage: profile.stage, orders: profile.orders, spendMinor: profile.spendMinor };
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions = ["attribute_exists(PK)"];
  for (const [name, value] of Object.entries(counts)) {
    names[`#${name}`] = name;
    if (value === undefined) conditions.push(`attribute_not_exists(#${name})`);
    else {
      values[`:${name}`] = value;
      conditions.push(`#${name} = :${name}`);
    }
  }
  const tombstone: TombstoneItem = {
    ...erasedCustomerKey(id),
    type: "erased_customer",
    id,
    stage: profile.stage ?? "lead",
    orders: profile.orders ?? 0,
    spendMinor: profile.spendMinor ?? 0,
    currency: profile.currency ?? deps.config.currency,
    createdAt: profile.createdAt ?? erasedAt,
    erasedAt,
    erasedBy: actor,
  };
  const items: TransactItem[] = [
    {
      Delete: {
        TableName: deps.table,
        Key: customerKey(id),
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeNames: names,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      },
    },
    tombstoneExists
      ? { ConditionCheck: { TableName: deps.table, Key: erasedCustomerKey(id), ConditionExpression: "attribute_exists(PK)" } }
      : { Put: { TableName: deps.table, Item: tombstone, ConditionExpression: "attribute_not_exists(PK)" } },
  ];
  if (profile.email) {
    const lookup = await deps.db.send(new GetCommand({ TableName: deps.table, Key: emailKey(profile.email), ConsistentRead: true }));
    if ((lookup.Item as { customerId?: string } | undefined)?.customerId === id) {
      items.push({
        Delete: { TableName: deps.table, Key: emailKey(profile.email), ConditionExpression: "customerId = :id", ExpressionAttributeValues: { ":id": id } },
      });
    }
    const reason = suppressionReasonOf(profile);
    if (reason) items.push({ Update: keepSuppressed(deps, profile.email, reason, profile.unsubscribedAt ?? profile.updatedAt ?? erasedAt) });
  }
  // The referral link stops naming anybody (a later visit lands without `ref`).
  if (profile.referralCode) items.push({ Delete: { TableName: deps.table, Key: referralCodeKey(profile.referralCode) } });
  return items;
}

/** Why the customer's address must stay suppressed after erasure, if it must. */
function suppressionReasonOf(profile: CustomerItem): SuppressionReason | undefined {
  if (profile.emailStatus === "bounced" || profile.emailStatus === "complained") return profile.emailStatus;
  if (profile.emailStatus === "unsubscribed" || profile.unsubscribedAt) return "unsubscribed";
  return undefined;
}

/**
 * Makes sure the address has a suppression item: an existing one is left exactly as it is (it is
 * the authority on reason and time; shared/mail-feedback/suppression.ts ranks reasons when they change), a
 * missing one is written with the customer's reason. Unlike `suppressionUpdate`, which lets a
 * bounce or complaint overwrite the time of an existing entry, this only ever fills gaps.
 */
function keepSuppressed(deps: Pick<Deps, "table">, email: string, reason: SuppressionReason, at: string) {
  return {
    TableName: deps.table,
    Key: suppressionKey(normalizeEmail(email) ?? email.trim().toLowerCase()),
    UpdateExpression: "SET #type = :type, #reason = if_not_exists(#reason, :reason), #at = if_not_exists(#at, :at)",
    ExpressionAttributeNames: { "#type": "type", "#reason": "reason", "#at": "at" },
    ExpressionAttributeValues: { ":type": "suppression", ":reason": reason, ":at": at },
  };
}

/**
 * Deletes every item of the customer's partition except the profile (the erasure transaction
 * deletes that) and the tombstone, a page at a time; before a page's timeline entries go, the
 * external-event markers they name are anonymised. Safe to run any number of times. Answers how
 * many items it removed.
 *
 * One DeleteItem per item, `DELETE_CONCURRENCY` at a time, rather than BatchWriteItem: the
 * functions are deliberately not granted BatchWriteItem (infra/customer-table.ts), and a single
 * delete costs the same write units as one in a batch (a transaction would cost twice as much, and
 * atomicity buys nothing here: the purge is resumable).
 */
async function purgePartition(deps: Deps, customerId: string): Promise<number> {
  let removed = 0;
  for (;;) {
    // From the start each round: what was deleted is gone, what a racing write added is found.
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.table,
        KeyConditionExpression: "PK = :pk",
        ExpressionAttributeValues: { ":pk": customerPk(customerId) },
        ConsistentRead: true,
        Limit: PAGE_SIZE,
      }),
    );
    const items = (page.Items ?? []).filter((item) => item.SK !== PROFILE_SK && item.SK !== ERASED_SK);
    if (items.length === 0) return removed;
    await anonymiseMarkers(deps, customerId, items);
    await inBatches(items, (item) => deps.db.send(new DeleteCommand({ TableName: deps.table, Key: { PK: item.PK, SK: item.SK } })));
    removed += items.length;
  }
}

/**
 * External-event markers (`EXT#<externalId>`) are not in the customer's partition: the timeline
 * entries of the orders name them (`data.externalId`). They are kept, because a shop that
 * redelivers an old order webhook must still have it counted once (deleted, the order would be
 * counted again on whoever holds the address now), but stripped to the key and `type`: no
 * customer id, no event id, no time, so nothing in the table ties the order to the erased
 * customer. The external id itself stays as the key, which is what deduplication needs; it is the
 * other system's reference, meaningful only together with that system's own records.
 */
async function anonymiseMarkers(deps: Deps, customerId: string, items: Record<string, unknown>[]): Promise<void> {
  const externalIds = new Set<string>();
  for (const item of items) {
    const externalId = (item.data as { externalId?: unknown } | undefined)?.externalId;
    if (String(item.SK).startsWith(TIMELINE_PREFIX) && typeof externalId === "string") externalIds.add(externalId);
  }
  await inBatches([...externalIds], async (externalId) => {
    try {
      await deps.db.send(
        new UpdateCommand({
          TableName: deps.table,
          Key: externalEventKey(externalId),
          // A shop webhook's marker also names its delivery (event id, signed time), platform and currency.
          UpdateExpression: "SET erased = :true REMOVE customerId, eventId, kind, #at, deliveryId, signedAt, platform, currency",
          // Only this customer's marker; already anonymised (a resumed erasure) or someone else's: left alone.
          ConditionExpression: "customerId = :id",
          ExpressionAttributeNames: { "#at": "at" },
          ExpressionAttributeValues: { ":true": true, ":id": customerId },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  });
}

/**
 * Held (quarantined) lead submissions from an address (shared/leads/quarantine.ts): not yet a customer's,
 * but the same person's data. The quarantine is one small partition whose items expire after 30
 * days, so reading all of it with a filter costs in proportion to what is held, never to the
 * number of customers.
 */
export async function heldSubmissionsFrom(deps: Pick<Deps, "db" | "table">, email: string): Promise<Record<string, unknown>[]> {
  const held: Record<string, unknown>[] = [];
  for await (const item of queryAll(deps.db, {
    TableName: deps.table,
    KeyConditionExpression: "PK = :pk",
    FilterExpression: "#lead.#email = :email",
    ExpressionAttributeNames: { "#lead": "lead", "#email": "email" },
    ExpressionAttributeValues: { ":pk": QUARANTINE_PARTITION, ":email": email },
    ConsistentRead: true,
  }))
    held.push(item);
  return held;
}

/** Drops every held submission from the address (a release of one in progress finds it gone: NotFound). */
async function dropHeldSubmissions(deps: Deps, email: string): Promise<void> {
  const held = await heldSubmissionsFrom(deps, email);
  await inBatches(held, (item) => deps.db.send(new DeleteCommand({ TableName: deps.table, Key: { PK: item.PK, SK: item.SK } })));
}

/** The profile's words in the search index (shared/customers/search.ts), deleted at once rather than a moment later by the stream consumer. */
async function dropSearchWords(deps: Deps, profile: CustomerItem): Promise<void> {
  const deletes = searchWrites(profile as unknown as Record<string, unknown>, undefined).flatMap((w) => ("DeleteRequest" in w ? [w.DeleteRequest.Key] : []));
  await inBatches(deletes, (Key) => deps.db.send(new DeleteCommand({ TableName: deps.table, Key })));
}

/**
 * The website visitors tied to the customer (their page paths and interests): deleted, unless one
 * has since been tied to someone else.
 */
async function dropVisitors(deps: Deps, customerId: string, profile: CustomerItem): Promise<void> {
  await inBatches([...(profile.visitors ?? [])], async (visitorId) => {
    try {
      await deps.db.send(
        new DeleteCommand({
          TableName: deps.table,
          Key: visitorKey(visitorId),
          ConditionExpression: "customerId = :id",
          ExpressionAttributeValues: { ":id": customerId },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  });
}

async function inBatches<T>(things: T[], work: (thing: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < things.length; i += DELETE_CONCURRENCY) await Promise.all(things.slice(i, i + DELETE_CONCURRENCY).map(work));
}
