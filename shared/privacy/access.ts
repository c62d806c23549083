import { queryAll } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { NotFound } from "../core/errors.ts";
import { fromMinor } from "../core/money.ts";
import { getCustomerItem } from "../customers/repository.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { customerPk, ERASED_SK, PROFILE_SK } from "../entities/customer.ts";
import { SEND_PREFIX } from "../entities/send.ts";
import { STORAGE_ATTRIBUTES } from "../entities/table.ts";
import { TIMELINE_PREFIX } from "../entities/timeline.ts";
import { getSuppression } from "../mail-feedback/suppression.ts";
import { getTombstone, heldSubmissionsFrom } from "./erasure.ts";
import type { CustomerExport } from "./schema.ts";

/** Items per Query page while reading the customer's partition. */
const PAGE_SIZE = 100;

/** Timeline entries that change or record marketing consent besides those carrying a consent statement. */
const CONSENT_KINDS = new Set(["unsubscribed", "resubscribed", "consent_confirmed", "email_complained"]);

const DESCRIPTION =
  "Everything Rapport holds about one customer (GDPR art. 15: right of access), one section per kind of record, each with its own description. " +
  "Times are ISO 8601 in UTC. Not listed: idempotency records of API requests, which hold only the customer id and expire within 24 hours, " +
  "and the copies of sent emails kept by the email provider.";

/**
 * Everything held about a customer, as one JSON document: profile, consent (now, and the ledger
 * of timeline entries that granted, confirmed or withdrew it), the whole timeline, the send
 * ledger, suppression status, the external ids of their orders and events, and any other record
 * in their partition. Reads the partition a page at a time, so a long timeline is complete.
 *
 * An erased customer's export is what is still held: the tombstone (ids and counts). An id that
 * never existed is a `NotFound`.
 */
export async function exportCustomer(deps: Deps, customerId: string): Promise<CustomerExport> {
  const generatedAt = deps.clock.now().toISOString();
  const profile = await getCustomerItem(deps, customerId, true);
  if (!profile) {
    const tombstone = await getTombstone(deps, customerId);
    if (!tombstone) throw new NotFound(`no customer ${customerId}`);
    return {
      customerId,
      generatedAt,
      description: DESCRIPTION,
      erased: {
        description:
          "This customer was erased (GDPR art. 17). All that is kept is this record: no contact details, no timeline; counts only, so reports stay right.",
        record: {
          id: tombstone.id,
          stage: tombstone.stage,
          orders: tombstone.orders,
          lifetimeSpend: fromMinor(tombstone.spendMinor, tombstone.currency),
          currency: tombstone.currency,
          createdAt: tombstone.createdAt,
          erasedAt: tombstone.erasedAt,
        },
      },
    };
  }

  const entries: Entry[] = [];
  const sends: Record<string, unknown>[] = [];
  const others: Record<string, unknown>[] = [];
  for await (const item of partitionItems(deps, customerId)) {
    const sk = String(item.SK);
    if (sk === PROFILE_SK || sk === ERASED_SK) continue;
    if (sk.startsWith(TIMELINE_PREFIX)) entries.push(toEntry(item));
    else if (sk.startsWith(SEND_PREFIX)) sends.push(withoutStorage(item));
    else others.push({ record: sk.split("#")[0], ...withoutStorage(item) });
  }
  const [suppression, held] = profile.email
    ? await Promise.all([getSuppression(deps, profile.email), heldSubmissionsFrom(deps, profile.email)])
    : [undefined, []];

  return {
    customerId,
    generatedAt,
    description: DESCRIPTION,
    profile: {
      description:
        "The customer record: email address, profile fields, tags, owner, lifecycle stage, order count and lifetime spend (in minor units: cents), first-touch attribution, " +
        "and the state the retention campaigns keep (when each campaign last went out, what is due next).",
      record: withoutStorage(profile as unknown as Record<string, unknown>),
    },
    consent: {
      description:
        "Marketing consent now, and the consent ledger: every timeline entry that gave, confirmed or withdrew consent (with its time, source, wording version and the client IP it came from), " +
        "and unsubscribes, resubscribes and spam complaints.",
      current: consentNow(profile),
      ledger: entries.filter((e) => e.data?.consent !== undefined || CONSENT_KINDS.has(e.type)),
    },
    timeline: {
      description:
        "Every timeline entry, oldest first: form submissions (with the message, attribution and browser), orders and other interactions, emails sent, deliveries, opens and clicks, " +
        "feedback scores and comments, stage changes and profile edits.",
      entries,
    },
    emailsSent: {
      description:
        "The send ledger: one record per campaign email (campaign, occurrence, status, subject, the email provider's message id), kept so that no email goes out twice.",
      items: sends,
    },
    suppression: {
      description:
        "Whether the email address is on the suppression list (after an unsubscribe, a permanent bounce or a spam complaint), which stops all email to it. The list is keyed by a hash of the address.",
      suppressed: suppression !== undefined,
      ...(suppression ? { reason: suppression.reason, at: suppression.at } : {}),
    },
    externalIds: {
      description: "Ids that other systems (a shop, a helpdesk) gave the orders and events they reported, which make a redelivered report count once.",
      items: entries.flatMap((e) =>
        typeof e.data?.externalId === "string"
          ? [{ externalId: e.data.externalId, type: e.type, at: e.at, ...(typeof e.data.eventId === "string" ? { eventId: e.data.eventId } : {}) }]
          : [],
      ),
    },
    heldSubmissions: {
      description:
        "Form submissions from this address held back as suspected bots (not yet part of the record), with what was submitted and where from; they expire 30 days after they were held.",
      items: held.map(withoutStorage),
    },
    otherRecords: {
      description: "Other records kept with the customer, such as the markers that tie a feedback link to the timeline entry its score was recorded in.",
      items: others,
    },
  };
}

