import type { StackProps } from "aws-cdk-lib";
import { CfnOutput, Duration, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import { SENDER_MAX_CONCURRENCY_ENV } from "../functions/sender.ts";
import { settingsToEnv } from "../shared/core/settings.ts";
import { API_KEY_PARTITION } from "../shared/entities/api-key.ts";
import { BROADCAST_PARTITION } from "../shared/entities/broadcast.ts";
import { CAMPAIGN_PARTITION } from "../shared/entities/campaign.ts";
import { CO_PURCHASE_PREFIX } from "../shared/entities/co-purchase.ts";
import { CONNECTION_PARTITION } from "../shared/entities/connection.ts";
import { CUSTOMER_PREFIX } from "../shared/entities/customer.ts";
import { PERSON_PARTITION } from "../shared/entities/person.ts";
import { PERK_PARTITION, REFERRAL_CODE_PREFIX } from "../shared/entities/referral.ts";
import { REPORT_PREFIX } from "../shared/entities/report.ts";
import { SEARCH_PREFIX } from "../shared/entities/search.ts";
import { VISITOR_PREFIX } from "../shared/entities/visitor.ts";
import { WEBHOOK_PARTITION } from "../shared/entities/webhook.ts";
import type { FunctionName } from "../shared/http/routes.ts";
import { Alarms } from "./alarms.ts";
import { Api } from "./api.ts";
import { Broadcasts } from "./broadcasts.ts";
import type { RapportConfig } from "./config.ts";
import { ConnectionSecrets } from "./connection-secrets.ts";
import type { TableAccess } from "./customer-table.ts";
import { CustomerTable } from "./customer-table.ts";
import { EventBus } from "./event-bus.ts";
import { RapportFunction } from "./functions.ts";
import { Mail } from "./mail.ts";
import { Outbox, WEBHOOK_SENDER_TIMEOUT } from "./outbox.ts";
import { People } from "./people.ts";
import { ReportsStream } from "./reports-stream.ts";
import { RetentionPipeline } from "./retention-pipeline.ts";
import { LinkTokenSecret } from "./token-secret.ts";

/**
 * Every function of the stack: one per route table `fn`, the authorizer, and the ones
 * driven by events rather than HTTP: the sender (send queue), ses-events (SES events) and
 * reports-stream and outbox (the table's stream), webhook-sender (the webhook delivery queue). The sweep is both: `POST /v1/sweeps` and the schedule.
 */
export type FunctionId = FunctionName | "authorizer" | "sender" | "ses-events" | "reports-stream" | "outbox" | "webhook-sender" | "broadcast-scheduler";

interface FunctionSpec {
  description: string;
  /** Exactly the table actions the function's code performs, and nothing else. */
  access: TableAccess;
  /** Further grants on other partitions, each its own statement (other actions there). */
  moreAccess?: readonly TableAccess[];
  /** Publishes domain events: `events:PutEvents` on the custom bus. */
  publishes?: boolean;
  /** Signs or verifies links in emails: reads the token secret. */
  readsTokenSecret?: boolean;
  /** Verifies captcha tokens on forms: reads the captcha secret, when `rapport:captchaSecretArn` is set. */
  readsCaptchaSecret?: boolean;
  /** Adds and removes people in the user pool. */
  managesPeople?: boolean;
  /** Verifies shop webhooks: reads the connection secrets (and gets their ARN). */
  readsConnectionSecrets?: boolean;
  memorySize?: number;
  timeout?: Duration;
  /** Ships the dashboard's built files (app/) in its bundle, next to the handler. */
  servesDashboard?: boolean;
}

/**
 * The sender's timeout: a batch of ten emails, each retried with backoff when SES throttles.
 * The send queue's visibility timeout is six times this.
 */
const SENDER_TIMEOUT = Duration.seconds(60);

/**
 * Least privilege, per function. Written out by hand (rather than `table.grantReadWriteData`,
 * which also grants Scan and batch actions) so a review can compare it with the code.
 */
const FUNCTIONS: Record<FunctionId, FunctionSpec> = {
  capture: {
    description: "POST /v1/leads: web forms and scripts post leads here",
    // Claim the email, merge the profile, append the timeline entry, schedule the lead's
    // follow-up in the due index; idempotency records are put, completed, and deleted when the
    // work failed. A lead with a referral code reads the code's item and the referrer (GetItem)
    // and credits the referrer in one transaction (UpdateItem, PutItem).
    // A submission held as a suspected bot is one PutItem in the quarantine partition. In the rare
    // race with an erasure, a GetItem of the tombstone and two DeleteItems undo a recreated profile.
    access: { actions: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:GetItem"] },
    readsCaptchaSecret: true,
  },
  public: {
    description: "Health, the OpenAPI document, the thank-you page, website tracking (POST /v1/track), recommendations and referral links (/r/{code})",
    // A page view is a GetItem and an UpdateItem of the visitor's item; recommendations read the
    // visitor, a tied visitor's customer item (bought products and interests) and Query a few
    // co-purchase partitions. A referral link (/r/{code}) is one GetItem of the code's item.
    // Nothing else in the table.
    access: {
      actions: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"],
      partitions: [`${VISITOR_PREFIX}*`, `${CO_PURCHASE_PREFIX}*`, `${CUSTOMER_PREFIX}*`, `${REFERRAL_CODE_PREFIX}*`],
    },
    // Verifies the signed `rapport_c` of a link in an email that tied a visitor.
    readsTokenSecret: true,
  },
  customers: {
    description: "Admin: list, read and edit customers",
    // Listing by stage queries GSI1, a search (?q=) one SEARCH# partition; an email change moves the email claim in a transaction;
    // a birthday or next-contact change moves the customer's entry in the due index (UpdateItem).
    // The quarantine: Query lists it, a release claims the held item (UpdateItem), captures it
    // as the capture function would (PutItem, UpdateItem) and deletes it (DeleteItem).
    // Tasks: creating one checks the customer's profile and puts it in one transaction
    // (ConditionCheckItem, PutItem); a change is GetItem then a conditional PutItem; Today is one
    // Query of GSI1 (`TASKS#<person>`); an assignee by email is found with a Query of the people.
    // Sorted by lead score: a Query of GSI1 (`SCORE`), then the page's profiles in one BatchGetItem.
    access: {
      actions: [
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
      ],
      indexes: ["GSI1"],
    },
  },
  events: {
    description: "Admin: record purchases and other interactions",
    // A purchase also schedules the thank-you and feedback request in the due index (UpdateItem).
    access: { actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"] },
  },
  campaigns: {
    description: "Admin: list, read and edit campaign definitions; preview one for a customer",
    // Campaigns live in one partition: Query lists them, GetItem reads one, PutItem saves one.
    // A preview reads the campaign and the customer's profile (GetItem) and writes nothing.
    access: { actions: ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem"] },
  },
  links: {
    description:
      "The pages behind links in emails: unsubscribe (one-click too), resubscribe, consent confirmation, feedback; and the same subscription changes made by the team on a customer's request",
    // Verifies the signed token, then updates consent and the suppression list and appends to
    // the timeline in a transaction.
    access: { actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"] },
    readsTokenSecret: true,
  },
  sweep: {
    description: "The retention sweep (schedule and POST /v1/sweeps): who is due, and for which campaign",
    // Queries each shard of the due index (GSI2, keys only), reads those customers in batches,
    // reads the campaigns (one partition), applies at_risk/churned with timeline entries and
    // moves each entry to its next due time; send requests go to the queue.
    access: {
      actions: ["dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"],
      indexes: ["GSI2"],
    },
    memorySize: 512,
    // The schedule can take longer than an API request could (API Gateway stops waiting at 30 s).
    timeout: Duration.minutes(5),
  },
  sender: {
    description: "Takes send requests off the queue: claims the ledger entry, renders, sends through SES",
    // The ledger claim is a conditional PutItem; a send that failed after the claim releases it
    // (DeleteItem) or marks it (UpdateItem); Query reads the customer's recent sends for the
    // frequency cap.
    access: {
      actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"],
    },
    readsTokenSecret: true,
    timeout: SENDER_TIMEOUT,
  },
  "ses-events": {
    description: "SES events (bounces, complaints, deliveries, opens, clicks) into suppression and the timeline",
    access: { actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"] },
  },
  reports: {
    description: "Admin: the reports (funnel, retention, revenue, campaigns, segments, referrals), read from the report counters; the perk pool",
    // A handful of GetItem/Query on the counter partitions, and one Query each of the campaign
    // definitions and the newsletters (for the campaigns report's names); the perk pool's two
    // counting Queries. The referrals report reads the names and codes of its top referrers
    // (BatchGetItem of at most 100 profiles, projected): the only customer items it may read.
    access: {
      actions: ["dynamodb:GetItem", "dynamodb:Query"],
      partitions: [`${REPORT_PREFIX}*`, CAMPAIGN_PARTITION, BROADCAST_PARTITION, PERK_PARTITION],
    },
    moreAccess: [{ actions: ["dynamodb:BatchGetItem"], partitions: [`${CUSTOMER_PREFIX}*`] }],
  },
  "reports-stream": {
    description: "The table's stream consumer: keeps the report counters and the customer search index from the changes to customer partitions",
    // Per chunk of records, one transaction that puts its applied marker (a conditional Put:
    // PutItem; a repeat learns what was applied from the marker the failed condition returns) and
    // ADDs to the counters (UpdateItem); the search index's puts and deletes go in BatchWriteItem
    // calls, in the report and search partitions only. Website tracking
    // (shared/tracking/stream.ts), in customer and co-purchase partitions: reads the customer item
    // (GetItem), puts a tied visitor's visit entry, updates the customer's interests and due
    // entry, and writes a purchase's co-purchase counters in transactions (UpdateItem). A new
    // lead's due-index entry (shared/retention/due-stream.ts) is one more UpdateItem on its
    // customer item. A referred person's first purchase is credited to the referrer in one
    // transaction (PutItem of the marker and timeline entries, UpdateItem of the referrer) after a
    // GetItem of the referrer. Its stream read access and dead-letter queue: infra/reports-stream.ts.
    access: {
      actions: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
      partitions: [`${REPORT_PREFIX}*`, `${SEARCH_PREFIX}*`],
    },
    // The lead score (shared/lead-score/stream.ts): reads the customer item, updates its score
    // (UpdateItem) and puts its sort entry and a hot lead's timeline entry (PutItem); a hot lead's
    // task is the alerts' transaction (ConditionCheckItem on the profile, PutItem) for the owner
    // found in the people directory (Query of its partition); a sort entry written for a customer
    // erased meanwhile is deleted (DeleteItem).
    moreAccess: [
      {
        actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem", "dynamodb:Query"],
        partitions: [`${CUSTOMER_PREFIX}*`, `${CO_PURCHASE_PREFIX}*`, PERSON_PARTITION],
      },
    ],
    // A batch of 100 records is a few transactions, each retried on conflicts with backoff.
    timeout: Duration.seconds(60),
  },
  app: {
    description: "The dashboard at /app: the single-page app's static files (people sign in with the user pool, or with an admin API key)",
    // Serves files from its own bundle; never touches the table.
    access: { actions: [] },
    memorySize: 128,
    servesDashboard: true,
  },
  people: {
    description: "Who am I, the people who sign in, the API keys and the outbound webhook endpoints (owners only)",
    // The people directory, the API keys and the webhook endpoints, each a small partition: Query
    // lists, GetItem and PutItem add, DeleteItem removes a person or an endpoint (and its dead
    // letters), UpdateItem revokes a key or notes a test delivery. The endpoints' secret:
    // infra/outbox.ts.
    access: {
      actions: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      partitions: [PERSON_PARTITION, API_KEY_PARTITION, `${WEBHOOK_PARTITION}*`],
    },
    managesPeople: true,
  },
  hooks: {
    description: "Shops: signed webhooks from Stripe, Shopify and WooCommerce become purchases, refunds and customers; the admin list of connections",
    // Orders and refunds are recorded as the events function records them (the email lookup,
    // the customer, one transaction of marker, counters and timeline); a refund reads its order's
    // marker; customer events merge the profile (upsertContact: PutItem, UpdateItem, and the
    // erasure race's DeleteItem). The connection's last delivery and problems are UpdateItems,
    // and the connections page is one Query of their partition.
    access: { actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"] },
    readsConnectionSecrets: true,
  },
  exports: {
    description: "Admin: a stage's or value segment's people (or everyone) as a CSV file",
    // Queries the stage index (GSI1) a page at a time; nothing on the table itself, writes nothing.
    access: { actions: [], indexes: ["GSI1"] },
  },
  mailtest: {
    description: "Admin: a campaign's test send (POST /v1/campaigns/{id}/test) onto the send queue",
    // Reads the campaign, the customer and the person (GetItem); one message on the send queue.
    access: { actions: ["dynamodb:GetItem"] },
  },
  segments: {
    description: "Admin: saved segments, their members (a page, or CSV) and the builder's live count",
    // Segments are one small partition: Query lists, GetItem reads, PutItem saves, DeleteItem
    // deletes. Members are evaluated by Query of the stage index partitions (GSI1, projected,
    // eventually consistent, never a Scan); a page's profiles are one BatchGetItem; a segment
    // decided by the stage alone is counted from the stage counter (GetItem).
    access: {
      actions: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchGetItem"],
      indexes: ["GSI1"],
    },
    memorySize: 1024,
    // A full evaluation reads every customer profile the conditions can match; the API stops waiting at 30 s.
    timeout: Duration.seconds(29),
  },
  broadcasts: {
    description: "Admin: newsletters — write, list with figures, preview, schedule, cancel",
    // A newsletter is two items put in one transaction (PutItem) after a GetItem of its segment;
    // the list is one Query of its partition and one BatchGetItem of the figures (its counters and
    // the campaign report counters); schedule and cancel are conditional UpdateItems. A preview
    // reads the customer (GetItem) and, for recommendations in a letter, Queries co-purchases.
    access: { actions: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchGetItem"] },
  },
  "broadcast-scheduler": {
    description:
      "Newsletters' starts: keeps a one-time schedule per send time (from the table's stream) and, when one fires, expands the segment and queues the recipients",
    // Lists the newsletters and Queries their waiting lists; evaluates the segment on the stage
    // index (GSI1, projected); reads the segment and the letters (GetItem). Writes only in the
    // newsletter partitions: the waiting lists (BatchWriteItem), what it queued (DeleteItem), the
    // state and counters (UpdateItem, in a transaction with the skip counters). Its stream,
    // schedules and role: infra/broadcasts.ts.
    access: { actions: ["dynamodb:GetItem", "dynamodb:Query"], indexes: ["GSI1"] },
    moreAccess: [{ actions: ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"], partitions: [`${BROADCAST_PARTITION}*`] }],
    memorySize: 1024,
    // Expanding 100,000 members and queuing them takes well under a minute; room for a slow day.
    timeout: Duration.minutes(5),
  },
  outbox: {
    description: "The outbox: domain events from the table's stream (timeline entries, tombstones) to the event bus and the webhook delivery queue",
    // One Query of the webhook endpoints per batch, to fan each event out to those that want it;
    // a shop's counted order or refund is noted on its connection (UpdateItem). Its stream read
    // access, dead-letter queue and queue: infra/outbox.ts.
    access: { actions: ["dynamodb:Query", "dynamodb:UpdateItem"], partitions: [WEBHOOK_PARTITION, CONNECTION_PARTITION] },
    publishes: true,
    timeout: Duration.seconds(60),
  },
  "webhook-sender": {
    description: "Posts each webhook delivery to its endpoint, signed (Standard Webhooks); retries with growing waits for 24 hours, then dead-letters it",
    // Reads the endpoint (GetItem) and whether the event was delivered already (GetItem), notes
    // the attempt on the endpoint (UpdateItem), puts the delivered marker or the dead letter
    // (PutItem): only in the webhook partitions.
    access: { actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], partitions: [`${WEBHOOK_PARTITION}*`] },
    timeout: WEBHOOK_SENDER_TIMEOUT,
  },
  authorizer: {
    description: "HTTP API authorizer: resolves a bearer API key, or a person's sign-in token, to who is calling and what they may do",
    // One consistent read: of the key's hash, or of the person's directory entry (their token's
    // signature is checked against the user pool's public keys, fetched once per cold start).
    access: { actions: ["dynamodb:GetItem"], partitions: [API_KEY_PARTITION, PERSON_PARTITION] },
    memorySize: 128,
  },
};

/** The functions serving HTTP routes (the route table's `fn`s). */
const HTTP_FUNCTIONS = [
  "capture",
  "public",
  "customers",
  "events",
  "campaigns",
  "links",
  "sweep",
  "reports",
  "app",
  "people",
  "hooks",
  "exports",
  "mailtest",
  "segments",
  "broadcasts",
] as const satisfies readonly FunctionName[];

export interface RapportStackProps extends StackProps {
  config: RapportConfig;
}

/**
 * Rapport on AWS: the table, one function per concern, the HTTP API in front, the retention
 * pipeline (schedule, sweep, send queue, sender), SES with its events coming back, the domain
 * event bus, the link-signing key, the people who sign in (a Cognito user pool), alarms.
 */
export class RapportStack extends Stack {
  readonly table: CustomerTable;
  readonly api: Api;
  readonly bus: EventBus;
  readonly mail: Mail;
  readonly pipeline: RetentionPipeline;
  readonly reportsStream: ReportsStream;
  readonly outbox: Outbox;
  readonly broadcasts: Broadcasts;
  readonly tokenSecret: LinkTokenSecret;
  readonly people: People;
  readonly connectionSecrets: ConnectionSecrets;
  readonly functions: Record<FunctionId, RapportFunction>;

  constructor(scope: Construct, id: string, props: RapportStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.table = new CustomerTable(this, "Customers");
    this.bus = new EventBus(this, "EventBus");
    this.mail = new Mail(this, "Mail", { senderEmail: config.senderEmail });
    this.tokenSecret = new LinkTokenSecret(this, "LinkTokens");
    this.connectionSecrets = new ConnectionSecrets(this, "ConnectionSecrets");
    this.pipeline = new RetentionPipeline(this, "RetentionPipeline", {
      senderTimeout: SENDER_TIMEOUT,
      bus: this.bus.bus,
      sweepSchedule: config.sweepSchedule,
      senderMaxConcurrency: config.senderMaxConcurrency,
    });

    // One block for every function (shared/core/config.ts reads it); access is granted per function.
    // The settings come from the settings table; the rest names the resources the stack made.
    const environment: Record<string, string> = {
      ...settingsToEnv(config),
      TABLE_NAME: this.table.tableName,
      POWERTOOLS_SERVICE_NAME: "rapport",
      SES_CONFIGURATION_SET: this.mail.configurationSetName,
      EVENT_BUS_NAME: this.bus.eventBusName,
      SEND_QUEUE_URL: this.pipeline.queue.queueUrl,
      TOKEN_SECRET_ARN: this.tokenSecret.secretArn,
    };
    const functions = {} as Record<FunctionId, RapportFunction>;
    for (const [name, spec] of Object.entries(FUNCTIONS) as [FunctionId, FunctionSpec][]) {
      const fn = new RapportFunction(this, `${pascal(name)}Function`, {
        name,
        description: spec.description,
        environment,
        logRetention: config.logRetentionDays,
        ...(spec.memorySize ? { memorySize: spec.memorySize } : {}),
        ...(spec.timeout ? { timeout: spec.timeout } : {}),
        ...(spec.servesDashboard ? { staticFiles: { script: "scripts/build-app.ts", dir: "app" } } : {}),
      });
      this.table.grant(fn.role, spec.access);
      for (const access of spec.moreAccess ?? []) this.table.grant(fn.role, access);
      if (spec.publishes) this.bus.grantPublish(fn.role);
      if (spec.readsTokenSecret) this.tokenSecret.grantRead(fn.role);
      if (spec.readsConnectionSecrets) {
        this.connectionSecrets.grantRead(fn.role);
        fn.fn.addEnvironment("CONNECTIONS_SECRET_ARN", this.connectionSecrets.secretArn);
      }
      if (spec.readsCaptchaSecret && config.captchaSecretArn) {
        fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [config.captchaSecretArn] }));
      }
      functions[name] = fn;
    }
    this.functions = functions;

    this.pipeline.connect({ sweep: functions.sweep.fn, sender: functions.sender.fn });
    // Each sender container paces itself at MaxSendRate ÷ this (functions/sender.ts), so a
    // newsletter's fan-out never bursts past the SES account's rate.
    functions.sender.fn.addEnvironment(SENDER_MAX_CONCURRENCY_ENV, String(config.senderMaxConcurrency));
    // A campaign's test send goes the way every send goes: onto the queue, for the sender.
    functions.mailtest.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [this.pipeline.queue.queueArn] }));
    this.mail.grantSend(functions.sender.role);
    this.mail.deliverEventsTo(functions["ses-events"].fn);
    this.broadcasts = new Broadcasts(this, "Broadcasts", { table: this.table, sendQueue: this.pipeline.queue });
    this.broadcasts.connect(functions["broadcast-scheduler"].fn);
    this.reportsStream = new ReportsStream(this, "ReportsStream", { table: this.table, consumer: functions["reports-stream"].fn });
    this.outbox = new Outbox(this, "Outbox", { table: this.table });
    this.outbox.connect({ outbox: functions.outbox.fn, sender: functions["webhook-sender"].fn, admin: functions.people.fn });

    this.api = new Api(this, "Api", {
      functions: Object.fromEntries(HTTP_FUNCTIONS.map((name) => [name, functions[name].fn])) as Record<FunctionName, RapportFunction["fn"]>,
      authorizer: functions.authorizer.fn,
      allowedOrigins: config.allowedOrigins,
      throttle: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
      authCacheTtl: Duration.seconds(config.authCacheTtlSeconds),
      logRetention: config.logRetentionDays,
    });
    // Absolute links (thank-you redirect, OpenAPI servers, links in emails). No cycle: the API
    // resource itself does not depend on the functions, only its integrations do.
    for (const name of [...HTTP_FUNCTIONS, "sender", "ses-events"] as const) {
      functions[name].fn.addEnvironment("PUBLIC_BASE_URL", this.api.url);
    }

    // After the API, whose URL the invitation email links to; the pool needs nothing of the functions.
    this.people = new People(this, "People", {
      mfa: config.peopleMfa,
      passwordMinLength: config.passwordMinLength,
      businessName: config.businessName,
      dashboardUrl: `${this.api.url}/app`,
    });
    // The functions that verify tokens (authorizer), manage people (people), tell browsers how
    // to sign in (public: GET /v1/app-config) or let the dashboard reach the pool (app: its CSP).
    for (const name of ["authorizer", "people", "public", "app"] as const) {
      functions[name].fn.addEnvironment("COGNITO_USER_POOL_ID", this.people.userPoolId);
      functions[name].fn.addEnvironment("COGNITO_CLIENT_ID", this.people.clientId);
    }
    for (const [name, spec] of Object.entries(FUNCTIONS) as [FunctionId, FunctionSpec][]) {
      if (spec.managesPeople) this.people.grantManage(functions[name].role);
    }

    new Alarms(this, "Alarms", {
      functions: Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, f.fn])),
      stage: this.api.stage,
      deadLetterQueues: {
        "send-dlq": this.pipeline.deadLetterQueue,
        "ses-events-dlq": this.mail.eventsDeadLetterQueue!,
        "reports-stream-dlq": this.reportsStream.deadLetterQueue,
        "outbox-stream-dlq": this.outbox.streamDeadLetterQueue,
        "webhook-delivery-dlq": this.outbox.deadLetterQueue,
        "broadcast-stream-dlq": this.broadcasts.streamDeadLetterQueue,
      },
      streamConsumers: { "reports-stream": functions["reports-stream"].fn, outbox: functions.outbox.fn },
      sesReputation: { bounceRate: config.bounceRateAlarm, complaintRate: config.complaintRateAlarm },
      ...(config.alarmEmail ? { email: config.alarmEmail } : {}),
    });

    new CfnOutput(this, "ApiUrl", { value: this.api.url, description: "Base URL of the HTTP API" });
    new CfnOutput(this, "TableName", { value: this.table.tableName, description: "The DynamoDB table holding all data" });
    new CfnOutput(this, "LeadsEndpoint", { value: `${this.api.url}/v1/leads`, description: "Point web forms' action here (POST)" });
    new CfnOutput(this, "EventBusName", { value: this.bus.eventBusName, description: "Domain events (source rapport): add your own rules here" });
    new CfnOutput(this, "SendQueueUrl", { value: this.pipeline.queue.queueUrl, description: "Send requests from the sweep to the sender" });
    new CfnOutput(this, "UserPoolId", { value: this.people.userPoolId, description: "The Cognito user pool people sign in to (rapport people add)" });
    new CfnOutput(this, "UserPoolClientId", { value: this.people.clientId, description: "The dashboard's app client in the user pool" });
    new CfnOutput(this, "ConnectionsSecretArn", {
      value: this.connectionSecrets.secretArn,
      description: "The shop connections' signing secrets: `rapport --stack NAME connections add` writes them",
    });
    new CfnOutput(this, "WebhooksSecretArn", {
      value: this.outbox.secretArn,
      description: "The outbound webhook endpoints' signing secrets: `rapport --stack NAME webhooks add` writes them",
    });
    new CfnOutput(this, "ConfigurationSetName", { value: this.mail.configurationSetName, description: "The SES configuration set every email is sent with" });
  }
}

/** `ses-events` → `SesEvents`: construct ids (and so logical ids) stay alphanumeric. */
function pascal(name: string): string {
  return name
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}
