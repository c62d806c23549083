import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { publishEvents } from "../core/deps.ts";
import { cancellationCodes, isConditionFailed, itemOfFailedCondition } from "../aws/db.ts";
import { decodeCursor, encodeCursor } from "../http/cursor.ts";
import { Conflict, NotFound } from "../core/errors.ts";
import { newCustomerId, ulid } from "../core/ids.ts";
import { customerKey, customerPk, erasedCustomerKey, stagePartition, stageSortKey } from "../entities/customer.ts";
import { dueIndexKey } from "../entities/due.ts";
import { emailKey } from "../entities/email.ts";
import { SEND_PREFIX } from "../entities/send.ts";
import { TIMELINE_PREFIX, timelineKey } from "../entities/timeline.ts";
import { fromMinor } from "../core/money.ts";
import type * as z from "zod/mini";
import type { By, Customer360, CustomerPatch, Stage } from "./schema.ts";
import { PROFILE_FIELD_NAMES, STAGES } from "../core/fields.ts";
import { GSI1 } from "../entities/table.ts";

export type ProfileField = (typeof PROFILE_FIELD_NAMES)[number];
export type Profile = Partial<Record<ProfileField, string>>;

/** The customer item as stored (flat, so counters can be updated in place). */
export interface CustomerItem extends Profile {
  PK: string;
  SK: string;
  GSI1PK: string;
  GSI1SK: string;
  id: string;
  email: string;
  tags?: Set<string>;
  owner?: string;
  nextContactAt?: string;
  stage: Stage;
  orders: number;
  spendMinor: number;
  currency: string;
  lastActivityAt: string;
  firstPurchaseAt?: string;
  lastPurchaseAt?: string;
  latestFeedbackScore?: number;
  consentMarketing?: boolean;
  consentAt?: string;
  consentVersion?: string;
  consentSource?: string;
  attribution?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  // What the retention engine (sweep and sender) keeps on the record, below.
  /** The event id of the latest purchase (the feedback campaign's occurrence). */
  lastPurchaseId?: string;
  latestFeedbackAt?: string;
  /** Whether mail may go to this address at all. Suppression items are the authority; this is the record's view. */
  emailStatus?: "ok" | "unsubscribed" | "bounced" | "complained";
  unsubscribedAt?: string;
  /** Double opt-in: a consent grant waiting for its confirmation link. */
  consentPending?: { at: string; source: string; version: string; ip?: string };
  /** When a double opt-in grant was confirmed through its link. */
  consentConfirmedAt?: string;
  /**
   * Per campaign (`sent#<campaignId>`): the last occurrence sent and when. The send ledger is the
   * authority; this is the sweep's cheap view. Flat attributes, so one can be set without the
   * others existing.
   */
  [sentAttribute: `sent#${string}`]: { occurrence: string; at: string } | undefined;
  /** When the lead last got a follow-up (call, meeting, note, email reply). */
  lastFollowUpAt?: string;
  /** When the last marketing email went out (frequency cap). */
  lastMarketingAt?: string;
  /** When the customer last got a low score follow-up or became at risk (occurrence keys). */
  atRiskSince?: string;
  lowFeedbackAt?: string;
  /** The due index (GSI2): the earliest time something may be due. Absent: nothing due. */
  nextDueAt?: string;
  GSI2PK?: string;
  GSI2SK?: string;
}

export interface TimelineItem {
  id: string;
  at: string;
  type: string;
  summary?: string;
  /** The words of a call, meeting or note, as the person who logged it wrote them. */
  text?: string;
  data?: Record<string, unknown>;
  /** Who made the change, when it came through the API. */
  by?: By;
}

