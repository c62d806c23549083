import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type * as z from "zod/mini";
import { isConditionFailed, queryAll } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { NotFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import type { By } from "../customers/schema.ts";
import { segmentId, segmentKey, segmentsQuery } from "../entities/segment.ts";
import type { Segment, SegmentInput } from "./schema.ts";

/** Saved segments: a handful of small items in one partition (shared/entities/segment.ts). */

interface SegmentItem extends Segment {
  PK: string;
  SK: string;
  type: "segment";
  by: By;
}

/** Saves a new segment; its members are evaluated whenever they are asked for. */
export async function createSegment(deps: Deps, input: z.output<typeof SegmentInput>, by: By): Promise<Segment> {
  const now = deps.clock.now().toISOString();
  const id = segmentId(ulid(deps.clock));
  const item: SegmentItem = { ...segmentKey(id), type: "segment", id, ...definitionOf(input), createdAt: now, updatedAt: now, by };
  await deps.db.send(new PutCommand({ TableName: deps.table, Item: item, ConditionExpression: "attribute_not_exists(PK)" }));
  return present(item);
}

/** Every saved segment, by name. */
export async function listSegments(deps: Deps): Promise<{ items: Segment[] }> {
  const items: Segment[] = [];
  for await (const item of queryAll(deps.db, { TableName: deps.table, ...segmentsQuery() })) items.push(present(item as unknown as SegmentItem));
  items.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return { items };
}

/** @throws NotFound when there is no such segment. */
export async function getSegment(deps: Deps, id: string): Promise<Segment> {
  const out = await deps.db.send(new GetCommand({ TableName: deps.table, Key: segmentKey(id) }));
  if (!out.Item) throw new NotFound(`no segment ${id}`);
  return present(out.Item as SegmentItem);
}

/**
 * Replaces a segment's name and conditions (a PUT: the whole definition), keeping when it was created.
 *
 * @throws NotFound when there is no such segment.
 */
export async function replaceSegment(deps: Deps, id: string, input: z.output<typeof SegmentInput>, by: By): Promise<Segment> {
  const current = await getSegment(deps, id);
  const item: SegmentItem = {
    ...segmentKey(id),
    type: "segment",
    id,
    ...definitionOf(input),
    createdAt: current.createdAt,
    updatedAt: deps.clock.now().toISOString(),
    by,
  };
  try {
    await deps.db.send(new PutCommand({ TableName: deps.table, Item: item, ConditionExpression: "attribute_exists(PK)" }));
  } catch (err) {
    // Deleted between the read and the write: a PUT must not bring it back.
    if (isConditionFailed(err)) throw new NotFound(`no segment ${id}`);
    throw err;
  }
  return present(item);
}

/** @throws NotFound when there is no such segment. */
export async function deleteSegment(deps: Deps, id: string): Promise<void> {
  try {
    await deps.db.send(new DeleteCommand({ TableName: deps.table, Key: segmentKey(id), ConditionExpression: "attribute_exists(PK)" }));
  } catch (err) {
    if (isConditionFailed(err)) throw new NotFound(`no segment ${id}`);
    throw err;
  }
}

function definitionOf(input: z.output<typeof SegmentInput>): Pick<Segment, "name" | "match" | "conditions"> {
  return { name: input.name, match: input.match, conditions: input.conditions.map(({ field, op, value }) => ({ field, op, value })) };
}

function present(item: SegmentItem): Segment {
  return { id: item.id, name: item.name, match: item.match, conditions: item.conditions, createdAt: item.createdAt, updatedAt: item.updatedAt };
}
