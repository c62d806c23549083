import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { corsPolicy } from "../shared/http/cors.ts";
import type { FunctionName } from "../shared/http/routes.ts";
import { routeKey, routes } from "../shared/http/routes.ts";

export interface ApiProps {
  /** The function serving each route table entry's `fn`. */
  functions: Record<FunctionName, lambda.IFunction>;
  /** The Lambda authorizer guarding every route whose `auth` is not null: API keys and people's sign-in tokens. */
  authorizer: lambda.IFunction;
  allowedOrigins: string[];
  throttle: { rateLimit: number; burstLimit: number };
  authCacheTtl: Duration;
  logRetention: logs.RetentionDays;
}

/** One JSON line per request: ids and outcomes, never bodies, headers, keys, tokens or names. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: "$context.requestId",
    requestTime: "$context.requestTime",
    ip: "$context.identity.sourceIp",
    routeKey: "$context.routeKey",
    status: "$context.status",
    protocol: "$context.protocol",
    responseLength: "$context.responseLength",
    latencyMs: "$context.responseLatency",
    integrationLatencyMs: "$context.integration.latency",
    integrationError: "$context.integrationErrorMessage",
    authorizerError: "$context.authorizer.error",
    // Who called: "key" or "person", and the key's id or the person's id in the user pool.
    principal: "$context.authorizer.type",
    principalId: "$context.authorizer.id",
  }),
);

/**
 * The public HTTP API: every entry of the route table (shared/http/routes.ts) becomes a route on the
 * function it names, so the AWS stack and the local server serve the very same routes. Routes
 * with a scope go through the one authorizer (API keys and sign-in tokens); the handlers then answer 401/403 from the
 * principal it resolved. The `$default` stage is throttled, CORS is limited to the configured
 * origins, and every request is access-logged.
 */
export class Api extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const cors = corsPolicy(props.allowedOrigins);
    this.httpApi = new apigwv2.HttpApi(this, "HttpApi", {
      apiName: Stack.of(this).stackName,
      description: "Rapport: lead capture and the admin API",
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: cors.allowOrigins,
        allowMethods: cors.allowMethods.map(corsMethod),
        allowHeaders: cors.allowHeaders,
        maxAge: Duration.seconds(cors.maxAgeSeconds),
      },
    });

    this.accessLogs = new logs.LogGroup(this, "AccessLogs", { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = new apigwv2.HttpStage(this, "DefaultStage", {
      httpApi: this.httpApi,
      stageName: "$default",
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(this.accessLogs), format: ACCESS_LOG_FORMAT },
    });

    const authorizer = new HttpLambdaAuthorizer("ApiKeyAuthorizer", props.authorizer, {
      authorizerName: "api-key-or-token",
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ["$request.header.Authorization"],
      resultsCacheTtl: props.authCacheTtl,
    });
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const integrationOf = (fn: FunctionName) => {
      let integration = integrations.get(fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${fn}-integration`, props.functions[fn]);
        integrations.set(fn, integration);
      }
      return integration;
    };

    for (const route of routes) {
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: integrationOf(route.fn),
        ...(route.auth === null ? {} : { authorizer }),
      });
      if (route.auth === null) {
        Validations.of(created!).acknowledge({
          id: "AwsSolutions-APIG4",
          reason: `${routeKey(route)} is public by design (web forms, email links, health): it takes no credentials, the stage is throttled and inputs are validated.`,
        });
      }
    }
  }

  /** The API's base URL without a trailing slash, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}

function corsMethod(method: string): apigwv2.CorsHttpMethod {
  const value = apigwv2.CorsHttpMethod[method as keyof typeof apigwv2.CorsHttpMethod];
  if (value === undefined) throw new Error(`corsPolicy lists an unknown HTTP method ${method}`);
  return value;
}
