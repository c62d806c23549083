import { BatchGetCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { cancellationCodes, isConditionFailed, type TransactItem, Update } from "../aws/db.ts";
import { isThrottledOrConflicting, sleep } from "../aws/retry.ts";
import type { Deps } from "../core/deps.ts";
import { newCustomerId } from "../core/ids.ts";
import { PROFILE_FIELD_NAMES } from "../core/schema.ts";
import { newCustomerItem, upsertContact } from "../customers/contact.ts";
import type { ConsentRecord } from "../customers/item.ts";
import { findCustomerIdByEmail, getCustomerItem, timelineItem } from "../customers/repository.ts";
import type { CustomerItem, Profile } from "../entities/customer.ts";
import { customerKey, customerUpdate } from "../entities/customer.ts";
import { scheduleDue } from "../entities/due.ts";
import { emailKey } from "../entities/email.ts";
import { externalEventKey } from "../entities/external-event.ts";
import type { TableKey } from "../entities/table.ts";
import { timelineKey } from "../entities/timeline.ts";
import type { LeadInput } from "../leads/schema.ts";
import { getSuppression } from "../mail-feedback/suppression.ts";
import type { ImportRow, RowIssue } from "./convert.ts";

/** How `rapport import` writes one row: the customer, its timeline entry and the row's marker (see run.ts for the rules). */

export type RowOutcome = "created" | "merged" | "unchanged";

/** What one row changes on its customer. */
export interface RowChange {
  customerId: string;
  created: boolean;
  fields: Profile;
  tags: string[];
  consent?: ConsentRecord;
}

/** Per-row state kept across retries, so a row re-queued after throttling resumes where it stopped. */
export interface RowState {
  attempts: number;
  /** What a batched read found before the row reached a worker (see `prefetch`); absent: read it. */
  known?: { customerId?: string; imported: boolean; item?: CustomerItem };
  outcome?: RowOutcome;
  /** Applied, entry not yet written. */
  change?: RowChange;
  /** Applied, due index not yet moved (a new birthday). */
  dueAt?: string;
}

export interface ImportContext {
  fileName: string;
  /** `import:<file name>`: the consent source, and the first-touch source unless --source or a column says otherwise. */
  importSource: string;
  attributionSource: string;
  notes: (issue: RowIssue) => void;
}

const TIMELINE_KIND = "imported";

/** The marker that says this row of this file has been imported (idempotency of re-runs). */
function markerKey(rowId: string) {
  return externalEventKey(`import:${rowId}`);
}

/**
 * Applies one row: creates the customer through `upsertContact`, or merges what is new into the
 * existing one (a row that changes nothing writes nothing), then writes the row's timeline entry
 * together with its marker. Reads first, so a second run of a file only reads.
 */
export async function importRow(deps: Deps, row: ImportRow, state: RowState, ctx: ImportContext): Promise<RowOutcome> {
  if (!state.outcome) {
    const at = deps.clock.now().toISOString();
    const email = row.lead.email;
    let current: CustomerItem | undefined;
    if (state.known) {
      if (state.known.imported) {
        state.outcome = "unchanged";
        return state.outcome;
      }
      current = state.known.item;
    } else {
      const existingId = await findCustomerIdByEmail(deps, email);
      if (existingId) {
        const [marker, item] = await Promise.all([
          deps.db.send(new GetCommand({ TableName: deps.table, Key: markerKey(row.id), ProjectionExpression: "PK" })),
          getCustomerItem(deps, existingId, true),
        ]);
        if (marker.Item) {
          state.outcome = "unchanged";
          return state.outcome;
        }
        current = item;
      }
    }
    const consent = await grantableConsent(deps, row, current, at, ctx);
    let change: RowChange;
    if (current) {
      const merge = changesFor(current, row, consent);
      if (!merge) {
        state.outcome = "unchanged";
        return state.outcome;
      }
      await mergeInto(deps, current, merge, at);
      change = merge;
      state.dueAt = merge.fields.birthday ? at : undefined;
    } else {
      const profile = profileOf(row.lead);
      const attribution: Record<string, string> = { source: row.lead.source ?? ctx.attributionSource };
      for (const field of ["utm_source", "utm_medium", "utm_campaign"] as const) if (row.lead[field]) attribution[field] = row.lead[field];
      // A birthday can make the birthday campaign due: the sweep works out when. Imports never
      // raise lead follow-up alerts or confirmation mails, so nothing else schedules a new contact.
      const result = await upsertContact(deps, {
        email,
        profile,
        tags: row.lead.tags,
        consent,
        attribution,
        at,
        ...(row.lead.birthday ? { dueIfNew: at } : {}),
      });
      change = { customerId: result.customerId, created: result.created, fields: profile, tags: row.lead.tags ?? [], ...(consent ? { consent } : {}) };
      state.dueAt = !result.created && row.lead.birthday && row.lead.birthday !== result.before?.birthday ? at : undefined;
    }
    // From here on a retry resumes with the steps below instead of comparing again (it would
    // find nothing left to change and leave the row without its entry).
    state.outcome = change.created ? "created" : "merged";
    state.change = change;
  }
  if (state.dueAt && state.change) {
    await scheduleDue(deps, state.change.customerId, state.dueAt);
    delete state.dueAt;
  }
  if (state.change) {
    await recordRow(deps, row, state.change, ctx);
    delete state.change;
  }
  return state.outcome;
}

function profileOf(lead: LeadInput): Profile {
  const profile: Profile = {};
  for (const field of PROFILE_FIELD_NAMES) if (lead[field]) profile[field] = lead[field];
  return profile;
}

/** What the row would change on an existing customer; undefined when nothing. */
function changesFor(current: CustomerItem, row: ImportRow, consent: ConsentRecord | undefined): RowChange | undefined {
  const fields: Profile = {};
  for (const [field, value] of Object.entries(profileOf(row.lead)) as [keyof Profile, string][]) if (current[field] !== value) fields[field] = value;
  const tags = (row.lead.tags ?? []).filter((t) => !current.tags?.has(t));
  if (Object.keys(fields).length === 0 && tags.length === 0 && !consent && !row.lead.message) return undefined;
  return { customerId: current.id, created: false, fields, tags, ...(consent ? { consent } : {}) };
}

/**
 * The import's merge into an existing customer: `upsertContact`'s rules (only non-empty fields,
 * tags added, nothing removed) without what makes a form post an activity — an import is not an
 * interaction, so last activity, the stage index and the due index stay as they were, or a
 * years-old list would make every dormant customer look active today.
 */
async function mergeInto(deps: Deps, current: CustomerItem, change: RowChange, at: string): Promise<void> {
  const update = new Update().set("updatedAt", at).when("attribute_exists(PK)");
  for (const [field, value] of Object.entries(change.fields)) update.set(field, value);
  if (change.consent)
    update.set("consentMarketing", true).set("consentAt", at).set("consentVersion", change.consent.version).set("consentSource", change.consent.source);
  if (change.tags.length) update.add("tags", new Set(change.tags));
  try {
    await deps.db.send(new UpdateCommand(customerUpdate(deps.table, current.id, update)));
  } catch (err) {
    if (isConditionFailed(err)) throw new RowFailure("the customer was erased while the row was being imported");
    throw err;
  }
}

/**
 * The consent statement to record for a row, if any. Only a grant the export states, and only
 * when it does not contradict what Rapport knows: never for a suppressed address (unsubscribed,
 * bounced, complained), and never over a withdrawal recorded in Rapport unless the export's grant
 * is newer. Recorded as given now, from `import:<file>`, with the export's evidence on the entry.
 */
async function grantableConsent(
  deps: Deps,
  row: ImportRow,
  current: CustomerItem | undefined,
  at: string,
  ctx: ImportContext,
): Promise<ConsentRecord | undefined> {
  if (!row.consent || current?.consentMarketing === true) return undefined;
  const note = (message: string) =>
    ctx.notes({ row: row.row, line: row.line, email: row.lead.email, field: "consent", value: "", message, action: "consent not imported" });
  if (current?.consentAt && !(row.consent.givenAt && row.consent.givenAt > current.consentAt)) {
    note(`the customer withdrew or declined consent in Rapport on ${current.consentAt.slice(0, 10)}, after the export's opt-in`);
    return undefined;
  }
  const suppressed = await getSuppression(deps, row.lead.email);
  if (suppressed) {
    note(`the address is on the suppression list (${suppressed.reason} on ${suppressed.at.slice(0, 10)})`);
    return undefined;
  }
  return { granted: true, at, source: ctx.importSource, version: "external", ...(row.consent.ip ? { ip: row.consent.ip } : {}) };
}

/**
 * Writes the row's timeline entry and its marker in one transaction, on condition that the
 * marker is new: the entry exists once however often (or however concurrently) the file is
 * imported. The entry's id is the row's deterministic id.
 */
async function recordRow(deps: Deps, row: ImportRow, change: RowChange, ctx: ImportContext): Promise<void> {
  const { entry, marker } = recordItems(deps, row, change, ctx, deps.clock.now().toISOString());
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: deps.table, Item: marker, ConditionExpression: "attribute_not_exists(PK)" } },
          { Put: { TableName: deps.table, Item: entry } },
        ],
      }),
    );
  } catch (err) {
    const codes = cancellationCodes(err);
    if (codes?.[0] !== "ConditionalCheckFailed") throw err;
    // Another run recorded this row first. A customer this run created still gets its entry
    // (the marker then belongs to a customer that no longer exists, e.g. one erased since).
    if (change.created) await deps.db.send(new PutCommand({ TableName: deps.table, Item: entry }));
  }
}

