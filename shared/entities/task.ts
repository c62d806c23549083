import { customerPk, STAGE_INDEX } from "./customer.ts";
import type { TableKey } from "./table.ts";

/**
 * Keys of tasks. A task belongs to a customer and lives in the customer's own partition, so
 * erasing the customer (which deletes the whole partition) takes their tasks with it.
 *
 * Access pattern 19 (numbered as in shared/entities/table.ts):
 * - Get a task by its id: `PK = CUST#<customerId>, SK = TASK#<taskUlid>` (GetItem). The task id
 *   carries the customer's id (`tsk_<customer ulid><task ulid>`), so no lookup item outside the
 *   customer's partition is needed, and erasure leaves nothing behind.
 * - A customer's tasks: Query `PK = CUST#<id>`, `begins_with(SK, "TASK#")`.
 * - "Today", one person's open tasks by due time, overdue first: GSI1 (overloaded, it projects
 *   everything) with `GSI1PK = TASKS#<assignee>, GSI1SK = <dueAt>#<taskId>`, Query
 *   `GSI1SK < <end of day>` ascending. The index keys sit on a small Today entry beside the task
 *   (`SK = TODAY#<taskUlid>`: id, title, due time, assignee), not on the task itself, because GSI1
 *   projects whole items and a query pays for every byte it reads: notes and history would make
 *   Today cost more. Sparse: only an open task has an entry, so done tasks never cost the query
 *   anything, however many there are.
 */
/**
 * The assignee of a task nobody in particular was given: an alert raised where there is no person
 * to give it to (no user pool, or nobody in the team yet). Its tasks are one shared list that
 * everyone sees on Today (`GET /v1/tasks?assignee=unassigned`) until someone takes one.
 * Never a person's id: those are Cognito `sub`s (UUIDs).
 */
export const UNASSIGNED = "unassigned";

export const TASK_PREFIX = "TASK#";
export const TODAY_PREFIX = "TODAY#";
export const TASK_ID_PATTERN = /^tsk_[0-9A-HJKMNP-TV-Z]{52}$/;

/** A new task id for a task of `customerId` (`cus_<ulid>`) with its own ulid. */
export function taskId(customerId: string, taskUlid: string): string {
  return `tsk_${customerId.slice("cus_".length)}${taskUlid}`;
}

/** The customer a task id belongs to. */
export function taskCustomerId(id: string): string {
  return `cus_${id.slice(4, 30)}`;
}

export function taskKey(id: string): TableKey {
  return { PK: customerPk(taskCustomerId(id)), SK: `${TASK_PREFIX}${id.slice(30)}` };
}

/** The Today entry of an open task: beside it in the customer's partition, so erasure removes it too. */
export function todayEntryKey(id: string): TableKey {
  return { PK: customerPk(taskCustomerId(id)), SK: `${TODAY_PREFIX}${id.slice(30)}` };
}

/** The "Today" index keys of an open task's entry. */
export function openTaskIndexKey(assignee: string, dueAt: string, id: string): { GSI1PK: string; GSI1SK: string } {
  return { GSI1PK: assigneePartition(assignee), GSI1SK: `${dueAt}#${id}` };
}

export function assigneePartition(assignee: string): string {
  return `TASKS#${assignee}`;
}

/**
 * The "Today" index: GSI1, which it shares with the stage index (`STAGE#…` and `TASKS#…`
 * partitions never meet), so no new index is paid for.
 */
export const TODAY_INDEX = STAGE_INDEX;

/** The Query of one person's open tasks, with `before` those due before that sort key, without the table name. */
export function todayQuery(assignee: string, before?: string) {
  return {
    IndexName: TODAY_INDEX.name,
    KeyConditionExpression: before ? "GSI1PK = :pk AND GSI1SK < :end" : "GSI1PK = :pk",
    ExpressionAttributeValues: { ":pk": assigneePartition(assignee), ...(before ? { ":end": before } : {}) } as Record<string, unknown>,
  };
}

/** The sort key bound for "due before `at`": every open task due earlier sorts below it. */
export function dueBefore(at: string): string {
  return `${at}#`;
}
