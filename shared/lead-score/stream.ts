import { createHash } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { isConditionFailed, Update } from "../aws/db.ts";
import type { LeadScoreConfig } from "../core/config.ts";
import type { Deps } from "../core/deps.ts";
import { CUSTOMER_PREFIX, type CustomerItem, customerKey, customerUpdate } from "../entities/customer.ts";
import { scoreEntry, scoreEntryKey } from "../entities/lead-score.ts";
import { deterministicEntryId, TIMELINE_PREFIX, timelineKey } from "../entities/timeline.ts";
import { raiseAlerts } from "../retention/raise.ts";
import { type Activity, applyActivities, keyPageOf, type LeadScoreSource, leadScoreNow, type Scored, type ScoreState } from "./score.ts";

/**
 * The lead score's part of the table's stream consumer (functions/reports-stream.ts calls it). The
 * facts that score are timeline entries every writer already makes, so scoring costs the request
 * path nothing:
 *
 * - `form_submitted` (POST /v1/leads, the embeddable form): `form`;
 * - `visit` (website tracking): `page`, once per key page pattern per visit, from the page the
 *   entry says was viewed last when it was written (and the first page, on its first write);
 * - `email_clicked` (SES click events): `click`; `email_reply`: `reply`; `purchase` (the API,
 *   imports, shop webhooks): `purchase`.
 *
 * Per customer and batch: consistent reads of the profile and of the score item, one Put of the
 * score item (conditional on its revision, so two writers never lose points; it is also the sort
 * entry), one UpdateItem of the profile's copy of the score. Replays count once: each activity's
 * key (from the entry's key, so the same on every delivery) goes into the score item's log, and a
 * key already there scores nothing.
 * A crossing of the hot threshold by a customer who is not buying (`HOT_LEAD_STAGES`) also writes
 * a `hot_lead` timeline entry (the outbox's `HotLead` event) and a task for the customer's owner,
 * both keyed by the activity that crossed, before the score itself, so a retried batch finds them
 * made rather than making them twice.
 */
export async function applyLeadScoreRecords(deps: Deps, records: readonly DynamoDBRecord[]): Promise<{ scored: number; writes: number }> {
  const config = deps.config.leadScore;
  const byCustomer = new Map<string, Activity[]>();
  for (const record of records) {
    for (const { customerId, activity } of activitiesOf(record, config)) {
      const list = byCustomer.get(customerId) ?? [];
      list.push(activity);
      byCustomer.set(customerId, list);
    }
  }
  let scored = 0;
  let writes = 0;
  for (const [customerId, activities] of byCustomer) {
    const outcome = await scoreCustomer(deps, customerId, activities);
    scored += outcome.scored;
    writes += outcome.writes;
  }
  return { scored, writes };
}

/** Timeline entry kinds that score, and their source; `visit` is decided by its page. */
const SOURCES: Record<string, LeadScoreSource> = {
  form_submitted: "form",
  email_clicked: "click",
  email_reply: "reply",
  purchase: "purchase",
};

function image(raw: unknown): Record<string, unknown> | undefined {
  try {
    return raw && typeof raw === "object" ? unmarshall(raw as Record<string, AttributeValue>) : undefined;
  } catch {
    return undefined;
  }
}

/** A short, stable key for an activity (the customer's log keeps a dozen of them, so they stay small). */
function activityKey(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000"), "utf8").digest("base64url").slice(0, 12);
}

/** What one stream record scores: nothing, or one activity of one customer. Never throws on a malformed image. */
export function activitiesOf(record: DynamoDBRecord, config: LeadScoreConfig): { customerId: string; activity: Activity }[] {
  if (record.eventName !== "INSERT" && record.eventName !== "MODIFY") return [];
  const keys = image(record.dynamodb?.Keys);
  const pk = keys?.PK;
  const sk = keys?.SK;
  if (typeof pk !== "string" || !pk.startsWith(CUSTOMER_PREFIX) || typeof sk !== "string" || !sk.startsWith(TIMELINE_PREFIX)) return [];
  const next = image(record.dynamodb?.NewImage);
  if (!next || typeof next.kind !== "string" || typeof next.at !== "string") return [];
  const customerId = pk.slice(CUSTOMER_PREFIX.length);
  const source = SOURCES[next.kind];
  if (source) return record.eventName === "INSERT" ? [{ customerId, activity: { key: activityKey(sk), source, at: next.at } }] : [];
  if (next.kind !== "visit" || config.keyPages.length === 0) return [];
  // A visit's entry is rewritten on every page view: a new last page (or last view time) is a view.
  const data = (next.data ?? {}) as { lastAt?: unknown; lastPath?: unknown; entryPath?: unknown };
  const before = (image(record.dynamodb?.OldImage)?.data ?? {}) as { lastAt?: unknown; lastPath?: unknown };
  if (typeof data.lastAt !== "string") return [];
  if (record.eventName === "MODIFY" && before.lastAt === data.lastAt && before.lastPath === data.lastPath) return [];
  const paths = [data.lastPath, ...(record.eventName === "INSERT" ? [data.entryPath] : [])].filter((p): p is string => typeof p === "string");
  const found = new Set(paths.map((p) => keyPageOf(p, config.keyPages)).filter((p) => p !== undefined));
  return [...found].map((pattern) => ({ customerId, activity: { key: activityKey(sk, pattern), source: "page" as const, at: data.lastAt as string } }));
}

