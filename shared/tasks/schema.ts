import * as z from "zod/mini";
import { Instant } from "../core/dates.ts";
import { CustomerIdParam } from "../core/schema.ts";
import { By } from "../customers/schema.ts";
import { TASK_ID_PATTERN } from "../entities/task.ts";

/** Request and response shapes of tasks: a to-do about one customer, for one person of the team. */

const text = (max: number) => z.string().check(z.trim(), z.maxLength(max, { error: `at most ${max} characters` }));
const title = z
  .string({ error: "is required" })
  .check(z.trim(), z.minLength(1, { error: "must not be empty" }), z.maxLength(200, { error: "at most 200 characters" }));
/** A person's id (as `GET /v1/me` shows it) or their email; `me` for the caller. */
const Assignee = z.string().check(z.trim(), z.minLength(1, { error: "must not be empty" }), z.maxLength(320, { error: "at most 320 characters" }));

export const TaskIdParam = z.string().check(z.regex(TASK_ID_PATTERN, { error: "is not a task id" }));
export const TaskStatus = z.enum(["open", "done"], { error: "must be open or done" });

export const TaskInput = z.strictObject({
  customerId: CustomerIdParam,
  title,
  notes: z.optional(text(2000)),
  /** When it is due; absent: now (it shows on Today at once). */
  dueAt: z.optional(Instant),
  /** Absent or `me`: the signed-in person (an API key must name someone). */
  assignee: z.optional(Assignee),
});

export const TaskPatch = z.strictObject({
  title: z.optional(title),
  notes: z.optional(z.nullable(text(2000))),
  dueAt: z.optional(Instant),
  assignee: z.optional(Assignee),
  status: z.optional(TaskStatus),
});

export const TasksQuery = z.object({
  /** `me` (the signed-in person), a person's id, or `unassigned` (alerts nobody could be given); default `me`. Ignored with customerId. */
  assignee: z.optional(z.string().check(z.maxLength(320))),
  /** `today`: open tasks due by the end of today (UTC), overdue first; `all`: every open task. */
  due: z._default(z.enum(["today", "all"], { error: "must be today or all" }), "today"),
  /** A customer's tasks, open and done, instead of one person's. */
  customerId: z.optional(CustomerIdParam),
});

export const Task = z.object({
  id: z.string(),
  customerId: z.string(),
  title: z.string(),
  notes: z.optional(z.string()),
  dueAt: z.string(),
  /** The person's id, or `unassigned` for an alert raised with nobody to give it to. */
  assignee: z.string(),
  status: TaskStatus,
  /** Absent on Today's list, which carries what Today shows (id, customer, title, due, assignee). */
  createdAt: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
  completedAt: z.optional(z.string()),
  /** Who made the last change. */
  by: z.optional(By),
  /** Whether it was due before now (open tasks only). */
  overdue: z.boolean(),
});
export type Task = z.output<typeof Task>;

export const TaskList = z.object({ items: z.array(Task) });
