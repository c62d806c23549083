import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CfnElement } from "aws-cdk-lib";
import { App, Stack, Validations } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { HttpUrlIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../infra/config.ts";
import { PROJECT_ROOT } from "../infra/functions.ts";
import type { FunctionId } from "../infra/stack.ts";
import { RapportStack } from "../infra/stack.ts";
import { BROADCAST_STREAM_FILTER, OUTBOX_STREAM_FILTER, REPORTS_STREAM_FILTER } from "../infra/stream-filter.ts";
import { configFromEnv } from "../shared/core/config.ts";
import { contextKey, RUNTIME_SETTINGS, settingsFromEnv, settingsToEnv } from "../shared/core/settings.ts";
import { routeKey, routes } from "../shared/http/routes.ts";

/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped */
type Resources = Record<string, { Type: string; Properties: any; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "cdk.json"), "utf8")) as { app: string; context: Record<string, unknown> };

/** Deploys cdk.json's placeholder values anyway, as a demo does (`-c rapport:demo=true`). */
const DEMO = { "rapport:demo": true };

/** Synthesizes the stack the way `npx cdk synth -c rapport:demo=true` does: cdk.json's context, plus overrides. */
function synthStack(context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...cdkJson.context, ...DEMO, ...context } });
  const config = readConfig(app.node);
  const stack = new RapportStack(app, config.stackName, { config });
  return { app, stack };
}

/** Skips esbuild for tests that only look at configuration or nag findings. */
const NO_BUNDLING = { "aws:cdk:bundling-stacks": [] };

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnElement);

/** The IAM statements attached to one role. */
function statementsOf(resources: Resources, roleId: string): any[] {
  return Object.values(resources)
    .filter((r) => r.Type === "AWS::IAM::Policy" && r.Properties.Roles.some((role: any) => role.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
}

const actionsOf = (statements: any[]) => [...new Set(statements.flatMap((s) => [s.Action].flat() as string[]))].sort();
const byService = (statements: any[], service: string) => statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith(`${service}:`)));

/** The functions that publish domain events (the README lists the events), and so may put events on the custom bus. */
/** Domain events come from the table's stream: only the outbox puts them on the bus. */
const PUBLISHERS: FunctionId[] = ["outbox"];

