import * as z from "zod/mini";
import { instant } from "../core/dates.ts";
import { describe } from "../core/schema.ts";

export const SweepBody = z.object({
  at: z.optional(describe(instant(), "Run the sweep as of this instant (local stack only; on AWS a sweep always runs as of now).")),
});
export const SweepResult = z.object({
  at: z.string(),
  due: z.number(),
  enqueued: z.number(),
  stageChanges: z.number(),
  deferred: z.number(),
  /** Tasks created for alerts: a lead nobody followed up, a low feedback score, a valuable customer at risk. */
  tasks: z.number(),
});
