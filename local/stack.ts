import type { Server } from "node:http";
import { Logger } from "@aws-lambda-powertools/logger";
import type { ScheduledEvent } from "aws-lambda";
import { makeHandler as makeOutbox } from "../functions/outbox.ts";
import { makeHandler as makeReportsStream } from "../functions/reports-stream.ts";
import { makeHandler as makeSesEventsHandler } from "../functions/ses-events.ts";
import { makeScheduledHandler } from "../functions/sweep.ts";
import { makeHandler as makeWebhookSender } from "../functions/webhook-sender.ts";
import { matchesEventFilter, OUTBOX_STREAM_FILTER } from "../infra/stream-filter.ts";
import { createDocumentClient } from "../shared/aws/db.ts";
import { SesMailer } from "../shared/aws/ses-mailer.ts";
import { runDueBroadcasts } from "../shared/broadcasts/dispatch.ts";
import { fixedClock } from "../shared/core/clock.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import type { Mailer } from "../shared/core/ports.ts";
import { captchaVerifierFromConfig } from "../shared/leads/siteverify.ts";
import { webhookSecretsFromConfig } from "../shared/webhooks/secrets.ts";
import { freePort } from "./dynamo.ts";
import { InProcessQueue, LocalBus, startScheduler } from "./pipeline.ts";
import type { ApiServerOptions } from "./server.ts";
import { createApiServer } from "./server.ts";
import { SimulatedSesEvents, TRACKING_PATH } from "./ses-events.ts";
import type { StreamPoller } from "./streams.ts";
import { startStreamPoller } from "./streams.ts";
import { ensureTable } from "./table.ts";
import { LocalWebhookQueue } from "./webhook-queue.ts";

export interface LocalApiOptions {
  /** A file for the tracking URLs of mails sent with SES-style open and click tracking, shared with `rapport sweep` (npm start: in the data dir). */
  sesTrackingJournal?: string;
  /** DynamoDB Local's endpoint. */
  dynamodbEndpoint: string;
  tableName: string;
  /** 0 or absent: any free port. */
  port?: number;
  host?: string;
  /** Extra origins besides the API's own. */
  allowedOrigins?: string[];
  /** Environment overrides (thresholds, consent version, ...), as the CDK stack would set them. */
  env?: Record<string, string>;
  deps?: Partial<Deps>;
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT";
  /** Each API invocation's timeout; default 10,000 ms, as deployed (see `ApiServerOptions`). */
  functionTimeoutMs?: number;
  /** The logger every handler gets, instead of one at `logLevel` on stdout (tests capture logs this way). */
  logger?: Logger;
  /** SES local's endpoint, where the sender delivers. */
  sesEndpoint: string;
  /** The mailer the sender uses; defaults to SES at `sesEndpoint` (tests swap in failing ones). */
  mailer?: Mailer;
  /**
   * Report what SES would report for each sent mail (Delivery; Bounce or Complaint for SES's
   * mailbox simulator addresses) to the ses-events handler, as the deployed stack's SES
   * configuration set does; default true.
   */
  sesEvents?: boolean;
  /** Run the sweep on this schedule, as the EventBridge rule does; 0 or absent: only on request. */
  sweepIntervalMinutes?: number;
  /** Wait between a failed send batch and its retry. */
  retryDelayMs?: number;
  /** How long the sender pauses when SES will not send for the account (default 15 minutes, as on AWS; tests shorten it). */
  pauseSeconds?: number;
  /**
   * Keep the report counters from the table's stream, as the deployed reports-stream function
   * does; default true. `false` leaves the stream unread (counters stay as they are).
   */
  reportCounters?: boolean;
  /**
   * What the stream consumer gets instead of the handlers' dependencies. By default it shares
   * them but has a table client of its own, as the deployed function does: what a metered or
   * fault-injecting `deps.db` sees is then the requests' work only.
   */
  reportsDeps?: Partial<Deps>;
  /** Called with every answer the API gives (the tests check each against the route table). */
  onResponse?: ApiServerOptions["onResponse"];
  /** Multiplies the webhook retry waits and their 24 hours (tests run a day of retries in seconds); default 1. */
  webhookRetryScale?: number;
}

export interface LocalApi {
  url: string;
  port: number;
  deps: Deps;
  server: Server;
  /** The in-process send queue (SQS locally) and the event bus, for tests and the CLI. */
  queue: InProcessQueue;
  bus: LocalBus;
  /** The webhook delivery queue (SQS on AWS) feeding the webhook sender. */
  webhooks: LocalWebhookQueue;
  /** What SES would report for each sent mail, fed to the ses-events handler; absent with `sesEvents: false`. */
  sesEvents?: SimulatedSesEvents;
  /** The table's stream poller feeding the report counters (local/streams.ts); absent with `reportCounters: false`. */
  streams?: StreamPoller;
  /**
   * Resolves once every change acknowledged before the call has reached the report counters
   * (reports are updated a moment after a write, not in the request); rejects if a batch failed
   * for good.
   */
  settleReports(options?: { timeoutMs?: number }): Promise<void>;
  close(): Promise<void>;
}

