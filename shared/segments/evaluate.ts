import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { csvLine } from "../core/csv.ts";
import type { Deps } from "../core/deps.ts";
import type { Stage } from "../core/fields.ts";
import { PROFILE_FIELD_NAMES } from "../core/fields.ts";
import { getCustomerItems } from "../customers/repository.ts";
import { scoredSummary, type summarize } from "../customers/view.ts";
import { type CustomerItem, PROFILE_SK, STAGE_INDEX, stageQuery } from "../entities/customer.ts";
import { STAGES_KEY } from "../entities/report.ts";
import { decodeCursor, encodeCursor } from "../http/cursor.ts";
import { csvCells, EXPORT_COLUMNS } from "../import-export/export.ts";
import { attributesFor, isStageOnly, type MatchInput, matches, type SegmentDefinition, stagesFor } from "./match.ts";

/**
 * Evaluating a segment: which customers are its members now. It reads only customer profiles, by
 * querying the partitions of the stage index (access pattern 4) that can hold members — never a
 * Scan, which would also read every timeline entry, send, task and search item in the table — with
 * eventually consistent reads and a ProjectionExpression of just the attributes the conditions
 * need. A segment decided by the stage alone is counted from the stage counters without reading a
 * customer, and its page is read like a customer listing.
 */

/** What a member page shows of a customer (`summarize`), read for the page's customers only. */
const SUMMARY_ATTRIBUTES = [
  "id",
  "email",
  "firstName",
  "lastName",
  "company",
  "stage",
  "tags",
  "owner",
  "lastActivityAt",
  "createdAt",
  "leadScore",
  "leadScoreAt",
];
/** What the CSV export writes (`csvCells`, the columns `rapport export` writes). */
const EXPORT_ATTRIBUTES = [
  "id",
  "email",
  ...PROFILE_FIELD_NAMES,
  "tags",
  "consentMarketing",
  "consentAt",
  "consentSource",
  "attribution",
  "stage",
  "orders",
  "spendMinor",
  "currency",
  "createdAt",
  "lastActivityAt",
];

export interface Evaluation {
  /** The members, most recently active first, each with the projected attributes (and `GSI1SK`). */
  members: MatchInput[];
  /** Read request units the queries consumed, as DynamoDB reported them. */
  readUnits: number;
  /** Customers read. */
  scanned: number;
}

/**
 * Every member of the segment at `now`. Queries each stage partition that can hold members, in
 * parallel, a 1 MB page at a time; matches each customer with the pure matcher.
 */
export async function evaluateSegment(deps: Deps, definition: SegmentDefinition, extraAttributes: readonly string[] = []): Promise<Evaluation> {
  const now = deps.clock.now();
  const attributes = [...new Set([STAGE_INDEX.sortKey, "id", ...attributesFor(definition), ...extraAttributes])];
  const names = Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a]));
  const results = await Promise.all(stagesFor(definition).map((stage) => evaluateStage(deps, stage, definition, now, names)));
  const members = results.flatMap((r) => r.members).sort((a, b) => newestFirst(String(a.GSI1SK), String(b.GSI1SK)));
  return { members, readUnits: results.reduce((n, r) => n + r.readUnits, 0), scanned: results.reduce((n, r) => n + r.scanned, 0) };
}

/** Key ranges of one stage partition read at once: a big partition is read as this many pages in flight, not one after another. */
const SLICES = 8;

/**
 * One stage partition's members. The partition is cut into `SLICES` ranges of its sort key (last
 * activity, between the oldest and the newest found by two one-item Queries) read in parallel: a
 * partition of 100,000 profiles is over a hundred 1 MB pages, and reading them one after another
 * is what an evaluation's time is made of. Boundaries are bare instants, which sort before every
 * key of that instant (`<instant>#<id>`), so no customer falls in two ranges.
 */
async function evaluateStage(deps: Deps, stage: Stage, definition: SegmentDefinition, now: Date, names: Record<string, string>): Promise<Evaluation> {
  const edge = async (forward: boolean) => {
    const out = await deps.db.send(
      new QueryCommand({
        TableName: deps.table,
        ...stageQuery(stage),
        ScanIndexForward: forward,
        Limit: 1,
        ProjectionExpression: "#sk1",
        ExpressionAttributeNames: { "#sk1": STAGE_INDEX.sortKey },
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    const key = out.Items?.[0]?.[STAGE_INDEX.sortKey];
    return { at: typeof key === "string" ? Date.parse(key.slice(0, key.indexOf("#"))) : Number.NaN, readUnits: out.ConsumedCapacity?.CapacityUnits ?? 0 };
  };
  const [first, last] = await Promise.all([edge(true), edge(false)]);
  const edgeUnits = first.readUnits + last.readUnits;
  if (Number.isNaN(first.at) || Number.isNaN(last.at)) return { members: [], readUnits: edgeUnits, scanned: 0 };
  // "0" sorts before and "~" after every key; the cuts in between are instants.
  const cuts = ["0", ...Array.from({ length: SLICES - 1 }, (_, i) => new Date(first.at + ((last.at - first.at) * (i + 1)) / SLICES).toISOString()), "~"];
  const slices = await Promise.all(
    cuts.slice(1).map((until, i) => evaluateRange(deps, definition, now, names, stageQuery(stage, until, cuts[i]!), i === SLICES - 1 ? undefined : until)),
  );
  return {
    members: slices.flatMap((r) => r.members),
    readUnits: edgeUnits + slices.reduce((n, r) => n + r.readUnits, 0),
    scanned: slices.reduce((n, r) => n + r.scanned, 0),
  };
}

/** One key range of a stage partition, a 1 MB page at a time; `until` (BETWEEN includes it) is dropped should a key equal it. */
async function evaluateRange(
  deps: Deps,
  definition: SegmentDefinition,
  now: Date,
  names: Record<string, string>,
  query: ReturnType<typeof stageQuery>,
  until: string | undefined,
): Promise<Evaluation> {
  const members: MatchInput[] = [];
  let readUnits = 0;
  let scanned = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.table,
        ...query,
        // Only live profiles: a tombstone keeps no stage, but nothing else may ever be counted.
        FilterExpression: "#sk = :profile AND attribute_not_exists(#erased)",
        ProjectionExpression: Object.keys(names).join(", "),
        ExpressionAttributeNames: { ...names, "#sk": "SK", "#erased": "erasedAt" },
        ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ":profile": PROFILE_SK },
        ConsistentRead: false,
        ReturnConsumedCapacity: "TOTAL",
        ExclusiveStartKey: startKey,
      }),
    );
    readUnits += page.ConsumedCapacity?.CapacityUnits ?? 0;
    scanned += page.ScannedCount ?? 0;
    for (const item of page.Items ?? [])
      if (item[STAGE_INDEX.sortKey] !== until && matches(definition, item, now, { scoreHalfLifeDays: deps.config.leadScore.halfLifeDays })) members.push(item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { members, readUnits, scanned };
}

