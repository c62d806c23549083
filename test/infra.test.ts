import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CfnElement } from "aws-cdk-lib";
import { App, Stack, Validations } from "aws-cdk-lib";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { HttpUrlIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { readConfig } from "../infra/config.ts";
import { PROJECT_ROOT } from "../infra/functions.ts";
import { RapportStack } from "../infra/stack.ts";
import { routeKey, routes } from "../shared/routes.ts";

/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped */
type Resources = Record<string, { Type: string; Properties: any; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "cdk.json"), "utf8")) as { app: string; context: Record<string, unknown> };

/** Synthesizes the stack the way `npx cdk synth` does: cdk.json's context, plus overrides. */
function synthStack(context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...cdkJson.context, ...context } });
  const config = readConfig(app.node);
  const stack = new RapportStack(app, config.stackName, { config });
  return { app, stack };
}

/** Skips esbuild for tests that only look at configuration or nag findings. */
const NO_BUNDLING = { "aws:cdk:bundling-stacks": [] };

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnElement);

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
  }, 60_000);

  it("creates one function per route table function plus the authorizer, all Node.js 24 on arm64", () => {
    const functionNames = new Set(routes.map((r) => r.fn));
    const functions = ofType("AWS::Lambda::Function");
    expect(functions).toHaveLength(functionNames.size + 1);
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toBe("nodejs24.x");
      expect(fn.Properties.Architectures).toEqual(["arm64"]);
      expect(fn.Properties.Timeout).toBe(10);
      expect(fn.Properties.Handler).toBe("index.handler");
      expect(fn.Properties.Environment.Variables).toMatchObject({ NODE_OPTIONS: "--enable-source-maps", POWERTOOLS_SERVICE_NAME: "rapport" });
      expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.any(String) });
    }
    expect(resources[logicalId(stack, stack.functions.authorizer.fn)]!.Properties.MemorySize).toBe(128);
    expect(resources[logicalId(stack, stack.functions.capture.fn)]!.Properties.MemorySize).toBe(256);
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

  it("gives every function the runtime configuration from context", () => {
    const tableRef = { Ref: logicalId(stack, stack.table.table) };
    for (const [, fn] of ofType("AWS::Lambda::Function")) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        TABLE_NAME: tableRef,
        ALLOWED_ORIGINS: "https://example.com",
        CONSENT_VERSION: "v1",
        CURRENCY: "USD",
        LOYAL_ORDERS: "3",
        LOYAL_SPEND: "500",
        LOG_LEVEL: "INFO",
      });
    }
  });

  it("keeps the table: on-demand, point-in-time recovery, deletion protection, retained, TTL, encrypted", () => {
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
        KeySchema: [
          { AttributeName: "PK", KeyType: "HASH" },
          { AttributeName: "SK", KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: [Match.objectLike({ IndexName: "GSI1", Projection: { ProjectionType: "ALL" } })],
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

  it("gives each function exactly the table actions its code performs, on the table (and GSI1 only for customers)", () => {
    const expected = {
      capture: ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      public: [],
      customers: ["dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
      events: ["dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      authorizer: ["dynamodb:GetItem"],
    };
    const tableArn = { "Fn::GetAtt": [logicalId(stack, stack.table.table), "Arn"] };
    for (const [name, actions] of Object.entries(expected)) {
      const roleId = logicalId(stack, stack.functions[name as keyof typeof expected].role);
      const statements = ofType("AWS::IAM::Policy")
        .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
      const dynamo = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith("dynamodb:")));
      expect([...new Set(dynamo.flatMap((s) => [s.Action].flat()))].sort(), name).toEqual(actions);
      for (const statement of dynamo) {
        const resources = [statement.Resource].flat();
        expect(resources[0], name).toEqual(tableArn);
        expect(resources.slice(1), name).toEqual(name === "customers" ? [{ "Fn::Join": ["", [tableArn, "/index/GSI1"]] }] : []);
      }
      // The rest is writing to the function's own log group.
      const others = statements.filter((s) => !dynamo.includes(s));
      expect(others.flatMap((s) => [s.Action].flat()).sort(), name).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
    }
  });

  it("grants no Scan, no wildcard action or resource and no managed policy anywhere", () => {
    const statements = ofType("AWS::IAM::Policy").flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) {
        expect(action).not.toContain("*");
        expect(action).not.toMatch(/Scan|Batch/);
      }
      expect(JSON.stringify(statement.Resource)).not.toContain("*");
    }
    for (const [, role] of ofType("AWS::IAM::Role")) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("gives every function and the access log its own log group with the configured retention", () => {
    const logGroups = ofType("AWS::Logs::LogGroup");
    expect(logGroups).toHaveLength(ofType("AWS::Lambda::Function").length + 1);
    for (const [, group] of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it("outputs the API URL, the table name and the leads endpoint", () => {
    const apiEndpoint = { "Fn::GetAtt": [logicalId(stack, stack.api.httpApi), "ApiEndpoint"] };
    template.hasOutput("ApiUrl", { Value: apiEndpoint });
    template.hasOutput("TableName", { Value: { Ref: logicalId(stack, stack.table.table) } });
    template.hasOutput("LeadsEndpoint", { Value: { "Fn::Join": ["", [apiEndpoint, "/v1/leads"]] } });
  });
});

describe("configuration from context", () => {
  it("has the same defaults in code as in cdk.json", () => {
    expect(readConfig(cdkJson.context)).toEqual(readConfig({}));
    expect(cdkJson.app).toBe("node infra/app.ts");
  });

  it("accepts values the way `cdk -c key=value` passes them: as strings", () => {
    const config = readConfig({
      "rapport:allowedOrigins": "https://shop.example.com, http://localhost:5173/",
      "rapport:loyalOrders": "5",
      "rapport:currency": "eur",
      "rapport:authCacheTtlSeconds": "0",
    });
    expect(config.allowedOrigins).toEqual(["https://shop.example.com", "http://localhost:5173"]);
    expect(config.loyalOrders).toBe(5);
    expect(config.currency).toBe("EUR");
    expect(config.authCacheTtlSeconds).toBe(0);
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
  ])("refuses %s = %j with an error naming the key and what it expects", (key, value, message) => {
    expect(() => synthStack({ ...NO_BUNDLING, [key]: value })).toThrow(message);
  });

  it("names every bad key at once", () => {
    expect(() => readConfig({ "rapport:loyalOrders": 0, "rapport:loyalSpend": -5 })).toThrow(/rapport:loyalOrders.*\n.*rapport:loyalSpend/);
  });

  it("fails `cdk synth` itself with that error before bundling anything", () => {
    const outdir = mkdtempSync(path.join(tmpdir(), "rapport-cdk-"));
    try {
      const result = spawnSync(process.execPath, ["infra/app.ts"], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson.context, "rapport:loyalOrders": -1 }) },
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain("Invalid context rapport:loyalOrders: must be a whole number of purchases, 1 or more (got -1)");
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
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

  it("do run: an unauthenticated route nobody acknowledged is reported", () => {
    const app = new App();
    const stack = new Stack(app, "Bare");
    new apigwv2.HttpApi(stack, "Api").addRoutes({ path: "/open", integration: new HttpUrlIntegration("Url", "https://example.com") });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toContain("AwsSolutions-APIG4");
  });
});
