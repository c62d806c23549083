import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type * as z from "zod/mini";
import { listPeople } from "../auth/people.ts";
import { cancellationCodes, isConditionFailed } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { Conflict, NotFound, ValidationError } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import type { By } from "../customers/schema.ts";
import { customerKey, customerPk } from "../entities/customer.ts";
import { dueBefore, openTaskIndexKey, TASK_PREFIX, taskCustomerId, taskId, taskKey, todayEntryKey, todayQuery, UNASSIGNED } from "../entities/task.ts";
import type { Principal } from "../http/http.ts";
import { byOf } from "../http/http.ts";
import type { Task, TaskInput, TaskPatch } from "./schema.ts";

/** A task as stored: the API shape without `overdue` (a matter of when it is read), plus keys. */
interface TaskItem extends Omit<Task, "overdue"> {
  PK: string;
  SK: string;
  type: "task";
  createdBy?: By;
}

/** What Today shows of an open task, and all its index entry holds. */
interface TodayEntry {
  id: string;
  title: string;
  dueAt: string;
  assignee: string;
}

/** More than a person could work through in a day; Today shows this many at most. */
const TODAY_LIMIT = 100;

/**
 * Who `assignee` stands for: `me` (or nothing) is the caller, who must be a person; otherwise a
 * person of the team by id or email. A 400 naming `assignee` for anyone else, so a task never
 * lands on nobody's list.
 */
export async function resolveAssignee(deps: Deps, principal: Principal, assignee: string | undefined): Promise<string> {
  if (assignee === undefined || assignee === "me") {
    if (principal.type !== "person") throw ValidationError.field("assignee", 'an API key has no "me": name a person by id or email');
    return principal.id;
  }
  if (assignee === UNASSIGNED) return UNASSIGNED;
  if (principal.type === "person" && assignee === principal.id) return assignee;
  const wanted = assignee.toLowerCase();
  const person = (await listPeople(deps)).find((p) => p.id === assignee || p.email.toLowerCase() === wanted);
  if (!person) throw ValidationError.field("assignee", "is nobody in the team (give a person's id or email, or me)");
  return person.id;
}

/**
 * Creates an open task for a customer. The customer's profile is checked in the same
 * transaction, so a task never lands on an erased or unknown customer.
 *
 * @throws NotFound when there is no such customer.
 */
export async function createTask(deps: Deps, input: z.output<typeof TaskInput>, principal: Principal): Promise<Task> {
  const assignee = await resolveAssignee(deps, principal, input.assignee);
  const now = deps.clock.now().toISOString();
  const id = taskId(input.customerId, ulid(deps.clock));
  const dueAt = input.dueAt ? new Date(input.dueAt).toISOString() : now;
  const by = byOf(principal);
  const item: TaskItem = {
    ...taskKey(id),
    type: "task",
    id,
    customerId: input.customerId,
    title: input.title,
    ...(input.notes ? { notes: input.notes } : {}),
    dueAt,
    assignee,
    status: "open",
    createdAt: now,
    updatedAt: now,
    by,
    createdBy: by,
  };
  if ((await writeNewTask(deps, item)) === "no_customer") throw new NotFound(`no customer ${input.customerId}`);
  return present(deps, item);
}

/** What the system writes for an alert: a task with an id fixed by the alert, so it is written once. */
export interface SystemTask {
  id: string;
  title: string;
  notes?: string;
  dueAt: string;
  assignee: string;
}

/**
 * Creates an open task raised by Rapport itself (an alert), unless a task with this id was ever
 * written: the id is derived from the alert, so a repeated sweep or a redelivered event never
 * makes a second one, and one already completed stays completed. With `refreshNotes`, an existing
 * task's notes are brought up to date instead (a comment that arrived after the score).
 *
 * @returns `created`, `exists` (nothing new, or only the notes refreshed) or `no_customer` (erased meanwhile).
 */
export async function createSystemTask(deps: Deps, task: SystemTask, at: string, refreshNotes = false): Promise<"created" | "exists" | "no_customer"> {
  const item: TaskItem = {
    ...taskKey(task.id),
    type: "task",
    id: task.id,
    customerId: taskCustomerId(task.id),
    title: task.title,
    ...(task.notes ? { notes: task.notes } : {}),
    dueAt: task.dueAt,
    assignee: task.assignee,
    status: "open",
    createdAt: at,
    updatedAt: at,
  };
  const outcome = await writeNewTask(deps, item);
  if (outcome === "exists" && refreshNotes && task.notes) {
    await deps.db
      .send(
        new UpdateCommand({
          TableName: deps.table,
          Key: taskKey(task.id),
          UpdateExpression: "SET notes = :notes, updatedAt = :at",
          ConditionExpression: "attribute_exists(PK) AND (attribute_not_exists(notes) OR notes <> :notes)",
          ExpressionAttributeValues: { ":notes": task.notes, ":at": at },
        }),
      )
      .catch((err) => {
        if (!isConditionFailed(err)) throw err;
      });
  }
  return outcome;
}

/**
 * The task and its Today entry, if the customer exists and no task has this id: one transaction,
 * so a task never lands on an erased customer and a repeat never overwrites one.
 */
