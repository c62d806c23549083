/**
 * Today (`GET /v1/tasks?assignee=me&due=today`) at 100,000 tasks: read units and latency of one
 * person's Today when they have 50 open tasks, all due by today (the worst case: every one is
 * returned), on DynamoDB Local. The other tasks belong to 400 teammates, a third of them done
 * (done tasks have no Today entry, so they cost Today nothing).
 */
import { randomUUID } from "node:crypto";
import { startDynamo } from "../local/dynamo.ts";
import { ensureTable } from "../local/table.ts";
import { fixedClock } from "../shared/core/clock.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { mulberry32 } from "../shared/demo/seed.ts";
import { openTaskIndexKey, taskId, taskKey, todayEntryKey } from "../shared/entities/task.ts";
import { listTasksFor } from "../shared/tasks/tasks.ts";
import { billedUnits, instrument } from "./meter.ts";
import { type Report, writeAll } from "./sweep.ts";

const TASKS = 100_000;
const MINE = 50;
const TEAMMATES = 400;
const RUNS = 50;
const NOW = new Date("2026-11-01T12:00:00Z");

export const TASKS_BUDGETS: Record<string, number> = { "tasks.today.rru": 3 };

export interface TasksResources {
  dynamo?: { stop(): Promise<void> };
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ulid-shaped string from a counter (deterministic, distinct). */
function fakeUlid(n: number): string {
  let s = "";
  for (let i = 0; i < 26; i++) {
    s = CROCKFORD[n % 32] + s;
    n = Math.floor(n / 32);
  }
  return s;
}

function task(n: number, assignee: string, open: boolean, random: () => number): Record<string, unknown> {
  const customerId = `cus_${fakeUlid(n % 30_000)}`;
  const id = taskId(customerId, fakeUlid(n + 1_000_000));
  // Due from ten days ago to ten days ahead; a realistic title and a short note.
  const dueAt = new Date(NOW.getTime() + (random() * 20 - 10) * 86_400_000).toISOString();
  return {
    ...taskKey(id),
    type: "task",
    id,
    customerId,
    title: "Call back about the quote for the spring order",
    notes: "Asked for a discount on 40 units; check with the supplier first.",
    dueAt,
    assignee,
    status: open ? "open" : "done",
    createdAt: "2026-10-01T09:00:00.000Z",
    updatedAt: "2026-10-01T09:00:00.000Z",
    by: { type: "person", id: assignee, name: "Sam Staff" },
    ...(open ? {} : { completedAt: "2026-10-02T09:00:00.000Z" }),
  };
}

/** An open task's Today entry, as createTask writes it beside the task. */
function entry(t: Record<string, unknown>): Record<string, unknown> {
  const id = t.id as string;
  return {
    ...todayEntryKey(id),
    type: "today",
    id,
    title: t.title,
    dueAt: t.dueAt,
    assignee: t.assignee,
    ...openTaskIndexKey(t.assignee as string, t.dueAt as string, id),
  };
}

export async function tasksFigures(report: Report, resources: TasksResources): Promise<void> {
  const { results, notes, log } = report;
  log("starting DynamoDB Local (in memory) for tasks ...");
  const dynamo = await startDynamo();
  resources.dynamo = dynamo;
  const table = `rapport-bench-tasks-${randomUUID().slice(0, 8)}`;
  await ensureTable(dynamo.endpoint, table, { stream: false });
  const deps = depsFromEnv({ TABLE_NAME: table, DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_REGION: "us-east-1", TOKEN_SECRET: "bench" });
  deps.clock = fixedClock(NOW);
  const random = mulberry32(7);
  const me = randomUUID();
  const teammates = Array.from({ length: TEAMMATES }, () => randomUUID());
  const items = Array.from({ length: TASKS }, (_, n) => {
    // All of mine due by today: Today returns every one of them.
    const t =
      n < MINE
        ? { ...task(n, me, true, random), dueAt: new Date(NOW.getTime() - n * 3_600_000).toISOString() }
        : task(n, teammates[n % TEAMMATES]!, random() < 0.67, random);
    return t.status === "open" ? [t, entry(t)] : [t];
  }).flat();
  log(`writing ${TASKS.toLocaleString("en")} tasks ...`);
  const started = performance.now();
  await writeAll(deps.db, table, items);
  log(`  written in ${Math.round((performance.now() - started) / 100) / 10} s`);

  const meter = instrument(deps.db);
  for (let i = 0; i < 5; i++) await listTasksFor(deps, me, "today"); // warm-up
  const from = meter.calls.length;
  const times: number[] = [];
  let returned = 0;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    returned = (await listTasksFor(deps, me, "today")).items.length;
    times.push(performance.now() - t);
  }
  const rru = meter.calls.slice(from).reduce((sum, call) => sum + billedUnits(call).rru, 0);
  const sorted = [...times].sort((a, b) => a - b);
  results["tasks.today.rru"] = Math.round((rru / RUNS) * 100) / 100;
  results["tasks.today.p95.ms"] = Math.round(sorted[Math.floor(0.95 * sorted.length)]! * 10) / 10;
  notes["tasks.today.rru"] =
    `one person's Today with ${MINE} open tasks (${returned} returned) among ${TASKS.toLocaleString("en")} tasks of ${TEAMMATES + 1} people; one Query of the sparse assignee index`;
  notes["tasks.today.p95.ms"] = "DynamoDB Local on this machine";
  deps.db.destroy();
}
