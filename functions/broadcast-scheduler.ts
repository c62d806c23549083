import type { Context, DynamoDBStreamEvent } from "aws-lambda";
import { EventBridgeSchedules } from "../shared/aws/scheduler.ts";
import { SqsQueue } from "../shared/aws/sqs-queue.ts";
import { runDueBroadcasts } from "../shared/broadcasts/dispatch.ts";
import { type BroadcastSchedules, scheduleChange } from "../shared/broadcasts/schedules.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import type { SendQueue } from "../shared/core/ports.ts";

/** Set by the stack: the role EventBridge Scheduler assumes to invoke this function. */
export const SCHEDULE_ROLE_ENV = "BROADCAST_SCHEDULE_ROLE_ARN";
/** Set by the stack: the schedule group newsletters' schedules are made in. */
export const SCHEDULE_GROUP_ENV = "BROADCAST_SCHEDULE_GROUP";

/** A schedule's input (shared/aws/scheduler.ts). */
interface ScheduledStart {
  broadcastId: string;
  at: string;
}

/**
 * Newsletters' starts, one function with two triggers and no HTTP route (so neither the route
 * table nor zod nor the Scheduler client weighs on an API function):
 * - the table's stream, filtered to newsletter items (infra/broadcasts.ts): each new or moved
 *   `nextAt` gets a one-time schedule at that time, a cancelled or moved one loses its schedule;
 *   a time already come (within a minute) is run at once instead;
 * - the schedules themselves: expand the segment and queue whoever is due (shared/broadcasts/dispatch.ts).
 * A failure throws: the stream retries the batch, the Scheduler retries its invocation.
 */
export function makeHandler(deps: Deps, queue: SendQueue, schedules: BroadcastSchedules) {
  return async (event: DynamoDBStreamEvent | ScheduledStart): Promise<void> => {
    if (!("Records" in event)) {
      await runDueBroadcasts(deps, queue, deps.clock.now());
      return;
    }
    let runNow = false;
    const soon = new Date(deps.clock.now().getTime() + 60_000).toISOString();
    for (const record of Array.isArray(event.Records) ? event.Records : []) {
      const change = scheduleChange(record);
      if (change.remove) await schedules.remove(change.remove.id, change.remove.at);
      if (change.create) {
        if (change.create.at <= soon) runNow = true;
        else await schedules.create(change.create.id, change.create.at);
      }
    }
    if (runNow) await runDueBroadcasts(deps, queue, deps.clock.now());
  };
}

let built: ReturnType<typeof makeHandler> | undefined;

export const handler = (event: DynamoDBStreamEvent | ScheduledStart, context: Context): Promise<void> =>
  (built ??= (() => {
    const deps = depsFromEnv();
    const url = deps.config.retention.sendQueueUrl;
    const role = process.env[SCHEDULE_ROLE_ENV];
    const group = process.env[SCHEDULE_GROUP_ENV];
    if (!url || !role || !group) throw new Error(`SEND_QUEUE_URL, ${SCHEDULE_ROLE_ENV} and ${SCHEDULE_GROUP_ENV} must be set`);
    // The schedules invoke this very function: its ARN without a version or alias suffix.
    const self = context.invokedFunctionArn.split(":").slice(0, 7).join(":");
    return makeHandler(deps, new SqsQueue(url, deps.config.region), new EventBridgeSchedules(deps.config.region, { target: self, roleArn: role, group }));
  })())(event);
