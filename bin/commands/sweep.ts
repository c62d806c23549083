import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { makeHandler as makeSesEventsHandler } from "../../functions/ses-events.ts";
import { localEnv } from "../../local/env.ts";
import { InProcessQueue } from "../../local/pipeline.ts";
import { SES_TRACKING_FILE, SimulatedSesEvents, TRACKING_PATH } from "../../local/ses-events.ts";
import { SesMailer } from "../../shared/aws/ses-mailer.ts";
import { SqsQueue } from "../../shared/aws/sqs-queue.ts";
import { runDueBroadcasts } from "../../shared/broadcasts/dispatch.ts";
import { fixedClock } from "../../shared/core/clock.ts";
import { parseInstant } from "../../shared/core/dates.ts";
import type { SweepPlan } from "../../shared/retention/sweep.ts";
import { planSweep, runSweep } from "../../shared/retention/sweep.ts";
import type { Command, CommandContext } from "../cli.ts";
import { CliFailure, UsageError } from "../cli.ts";
import { table } from "../format.ts";

/**
 * `rapport sweep [--at ISO] [--dry-run]`: one retention sweep. Locally it runs here, as of `--at`
 * if given, and delivers what it finds to SES local through the same sender the stack uses (so
 * the mail shows up in the viewer at once); with --stack it runs as of now and hands the sends to
 * the deployed queue. `--dry-run` only reads: it lists who would get which email in which
 * language and which stage changes would be made, locally or on a deployed stack, as of any instant.
 */
export const sweep: Command = {
  name: "sweep",
  summary: "Run a retention sweep now, or on the local stack as of another instant, and print what it did.",
  options: {
    at: { type: "string", value: "ISO", description: "run as of this instant, e.g. 2027-01-15T09:00:00Z (local stack only, unless --dry-run)" },
    "dry-run": { type: "boolean", description: "send nothing and change nothing: print who would get which email, in which language, and the stage changes" },
    json: { type: "boolean", description: "with --dry-run: print the plan as JSON" },
  },
  notes: ["Simulate a month: for d in 01 08 15 22 29; do npx rapport sweep --at 2027-01-${d}T10:00:00Z; done"],
  async run(ctx) {
    const raw = ctx.values.at as string | undefined;
    const parsed = raw === undefined ? undefined : parseInstant(raw);
    if (parsed?.problem) throw new UsageError(`--at "${raw}": ${parsed.problem}`);
    const at = parsed?.date;
    const stack = ctx.values.stack as string | undefined;
    const dryRun = ctx.values["dry-run"] === true;
    if (ctx.values.json && !dryRun) throw new UsageError("--json goes with --dry-run (a sweep always prints JSON)");
    if (stack && at && !dryRun) throw new UsageError("--at only works on the local stack: a deployed sweep runs as of now (--dry-run may look at any instant)");
    const deps = await ctx.deps();
    const instant = at ?? deps.clock.now();
    if (dryRun) {
      printPlan(ctx, await planSweep(deps, instant));
      return;
    }
    if (stack) {
      const url = deps.config.retention.sendQueueUrl;
      if (!url) throw new CliFailure(`stack "${stack}" has no SendQueueUrl output: deploy the current version first`);
      const result = await runSweep(deps, new SqsQueue(url, deps.config.region), instant);
      ctx.out(JSON.stringify(result));
      return;
    }
    const sesEndpoint = deps.config.retention.sesEndpoint!;
    // What SES would report back (deliveries; bounces and complaints for the mailbox simulator), as of the sweep's instant.
    const mailer = new SimulatedSesEvents(
      new SesMailer({ region: deps.config.region, endpoint: sesEndpoint }),
      makeSesEventsHandler(deps),
      deps.logger,
      () => instant,
      // Its opens and clicks are reported by the running npm start, which reads this file for the links.
      { base: `${deps.config.publicBaseUrl}${TRACKING_PATH}`, journal: join(localEnv(process.env).dataDir, SES_TRACKING_FILE) },
    );
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
    // Locally the sweep also starts the newsletters due by then (their one-time schedules do it on AWS).
    const newsletters = await runDueBroadcasts({ ...deps, clock: fixedClock(instant) }, queue, instant);
    await queue.drain(fixedClock(instant));
    await mailer.settle();
    ctx.err(
      `Sweep as of ${result.at}: ${result.due} due, ${result.enqueued} sent or queued, ${result.deferred} waiting for a send window or the frequency cap, ${result.stageChanges} stage changes, ${result.tasks} alert tasks created.`,
    );
    if (newsletters.queued > 0 || newsletters.started > 0)
      ctx.err(`Newsletters: ${newsletters.started} started, ${newsletters.queued} recipients queued (each is sent once, or skipped by a guardrail).`);
    if (queue.deadLetters.length) ctx.err(`${queue.deadLetters.length} sends failed five times (is SES local running at ${sesEndpoint}?)`);
    ctx.err(`Mail: ${sesEndpoint.replace("127.0.0.1", "localhost")}`);
    ctx.out(JSON.stringify(result));
  },
};

function printPlan(ctx: CommandContext, plan: SweepPlan): void {
  if (ctx.values.json) {
    ctx.out(JSON.stringify(plan));
  } else {
    if (plan.sends.length > 0) {
      const rows = plan.sends.map((s) => [s.customerId, s.to ?? "(nobody)", s.campaignId, s.occurrence, s.language, s.recipient]);
      for (const line of table(["customer", "to", "campaign", "occurrence", "language", "recipient"], rows)) ctx.out(line);
    }
    if (plan.stageChanges.length > 0) {
      if (plan.sends.length > 0) ctx.out("");
      for (const line of table(
        ["customer", "from", "to"],
        plan.stageChanges.map((c) => [c.customerId, c.from, c.to]),
      ))
        ctx.out(line);
    }
    if (plan.alerts.length > 0) {
      if (plan.sends.length + plan.stageChanges.length > 0) ctx.out("");
      for (const line of table(
        ["customer", "alert", "occurrence"],
        plan.alerts.map((a) => [a.customerId, a.reason, a.occurrence]),
      ))
        ctx.out(line);
    }
  }
  ctx.err(
    `Dry run as of ${plan.at}: ${plan.due} due, ${plan.sends.length} would be sent, ${plan.deferred} would wait for a send window or the frequency cap, ${plan.stageChanges.length} stage changes, ${plan.alerts.length} alerts (a task each, unless it exists). Nothing was sent or changed.`,
  );
}