/** A page of members, with the number of all members. The cursor is the last member's stage index sort key. */
export async function segmentMembers(
  deps: Deps,
  definition: SegmentDefinition,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ count: number; items: ReturnType<typeof summarize>[]; nextCursor: string | null }> {
  const after = decodeCursor<{ before: string }>(page.cursor, ["before"]);
  if (isStageOnly(definition)) return stageOnlyMembers(deps, definition, page.limit, after?.before);
  const { members } = await evaluateSegment(deps, definition);
  const rest = after ? members.filter((m) => String(m.GSI1SK) < after.before) : members;
  const slice = rest.slice(0, page.limit);
  const items = await summaries(
    deps,
    slice.map((m) => String(m.id)),
  );
  const last = slice[slice.length - 1];
  return { count: members.length, items, nextCursor: rest.length > page.limit && last ? encodeCursor({ before: String(last.GSI1SK) }) : null };
}

/** Every member as CSV, in the columns `rapport export` writes (so the file imports back), most recently active first. */
export async function segmentCsv(deps: Deps, definition: SegmentDefinition): Promise<string> {
  const { members } = await evaluateSegment(deps, definition, EXPORT_ATTRIBUTES);
  return csvLine([...EXPORT_COLUMNS]) + members.map((m) => csvLine(csvCells(m as unknown as CustomerItem))).join("");
}

/**
 * A stage-only segment: its count is the stage counters' sum (no customer read) and a page is the
 * newest `limit` of its stages' partitions, merged, as the customer listing reads them.
 */
async function stageOnlyMembers(deps: Deps, definition: SegmentDefinition, limit: number, before: string | undefined) {
  const stages = stagesFor(definition);
  const [counts, perStage] = await Promise.all([
    // The stage counter the stream keeps (the funnel report's "now"): one GetItem. Read here rather
    // than through the reports module, which would bring the shipped campaigns into this bundle.
    deps.db.send(new GetCommand({ TableName: deps.table, Key: STAGES_KEY })).then((out) => (out.Item ?? {}) as Record<string, unknown>),
    Promise.all(
      stages.map(async (stage) => {
        const query = stageQuery(stage, before);
        const out = await deps.db.send(
          new QueryCommand({
            TableName: deps.table,
            ...query,
            FilterExpression: "SK = :profile AND attribute_not_exists(erasedAt)",
            ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ":profile": PROFILE_SK },
            ScanIndexForward: false,
            Limit: limit + 1,
          }),
        );
        return { items: (out.Items ?? []) as CustomerItem[], more: out.LastEvaluatedKey !== undefined };
      }),
    ),
  ]);
  const merged = perStage.flatMap((p) => p.items).sort((a, b) => newestFirst(a.GSI1SK, b.GSI1SK));
  const slice = merged.slice(0, limit);
  const last = slice[slice.length - 1];
  const more = merged.length > limit || perStage.some((p) => p.more);
  return {
    count: stages.reduce((n, s) => n + Math.max(0, typeof counts[s] === "number" ? counts[s] : 0), 0),
    items: slice.map(scoredSummary(deps)),
    nextCursor: more && last ? encodeCursor({ before: last.GSI1SK }) : null,
  };
}

/** The page's customers as summaries, in the page's order: one BatchGetItem of at most 100 profiles, projected. */
async function summaries(deps: Deps, ids: string[]): Promise<ReturnType<typeof summarize>[]> {
  if (ids.length === 0) return [];
  const found = await getCustomerItems(deps, ids, SUMMARY_ATTRIBUTES);
  // A customer erased since the evaluation is simply no longer on the page.
  return ids.flatMap((id) => {
    const item = found.get(id);
    return item ? [scoredSummary(deps)(item)] : [];
  });
}

/** Most recently active first: descending stage index sort keys. */
function newestFirst(x: string, y: string): number {
  return x < y ? 1 : x > y ? -1 : 0;
}