/**
 * The stages in which a crossing is a hot lead (a task and an event): people who are not buying
 * now, leads and those who stopped. A customer who buys keeps their score (it ranks them and
 * segments read it), but their purchases crossing the threshold are not somebody's call to make:
 * a shop's every second repeat buyer would put a task on the owner's Today.
 */
const HOT_LEAD_STAGES: ReadonlySet<string> = new Set(["lead", "at_risk", "churned"]);

/** Attempts at the optimistic write before the batch is failed (and delivered again). */
const ATTEMPTS = 3;

async function scoreCustomer(deps: Deps, customerId: string, activities: Activity[]): Promise<{ scored: number; writes: number }> {
  const config = deps.config.leadScore;
  let writes = 0;
  for (let attempt = 1; ; attempt++) {
    const [customer, stored] = await Promise.all([
      deps.db
        .send(new GetCommand({ TableName: deps.table, Key: customerKey(customerId), ConsistentRead: true }))
        .then((r) => r.Item as CustomerItem | undefined),
      deps.db
        .send(new GetCommand({ TableName: deps.table, Key: scoreEntryKey(customerId), ConsistentRead: true }))
        .then((r) => r.Item as ScoreState | undefined),
    ]);
    // An erased (or never stored) customer gets nothing.
    if (!customer) return { scored: 0, writes };
    const now = deps.clock.now();
    const result = applyActivities(stored ?? {}, activities, config, now);
    if (!result) {
      // All seen before: a replay. The profile's copy may be what a crash left unwritten.
      if (stored && customer.leadScoreAt !== stored.leadScoreAt) writes += await copyToProfile(deps, customerId, stored);
      return { scored: 0, writes };
    }
    if (result.crossed && HOT_LEAD_STAGES.has(customer.stage)) writes += await announceHot(deps, { ...customer, ...result.state }, result, now);
    try {
      // The commit point: the activities' keys go into the log with the points.
      await deps.db.send(
        new PutCommand({
          TableName: deps.table,
          Item: scoreEntry(customerId, result.state, config.halfLifeDays),
          ConditionExpression: stored?.leadScoreRev === undefined ? "attribute_not_exists(PK)" : "leadScoreRev = :rev",
          ...(stored?.leadScoreRev === undefined ? {} : { ExpressionAttributeValues: { ":rev": stored.leadScoreRev } }),
        }),
      );
      writes++;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      // Another writer scored this customer since the read: read again.
      if (attempt >= ATTEMPTS) throw new Error("lead score changed concurrently; the batch is retried");
      continue;
    }
    const copied = await copyToProfile(deps, customerId, result.state);
    // Refused because the profile is gone: the customer was erased between the read and the
    // Put, after the erasure's last sweep of the partition. The entry must not outlive them.
    if (copied === 0 && !(await profileExists(deps, customerId))) {
      await deps.db.send(new DeleteCommand({ TableName: deps.table, Key: scoreEntryKey(customerId) }));
      return { scored: 0, writes: writes + 1 };
    }
    return { scored: result.counted.length, writes: writes + copied };
  }
}

async function profileExists(deps: Deps, customerId: string): Promise<boolean> {
  const read = await deps.db.send(new GetCommand({ TableName: deps.table, Key: customerKey(customerId), ConsistentRead: true, ProjectionExpression: "PK" }));
  return read.Item !== undefined;
}

/**
 * The score and its instant onto the profile, where lists, the stage index and segments read it;
 * never over a later one, never onto an erased customer.
 */
async function copyToProfile(deps: Deps, customerId: string, state: ScoreState): Promise<number> {
  const update = new Update()
    .set("leadScore", state.leadScore)
    .set("leadScoreAt", state.leadScoreAt)
    .when("attribute_exists(PK)")
    .when((name, value) => `attribute_not_exists(${name("leadScoreAt")}) OR ${name("leadScoreAt")} <= ${value(state.leadScoreAt)}`);
  try {
    await deps.db.send(new UpdateCommand(customerUpdate(deps.table, customerId, update)));
    return 1;
  } catch (err) {
    if (isConditionFailed(err)) return 0;
    throw err;
  }
}

/**
 * A crossing of the hot threshold: a `hot_lead` timeline entry (whose stream record is the
 * outbox's `HotLead` event) and a task for the customer's owner. Both keyed by the activity
 * that crossed, so a retry writes neither twice.
 */
async function announceHot(deps: Deps, customer: CustomerItem & ScoreState, result: Scored, now: Date): Promise<number> {
  const config = deps.config.leadScore;
  const last = result.counted[result.counted.length - 1]!;
  const score = leadScoreNow(result.state, config.halfLifeDays, now);
  const id = deterministicEntryId("hot_lead", customer.id, last.key);
  const at = now.toISOString();
  let writes = 0;
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.table,
        Item: {
          ...timelineKey(customer.id, last.at, id),
          type: "timeline",
          id,
          kind: "hot_lead",
          at: last.at,
          summary: `Became a hot lead: score ${Math.round(score)} (threshold ${config.hotThreshold})`,
          data: { score, threshold: config.hotThreshold, source: last.source },
        },
        ConditionExpression: "attribute_not_exists(PK)",
      }),
    );
    writes++;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
  const created = await raiseAlerts(deps, [{ alert: { customerId: customer.id, reason: "hot-lead", occurrence: last.key, dueAt: at }, customer }], { at });
  return writes + created * 2;
}