/** The row's timeline entry (its id is the row's deterministic id) and its marker, as of `at`. */
function recordItems(
  deps: Deps,
  row: ImportRow,
  change: RowChange,
  ctx: ImportContext,
  at: string,
): { entry: Record<string, unknown>; marker: Record<string, unknown> } {
  const externalId = `import:${row.id}`;
  const changed = [...Object.keys(change.fields), ...(change.tags.length ? ["tags"] : []), ...(change.consent ? ["consent"] : [])];
  const data: Record<string, unknown> = {
    file: ctx.fileName,
    row: row.row,
    externalId,
    // A new customer or an update: the outbox announces LeadCaptured or CustomerUpdated from it.
    created: change.created,
    fields: change.fields,
    ...(change.tags.length ? { tags: change.tags } : {}),
    ...(row.lead.message ? { message: row.lead.message } : {}),
    ...(change.consent ? { consent: { ...change.consent, changed: true, evidence: row.consent?.evidence ?? {} } } : {}),
    ...(row.sourceCreatedAt ? { sourceCreatedAt: row.sourceCreatedAt } : {}),
  };
  const summary = change.created
    ? `Imported from ${ctx.fileName}`
    : `Updated by an import of ${ctx.fileName}${changed.length ? `: ${changed.join(", ")}` : ""}`;
  const entry = {
    ...timelineItem(deps, change.customerId, { at, type: TIMELINE_KIND, summary, data }),
    ...timelineKey(change.customerId, at, row.id),
    id: row.id,
  };
  const marker = { ...markerKey(row.id), type: "external", customerId: change.customerId, eventId: row.id, kind: TIMELINE_KIND, at };
  return { entry, marker };
}

