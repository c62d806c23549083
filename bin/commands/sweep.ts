import { SesMailer } from "../../shared/aws/ses-mailer.ts";
import { SqsQueue } from "../../shared/aws/sqs-queue.ts";
import { fixedClock } from "../../shared/core/clock.ts";
import { runSweep } from "../../shared/retention/sweep.ts";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { localEnv } from "../../local/env.ts";
import { InProcessQueue } from "../../local/pipeline.ts";
import { SimulatedSesEvents } from "../../local/ses-events.ts";
import { makeHandler as makeSesEventsHandler } from "../../functions/ses-events.ts";
import type { Command } from "../cli.ts";
import { CliFailure, UsageError } from "../cli.ts";

/**
 * `rapport sweep [--at ISO]`: one retention sweep. Locally it runs here, as of `--at` if given,
 * and delivers what it finds to SES local through the same sender the stack uses (so the mail
 * shows up in the viewer at once); with --stack it runs as of now and hands the sends to the
 * deployed queue.
 */
export const sweep: Command = {
  name: "sweep",
  summary: "Run a retention sweep now, or on the local stack as of another instant, and print what it did.",
  options: {
    at: { type: "string", value: "ISO", description: "run as of this instant, e.g. 2027-01-15T09:00:00Z (local stack only)" },
  },
  notes: ["Simulate a month: for d in 01 08 15 22 29; do npx rapport sweep --at 2027-01-${d}T10:00:00Z; done"],
  async run(ctx) {
    const raw = ctx.values.at as string | undefined;
    const at = raw === undefined ? undefined : new Date(raw);
    if (at && (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(raw!))) throw new UsageError(`--at "${raw}" is not an ISO 8601 instant such as 2027-01-15T09:00:00Z`);
    const stack = ctx.values.stack as string | undefined;
    if (stack && at) throw new UsageError("--at only works on the local stack: a deployed sweep runs as of now");
    const deps = await ctx.deps();
    const instant = at ?? deps.clock.now();
    if (stack) {
      const url = deps.config.retention.sendQueueUrl;
      if (!url) throw new CliFailure(`stack "${stack}" has no SendQueueUrl output: deploy the current version first`);
      const result = await runSweep(deps, new SqsQueue(url, deps.config.region), instant);
      ctx.out(JSON.stringify(result));
      return;
    }
    const sesEndpoint = deps.config.retention.sesEndpoint!;
    // What SES would report back (deliveries; bounces and complaints for the mailbox simulator), as of the sweep's instant.
    const mailer = new SimulatedSesEvents(new SesMailer({ region: deps.config.region, endpoint: sesEndpoint }), makeSesEventsHandler(deps), deps.logger, () => instant);
    const queue = new InProcessQueue(deps, mailer, { retryDelayMs: 100 });
    // Journaled like npm start's queue (its own file: two processes must not share one): the sweep
    // moves each customer's due entry once their sends are queued, so sends lost to a Ctrl-C
    // during the drain would never go. What an interrupted run left is delivered first.
    const dataDir = localEnv(process.env).dataDir;
    mkdirSync(dataDir, { recursive: true });
    const leftover = queue.persistTo(join(dataDir, "cli-send-queue.jsonl"));
    await queue.drain();
    if (leftover > 0) ctx.err(`Delivered ${leftover} sends an interrupted sweep had queued.`);
    const result = await runSweep(deps, queue, instant);
    await queue.drain(fixedClock(instant));
    await mailer.settle();
    ctx.err(`Sweep as of ${result.at}: ${result.due} due, ${result.enqueued} sent or queued, ${result.deferred} waiting for a send window or the frequency cap, ${result.stageChanges} stage changes.`);
    if (queue.deadLetters.length) ctx.err(`${queue.deadLetters.length} sends failed five times (is SES local running at ${sesEndpoint}?)`);
    ctx.err(`Mail: ${sesEndpoint.replace("127.0.0.1", "localhost")}`);
    ctx.out(JSON.stringify(result));
  },
};