/** A consent statement, kept on the timeline entry that carried it: the consent ledger. */
export interface ConsentRecord {
  granted: boolean;
  at: string;
  source: string;
  version: string;
  ip?: string;
}

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
    GSI1SK: stageSortKey(input.at, customerId),
    createdAt: input.at,
    stage: "lead",
    GSI1PK: stagePartition("lead"),
    orders: 0,
    spendMinor: 0,
    currency: deps.config.currency,
  };
  for (const [field, value] of Object.entries(input.profile)) if (value !== undefined && value !== "") item[field] = value;
  if (input.consent) {
    Object.assign(item, { consentMarketing: input.consent.granted, consentAt: input.consent.at, consentVersion: input.consent.version, consentSource: input.consent.source });
  }
  if (input.dueIfNew) {
    const due = dueIndexKey(customerId, input.dueIfNew, deps.config.retention.dueShards);
    Object.assign(item, { nextDueAt: input.dueIfNew, GSI2PK: due.GSI2PK, GSI2SK: due.GSI2SK });
  }
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

/** Builds the item of a timeline entry for a customer. */
export function timelineItem(deps: Deps, customerId: string, entry: Omit<TimelineItem, "id">): Record<string, unknown> {
  const id = ulid(deps.clock);
  return {
    ...timelineKey(customerId, entry.at, id),
    type: "timeline",
    id,
    kind: entry.type,
    at: entry.at,
    summary: entry.summary,
    ...(entry.text ? { text: entry.text } : {}),
    data: entry.data,
    ...(entry.by ? { by: entry.by } : {}),
  };
}

export async function appendTimeline(deps: Deps, customerId: string, entry: Omit<TimelineItem, "id">): Promise<void> {
  await deps.db.send(new PutCommand({ TableName: deps.table, Item: timelineItem(deps, customerId, entry) }));
}

export async function getCustomerItem(deps: Deps, customerId: string, consistent = false): Promise<CustomerItem | undefined> {
  const result = await deps.db.send(new GetCommand({ TableName: deps.table, Key: customerKey(customerId), ConsistentRead: consistent }));
  return result.Item as CustomerItem | undefined;
}

export async function findCustomerIdByEmail(deps: Deps, email: string): Promise<string | undefined> {
  const result = await deps.db.send(new GetCommand({ TableName: deps.table, Key: emailKey(email) }));
  return (result.Item as { customerId?: string } | undefined)?.customerId;
}

function toTimelineEntry(item: Record<string, unknown>): TimelineItem {
  return {
    id: item.id as string,
    at: item.at as string,
    type: item.kind as string,
    ...(item.summary ? { summary: item.summary as string } : {}),
    ...(item.text ? { text: item.text as string } : {}),
    ...(item.data ? { data: item.data as Record<string, unknown> } : {}),
    ...(item.by ? { by: item.by as By } : {}),
  };
}

export function summarize(item: CustomerItem) {
  return {
    id: item.id,
    email: item.email,
    ...(item.firstName ? { firstName: item.firstName } : {}),
    ...(item.lastName ? { lastName: item.lastName } : {}),
    ...(item.company ? { company: item.company } : {}),
    stage: item.stage,
    tags: [...(item.tags ?? [])].sort(),
    ...(item.owner ? { owner: item.owner } : {}),
    lastActivityAt: item.lastActivityAt,
    createdAt: item.createdAt,
  };
}

/**
 * The 360° view: profile, consent, stage, metrics, recent timeline and emails sent. Typed by the
 * schema `GET /v1/customers/{id}` declares, the one the dashboard reads.
 */
export async function getCustomer360(deps: Deps, customerId: string): Promise<z.output<typeof Customer360>> {
  const [item, timeline, sends] = await Promise.all([
    getCustomerItem(deps, customerId, true),
    queryPartition(deps, customerId, TIMELINE_PREFIX, 20),
    queryPartition(deps, customerId, SEND_PREFIX, 50),
  ]);
  if (!item) throw new NotFound(`no customer ${customerId}`);
  const profile: Record<string, string> = {};
  for (const field of PROFILE_FIELD_NAMES) if (item[field]) profile[field] = item[field]!;
  return {
    id: item.id,
    email: item.email,
    profile,
    tags: [...(item.tags ?? [])].sort(),
    ...(item.owner ? { owner: item.owner } : {}),
    ...(item.nextContactAt ? { nextContactAt: item.nextContactAt } : {}),
    stage: item.stage,
    ...(item.emailStatus && item.emailStatus !== "ok" ? { emailStatus: item.emailStatus } : {}),
    consent: {
      marketing: item.consentMarketing === true,
      ...(item.consentAt ? { updatedAt: item.consentAt, version: item.consentVersion, source: item.consentSource } : {}),
    },
    metrics: {
      orders: item.orders,
      lifetimeSpend: fromMinor(item.spendMinor, item.currency),
      currency: item.currency,
      lastActivityAt: item.lastActivityAt,
      ...(item.firstPurchaseAt ? { firstPurchaseAt: item.firstPurchaseAt } : {}),
      ...(item.lastPurchaseAt ? { lastPurchaseAt: item.lastPurchaseAt } : {}),
      ...(item.latestFeedbackScore !== undefined ? { latestFeedbackScore: item.latestFeedbackScore } : {}),
    },
    ...(item.attribution ? { attribution: item.attribution } : {}),
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    recentTimeline: timeline.items.map(toTimelineEntry),
    emailsSent: sends.items.map(({ PK: _pk, SK: _sk, ...rest }) => rest),
  };
}