describe("the Rapport stack, synthesized with cdk.json's defaults", () => {
  let app: App;
  let stack: RapportStack;
  let template: Template;
  let resources: Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  beforeAll(() => {
    ({ app, stack } = synthStack());
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources as Resources;
    // Bundles fourteen functions with esbuild: over a minute when the machine is busy.
  }, 180_000);

  it("creates one function per route table function plus the authorizer, the sender, ses-events, reports-stream, the outbox, the webhook sender and the broadcast scheduler, all Node.js 24 on arm64", () => {
    const functionNames = new Set(routes.map((r) => r.fn));
    const functions = ofType("AWS::Lambda::Function");
    expect(functions).toHaveLength(functionNames.size + 7);
    expect(Object.keys(stack.functions).sort()).toEqual(
      [...functionNames, "authorizer", "sender", "ses-events", "reports-stream", "outbox", "webhook-sender", "broadcast-scheduler"].sort(),
    );
    // The sweep may outlast an API request when run by the schedule; the sender retries throttling;
    // the stream consumer retries counter transactions that conflict.
    const longer: Record<string, number> = {
      [logicalId(stack, stack.functions.sweep.fn)]: 300,
      [logicalId(stack, stack.functions.sender.fn)]: 60,
      [logicalId(stack, stack.functions["reports-stream"].fn)]: 60,
      // A segment's evaluation reads every profile it may match: all the time the API waits.
      [logicalId(stack, stack.functions.segments.fn)]: 29,
      [logicalId(stack, stack.functions.outbox.fn)]: 60,
      [logicalId(stack, stack.functions["webhook-sender"].fn)]: 30,
      // Expanding a newsletter's segment and queuing its recipients.
      [logicalId(stack, stack.functions["broadcast-scheduler"].fn)]: 300,
    };
    for (const [id, fn] of functions) {
      expect(fn.Properties.Runtime).toBe("nodejs24.x");
      expect(fn.Properties.Architectures).toEqual(["arm64"]);
      expect(fn.Properties.Timeout, id).toBe(longer[id] ?? 10);
      expect(fn.Properties.Handler).toBe("index.handler");
      expect(fn.Properties.Environment.Variables).toMatchObject({ NODE_OPTIONS: "--enable-source-maps", POWERTOOLS_SERVICE_NAME: "rapport" });
      expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.any(String) });
    }
    expect(resources[logicalId(stack, stack.functions.authorizer.fn)]!.Properties.MemorySize).toBe(128);
    expect(resources[logicalId(stack, stack.functions.capture.fn)]!.Properties.MemorySize).toBe(256);
    expect(resources[logicalId(stack, stack.functions.sweep.fn)]!.Properties.MemorySize).toBe(512);
    expect(resources[logicalId(stack, stack.functions.app.fn)]!.Properties.MemorySize).toBe(128);
  });

  it("ships the dashboard's built files in the app function's bundle, next to a handler that stays small", () => {
    template.toJSON();
    const bundles = readdirSync(app.outdir)
      .filter((entry) => entry.startsWith("asset."))
      .map((entry) => path.join(app.outdir, entry));
    // Only the app function's bundle carries them.
    const withApp = bundles.filter((dir) => existsSync(path.join(dir, "app", "index.html")));
    expect(withApp).toHaveLength(1);
    const dir = withApp[0]!;
    const html = readFileSync(path.join(dir, "app", "index.html"), "utf8");
    const assets = [...html.matchAll(/\/app\/((?:main|styles)-[A-Z0-9]{8}\.(?:js|css))/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(2);
    for (const asset of assets) expect(existsSync(path.join(dir, "app", asset)), asset).toBe(true);
    // Exactly this build: no leftovers of an earlier one.
    expect(
      readdirSync(path.join(dir, "app"))
        .filter((f) => /^(main|styles)-/.test(f))
        .sort(),
    ).toEqual([...assets].sort());
    // The files sit next to the handler, not inside it (the bench's budget is 400,000 bytes per bundle).
    expect(statSync(path.join(dir, "index.mjs")).size).toBeLessThan(150_000);
    expect(readFileSync(path.join(dir, "index.mjs"), "utf8")).not.toContain("esbuild");
  });

  it("bundles each function as minified ESM with a `require` shim and a source map, SDK included", () => {
    template.toJSON(); // synthesized, so the assets are staged
    const bundles = readdirSync(app.outdir)
      .filter((entry) => entry.startsWith("asset."))
      .map((entry) => path.join(app.outdir, entry));
    expect(bundles).toHaveLength(ofType("AWS::Lambda::Function").length);
    for (const dir of bundles) {
      const code = readFileSync(path.join(dir, "index.mjs"), "utf8");
      expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(true);
      expect(existsSync(path.join(dir, "index.mjs.map"))).toBe(true);
      expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    }
  });

  it("gives every function the runtime configuration from context, retention settings and resource names included", () => {
    const tableRef = { Ref: logicalId(stack, stack.table.table) };
    const apiEndpoint = { "Fn::GetAtt": [logicalId(stack, stack.api.httpApi), "ApiEndpoint"] };
    for (const [id, fn] of ofType("AWS::Lambda::Function")) {
      const env = fn.Properties.Environment.Variables;
      expect(env, id).toMatchObject({
        TABLE_NAME: tableRef,
        ALLOWED_ORIGINS: "https://example.com",
        CONSENT_VERSION: "v1",
        CURRENCY: "USD",
        LOYAL_ORDERS: "3",
        LOYAL_SPEND: "500",
        LOG_LEVEL: "INFO",
        BUSINESS_NAME: "Rapport Demo Shop",
        SENDER_EMAIL: "hello@example.com",
        SES_CONFIGURATION_SET: { Ref: logicalId(stack, stack.mail.configurationSet) },
        EVENT_BUS_NAME: { Ref: logicalId(stack, stack.bus.bus) },
        SEND_QUEUE_URL: { Ref: logicalId(stack, stack.pipeline.queue) },
        TOKEN_SECRET_ARN: { Ref: logicalId(stack, stack.tokenSecret.secret) },
        TOKEN_TTL_DAYS: "60",
        DUE_SHARDS: "8",
        FREQUENCY_CAP_DAYS: "3",
        SEND_WINDOW: "09:00-20:00",
        DEFAULT_TIMEZONE: "UTC",
        AT_RISK_DAYS: "90",
        CHURN_DAYS: "180",
        DOUBLE_OPT_IN: "false",
      });
      // Optional addresses are left out rather than set empty.
      expect(env.REPLY_TO_EMAIL, id).toBeUndefined();
      expect(env.SALES_EMAIL, id).toBeUndefined();
      // Links in pages and emails are absolute; the authorizer and the stream consumer render none.
      if (
        ![
          stack.functions.authorizer,
          stack.functions["reports-stream"],
          stack.functions.outbox,
          stack.functions["webhook-sender"],
          stack.functions["broadcast-scheduler"],
        ].some((f) => logicalId(stack, f.fn) === id)
      )
        expect(env.PUBLIC_BASE_URL, id).toEqual(apiEndpoint);
    }
  });

  it("keeps the table: on-demand, point-in-time recovery, deletion protection, retained, TTL, encrypted, with a stream of both images", () => {
    template.resourceCountIs("AWS::DynamoDB::Table", 1);
    template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: Match.objectLike({
        BillingMode: "PAY_PER_REQUEST",
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
        // The report counters' consumer counts old image → new image.
        StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
        KeySchema: [
          { AttributeName: "PK", KeyType: "HASH" },
          { AttributeName: "SK", KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: "GSI1",
            KeySchema: [
              { AttributeName: "GSI1PK", KeyType: "HASH" },
              { AttributeName: "GSI1SK", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          },
          // The due index: the sweep reads ids only, so a profile edit never writes it.
          {
            IndexName: "GSI2",
            KeySchema: [
              { AttributeName: "GSI2PK", KeyType: "HASH" },
              { AttributeName: "GSI2SK", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "KEYS_ONLY" },
          },
        ],
      }),
    });
  });

  it("has one HTTP API route per route table entry, on the right function, authorized only where the table says", () => {
    const apiRoutes = ofType("AWS::ApiGatewayV2::Route");
    expect(apiRoutes).toHaveLength(routes.length);
    const authorizerId = ofType("AWS::ApiGatewayV2::Authorizer")[0]![0];
    for (const route of routes) {
      const found = apiRoutes.find(([, r]) => r.Properties.RouteKey === routeKey(route));
      expect(found, routeKey(route)).toBeDefined();
      const props = found![1].Properties;
      if (route.auth === null) {
        expect(props.AuthorizationType, routeKey(route)).toBe("NONE");
        expect(props.AuthorizerId).toBeUndefined();
      } else {
        expect(props.AuthorizationType, routeKey(route)).toBe("CUSTOM");
        expect(props.AuthorizerId).toEqual({ Ref: authorizerId });
      }
      const integrationId = props.Target["Fn::Join"][1][1].Ref as string;
      expect(resources[integrationId]!.Properties.IntegrationUri, routeKey(route)).toEqual({
        "Fn::GetAtt": [logicalId(stack, stack.functions[route.fn].fn), "Arn"],
      });
    }
  });

  it("uses the API key authorizer with simple responses, payload 2.0 and a 60 s cache on the Authorization header", () => {
    template.resourceCountIs("AWS::ApiGatewayV2::Authorizer", 1);
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "REQUEST",
      AuthorizerPayloadFormatVersion: "2.0",
      EnableSimpleResponses: true,
      IdentitySource: ["$request.header.Authorization"],
      AuthorizerResultTtlInSeconds: 60,
      AuthorizerUri: Match.objectLike({ "Fn::Join": ["", Match.arrayWith([{ "Fn::GetAtt": [logicalId(stack, stack.functions.authorizer.fn), "Arn"] }])] }),
    });
  });

  it("throttles the stage, logs access and limits CORS to the configured origins", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: { "Fn::GetAtt": [Match.anyValue(), "Arn"] }, Format: Match.stringLikeRegexp("\\$context\\.requestId") },
    });
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      CorsConfiguration: {
        AllowOrigins: ["https://example.com"],
        AllowMethods: ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
        AllowHeaders: ["content-type", "authorization", "idempotency-key"],
        MaxAge: 600,
      },
    });
  });

  it("gives each function exactly the table actions its code performs on the table, only on its partitions where it has few, and Query on the indexes it reads", () => {
    const expected: Record<FunctionId, { actions: string[]; indexes: string[]; partitions?: string[]; more?: { actions: string[]; partitions: string[] } }> = {
      capture: { actions: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], indexes: [] },
      // Website tracking: the visitor's item, co-purchase counters, a tied visitor's customer item;
      // a referral link's code item.
      public: {
        actions: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"],
        indexes: [],
        partitions: ["VISITOR#*", "COBUY#*", "CUST#*", "REF#*"],
      },
      customers: {
        // BatchGetItem: a page of customers by lead score reads its profiles in one call.
        actions: [
          "dynamodb:BatchGetItem",
          "dynamodb:ConditionCheckItem",
          "dynamodb:DeleteItem",
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:Query",
          "dynamodb:UpdateItem",
        ],
        indexes: ["GSI1"],
      },
      events: { actions: ["dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], indexes: [] },
      campaigns: { actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], indexes: [] },
      links: { actions: ["dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], indexes: [] },
      sweep: {
        actions: ["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
        indexes: ["GSI2"],
      },
      sender: {
        actions: ["dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
        indexes: [],
      },
      "ses-events": {
        actions: ["dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        indexes: [],
      },
      // One read: a key's hash or a person's directory entry, and nothing else in the table.
      authorizer: { actions: ["dynamodb:GetItem"], indexes: [], partitions: ["APIKEY", "PERSON"] },
      // The people directory, the API keys and the webhook endpoints.
      people: {
        actions: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
        indexes: [],
        partitions: ["PERSON", "APIKEY", "WEBHOOK*"],
      },
      // Counters, campaign and newsletter names and the perk pool; of customers, only the top
      // referrers' profiles (a batch read, projected to name and code), in a statement of its own.
      reports: {
        actions: ["dynamodb:GetItem", "dynamodb:Query"],
        indexes: [],
        partitions: ["REPORT#*", "CAMPAIGN", "BROADCAST", "PERK"],
        more: { actions: ["dynamodb:BatchGetItem"], partitions: ["CUST#*"] },
      },
      // Its applied markers (a conditional Put) and counter ADDs, in one transaction per chunk; the
      // search index's puts and deletes in BatchWriteItem calls. Website visits, interests and
      // co-purchase counters in a statement of their own (it reads the customer item for those).
      "reports-stream": {
        actions: ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        indexes: [],
        partitions: ["REPORT#*", "SEARCH#*"],
        // The lead score besides: a hot lead's task (ConditionCheckItem on the profile) for the owner found in the people directory (Query);
        // the sort entry of a customer erased while it was written (DeleteItem).
        more: {
          actions: ["dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
          partitions: ["CUST#*", "COBUY#*", "PERSON"],
        },
      },
      // The dashboard's static files come from its own bundle.
      app: { actions: [], indexes: [] },
      // Orders as the events function records them, customer merges, the connections partition.
      hooks: { actions: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"], indexes: [] },
      // CSV lists: Query on the stage index only, nothing on the table itself.
      exports: { actions: [], indexes: ["GSI1"] },
      // A test send reads the campaign, the customer and the person.
      mailtest: { actions: ["dynamodb:GetItem"], indexes: [] },
      // The segment partition, the stage counter, and customer profiles read by the stage index (never a Scan).
      segments: { actions: ["dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], indexes: ["GSI1"] },
      // Newsletters: their partitions, the segment, the figures; a preview reads the customer.
      broadcasts: { actions: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"], indexes: [] },
      // Expands a segment on the stage index, writes and deletes the waiting lists, moves the state.
      "broadcast-scheduler": {
        actions: ["dynamodb:GetItem", "dynamodb:Query"],
        indexes: ["GSI1"],
        more: { actions: ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"], partitions: ["BROADCAST*"] },
      },
      // The webhook endpoints, to fan events out to: one Query of their partition.
      // and a shop's counted order noted on its connection.
      outbox: { actions: ["dynamodb:Query", "dynamodb:UpdateItem"], indexes: [], partitions: ["WEBHOOK", "CONNECTION"] },
      // The endpoint, the delivery claim and the dead letters: webhook partitions only.
      "webhook-sender": { actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], indexes: [], partitions: ["WEBHOOK*"] },
    };
    expect(Object.keys(expected).sort()).toEqual(Object.keys(stack.functions).sort());
    const tableArn = { "Fn::GetAtt": [logicalId(stack, stack.table.table), "Arn"] };
    const streamArn = { "Fn::GetAtt": [logicalId(stack, stack.table.table), "StreamArn"] };
    for (const [name, want] of Object.entries(expected) as [FunctionId, (typeof expected)[FunctionId]][]) {
      const dynamo = byService(statementsOf(resources, logicalId(stack, stack.functions[name].role)), "dynamodb");
      const allOnTable = dynamo.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(tableArn));
      const moreCondition = want.more && { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": want.more.partitions } };
      const more = allOnTable.filter((s) => moreCondition && JSON.stringify(s.Condition) === JSON.stringify(moreCondition));
      expect(actionsOf(more), name).toEqual(want.more?.actions ?? []);
      const onTable = allOnTable.filter((s) => !more.includes(s));
      expect(actionsOf(onTable), name).toEqual(want.actions);
      for (const statement of onTable) {
        expect(statement.Condition, name).toEqual(want.partitions ? { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": want.partitions } } : undefined);
      }
      // The stream: only its consumer reads it (next test).
      const onStream = dynamo.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(streamArn));
      expect(actionsOf(onStream), name).toEqual(
        name === "reports-stream" || name === "outbox" || name === "broadcast-scheduler"
          ? ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
          : [],
      );
      // An index ARN authorizes nothing but Query, so nothing else is granted there.
      const onIndexes = dynamo.filter((s) => !allOnTable.includes(s) && !onStream.includes(s));
      expect(actionsOf(onIndexes), name).toEqual(want.indexes.length ? ["dynamodb:Query"] : []);
      expect(
        onIndexes.flatMap((s) => [s.Resource].flat()),
        name,
      ).toEqual(want.indexes.map((index) => ({ "Fn::Join": ["", [tableArn, `/index/${index}`]] })));
    }
  });

  it("gives each function nothing beyond its own log group, its table actions and what its job needs", () => {
    const extra: Record<FunctionId, string[]> = {
      capture: [],
      public: ["secretsmanager:GetSecretValue"],
      customers: [],
      events: [],
      campaigns: [],
      links: ["secretsmanager:GetSecretValue"],
      sweep: ["sqs:SendMessage"],
      sender: [
        "secretsmanager:GetSecretValue",
        "ses:SendEmail",
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
        // Hands sends back with a delay while SES is not sending for the account.
        "sqs:SendMessage",
      ],
      "ses-events": [],
      authorizer: [],
      reports: [],
      segments: [],
      // Lambda sends a batch that failed every retry to the on-failure queue with this role.
      "reports-stream": ["sqs:SendMessage"],
      app: [],
      exports: [],
      mailtest: ["sqs:SendMessage"],
      broadcasts: [],
      // Keeps newsletters' one-time schedules, passing the role they run as; queues the recipients.
      "broadcast-scheduler": ["iam:PassRole", "scheduler:CreateSchedule", "scheduler:DeleteSchedule", "sqs:SendMessage"],
      // Adding a webhook endpoint writes its secret into the endpoints' secret.
      people: [
        "cognito-idp:AdminAddUserToGroup",
        "cognito-idp:AdminCreateUser",
        "cognito-idp:AdminDeleteUser",
        "cognito-idp:AdminGetUser",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
      ],
      hooks: ["secretsmanager:GetSecretValue"],
      // Publishes the events; queues deliveries; its stream's on-failure queue.
      outbox: ["events:PutEvents", "sqs:SendMessage"],
      // Consumes the delivery queue and hands failed deliveries back to it with a delay; reads the secrets.
      "webhook-sender": [
        "secretsmanager:GetSecretValue",
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
        "sqs:SendMessage",
      ],
    };
    const queueArn = { "Fn::GetAtt": [logicalId(stack, stack.pipeline.queue), "Arn"] };
    const reportsDlqArn = { "Fn::GetAtt": [logicalId(stack, stack.reportsStream.deadLetterQueue), "Arn"] };
    for (const [name, fn] of Object.entries(stack.functions) as [FunctionId, RapportStack["functions"][FunctionId]][]) {
      const statements = statementsOf(resources, logicalId(stack, fn.role));
      const others = statements.filter((s) => !byService(statements, "dynamodb").includes(s));
      expect(actionsOf(others), name).toEqual(["logs:CreateLogStream", "logs:PutLogEvents", ...extra[name]].sort());
      expect(
        byService(statements, "logs").map((s) => s.Resource),
        name,
      ).toEqual([{ "Fn::GetAtt": [logicalId(stack, fn.logGroup), "Arn"] }]);
      const webhookQueueArn = { "Fn::GetAtt": [logicalId(stack, stack.outbox.queue), "Arn"] };
      const outboxDlqArn = { "Fn::GetAtt": [logicalId(stack, stack.outbox.streamDeadLetterQueue), "Arn"] };
      const allowed =
        name === "reports-stream"
          ? [reportsDlqArn]
          : name === "outbox"
            ? [webhookQueueArn, outboxDlqArn]
            : name === "webhook-sender"
              ? [webhookQueueArn]
              : name === "broadcast-scheduler"
                ? [queueArn, { "Fn::GetAtt": [logicalId(stack, stack.broadcasts.streamDeadLetterQueue), "Arn"] }]
                : [queueArn];
      for (const statement of byService(statements, "sqs")) for (const resource of [statement.Resource].flat()) expect(allowed, name).toContainEqual(resource);
    }
  });

  it("lets the sender send email only as the configured address, from its identity, with the configuration set", () => {
    const ses = byService(statementsOf(resources, logicalId(stack, stack.functions.sender.role)), "ses");
    const arn = (...resource: unknown[]) => ({
      "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":ses:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ...resource]],
    });
    expect(ses).toHaveLength(1);
    expect(ses[0].Action).toBe("ses:SendEmail");
    expect(ses[0].Condition).toEqual({ StringEquals: { "ses:FromAddress": "hello@example.com" } });
    expect(new Set(ses[0].Resource)).toEqual(
      new Set([
        arn(":identity/example.com"),
        arn(":identity/hello@example.com"),
        arn(":configuration-set/", { Ref: logicalId(stack, stack.mail.configurationSet) }),
      ]),
    );
    expect(ses[0].Resource).toHaveLength(3);
    // Nobody else may send mail, or touch SES at all.
    const withSes = ofType("AWS::IAM::Policy").filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('"ses:'));
    expect(withSes.map(([, p]) => p.Properties.Roles)).toEqual([[{ Ref: logicalId(stack, stack.functions.sender.role) }]]);
  });

  it("lets only the functions that publish domain events put events, and only on the custom bus", () => {
    const busArn = { "Fn::GetAtt": [logicalId(stack, stack.bus.bus), "Arn"] };
    for (const [name, fn] of Object.entries(stack.functions) as [FunctionId, RapportStack["functions"][FunctionId]][]) {
      const statements = byService(statementsOf(resources, logicalId(stack, fn.role)), "events");
      expect(
        statements.map((s) => [s.Action, s.Resource]),
        name,
      ).toEqual(PUBLISHERS.includes(name) ? [["events:PutEvents", busArn]] : []);
    }
  });

  it("lets only the links and sender functions read the link-signing key, only the hooks function the connection secrets, and nothing else in Secrets Manager", () => {
    const readers = ofType("AWS::IAM::Policy")
      .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes("secretsmanager:"))
      .flatMap(([, p]) => p.Properties.Roles.map((r: any) => r.Ref as string))
      .sort();
    expect(readers).toEqual(
      [
        logicalId(stack, stack.functions.links.role),
        logicalId(stack, stack.functions.sender.role),
        logicalId(stack, stack.functions.hooks.role),
        logicalId(stack, stack.functions.public.role),
        logicalId(stack, stack.functions.people.role),
        logicalId(stack, stack.functions["webhook-sender"].role),
      ].sort(),
    );
    for (const name of ["links", "sender", "public"] as const) {
      const statements = byService(statementsOf(resources, logicalId(stack, stack.functions[name].role)), "secretsmanager");
      expect(
        statements.map((s) => [s.Action, s.Resource]),
        name,
      ).toEqual([["secretsmanager:GetSecretValue", { Ref: logicalId(stack, stack.tokenSecret.secret) }]]);
    }
    const hooks = byService(statementsOf(resources, logicalId(stack, stack.functions.hooks.role)), "secretsmanager");
    expect(hooks.map((s) => [s.Action, s.Resource])).toEqual([["secretsmanager:GetSecretValue", { Ref: logicalId(stack, stack.connectionSecrets.secret) }]]);
    const people = byService(statementsOf(resources, logicalId(stack, stack.functions.people.role)), "secretsmanager");
    expect(people.map((s) => [s.Action, s.Resource])).toEqual([
      [["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], { Ref: logicalId(stack, stack.outbox.secret) }],
    ]);
    const sender = byService(statementsOf(resources, logicalId(stack, stack.functions["webhook-sender"].role)), "secretsmanager");
    expect(sender.map((s) => [s.Action, s.Resource])).toEqual([["secretsmanager:GetSecretValue", { Ref: logicalId(stack, stack.outbox.secret) }]]);
  });

  it("generates the link-signing key at deploy time (48 letters and digits), never rotates it and keeps it when the stack goes", () => {
    template.resourceCountIs("AWS::SecretsManager::Secret", 3);
    template.hasResource("AWS::SecretsManager::Secret", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: Match.objectLike({ GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true, IncludeSpace: false } }),
    });
    template.resourceCountIs("AWS::SecretsManager::RotationSchedule", 0);
  });

  it("keeps the shop connections' signing secrets in a secret that starts as an empty JSON object, named to the hooks function and in an output for the CLI", () => {
    const id = logicalId(stack, stack.connectionSecrets.secret);
    expect(resources[id]!.Properties.SecretString).toBe("{}");
    expect(resources[id]!.Properties.GenerateSecretString).toBeUndefined();
    const env = (name: FunctionId) => resources[logicalId(stack, stack.functions[name].fn)]!.Properties.Environment.Variables;
    expect(env("hooks").CONNECTIONS_SECRET_ARN).toEqual({ Ref: id });
    expect(env("capture").CONNECTIONS_SECRET_ARN).toBeUndefined();
    template.hasOutput("ConnectionsSecretArn", { Value: { Ref: id } });
  });

  it("grants no Scan, no wildcard action or resource and no managed policy anywhere; batch reads only to the sweep, the segments (a page of members), the customers (a page by lead score), the newsletters (their figures) and the reports (the top referrers), batch writes only to the stream consumer in its own partitions", () => {
    const sweepRole = logicalId(stack, stack.functions.sweep.role);
    const segmentsRole = logicalId(stack, stack.functions.segments.role);
    const broadcastsRole = logicalId(stack, stack.functions.broadcasts.role);
    const customersRole = logicalId(stack, stack.functions.customers.role);
    const reportsRole = logicalId(stack, stack.functions.reports.role);
    const streamRole = logicalId(stack, stack.functions["reports-stream"].role);
    const schedulerRole = logicalId(stack, stack.functions["broadcast-scheduler"].role);
    const schedulesPolicy = logicalId(stack, stack.broadcasts.schedulesPolicy);
    for (const [id, policy] of ofType("AWS::IAM::Policy")) {
      for (const statement of policy.Properties.PolicyDocument.Statement as any[]) {
        for (const action of [statement.Action].flat() as string[]) {
          expect(action).not.toContain("*");
          expect(action).not.toMatch(/Scan/);
          if (action.includes("BatchWrite")) {
            // The stream consumer in its counter and search partitions; the newsletters' starts in the newsletter partitions.
            const allowed = [
              { roles: [{ Ref: streamRole }], keys: ["REPORT#*", "SEARCH#*"] },
              { roles: [{ Ref: schedulerRole }], keys: ["BROADCAST*"] },
            ];
            expect(allowed).toContainEqual({
              roles: policy.Properties.Roles,
              keys: statement.Condition?.["ForAllValues:StringLike"]?.["dynamodb:LeadingKeys"],
            });
          } else if (action.includes("Batch"))
            expect([[{ Ref: sweepRole }], [{ Ref: segmentsRole }], [{ Ref: customersRole }], [{ Ref: broadcastsRole }], [{ Ref: reportsRole }]]).toContainEqual(
              policy.Properties.Roles,
            );
        }
        // The one wildcard: newsletters' schedules, named at run time, within the stack's own schedule group.
        if (id === schedulesPolicy && JSON.stringify(statement.Action).includes("scheduler:")) continue;
        expect(JSON.stringify(statement.Resource)).not.toContain("*");
      }
    }
    for (const [, role] of ofType("AWS::IAM::Role")) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("has a custom domain event bus named after the stack, archived for 30 days for replay", () => {
    template.resourceCountIs("AWS::Events::EventBus", 1);
    template.hasResourceProperties("AWS::Events::EventBus", { Name: "rapport-Rapport" });
    template.hasResourceProperties("AWS::Events::Archive", {
      SourceArn: { "Fn::GetAtt": [logicalId(stack, stack.bus.bus), "Arn"] },
      EventPattern: { source: ["rapport"] },
      RetentionDays: 30,
    });
  });

  it("queues sends on an encrypted, TLS-only queue that parks a request in a dead-letter queue after 5 receives", () => {
    const queueId = logicalId(stack, stack.pipeline.queue);
    const dlqId = logicalId(stack, stack.pipeline.deadLetterQueue);
    // send queue, its DLQ, the SES events rule's DLQ, the reports stream's DLQ, the outbox stream's DLQ, the webhook delivery queue and its DLQ,
    // the newsletter schedules stream's DLQ
    template.resourceCountIs("AWS::SQS::Queue", 8);
    expect(resources[queueId]!.Properties).toEqual({
      SqsManagedSseEnabled: true,
      // Six times the sender's 60 s timeout.
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [dlqId, "Arn"] }, maxReceiveCount: 5 },
    });
    expect(resources[dlqId]!.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    for (const id of [queueId, dlqId]) {
      template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: "sqs:*",
              Condition: { Bool: { "aws:SecureTransport": "false" } },
              Effect: "Deny",
              Principal: { AWS: "*" },
              Resource: { "Fn::GetAtt": [id, "Arn"] },
            },
          ]),
        },
      });
    }
  });

  it("feeds the sender from the queue in batches of 10, with partial batch failures and a concurrency ceiling", () => {
    template.resourceCountIs("AWS::Lambda::EventSourceMapping", 5); // the send queue's, the webhook queue's, the table stream's three (reports, outbox, newsletters)
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: { "Fn::GetAtt": [logicalId(stack, stack.pipeline.queue), "Arn"] },
      FunctionName: { Ref: logicalId(stack, stack.functions.sender.fn) },
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it("feeds the reports-stream function the table's customer changes, in order, off the request path", () => {
    const mappings = ofType("AWS::Lambda::EventSourceMapping").filter(
      ([, m]) =>
        JSON.stringify(m.Properties.EventSourceArn).includes("StreamArn") &&
        JSON.stringify(m.Properties.FunctionName) === JSON.stringify({ Ref: logicalId(stack, stack.functions["reports-stream"].fn) }),
    );
    expect(mappings).toHaveLength(1);
    const [mappingId, mapping] = mappings[0]!;
    const dlqArn = { "Fn::GetAtt": [logicalId(stack, stack.reportsStream.deadLetterQueue), "Arn"] };
    expect(mapping.Properties).toEqual({
      EventSourceArn: { "Fn::GetAtt": [logicalId(stack, stack.table.table), "StreamArn"] },
      FunctionName: { Ref: logicalId(stack, stack.functions["reports-stream"].fn) },
      // Everything the stream still holds when the mapping is created.
      StartingPosition: "TRIM_HORIZON",
      BatchSize: 100,
      // Up to 5 s to fill a batch: a burst of writes becomes a few full batches.
      MaximumBatchingWindowInSeconds: 5,
      // Bounded: then the batch's whereabouts go to the dead-letter queue and the shard moves on.
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      // Never split: the consumer's idempotency keys on where a batch starts; one batch per shard at a time.
      BisectBatchOnFunctionError: false,
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: dlqArn } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(REPORTS_STREAM_FILTER) }] },
    });
    // Only customer partitions invoke it, never the counters it writes itself.
    expect(JSON.parse(mapping.Properties.FilterCriteria.Filters[0].Pattern)).toEqual({
      dynamodb: { Keys: { PK: { S: [{ prefix: "CUST#" }, { prefix: "VISITOR#" }] } } },
    });
    // Lambda checks the role can read the stream when the mapping is created: the policy comes first.
    const policies = ofType("AWS::IAM::Policy").filter(([, p]) =>
      p.Properties.Roles.some((r: any) => r.Ref === logicalId(stack, stack.functions["reports-stream"].role)),
    );
    const dependsOn = (id: string) => [(template.toJSON().Resources[id] as { DependsOn?: string[] }).DependsOn ?? []].flat();
    const fnId = logicalId(stack, stack.functions["reports-stream"].fn);
    expect(policies.length).toBeGreaterThan(0);
    for (const [policyId] of policies) expect([...dependsOn(mappingId), ...dependsOn(fnId)], policyId).toContain(policyId);
    // Its dead-letter queue: encrypted, TLS only, kept 14 days.
    const dlqId = logicalId(stack, stack.reportsStream.deadLetterQueue);
    expect(resources[dlqId]!.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: dlqId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: "sqs:*", Condition: { Bool: { "aws:SecureTransport": "false" } }, Effect: "Deny", Principal: { AWS: "*" }, Resource: dlqArn },
        ]),
      },
    });
  });

  it("feeds the outbox the timeline entries and tombstones, retrying and bisecting a failing batch, and the webhook sender its queue", () => {
    const outboxFn = { Ref: logicalId(stack, stack.functions.outbox.fn) };
    const [mapping] = ofType("AWS::Lambda::EventSourceMapping").filter(([, m]) => JSON.stringify(m.Properties.FunctionName) === JSON.stringify(outboxFn));
    expect(mapping?.[1].Properties).toEqual({
      EventSourceArn: { "Fn::GetAtt": [logicalId(stack, stack.table.table), "StreamArn"] },
      FunctionName: outboxFn,
      // Events from the deployment on, not a replay of the day the stream still holds.
      StartingPosition: "LATEST",
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      // Split a failing batch to isolate the record that keeps failing; event ids make the repeats harmless.
      BisectBatchOnFunctionError: true,
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [logicalId(stack, stack.outbox.streamDeadLetterQueue), "Arn"] } } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(OUTBOX_STREAM_FILTER) }] },
    });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: { "Fn::GetAtt": [logicalId(stack, stack.outbox.queue), "Arn"] },
      FunctionName: { Ref: logicalId(stack, stack.functions["webhook-sender"].fn) },
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    expect(resources[logicalId(stack, stack.outbox.queue)]!.Properties).toMatchObject({
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [logicalId(stack, stack.outbox.deadLetterQueue), "Arn"] }, maxReceiveCount: 5 },
    });
    const env = (name: FunctionId) => resources[logicalId(stack, stack.functions[name].fn)]!.Properties.Environment.Variables;
    expect(env("outbox").WEBHOOK_QUEUE_URL).toEqual({ Ref: logicalId(stack, stack.outbox.queue) });
    expect(env("webhook-sender").WEBHOOKS_SECRET_ARN).toEqual({ Ref: logicalId(stack, stack.outbox.secret) });
    expect(env("people").WEBHOOKS_SECRET_ARN).toEqual({ Ref: logicalId(stack, stack.outbox.secret) });
  });

  it("starts newsletters with one-time schedules: the broadcast scheduler reads only newsletter items from the stream, may create and delete only newsletter schedules, and passes only the role that may invoke it", () => {
    const schedulerFn = stack.functions["broadcast-scheduler"];
    const fnRef = { Ref: logicalId(stack, schedulerFn.fn) };
    const [mapping] = ofType("AWS::Lambda::EventSourceMapping").filter(([, m]) => JSON.stringify(m.Properties.FunctionName) === JSON.stringify(fnRef));
    expect(mapping?.[1].Properties).toMatchObject({
      EventSourceArn: { "Fn::GetAtt": [logicalId(stack, stack.table.table), "StreamArn"] },
      StartingPosition: "LATEST",
      BisectBatchOnFunctionError: true,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(BROADCAST_STREAM_FILTER) }] },
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [logicalId(stack, stack.broadcasts.streamDeadLetterQueue), "Arn"] } } },
    });
    const roleArn = { "Fn::GetAtt": [logicalId(stack, stack.broadcasts.scheduleRole), "Arn"] };
    template.hasResourceProperties("AWS::Scheduler::ScheduleGroup", { Name: "Rapport-newsletters" });
    const statements = statementsOf(resources, logicalId(stack, schedulerFn.role));
    const scheduler = byService(statements, "scheduler");
    expect(scheduler.map((st) => [st.Action, st.Resource])).toEqual([
      [
        ["scheduler:CreateSchedule", "scheduler:DeleteSchedule"],
        {
          "Fn::Join": [
            "",
            ["arn:", { Ref: "AWS::Partition" }, ":scheduler:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ":schedule/Rapport-newsletters/*"],
          ],
        },
      ],
    ]);
    expect(byService(statements, "iam").map((st) => [st.Action, st.Resource])).toEqual([["iam:PassRole", roleArn]]);
    const env = resources[logicalId(stack, schedulerFn.fn)]!.Properties.Environment.Variables;
    expect(env.BROADCAST_SCHEDULE_ROLE_ARN).toEqual(roleArn);
    expect(env.BROADCAST_SCHEDULE_GROUP).toBe("Rapport-newsletters");
    // The role the schedules run as: assumed by EventBridge Scheduler of this account only, and may only invoke the scheduler function.
    const role = resources[logicalId(stack, stack.broadcasts.scheduleRole)]!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: "sts:AssumeRole",
        Effect: "Allow",
        Principal: { Service: "scheduler.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
      },
    ]);
    const invoke = statementsOf(resources, logicalId(stack, stack.broadcasts.scheduleRole));
    expect(invoke.map((st) => [st.Action, st.Resource])).toEqual([["lambda:InvokeFunction", { "Fn::GetAtt": [logicalId(stack, schedulerFn.fn), "Arn"] }]]);
    // No HTTP function bundles the Scheduler client or may touch schedules.
    const withScheduler = ofType("AWS::IAM::Policy").filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('"scheduler:'));
    expect(withScheduler.map(([, p]) => p.Properties.Roles)).toEqual([[{ Ref: logicalId(stack, schedulerFn.role) }]]);
    // The sender paces itself under MaxSendRate with the send queue's concurrency ceiling.
    expect(resources[logicalId(stack, stack.functions.sender.fn)]!.Properties.Environment.Variables.SENDER_MAX_CONCURRENCY).toBe("2");
  });

  it("runs the sweep on the configured schedule", () => {
    const sweepArn = { "Fn::GetAtt": [logicalId(stack, stack.functions.sweep.fn), "Arn"] };
    const schedules = ofType("AWS::Events::Rule").filter(([, r]) => r.Properties.ScheduleExpression);
    expect(schedules).toHaveLength(1);
    const [ruleId, rule] = schedules[0]!;
    expect(rule.Properties).toMatchObject({ ScheduleExpression: "rate(1 hour)", State: "ENABLED", Targets: [{ Arn: sweepArn, Id: "Target0" }] });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: sweepArn,
      Principal: "events.amazonaws.com",
      SourceArn: { "Fn::GetAtt": [ruleId, "Arn"] },
    });
  });

  it("queues the double opt-in confirmation as soon as a lead with pending consent is captured, in the sender's message shape", () => {
    const queueArn = { "Fn::GetAtt": [logicalId(stack, stack.pipeline.queue), "Arn"] };
    const ruleId = logicalId(stack, stack.pipeline.consentRule);
    const rule = resources[ruleId]!.Properties;
    expect(rule.EventBusName).toEqual({ Ref: logicalId(stack, stack.bus.bus) });
    expect(rule.EventPattern).toEqual({ source: ["rapport"], "detail-type": ["LeadCaptured"], detail: { consentPending: [true] } });
    expect(rule.Targets).toHaveLength(1);
    const target = rule.Targets[0];
    expect(target.Arn).toEqual(queueArn);
    expect(target.InputTransformer.InputPathsMap).toEqual({ "detail-customerId": "$.detail.customerId", "detail-at": "$.detail.at" });
    // What EventBridge does with the template: each unquoted <name> becomes the JSON value at its path.
    const detail: Record<string, unknown> = { customerId: "cus_01JD0000000000000000000000", at: "2027-01-15T09:00:00.000Z", consentPending: true };
    const paths = target.InputTransformer.InputPathsMap as Record<string, string>;
    const body = (target.InputTransformer.InputTemplate as string).replace(/<([\w-]+)>/g, (_, name: string) =>
      JSON.stringify(detail[paths[name]!.replace("$.detail.", "")]),
    );
    expect(JSON.parse(body)).toEqual({
      customerId: "cus_01JD0000000000000000000000",
      campaignId: "consent-confirmation",
      occurrence: "2027-01-15T09:00:00.000Z",
      dueAt: "2027-01-15T09:00:00.000Z",
    });
    // The queue lets EventBridge send to it, for this rule only.
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: logicalId(stack, stack.pipeline.queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(["sqs:SendMessage"]),
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Condition: { ArnEquals: { "aws:SourceArn": { "Fn::GetAtt": [ruleId, "Arn"] } } },
            Resource: queueArn,
          }),
        ]),
      },
    });
  });

  it("sends with an SES configuration set (reputation metrics, TLS required) whose events go to the default EventBridge bus", () => {
    template.resourceCountIs("AWS::SES::ConfigurationSet", 1);
    template.hasResourceProperties("AWS::SES::ConfigurationSet", {
      Name: "rapport-Rapport",
      ReputationOptions: { ReputationMetricsEnabled: true },
      DeliveryOptions: { TlsPolicy: "REQUIRE" },
    });
    template.resourceCountIs("AWS::SES::ConfigurationSetEventDestination", 1);
    template.hasResourceProperties("AWS::SES::ConfigurationSetEventDestination", {
      ConfigurationSetName: { Ref: logicalId(stack, stack.mail.configurationSet) },
      EventDestination: {
        Enabled: true,
        EventBridgeDestination: {
          EventBusArn: {
            "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":events:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ":event-bus/default"]],
          },
        },
        MatchingEventTypes: ["send", "delivery", "bounce", "complaint", "open", "click", "reject", "renderingFailure"],
      },
    });
    // The sending identity is the owner's to verify; the stack does not create one.
    template.resourceCountIs("AWS::SES::EmailIdentity", 0);
  });

  it("hands this configuration set's SES events, and no one else's, to the ses-events function", () => {
    const fnArn = { "Fn::GetAtt": [logicalId(stack, stack.functions["ses-events"].fn), "Arn"] };
    const rules = ofType("AWS::Events::Rule").filter(([, r]) => r.Properties.EventPattern?.source?.[0] === "aws.ses");
    expect(rules).toHaveLength(1);
    const [ruleId, rule] = rules[0]!;
    expect(rule.Properties.EventBusName).toBe("default");
    expect(rule.Properties.EventPattern).toEqual({
      source: ["aws.ses"],
      "detail-type": [
        "Email Sent",
        "Email Delivered",
        "Email Bounced",
        "Email Complaint Received",
        "Email Opened",
        "Email Clicked",
        "Email Rejected",
        "Email Rendering Failed",
      ],
      detail: { mail: { tags: { "ses:configuration-set": [{ Ref: logicalId(stack, stack.mail.configurationSet) }] } } },
    });
    // Retried for a day, then parked in a dead-letter queue: a bounce is never dropped silently.
    expect(rule.Properties.Targets).toEqual([
      {
        Arn: fnArn,
        Id: "Target0",
        DeadLetterConfig: { Arn: { "Fn::GetAtt": [logicalId(stack, stack.mail.eventsDeadLetterQueue!), "Arn"] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
      },
    ]);
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: fnArn,
      Principal: "events.amazonaws.com",
      SourceArn: { "Fn::GetAtt": [ruleId, "Arn"] },
    });
  });

  it("alarms on every function's errors, the API's 5xx, anything dead-lettered, a stream consumer falling behind and the SES bounce and complaint rates", () => {
    const alarms = ofType("AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
    expect(alarms).toHaveLength(Object.keys(stack.functions).length + 1 + 6 + 2 + 2); // functions, API 5xx, six DLQs, two iterator ages, SES rates
    for (const [name, fn] of Object.entries(stack.functions)) {
      expect(
        alarms.some((a) => a.MetricName === "Errors" && a.Dimensions?.[0]?.Value?.Ref === logicalId(stack, fn.fn)),
        name,
      ).toBe(true);
    }
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [logicalId(stack, stack.pipeline.deadLetterQueue), "QueueName"] } }],
        Statistic: "Maximum",
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      }),
    );
    // A batch of stream records given up on: the report counters are off until rebuilt.
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [logicalId(stack, stack.reportsStream.deadLetterQueue), "QueueName"] } }],
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      }),
    );
    // Reports going stale: the consumer's oldest record handed over is more than 5 minutes old.
    expect(alarms.filter((a) => a.MetricName === "IteratorAge")).toHaveLength(2);
    expect(alarms.filter((a) => a.MetricName === "IteratorAge")).toContainEqual(
      expect.objectContaining({
        Namespace: "AWS/Lambda",
        Dimensions: [{ Name: "FunctionName", Value: { Ref: logicalId(stack, stack.functions["reports-stream"].fn) } }],
        Statistic: "Maximum",
        Period: 300,
        Threshold: 5 * 60_000,
        ComparisonOperator: "GreaterThanThreshold",
        TreatMissingData: "notBreaching",
      }),
    );
    for (const [metric, threshold] of [
      ["Reputation.BounceRate", 0.05],
      ["Reputation.ComplaintRate", 0.001],
    ] as const) {
      const alarm = alarms.find((a) => a.MetricName === metric);
      expect(alarm, metric).toMatchObject({
        Namespace: "AWS/SES",
        Threshold: threshold,
        Statistic: "Maximum",
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      });
      // Account-level metrics: no dimensions.
      expect(alarm!.Dimensions, metric).toBeUndefined();
    }
    // Without rapport:alarmEmail there is nowhere to send them.
    template.resourceCountIs("AWS::SNS::Topic", 0);
  });

  it("gives every function and the access log its own log group with the configured retention", () => {
    const logGroups = ofType("AWS::Logs::LogGroup");
    expect(logGroups).toHaveLength(ofType("AWS::Lambda::Function").length + 1);
    for (const [, group] of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it("outputs the API URL, the table name, the leads endpoint, the bus, the send queue and the configuration set", () => {
    const apiEndpoint = { "Fn::GetAtt": [logicalId(stack, stack.api.httpApi), "ApiEndpoint"] };
    template.hasOutput("ApiUrl", { Value: apiEndpoint });
    template.hasOutput("TableName", { Value: { Ref: logicalId(stack, stack.table.table) } });
    template.hasOutput("LeadsEndpoint", { Value: { "Fn::Join": ["", [apiEndpoint, "/v1/leads"]] } });
    template.hasOutput("EventBusName", { Value: { Ref: logicalId(stack, stack.bus.bus) } });
    template.hasOutput("SendQueueUrl", { Value: { Ref: logicalId(stack, stack.pipeline.queue) } });
    template.hasOutput("ConfigurationSetName", { Value: { Ref: logicalId(stack, stack.mail.configurationSet) } });
  });
});

describe("the Rapport stack with retention settings from context", () => {
  let template: Template;

  beforeAll(() => {
    const { stack } = synthStack({
      ...NO_BUNDLING,
      "rapport:senderEmail": "News@Mail.Shop.example",
      "rapport:replyToEmail": "care@shop.example",
      "rapport:salesEmail": "sales@shop.example",
      "rapport:sweepSchedule": "cron(0 8 * * ? *)",
      "rapport:senderMaxConcurrency": "5",
      "rapport:doubleOptIn": "true",
      "rapport:defaultTimezone": "Europe/Oslo",
      "rapport:bounceRateAlarm": 0.02,
      "rapport:alarmEmail": "ops@example.com",
    });
    template = Template.fromStack(stack);
  });

  it("uses the schedule, the sender concurrency, the thresholds and the addresses given", () => {
    template.hasResourceProperties("AWS::Events::Rule", { ScheduleExpression: "cron(0 8 * * ? *)" });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", { ScalingConfig: { MaximumConcurrency: 5 } });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", { MetricName: "Reputation.BounceRate", Threshold: 0.02 });
    for (const fn of Object.values(template.findResources("AWS::Lambda::Function"))) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        SENDER_EMAIL: "News@Mail.Shop.example",
        REPLY_TO_EMAIL: "care@shop.example",
        SALES_EMAIL: "sales@shop.example",
        DOUBLE_OPT_IN: "true",
        DEFAULT_TIMEZONE: "Europe/Oslo",
      });
    }
  });

  it("scopes sending to the sender's domain identity and the exact From address", () => {
    const [statement] = Object.values(template.findResources("AWS::IAM::Policy"))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as any[])
      .filter((s) => s.Action === "ses:SendEmail");
    expect(statement.Condition).toEqual({ StringEquals: { "ses:FromAddress": "News@Mail.Shop.example" } });
    const resources = JSON.stringify(statement.Resource);
    expect(resources).toContain(":identity/mail.shop.example");
    expect(resources).toContain(":identity/News@Mail.Shop.example");
  });

  it("mails every alarm and its recovery to rapport:alarmEmail", () => {
    template.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "ops@example.com" });
    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm"));
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
      expect(alarm.Properties.OKActions).toHaveLength(1);
    }
  });
});

/** What a deployment sets instead of cdk.json's placeholders. */
const REAL_VALUES = { "rapport:allowedOrigins": "https://crumb.co", "rapport:senderEmail": "hello@crumb.co", "rapport:businessName": "Crumb & Co" };

/** Runs the CDK app as `cdk synth` does, in a child process, with this context. */
function runApp(context: Record<string, unknown>): { status: number | null; stderr: string; synthesized: boolean } {
  const outdir = mkdtempSync(path.join(tmpdir(), "rapport-cdk-"));
  try {
    const result = spawnSync(process.execPath, ["infra/app.ts"], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    });
    return { status: result.status, stderr: result.stderr, synthesized: existsSync(path.join(outdir, "Rapport.template.json")) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe("configuration from context", () => {
  it("has the same defaults in code as in cdk.json", () => {
    expect(readConfig({ ...cdkJson.context, ...DEMO })).toEqual(readConfig(DEMO));
    expect(cdkJson.app).toBe("node infra/app.ts");
  });

  it("accepts values the way `cdk -c key=value` passes them: as strings", () => {
    const config = readConfig({
      ...DEMO,
      "rapport:allowedOrigins": "https://shop.example.com, http://localhost:5173/",
      "rapport:loyalOrders": "5",
      "rapport:currency": "eur",
      "rapport:authCacheTtlSeconds": "0",
      "rapport:doubleOptIn": "TRUE",
      "rapport:dueShards": "16",
      "rapport:complaintRateAlarm": "0.002",
      "rapport:sendWindow": "08:30-24:00",
      "rapport:sweepSchedule": "rate(15 minutes)",
      "rapport:defaultTimezone": "America/Argentina/Buenos_Aires",
    });
    expect(config.allowedOrigins).toEqual(["https://shop.example.com", "http://localhost:5173"]);
    expect(config.loyalOrders).toBe(5);
    expect(config.currency).toBe("EUR");
    expect(config.authCacheTtlSeconds).toBe(0);
    expect(config.doubleOptIn).toBe(true);
    expect(config.dueShards).toBe(16);
    expect(config.complaintRateAlarm).toBe(0.002);
    expect(config.sendWindow).toBe("08:30-24:00");
    expect(config.sweepSchedule).toBe("rate(15 minutes)");
    expect(config.defaultTimezone).toBe("America/Argentina/Buenos_Aires");
  });

  it("has the documented defaults for the retention settings, and none for the optional addresses", () => {
    const config = readConfig(DEMO);
    expect(config).toMatchObject({
      senderEmail: "hello@example.com",
      businessName: "Rapport Demo Shop",
      sweepSchedule: "rate(1 hour)",
      senderMaxConcurrency: 2,
      frequencyCapDays: 3,
      sendWindow: "09:00-20:00",
      defaultTimezone: "UTC",
      atRiskDays: 90,
      churnDays: 180,
      doubleOptIn: false,
      dueShards: 8,
      tokenTtlDays: 60,
      bounceRateAlarm: 0.05,
      complaintRateAlarm: 0.001,
    });
    expect(config.replyToEmail).toBeUndefined();
    expect(config.salesEmail).toBeUndefined();
  });

  it.each([
    ["rapport:allowedOrigins", "not a url", /Invalid context rapport:allowedOrigins: must be a list of origins like https:\/\/example\.com/],
    ["rapport:allowedOrigins", ["https://example.com/form"], /rapport:allowedOrigins: .*no path/],
    ["rapport:loyalOrders", -1, /Invalid context rapport:loyalOrders: must be a whole number of purchases, 1 or more \(got -1\)/],
    ["rapport:throttleRateLimit", "fast", /Invalid context rapport:throttleRateLimit: must be .* greater than 0 \(got "fast"\)/],
    ["rapport:logRetentionDays", 10, /Invalid context rapport:logRetentionDays: must be one of the retention periods .*30, 60/],
    ["rapport:authCacheTtlSeconds", 7200, /Invalid context rapport:authCacheTtlSeconds: .*to 3600/],
    ["rapport:currency", "dollars", /Invalid context rapport:currency: must be an ISO 4217 currency code/],
    ["rapport:alarmEmail", "ops", /Invalid context rapport:alarmEmail: must be an email address/],
    ["rapport:stackName", "my stack", /Invalid context rapport:stackName/],
    ["rapport:senderEmail", "shop.example.com", /Invalid context rapport:senderEmail: must be the email address campaigns are sent from/],
    ["rapport:replyToEmail", "reply", /Invalid context rapport:replyToEmail: must be an email address/],
    ["rapport:salesEmail", "@sales", /Invalid context rapport:salesEmail: must be an email address/],
    ["rapport:businessName", "  ", /Invalid context rapport:businessName: must be the business's name/],
    ["rapport:sweepSchedule", "every hour", /Invalid context rapport:sweepSchedule: must be an EventBridge schedule expression: rate\(/],
    ["rapport:sweepSchedule", "rate(1 hours)", /Invalid context rapport:sweepSchedule/],
    ["rapport:sweepSchedule", "rate(2 hour)", /Invalid context rapport:sweepSchedule/],
    ["rapport:sweepSchedule", "cron(0 8 * * *)", /Invalid context rapport:sweepSchedule/],
    ["rapport:sweepSchedule", "cron(0 8 * * MON *)", /Invalid context rapport:sweepSchedule/],
    ["rapport:senderMaxConcurrency", 1, /Invalid context rapport:senderMaxConcurrency: must be .* from 2 \(the SQS event source minimum\)/],
    ["rapport:frequencyCapDays", -1, /Invalid context rapport:frequencyCapDays: must be a whole number of days/],
    ["rapport:sendWindow", "9-17", /Invalid context rapport:sendWindow: must be local hours .* HH:MM-HH:MM/],
    ["rapport:sendWindow", "20:00-09:00", /Invalid context rapport:sendWindow: .*end after the start/],
    ["rapport:defaultTimezone", "Mars/Olympus_Mons", /Invalid context rapport:defaultTimezone: must be an IANA time zone name/],
    ["rapport:defaultTimezone", "+02:00", /Invalid context rapport:defaultTimezone/],
    ["rapport:atRiskDays", 0, /Invalid context rapport:atRiskDays: must be a whole number of days/],
    ["rapport:churnDays", 60, /Invalid context rapport:churnDays: must be more than rapport:atRiskDays \(got 60, at risk after 90\)/],
    ["rapport:doubleOptIn", "yes", /Invalid context rapport:doubleOptIn: must be true .* or false/],
    ["rapport:dueShards", 0, /Invalid context rapport:dueShards: must be a whole number of due index partitions from 1 to 64/],
    ["rapport:tokenTtlDays", 1.5, /Invalid context rapport:tokenTtlDays: must be a whole number of days/],
    ["rapport:bounceRateAlarm", 5, /Invalid context rapport:bounceRateAlarm: must be .* a fraction greater than 0 and at most 1/],
    ["rapport:complaintRateAlarm", 0, /Invalid context rapport:complaintRateAlarm: must be .* a fraction/],
  ])("refuses %s = %j with an error naming the key and what it expects", (key, value, message) => {
    expect(() => synthStack({ ...NO_BUNDLING, [key]: value })).toThrow(message);
  });

  it("names every bad key at once", () => {
    expect(() => readConfig({ "rapport:loyalOrders": 0, "rapport:loyalSpend": -5 })).toThrow(
      /^Invalid context rapport:loyalOrders: .*; Invalid context rapport:loyalSpend: [^\n]*$/,
    );
  });

  it("fails `cdk synth` itself with that error on one line, without a stack trace, before bundling anything", () => {
    const result = runApp({ ...cdkJson.context, ...DEMO, "rapport:loyalOrders": -1 });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("Invalid context rapport:loyalOrders: must be a whole number of purchases, 1 or more (got -1)\n");
  });

  it("refuses an unknown rapport: key, suggesting the key it is nearest to", () => {
    expect(() => readConfig({ ...DEMO, "rapport:sendrEmail": "news@shop.example.com" })).toThrow(
      "Unknown context rapport:sendrEmail: did you mean rapport:senderEmail?",
    );
    expect(() => readConfig({ ...DEMO, "rapport:colour": "blue" })).toThrow(/^Unknown context rapport:colour: no setting has this key/);
    // Other tools' context keys are theirs to check.
    expect(() => readConfig({ ...DEMO, "@aws-cdk/core:newStyleStackSynthesis": true, "aws:cdk:bundling-stacks": [] })).not.toThrow();
  });

  it("refuses cdk.json's placeholder values without rapport:demo, naming every key to set on one line", () => {
    expect(() => readConfig(cdkJson.context)).toThrow(
      "Placeholder values would go live: set rapport:allowedOrigins, rapport:senderEmail, rapport:businessName (in cdk.json or with -c key=value), or pass -c rapport:demo=true to deploy the demo values",
    );
    // An address or origin on a domain reserved for examples is a placeholder too.
    expect(() => readConfig({ ...REAL_VALUES, "rapport:senderEmail": "news@shop.example.com" })).toThrow(
      /^Placeholder values would go live: set rapport:senderEmail \(/,
    );
    expect(() => readConfig({ ...REAL_VALUES, "rapport:allowedOrigins": ["https://crumb.co", "https://www.example.org"] })).toThrow(
      /set rapport:allowedOrigins \(/,
    );
  });

  it("accepts a deployment's own values without rapport:demo", () => {
    expect(readConfig({ ...cdkJson.context, ...REAL_VALUES })).toMatchObject({
      senderEmail: "hello@crumb.co",
      businessName: "Crumb & Co",
      allowedOrigins: ["https://crumb.co"],
      demo: false,
    });
  });

  it("makes a plain `cdk synth` of a fresh clone fail with one line naming the keys, and `-c rapport:demo=true` synthesize", () => {
    const refused = runApp(cdkJson.context);
    expect(refused.status).toBe(1);
    expect(refused.stderr.split("\n")).toEqual([
      expect.stringMatching(/^Placeholder values would go live: set rapport:allowedOrigins, rapport:senderEmail, rapport:businessName .*-c rapport:demo=true/),
      "",
    ]);
    const demo = runApp({ ...cdkJson.context, ...DEMO, ...NO_BUNDLING });
    expect(demo.stderr).toBe("");
    expect(demo.status).toBe(0);
    expect(demo.synthesized).toBe(true);
  }, 120_000);
});

describe("the settings table", () => {
  /** A value other than the default for every setting the functions read. */
  const EVERY_RUNTIME_SETTING = {
    "rapport:allowedOrigins": ["https://crumb.co", "http://localhost:5173"],
    "rapport:consentVersion": "2026-03",
    "rapport:currency": "nok",
    "rapport:loyalOrders": "4",
    "rapport:loyalSpend": 250.5,
    "rapport:logLevel": "WARN",
    "rapport:senderEmail": "News@Crumb.co",
    "rapport:replyToEmail": "care@crumb.co",
    "rapport:salesEmail": "sales@crumb.co",
    "rapport:businessName": "Crumb & Co, Bergen",
    "rapport:frequencyCapDays": 0,
    "rapport:maxSendRate": 200,
    "rapport:sendWindow": "08:30-24:00",
    "rapport:defaultTimezone": "Europe/Oslo",
    "rapport:atRiskDays": 30,
    "rapport:churnDays": 45,
    "rapport:sunsetDays": 120,
    "rapport:sunsetGraceDays": "10",
    "rapport:doubleOptIn": "true",
    "rapport:dueShards": 16,
    "rapport:tokenTtlDays": 90,
    "rapport:captchaProvider": "turnstile",
    "rapport:captchaSecretArn": "arn:aws:secretsmanager:eu-north-1:123456789012:secret:rapport-turnstile-AbCdEf",
    "rapport:minSubmitSeconds": 3,
    "rapport:interestPaths": "/shoes=Shoes,/shoes/trail=trail running",
    "rapport:visitorTtlDays": 30,
    "rapport:leadScoreWeights": "purchase=40,click=1",
    "rapport:leadScoreHalfLifeDays": 14,
    "rapport:leadScoreKeyPages": "/pricing,/book-a-call",
    "rapport:leadScoreHotThreshold": 80,
    "rapport:referralLandingUrl": "https://crumb.co/velkommen",
    "rapport:ambassadorReferrals": 5,
  };

  it("names every setting the functions read, so the round trip below covers them all", () => {
    expect(Object.keys(RUNTIME_SETTINGS).map(contextKey).sort()).toEqual(Object.keys(EVERY_RUNTIME_SETTING).sort());
    const envNames = Object.values(RUNTIME_SETTINGS).map((s) => s.env);
    expect(new Set(envNames).size).toBe(envNames.length);
  });

  it("round-trips context → the synthesized functions' environment → configFromEnv, every setting intact", () => {
    const config = readConfig({ ...cdkJson.context, ...EVERY_RUNTIME_SETTING });
    const { stack } = synthStack({ ...NO_BUNDLING, ...EVERY_RUNTIME_SETTING });
    const [fn] = Object.values(Template.fromStack(stack).findResources("AWS::Lambda::Function"));
    // The resource names are CloudFormation references until deployment; Lambda resolves them.
    const env = Object.fromEntries(
      Object.entries(fn!.Properties.Environment.Variables as Record<string, unknown>).map(([k, v]) => [k, typeof v === "string" ? v : `resolved-${k}`]),
    );
    const { values, problems } = settingsFromEnv(env);
    expect(problems).toEqual([]);
    for (const field of Object.keys(RUNTIME_SETTINGS)) expect(values[field as keyof typeof values], field).toEqual(config[field as keyof typeof config]);
    const runtime = configFromEnv(env);
    expect(runtime).toMatchObject({
      allowedOrigins: ["https://crumb.co", "http://localhost:5173"],
      currency: "NOK",
      lifecycle: { loyalOrders: 4, loyalSpend: 250.5 },
      retention: {
        senderEmail: "News@Crumb.co",
        sendWindow: { startMinute: 510, endMinute: 1440 },
        atRiskDays: 30,
        churnDays: 45,
        sunsetDays: 120,
        sunsetGraceDays: 10,
        doubleOptIn: true,
        dueShards: 16,
      },
      botProtection: { captchaProvider: "turnstile", minSubmitSeconds: 3 },
    });
  });

  it("leaves unset optional settings out of the environment, and configFromEnv gives them back as unset", () => {
    const config = readConfig(DEMO);
    const env = settingsToEnv(config);
    expect(Object.keys(env)).not.toContain("REPLY_TO_EMAIL");
    expect(Object.keys(env)).not.toContain("CAPTCHA_PROVIDER");
    expect(settingsFromEnv(env).values).toEqual(Object.fromEntries(Object.keys(RUNTIME_SETTINGS).map((f) => [f, config[f as keyof typeof config]])));
  });

  it("refuses a bad environment variable by name, all problems on one line", () => {
    expect(() => configFromEnv({ TABLE_NAME: "t", LOYAL_ORDERS: "0", SEND_WINDOW: "20:00-09:00" })).toThrow(
      /^Invalid LOYAL_ORDERS: must be a whole number of purchases, 1 or more \(got "0"\); Invalid SEND_WINDOW: must be local hours .*\(got "20:00-09:00"\)$/,
    );
    expect(() => configFromEnv({ TABLE_NAME: "t", AT_RISK_DAYS: "200" })).toThrow(
      "Invalid CHURN_DAYS: must be more than AT_RISK_DAYS (got 180, at risk after 200)",
    );
  });
});

describe("cdk-nag AWS Solutions checks", () => {
  it("find nothing unacknowledged in the stack, with alarm email on", () => {
    const { app, stack } = synthStack({ ...NO_BUNDLING, "rapport:alarmEmail": "ops@example.com" });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} (${v.severity}) at ${v.violatingResources.map((r) => r.constructPath).join(", ")}`)).toEqual([]);
    expect(report.success).toBe(true);
    // As `cdk synth` runs them: a registered plugin with a finding would make synth throw.
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it("find nothing unacknowledged with every optional retention setting on", () => {
    const { stack } = synthStack({
      ...NO_BUNDLING,
      "rapport:replyToEmail": "care@example.com",
      "rapport:salesEmail": "sales@example.com",
      "rapport:doubleOptIn": true,
      "rapport:sweepSchedule": "cron(0/30 * * * ? *)",
    });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(", ")}`)).toEqual([]);
  });

  it("are acknowledged only on the construct each exception is about, each with a reason", () => {
    const { stack } = synthStack(NO_BUNDLING);
    const acknowledged = new Map<string, string[]>();
    for (const construct of stack.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
          const id = key.replace(/^Annotation::/, "");
          expect(reason.length, `${id} at ${construct.node.path}`).toBeGreaterThan(40);
          acknowledged.set(id, [...(acknowledged.get(id) ?? []), construct.node.path]);
        }
      }
    }
    expect(acknowledged.get("AwsSolutions-SQS3")?.sort()).toEqual(
      [
        stack.mail.eventsDeadLetterQueue!.node.path,
        stack.pipeline.deadLetterQueue.node.path,
        stack.reportsStream.deadLetterQueue.node.path,
        stack.outbox.streamDeadLetterQueue.node.path,
        stack.outbox.deadLetterQueue.node.path,
        stack.broadcasts.streamDeadLetterQueue.node.path,
      ].sort(),
    );
    const schedules = "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/Rapport-newsletters/*]";
    expect(acknowledged.get(schedules)).toEqual([stack.broadcasts.schedulesPolicy.node.path]);
    expect(acknowledged.get("AwsSolutions-SMG4")?.sort()).toEqual(
      [stack.tokenSecret.secret.node.path, stack.connectionSecrets.secret.node.path, stack.outbox.secret.node.path].sort(),
    );
    // Public routes only: one per route without auth.
    expect(acknowledged.get("AwsSolutions-APIG4")).toHaveLength(routes.filter((r) => r.auth === null).length);
    // The user pool's plan (Lite, not Plus) and, with rapport:peopleMfa optional, MFA not forced on everyone.
    expect(acknowledged.get("AwsSolutions-COG8")).toEqual([stack.people.userPool.node.path]);
    expect(acknowledged.get("AwsSolutions-COG2")).toEqual([stack.people.userPool.node.path]);
    expect([...acknowledged.keys()].sort()).toEqual([
      "AwsSolutions-APIG4",
      "AwsSolutions-COG2",
      "AwsSolutions-COG8",
      schedules,
      "AwsSolutions-SMG4",
      "AwsSolutions-SQS3",
    ]);
  });

  it("acknowledge optional MFA only while it is optional: required MFA needs no exception", () => {
    const { stack } = synthStack({ ...NO_BUNDLING, "rapport:peopleMfa": "required" });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations).toEqual([]);
    const ids = stack.people.userPool.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.keys(m.data as object));
    expect(ids.map((id) => id.replace(/^Annotation::/, ""))).toEqual(["AwsSolutions-COG8"]);
  });

  it("do run: an unauthenticated route nobody acknowledged is reported", () => {
    const app = new App();
    const stack = new Stack(app, "Bare");
    new apigwv2.HttpApi(stack, "Api").addRoutes({ path: "/open", integration: new HttpUrlIntegration("Url", "https://example.com") });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toContain("AwsSolutions-APIG4");
  });
});

describe("people who sign in", () => {
  let stack: RapportStack;
  let template: Template;
  let resources: Resources;

  beforeAll(() => {
    ({ stack } = synthStack(NO_BUNDLING));
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources as Resources;
  });

  it("is one Cognito user pool: invitation only, email as the username, a strong password policy, optional TOTP, Lite plan, kept on stack deletion", () => {
    template.resourceCountIs("AWS::Cognito::UserPool", 1);
    template.hasResource("AWS::Cognito::UserPool", {
      DeletionPolicy: "Retain",
      Properties: Match.objectLike({
        AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
        UsernameAttributes: ["email"],
        AutoVerifiedAttributes: ["email"],
        Policies: {
          PasswordPolicy: {
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
            TemporaryPasswordValidityDays: 7,
          },
        },
        MfaConfiguration: "OPTIONAL",
        EnabledMfas: ["SOFTWARE_TOKEN_MFA"],
        UserPoolTier: "LITE",
        DeletionProtection: "ACTIVE",
      }),
    });
    // The invitation names the username and temporary password, and links to the dashboard.
    const pool = Object.values(resources).find((r) => r.Type === "AWS::Cognito::UserPool")!;
    const invitation = JSON.stringify(pool.Properties.AdminCreateUserConfig.InviteMessageTemplate.EmailMessage);
    expect(invitation).toMatch(/\{username\}.*\{####\}/);
    expect(invitation).toContain(logicalId(stack, stack.api.httpApi));
    expect(invitation).toContain("/app");
  });

  it("has a group per role and one app client for the dashboard: no secret, password and SRP sign-in, one-hour tokens", () => {
    expect(
      Object.values(resources)
        .filter((r) => r.Type === "AWS::Cognito::UserPoolGroup")
        .map((r) => r.Properties.GroupName)
        .sort(),
    ).toEqual(["owner", "staff"]);
    template.resourceCountIs("AWS::Cognito::UserPoolClient", 1);
    template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
      PreventUserExistenceErrors: "ENABLED",
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
    });
  });

  it("tells only the authorizer, the people function, the public function and the dashboard's (for its CSP) which pool and client to trust, and lets only the people function manage the pool", () => {
    const poolRef = { Ref: logicalId(stack, stack.people.userPool) };
    for (const [name, fn] of Object.entries(stack.functions)) {
      const env = (resources[logicalId(stack, fn.fn)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      const trusts = ["authorizer", "people", "public", "app"].includes(name);
      expect(env.COGNITO_USER_POOL_ID, name).toEqual(trusts ? poolRef : undefined);
      expect(env.COGNITO_CLIENT_ID !== undefined, name).toBe(trusts);
      const cognito = byService(statementsOf(resources, logicalId(stack, fn.role)), "cognito-idp");
      expect(
        cognito.map((s) => s.Resource),
        name,
      ).toEqual(name === "people" ? [{ "Fn::GetAtt": [logicalId(stack, stack.people.userPool), "Arn"] }] : []);
    }
    template.hasOutput("UserPoolId", { Value: { Ref: logicalId(stack, stack.people.userPool) } });
    template.hasOutput("UserPoolClientId", { Value: { Ref: logicalId(stack, stack.people.client) } });
  });

  it("refuses a password policy weaker than Cognito's minimum and an unknown MFA setting at synth", () => {
    expect(() => synthStack({ ...NO_BUNDLING, "rapport:passwordMinLength": 6 })).toThrow(/rapport:passwordMinLength/);
    expect(() => synthStack({ ...NO_BUNDLING, "rapport:peopleMfa": "sms" })).toThrow(/rapport:peopleMfa/);
  });
});

describe("bot protection from context", () => {
  const captchaArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rapport-turnstile-AbCdEf";
  let stack: RapportStack;
  let resources: Resources;

  beforeAll(() => {
    ({ stack } = synthStack({
      ...NO_BUNDLING,
      "rapport:captchaProvider": "turnstile",
      "rapport:captchaSecretArn": captchaArn,
      "rapport:minSubmitSeconds": "3",
    }));
    resources = Template.fromStack(stack).toJSON().Resources as Resources;
  });

  it("is off by default: no captcha settings in any function, no minimum time to submit", () => {
    const config = readConfig(DEMO);
    expect(config.captchaProvider).toBeUndefined();
    expect(config.captchaSecretArn).toBeUndefined();
    expect(config.minSubmitSeconds).toBe(0);
    const { stack: plain } = synthStack(NO_BUNDLING);
    for (const fn of Object.values(Template.fromStack(plain).findResources("AWS::Lambda::Function"))) {
      const env = fn.Properties.Environment.Variables;
      expect(env.MIN_SUBMIT_SECONDS).toBe("0");
      expect(env.CAPTCHA_PROVIDER).toBeUndefined();
      expect(env.CAPTCHA_SECRET_ARN).toBeUndefined();
    }
  });

  it("gives every function the provider, the secret's ARN and the minimum time, as shared/core/config.ts reads them", () => {
    const functions = Object.values(resources).filter((r) => r.Type === "AWS::Lambda::Function");
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables).toMatchObject({ CAPTCHA_PROVIDER: "turnstile", CAPTCHA_SECRET_ARN: captchaArn, MIN_SUBMIT_SECONDS: "3" });
      // The secret itself never appears in the template.
      expect(fn.Properties.Environment.Variables.CAPTCHA_SECRET).toBeUndefined();
    }
  });

  it("lets only the capture function read the captcha secret, and only that secret", () => {
    for (const [name, fn] of Object.entries(stack.functions) as [FunctionId, RapportStack["functions"][FunctionId]][]) {
      const statements = byService(statementsOf(resources, logicalId(stack, fn.role)), "secretsmanager");
      const onCaptcha = statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(captchaArn));
      expect(
        onCaptcha.map((s) => s.Action),
        name,
      ).toEqual(name === "capture" ? ["secretsmanager:GetSecretValue"] : []);
    }
    const capture = byService(statementsOf(resources, logicalId(stack, stack.functions.capture.role)), "secretsmanager");
    expect(capture.map((s) => [s.Action, s.Resource])).toEqual([["secretsmanager:GetSecretValue", captchaArn]]);
  });

  it("leaves cdk-nag nothing to report", () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(", ")}`)).toEqual([]);
  });

  it.each([
    [
      { "rapport:captchaProvider": "recaptcha", "rapport:captchaSecretArn": captchaArn },
      /Invalid context rapport:captchaProvider: must be turnstile or hcaptcha/,
    ],
    [{ "rapport:captchaProvider": "turnstile" }, /Invalid context rapport:captchaSecretArn: must be set when rapport:captchaProvider is/],
    [{ "rapport:captchaSecretArn": captchaArn }, /Invalid context rapport:captchaProvider: must be turnstile or hcaptcha when rapport:captchaSecretArn is set/],
    [
      { "rapport:captchaProvider": "hcaptcha", "rapport:captchaSecretArn": "my-secret" },
      /Invalid context rapport:captchaSecretArn: must be the ARN of a Secrets Manager secret/,
    ],
    [{ "rapport:minSubmitSeconds": -1 }, /Invalid context rapport:minSubmitSeconds: must be a whole number of seconds from 0 \(off\) to 3600/],
    [{ "rapport:minSubmitSeconds": "2.5" }, /Invalid context rapport:minSubmitSeconds/],
  ])("refuses %j with an error naming the key", (context, message) => {
    expect(() => synthStack({ ...NO_BUNDLING, ...context })).toThrow(message);
  });
});