async function writeNewTask(deps: Deps, item: TaskItem): Promise<"created" | "exists" | "no_customer"> {
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { ConditionCheck: { TableName: deps.table, Key: customerKey(item.customerId), ConditionExpression: "attribute_exists(PK)" } },
          { Put: { TableName: deps.table, Item: item, ConditionExpression: "attribute_not_exists(PK)" } },
          { Put: { TableName: deps.table, Item: todayEntry(item) } },
        ],
      }),
    );
    return "created";
  } catch (err) {
    const codes = cancellationCodes(err);
    if (codes?.[0] === "ConditionalCheckFailed") return "no_customer";
    if (codes?.[1] === "ConditionalCheckFailed") return "exists";
    throw err;
  }
}

/**
 * Changes a task: title, notes, due time, assignee, or status (done takes it off Today, open
 * puts it back). The write is conditional on the version read, so two people completing and
 * reassigning at once never undo each other silently: the later one gets a 409 and reads again.
 *
 * @throws NotFound when there is no such task (or its customer was erased).
 */
export async function patchTask(deps: Deps, id: string, patch: z.output<typeof TaskPatch>, principal: Principal): Promise<Task> {
  const current = await getTaskItem(deps, id);
  const assignee = patch.assignee === undefined ? current.assignee : await resolveAssignee(deps, principal, patch.assignee);
  const now = deps.clock.now().toISOString();
  const status = patch.status ?? current.status;
  const { completedAt: _done, notes: _notes, ...rest } = current;
  const notes = patch.notes === null ? undefined : (patch.notes ?? current.notes);
  const next: TaskItem = {
    ...rest,
    ...(patch.title !== undefined ? { title: patch.title } : {}),
    ...(notes ? { notes } : {}),
    dueAt: patch.dueAt ? new Date(patch.dueAt).toISOString() : current.dueAt,
    assignee,
    status,
    updatedAt: now,
    by: byOf(principal),
    ...(status === "done" ? { completedAt: current.status === "done" ? (current.completedAt ?? now) : now } : {}),
  };
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: deps.table, Item: next, ConditionExpression: "updatedAt = :seen", ExpressionAttributeValues: { ":seen": current.updatedAt } } },
          // Only an open task is on someone's Today: its entry follows the assignee and due time.
          status === "open" ? { Put: { TableName: deps.table, Item: todayEntry(next) } } : { Delete: { TableName: deps.table, Key: todayEntryKey(id) } },
        ],
      }),
    );
  } catch (err) {
    if (cancellationCodes(err)?.[0] === "ConditionalCheckFailed")
      throw new Conflict("task_changed", "the task changed or was removed meanwhile; read it again");
    throw err;
  }
  return present(deps, next);
}

/**
 * One person's open tasks by due time, overdue first: with `due: "today"` those due by the end
 * of today (UTC), else all of them. One Query of the sparse assignee index, never a scan; each
 * carries what its Today entry holds (id, customer, title, due time, assignee), not notes or history.
 */
export async function listTasksFor(deps: Deps, assignee: string, due: "today" | "all"): Promise<{ items: Task[] }> {
  const now = deps.clock.now();
  const endOfDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString();
  const out = await deps.db.send(
    new QueryCommand({
      TableName: deps.table,
      ...todayQuery(assignee, due === "today" ? dueBefore(endOfDay) : undefined),
      Limit: TODAY_LIMIT,
    }),
  );
  const at = now.toISOString();
  const items = (out.Items ?? []) as TodayEntry[];
  return {
    items: items.map(({ id, title, dueAt, assignee }) => ({
      id,
      customerId: taskCustomerId(id),
      title,
      dueAt,
      assignee,
      status: "open" as const,
      overdue: dueAt < at,
    })),
  };
}

function todayEntry(task: TaskItem): Record<string, unknown> {
  const entry: TodayEntry = { id: task.id, title: task.title, dueAt: task.dueAt, assignee: task.assignee };
  return { ...todayEntryKey(task.id), type: "today", ...entry, ...openTaskIndexKey(task.assignee, task.dueAt, task.id) };
}

/** A customer's tasks, open ones first, each group by due time. */
export async function listCustomerTasks(deps: Deps, customerId: string): Promise<{ items: Task[] }> {
  const items: TaskItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await deps.db.send(
      new QueryCommand({
        TableName: deps.table,
        KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues: { ":pk": customerPk(customerId), ":prefix": TASK_PREFIX },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...((out.Items ?? []) as TaskItem[]));
    start = out.LastEvaluatedKey;
  } while (start);
  items.sort((a, b) => (a.status === b.status ? a.dueAt.localeCompare(b.dueAt) : a.status === "open" ? -1 : 1));
  return { items: items.map((item) => present(deps, item)) };
}

async function getTaskItem(deps: Deps, id: string): Promise<TaskItem> {
  const out = await deps.db.send(new GetCommand({ TableName: deps.table, Key: taskKey(id), ConsistentRead: true }));
  if (!out.Item) throw new NotFound(`no task ${id}`);
  return out.Item as TaskItem;
}

function present(deps: Deps, item: TaskItem): Task {
  const { PK: _pk, SK: _sk, type: _type, createdBy: _createdBy, ...task } = item;
  return { ...task, customerId: taskCustomerId(item.id), overdue: item.status === "open" && item.dueAt < deps.clock.now().toISOString() };
}
