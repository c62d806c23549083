import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";

/**
 * A newsletter's start, on AWS a one-time EventBridge Scheduler schedule: `at(<nextAt>)`, deleted
 * by the Scheduler after it ran. A newsletter has one schedule per `nextAt` value (its first send
 * time, then each later zone's or deferral's time), named after both, so creating one is
 * idempotent (a stream replay finds it there) and a moved time deletes the old one.
 */
export interface BroadcastSchedules {
  /** Creates the schedule that starts `id` at `at`; one that exists already is left as it is. */
  create(id: string, at: string): Promise<void>;
  /** Deletes it; one already gone (it ran, or was never made) is fine. */
  remove(id: string, at: string): Promise<void>;
}

/** The schedule's name: the newsletter id and the time, within the Scheduler's 64 characters of `[0-9a-zA-Z-_.]`. */
export function scheduleName(id: string, at: string): string {
  return `${id}-${Math.floor(Date.parse(at) / 1000)}`;
}

/** What a change of a newsletter's item asks of the schedules. */
export interface ScheduleChange {
  create?: { id: string; at: string };
  remove?: { id: string; at: string };
}

type Image = { id?: string; state?: string; nextAt?: string };

/**
 * The schedule work for one stream record of a newsletter's item (`BROADCAST` / `<id>`): a new or
 * moved `nextAt` while scheduled or sending creates its schedule; the old `nextAt` (moved, or the
 * newsletter cancelled) is deleted. A record that changes neither (its counters) asks nothing.
 */
export function scheduleChange(record: DynamoDBRecord): ScheduleChange {
  const image = (raw: unknown): Image => (raw ? (unmarshall(raw as Record<string, AttributeValue>) as Image) : {});
  const before = image(record.dynamodb?.OldImage);
  const after = image(record.dynamodb?.NewImage);
  const id = after.id ?? before.id;
  if (!id) return {};
  const live = after.state === "scheduled" || after.state === "sending";
  const change: ScheduleChange = {};
  if (live && after.nextAt && after.nextAt !== before.nextAt) change.create = { id, at: after.nextAt };
  if (before.nextAt && (before.nextAt !== after.nextAt || !live)) change.remove = { id, at: before.nextAt };
  return change;
}