async function queryPartition(deps: Deps, customerId: string, prefix: string, limit: number, startSk?: string) {
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
      ExpressionAttributeValues: { ":pk": customerPk(customerId), ":prefix": prefix },
      ScanIndexForward: false,
      Limit: limit,
      ...(startSk ? { ExclusiveStartKey: { PK: customerPk(customerId), SK: startSk } } : {}),
    }),
  );
  return { items: (result.Items ?? []) as Record<string, unknown>[], last: result.LastEvaluatedKey as { SK: string } | undefined };
}

/** A customer's timeline, newest first, a page at a time (access pattern 2). */
export async function getTimeline(deps: Deps, customerId: string, limit: number, cursor?: string) {
  const start = decodeCursor<{ sk: string }>(cursor, ["sk"]);
  if (start && !start.sk.startsWith(TIMELINE_PREFIX)) throw new NotFound("cursor does not belong to a timeline");
  const [item, page] = await Promise.all([getCustomerItem(deps, customerId), queryPartition(deps, customerId, TIMELINE_PREFIX, limit, start?.sk)]);
  if (!item) throw new NotFound(`no customer ${customerId}`);
  return { items: page.items.map(toTimelineEntry), nextCursor: encodeCursor(page.last ? { sk: page.last.SK } : null) };
}

export interface ListFilter {
  stage?: Stage;
  tag?: string;
  email?: string;
  limit: number;
  cursor?: string;
}

/** Upper bound on items read per stage partition for one page when a tag filter discards rows. */
const MAX_SCAN_PER_STAGE = 1000;

/**
 * A page of customers, most recently active first (access pattern 3). With a stage it reads that
 * stage's partition of GSI1; without, every stage partition and merges them. The cursor is the
 * GSI1 sort key of the last customer returned, so every partition resumes with `GSI1SK < cursor`.
 */
export async function listCustomers(deps: Deps, filter: ListFilter) {
  if (filter.email !== undefined) {
    const id = await findCustomerIdByEmail(deps, filter.email);
    const item = id ? await getCustomerItem(deps, id) : undefined;
    const matches = item && (!filter.stage || item.stage === filter.stage) && (!filter.tag || item.tags?.has(filter.tag));
    return { items: matches ? [summarize(item)] : [], nextCursor: null };
  }
  const after = decodeCursor<{ before: string }>(filter.cursor, ["before"]);
  const stages = filter.stage ? [filter.stage] : [...STAGES];
  const perStage = await Promise.all(stages.map((stage) => queryStage(deps, stage, filter, after?.before)));
  const merged = perStage.flatMap((p) => p.items).sort((a, b) => (a.GSI1SK < b.GSI1SK ? 1 : a.GSI1SK > b.GSI1SK ? -1 : 0));
  const page = merged.slice(0, filter.limit);
  const more = merged.length > filter.limit || perStage.some((p) => p.more);
  const last = page[page.length - 1];
  return { items: page.map(summarize), nextCursor: more && last ? encodeCursor({ before: last.GSI1SK }) : null };
}