/** New customers created per transaction: four items each, within TransactWriteItems' 100. */
export const CREATE_GROUP_ROWS = 25;

/**
 * Whether a row can be created in a group: the batched read found its address new to the table
 * (and this is the address's first row in the run), and it states no consent, whose checks read
 * and report per row.
 */
export function isGroupable(item: { row: ImportRow; state: RowState }): boolean {
  return item.state.known !== undefined && !item.state.known.customerId && !item.row.consent && !item.state.outcome;
}

/**
 * Creates the customers of new-address rows (see {@link isGroupable}) a group at a time: every
 * row's email lookup, profile, marker and timeline entry in one TransactWriteItems, each put on
 * condition that its item is new. It stores exactly what `importRow` stores for such a row
 * (`upsertContact`'s new profile, then the entry with its marker), in one request and one commit
 * per 25 rows instead of three of each per row: on DynamoDB Local persisted on disk, as
 * `npm start` runs it, every commit waits for the disk, so this is what makes a large import fast.
 *
 * Answers the rows it did not write, and whether throttling (or a conflict) was why: when the
 * group is cancelled (another writer took an address or recorded a row first, throttling, a
 * conflict), nothing of it was written, and those rows go through `importRow`, which reads afresh.
 */
export async function createRows(
  deps: Deps,
  items: { row: ImportRow; state: RowState }[],
  ctx: ImportContext,
): Promise<{ left: { row: ImportRow; state: RowState }[]; throttled: boolean }> {
  const at = deps.clock.now().toISOString();
  const writes: TransactItem[] = [];
  for (const { row } of items) {
    const customerId = newCustomerId(deps.clock);
    const profile = profileOf(row.lead);
    const attribution: Record<string, string> = { source: row.lead.source ?? ctx.attributionSource };
    for (const field of ["utm_source", "utm_medium", "utm_campaign"] as const) if (row.lead[field]) attribution[field] = row.lead[field];
    const customer = newCustomerItem(deps, customerId, {
      email: row.lead.email,
      profile,
      tags: row.lead.tags,
      attribution,
      at,
      ...(row.lead.birthday ? { dueIfNew: at } : {}),
    });
    const change: RowChange = { customerId, created: true, fields: profile, tags: row.lead.tags ?? [] };
    const { entry, marker } = recordItems(deps, row, change, ctx, at);
    const isNew = "attribute_not_exists(PK)";
    writes.push(
      { Put: { TableName: deps.table, Item: { ...emailKey(row.lead.email), type: "email", customerId }, ConditionExpression: isNew } },
      { Put: { TableName: deps.table, Item: customer, ConditionExpression: isNew } },
      { Put: { TableName: deps.table, Item: marker, ConditionExpression: isNew } },
      { Put: { TableName: deps.table, Item: entry } },
    );
  }
  try {
    await deps.db.send(new TransactWriteCommand({ TransactItems: writes }));
  } catch (err) {
    // A cancelled group wrote nothing; a refused one (a request DynamoDB finds invalid as a whole)
    // neither: row by row, each row gets its own outcome.
    if (cancellationCodes(err) || isThrottledOrConflicting(err) || (err as Error).name === "ValidationException")
      return { left: items, throttled: isThrottledOrConflicting(err) };
    throw err;
  }
  for (const { state } of items) state.outcome = "created";
  return { left: [], throttled: false };
}

