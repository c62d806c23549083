import type { ScheduledEvent } from "aws-lambda";
import { SqsQueue } from "../shared/aws/sqs-queue.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { ValidationError } from "../shared/core/errors.ts";
import type { SendQueue } from "../shared/core/ports.ts";
import { httpFunction } from "../shared/http/handler.ts";
import type { HttpEvent } from "../shared/http/http.ts";
import { json } from "../shared/http/http.ts";
import { runSweep } from "../shared/retention/sweep.ts";

export interface SweepWiring {
  queue: SendQueue;
  /** Only the local stack lets `POST /v1/sweeps` run as of another instant. */
  allowSimulatedTime: boolean;
  /** Locally: deliver what the sweep enqueued before answering (the in-process queue). */
  afterSweep?: (at: Date) => Promise<void>;
}

/** `POST /v1/sweeps`: run a sweep now, or (locally) as of `at`. */
export function makeHandler(deps: Deps, wiring: SweepWiring) {
  return httpFunction(
    "sweep",
    {
      runSweep: async ({ body }) => {
        if (body.at && !wiring.allowSimulatedTime) throw ValidationError.field("at", "is accepted only by the local stack; a deployed sweep runs as of now");
        const at = body.at ? new Date(body.at) : deps.clock.now();
        const result = await runSweep(deps, wiring.queue, at);
        await wiring.afterSweep?.(at);
        return json(200, result);
      },
    },
    deps,
  );
}

/** The EventBridge schedule's entry: a sweep as of now. */
export function makeScheduledHandler(deps: Deps, wiring: SweepWiring) {
  return async (_event: ScheduledEvent) => runSweep(deps, wiring.queue, deps.clock.now());
}

let built: { http: ReturnType<typeof makeHandler>; scheduled: ReturnType<typeof makeScheduledHandler> } | undefined;

/** One function, two triggers: the schedule rule and the admin route. */
export const handler = async (event: HttpEvent | ScheduledEvent, context: Parameters<ReturnType<typeof makeHandler>>[1]) => {
  if (!built) {
    const deps = depsFromEnv();
    const url = deps.config.retention.sendQueueUrl;
    if (!url) throw new Error("SEND_QUEUE_URL is not set");
    const wiring = { queue: new SqsQueue(url, deps.config.region), allowSimulatedTime: false };
    built = { http: makeHandler(deps, wiring), scheduled: makeScheduledHandler(deps, wiring) };
  }
  return "routeKey" in event ? built.http(event, context) : built.scheduled(event);
};