/**
 * Creates the table if needed and serves the API on a port: what `npm start`, the tests and the
 * benchmark all run. The handlers get the same environment variables Lambda would give them.
 */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const table = await ensureTable(options.dynamodbEndpoint, options.tableName);
  const port = options.port || (await freePort());
  const host = options.host ?? "127.0.0.1";
  const url = `http://${host === "0.0.0.0" ? "localhost" : host}:${port}`;
  const ownOrigins = [url, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
  const env: NodeJS.ProcessEnv = {
    TABLE_NAME: options.tableName,
    DYNAMODB_ENDPOINT: options.dynamodbEndpoint,
    AWS_REGION: "us-east-1",
    ALLOWED_ORIGINS: [...new Set([...ownOrigins, ...(options.allowedOrigins ?? [])])].join(","),
    PUBLIC_BASE_URL: url,
    SES_ENDPOINT: options.sesEndpoint,
    ...options.env,
  };
  const logger = options.logger ?? new Logger({ serviceName: "rapport", logLevel: options.logLevel ?? "WARN" });
  const bus = new LocalBus();
  const built = depsFromEnv(env, { logger, bus, ...options.deps });
  // As the capture function builds it on AWS.
  const deps = { ...built, captcha: options.deps?.captcha ?? captchaVerifierFromConfig(built.config) };
  // The instant mail goes out as of: a simulated sweep's (`POST /v1/sweeps` with "at") while it drains.
  let mailClock = deps.clock;
  const sesMailer = options.mailer ?? new SesMailer({ region: deps.config.region, endpoint: options.sesEndpoint });
  const sesEvents =
    options.sesEvents === false
      ? undefined
      : new SimulatedSesEvents(sesMailer, makeSesEventsHandler(deps), logger, () => mailClock.now(), {
          base: `${url}${TRACKING_PATH}`,
          ...(options.sesTrackingJournal ? { journal: options.sesTrackingJournal } : {}),
        });
  const mailer = sesEvents ?? sesMailer;
  const queue = new InProcessQueue(deps, mailer, { retryDelayMs: options.retryDelayMs, pauseSeconds: options.pauseSeconds });
  bus.queue = queue;
  const wiring = {
    queue,
    allowSimulatedTime: true,
    afterSweep: async (at: Date) => {
      mailClock = fixedClock(at);
      try {
        // What the newsletters' one-time schedules do on AWS: start and feed those due by `at`.
        await runDueBroadcasts({ ...deps, clock: mailClock }, queue, at);
        await queue.drain(mailClock);
      } finally {
        mailClock = deps.clock;
      }
    },
  };
  const server = createApiServer(deps, wiring, {
    onResponse: options.onResponse,
    functionTimeoutMs: options.functionTimeoutMs,
    ...(sesEvents ? { sesTracking: sesEvents } : {}),
  });
  if (table.streamAdded) {
    logger.warn(
      `The table ${options.tableName} was made before report counters: only changes from now on are counted. Count what is already there with: npx rapport reports rebuild`,
    );
  }
  // The deployed stack's event source mapping, locally: the same handler, the same filter.
  const reportsDb =
    options.reportCounters === false || options.reportsDeps?.db
      ? undefined
      : createDocumentClient({ region: deps.config.region, endpoint: options.dynamodbEndpoint });
  const streamDeps = { ...deps, ...(reportsDb ? { db: reportsDb } : {}), ...options.reportsDeps };
  const webhooks = new LocalWebhookQueue(logger, { retryDelayMs: options.retryDelayMs });
  webhooks.consume(
    makeWebhookSender(streamDeps, webhookSecretsFromConfig(deps.config, deps.clock), webhooks, {
      ...(options.webhookRetryScale ? { retryScale: options.webhookRetryScale } : {}),
    }),
  );
  const reportsStream = makeReportsStream(streamDeps);
  const outbox = makeOutbox(streamDeps, webhooks);
  // On AWS the outbox is a second event source mapping on the same stream with its own filter;
  // locally one poller reads the stream once and hands each consumer what its filter keeps.
  const streams =
    options.reportCounters === false
      ? undefined
      : startStreamPoller({
          endpoint: options.dynamodbEndpoint,
          tableName: options.tableName,
          handler: async (event) => {
            await reportsStream(event);
            const records = event.Records.filter((r) => matchesEventFilter(OUTBOX_STREAM_FILTER, r));
            if (records.length) await outbox({ Records: records });
          },
          logger,
        });
  const scheduled = makeScheduledHandler(deps, wiring);
  const stopScheduler = options.sweepIntervalMinutes
    ? startScheduler(
        options.sweepIntervalMinutes,
        async () => {
          // The same handler and event shape the EventBridge schedule rule delivers on AWS.
          await scheduled(scheduledEvent(deps.clock.now()));
          await runDueBroadcasts(deps, queue, deps.clock.now());
          await queue.drain();
        },
        (err) => logger.error("scheduled sweep failed", { error: (err as Error).name, message: (err as Error).message }),
      )
    : () => undefined;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    url,
    port,
    deps,
    server,
    queue,
    bus,
    webhooks,
    streams,
    sesEvents,
    settleReports: async (settleOptions) => {
      if (!streams) throw new Error("report counters are off (reportCounters: false)");
      await streams.settle(settleOptions);
    },
    close: async () => {
      stopScheduler();
      await sesEvents?.settle();
      // Before the table client goes: a batch being handled finishes first.
      await streams?.stop();
      await webhooks.stop();
      reportsDb?.destroy();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        deps.db.destroy();
      });
    },
  };
}

/** An EventBridge "Scheduled Event", as the schedule rule sends it. */
function scheduledEvent(at: Date): ScheduledEvent {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "000000000000",
    time: at.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: "local",
    resources: ["arn:aws:events:local:000000000000:rule/rapport-sweep"],
    detail: {},
  };
}