interface Entry {
  id: string;
  at: string;
  type: string;
  summary?: string;
  text?: string;
  data?: Record<string, unknown>;
  updatedAt?: string;
}

/**
 * One timeline entry as the customer sees it. The words of a call, meeting or note are about
 * them, so they are in; who on the team logged it (`by`) is about the team, so it is not.
 */
function toEntry(item: Record<string, unknown>): Entry {
  return {
    id: String(item.id),
    at: String(item.at),
    type: String(item.kind),
    ...(item.summary ? { summary: String(item.summary) } : {}),
    ...(item.text ? { text: String(item.text) } : {}),
    ...(item.data ? { data: plain(item.data) as Record<string, unknown> } : {}),
    ...(item.updatedAt ? { updatedAt: String(item.updatedAt) } : {}),
  };
}

function consentNow(profile: CustomerItem): Record<string, unknown> {
  return {
    marketing: profile.consentMarketing === true,
    ...(profile.consentAt ? { updatedAt: profile.consentAt, version: profile.consentVersion, source: profile.consentSource } : {}),
    ...(profile.consentConfirmedAt ? { confirmedAt: profile.consentConfirmedAt } : {}),
    ...(profile.consentPending ? { pending: profile.consentPending } : {}),
    emailStatus: profile.emailStatus ?? "ok",
    ...(profile.unsubscribedAt ? { unsubscribedAt: profile.unsubscribedAt } : {}),
  };
}

function withoutStorage(item: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) if (!STORAGE_ATTRIBUTES.has(name)) out[name] = plain(value);
  return out;
}

/** DynamoDB sets (tags) as sorted arrays, so the document is plain JSON. */
function plain(value: unknown): unknown {
  if (value instanceof Set) return [...value].sort();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** Every item of the customer's partition, in sort key order, a Query page at a time. */
function partitionItems(deps: Deps, customerId: string): AsyncGenerator<Record<string, unknown>> {
  return queryAll(deps.db, {
    TableName: deps.table,
    KeyConditionExpression: "PK = :pk",
    ExpressionAttributeValues: { ":pk": customerPk(customerId) },
    Limit: PAGE_SIZE,
  });
}