async function queryStage(deps: Deps, stage: Stage, filter: ListFilter, before?: string): Promise<{ items: CustomerItem[]; more: boolean }> {
  const items: CustomerItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  let read = 0;
  do {
    const result = await deps.db.send(
      new QueryCommand({
        TableName: deps.table,
        IndexName: GSI1.name,
        KeyConditionExpression: before ? "GSI1PK = :pk AND GSI1SK < :before" : "GSI1PK = :pk",
        ...(filter.tag ? { FilterExpression: "contains(tags, :tag)" } : {}),
        ExpressionAttributeValues: {
          ":pk": stagePartition(stage),
          ...(before ? { ":before": before } : {}),
          ...(filter.tag ? { ":tag": filter.tag } : {}),
        },
        ScanIndexForward: false,
        Limit: filter.limit + 1,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...((result.Items ?? []) as CustomerItem[]));
    read += result.ScannedCount ?? 0;
    startKey = result.LastEvaluatedKey;
  } while (startKey && items.length <= filter.limit && read < MAX_SCAN_PER_STAGE);
  return { items, more: items.length > filter.limit || startKey !== undefined };
}

/**
 * Applies an admin's edit. Fields set to null are removed; tags replace the set; a new email moves
 * the lookup item in the same transaction (409 when another customer holds it). The change is
 * written to the timeline with the names of the fields changed.
 */
export async function patchCustomer(deps: Deps, customerId: string, patch: CustomerPatch, by: By): Promise<z.output<typeof Customer360>> {
  const current = await getCustomerItem(deps, customerId, true);
  if (!current) throw new NotFound(`no customer ${customerId}`);
  const now = deps.clock.now().toISOString();
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ":now": now };
  const sets = ["updatedAt = :now"];
  const removes: string[] = [];
  const changed: string[] = [];
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined || field === "email") continue;
    names[`#${field}`] = field;
    changed.push(field);
    if (value === null || (field === "tags" && (value as string[]).length === 0)) {
      removes.push(`#${field}`);
    } else {
      values[`:${field}`] = field === "tags" ? new Set(value as string[]) : value;
      sets.push(`#${field} = :${field}`);
    }
  }
  const emailChange = patch.email !== undefined && patch.email !== current.email ? patch.email : undefined;
  if (emailChange) {
    values[":email"] = emailChange;
    sets.push("email = :email");
    changed.push("email");
  }
  if (changed.length === 0) return getCustomer360(deps, customerId);
  // An owner, a birthday or tags can make a campaign due (or no longer due): look again now.
  if (changed.some((f) => f === "owner" || f === "birthday" || f === "tags" || f === "timezone")) {
    const due = dueIndexKey(customerId, now, deps.config.retention.dueShards);
    Object.assign(values, { ":due": now, ":duePk": due.GSI2PK, ":dueSk": due.GSI2SK });
    sets.push("nextDueAt = :due", "GSI2PK = :duePk", "GSI2SK = :dueSk");
  }
  const update = {
    Update: {
      TableName: deps.table,
      Key: customerKey(customerId),
      UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
      ConditionExpression: "attribute_exists(PK)",
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    },
  };
  const entry = { Put: { TableName: deps.table, Item: timelineItem(deps, customerId, { at: now, type: "profile_updated", summary: `Changed ${changed.join(", ")}`, data: { changed }, by }) } };
  const moves = emailChange
    ? [
        { Put: { TableName: deps.table, Item: { ...emailKey(emailChange), type: "email", customerId }, ConditionExpression: "attribute_not_exists(PK)" } },
        { Delete: { TableName: deps.table, Key: emailKey(current.email), ConditionExpression: "customerId = :id", ExpressionAttributeValues: { ":id": customerId } } },
      ]
    : [];
  try {
    await deps.db.send(new TransactWriteCommand({ TransactItems: [...moves, update, entry] }));
  } catch (err) {
    const codes = cancellationCodes(err);
    if (codes && emailChange && codes[0] === "ConditionalCheckFailed") throw new Conflict("email_taken", "another customer already has this email");
    if (codes && codes[emailChange ? 2 : 0] === "ConditionalCheckFailed") throw new NotFound(`no customer ${customerId}`);
    throw err;
  }
  await publishEvents(deps, [{ type: "CustomerUpdated", customerId, at: now, data: { fields: changed.join(",") } }]);
  return getCustomer360(deps, customerId);
}