/** A failure that belongs to one row (it goes to the error report; the import goes on). */
export class RowFailure extends Error {
  override name = "RowFailure";
}

/** Rows read together with BatchGetItem (its limit is 100 keys). */
export const PREFETCH_ROWS = 100;

type Key = TableKey;
const keyString = (key: Key) => `${key.PK}\u0000${key.SK}`;

/** BatchGetItem over any number of keys, retrying what DynamoDB leaves unprocessed. */
async function batchGet(deps: Deps, keys: Key[], consistent: boolean): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < keys.length; i += 100) {
    let request: Key[] = keys.slice(i, i + 100);
    for (let attempt = 0; request.length; attempt++) {
      if (attempt) await sleep(Math.min(2000, 50 * 2 ** attempt));
      const result = await deps.db.send(new BatchGetCommand({ RequestItems: { [deps.table]: { Keys: request, ConsistentRead: consistent } } }));
      for (const item of result.Responses?.[deps.table] ?? []) found.set(keyString(item as Key), item);
      request = (result.UnprocessedKeys?.[deps.table]?.Keys ?? []) as Key[];
    }
  }
  return found;
}

/**
 * Reads what a batch of rows needs before they go to the workers, in two BatchGetItem calls
 * instead of one to three GetItems per row: the email lookups, then for the known addresses the
 * row's marker and the customer. A row whose email came earlier in this run is left out: the
 * earlier row may change that customer first, so its worker reads afresh.
 */
export async function prefetch(deps: Deps, items: { row: ImportRow; state: RowState }[], seen: Set<string>): Promise<void> {
  const fresh = items.filter(({ row }) => {
    const first = !seen.has(row.lead.email);
    seen.add(row.lead.email);
    return first;
  });
  if (fresh.length === 0) return;
  const lookups = await batchGet(
    deps,
    fresh.map(({ row }) => emailKey(row.lead.email)),
    false,
  );
  const ids = new Map(fresh.map(({ row }) => [row.id, lookups.get(keyString(emailKey(row.lead.email)))?.customerId as string | undefined]));
  const known = fresh.filter(({ row }) => ids.get(row.id));
  const details = await batchGet(
    deps,
    known.flatMap(({ row }) => [markerKey(row.id), customerKey(ids.get(row.id)!)]),
    true,
  );
  for (const { row, state } of fresh) {
    const customerId = ids.get(row.id);
    const item = customerId ? (details.get(keyString(customerKey(customerId))) as CustomerItem | undefined) : undefined;
    state.known = { ...(customerId ? { customerId } : {}), imported: details.has(keyString(markerKey(row.id))), ...(item ? { item } : {}) };
  }
}
