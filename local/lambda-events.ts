import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import type { HttpEvent, Principal } from "../shared/http/http.ts";
import type { Route } from "../shared/http/routes.ts";
import { routeKey } from "../shared/http/routes.ts";

/**
 * The Lambda invocation inputs API Gateway and Lambda would hand a function, built one way for
 * the local server, the bench and the tests: an HTTP API (payload format 2.0) event and a
 * Lambda context.
 */

/** Bodies API Gateway passes as text; anything else arrives base64-encoded. */
const TEXT_TYPES = /^(application\/(json|x-www-form-urlencoded|[\w.+-]*\+json)|text\/)/i;

export interface HttpEventOptions {
  /** The route it matched (its method and path template make the route key). */
  route: Pick<Route, "method" | "path">;
  /** The request's path; default the route's path (a template with `{id}` needs the real one). */
  path?: string;
  /** Header names lower-case, as API Gateway gives them. */
  headers?: Record<string, string>;
  /** Query parameters (repeated ones joined by commas, as API Gateway does). */
  query?: Record<string, string>;
  /** The query string as sent; default `query` encoded. */
  rawQueryString?: string;
  pathParameters?: Record<string, string>;
  cookies?: string[];
  /** A string is passed as text; bytes as text when their content-type is textual, else base64. */
  body?: string | Buffer;
  /** Send the body base64-encoded whatever its type, as API Gateway may (default: as above). */
  base64?: boolean;
  sourceIp?: string;
  /** Default HTTP/1.1. */
  protocol?: string;
  /** Default a random UUID. */
  requestId?: string;
  /** What the Lambda authorizer answered (routes with a scope). */
  authorizer?: Partial<Principal>;
  /** What API Gateway reports about itself; default "local" for all three. */
  accountId?: string;
  apiId?: string;
  domainPrefix?: string;
  /** When the request arrived; default now. */
  at?: Date;
}

/**
 * An API Gateway HTTP API event (payload format 2.0) for `options.route`.
 *
 * @example const event = httpEvent({ route: { method: "POST", path: "/v1/leads" }, headers: { "content-type": "application/json" }, body: JSON.stringify({ email }) });
 */
export function httpEvent(options: HttpEventOptions): HttpEvent {
  const headers = options.headers ?? {};
  const query = options.query ?? {};
  const path = options.path ?? options.route.path;
  const at = options.at ?? new Date();
  const key = routeKey(options.route);
  const body = options.body;
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const base64 = bytes !== undefined && bytes.length > 0 && (options.base64 ?? (Buffer.isBuffer(body) && !TEXT_TYPES.test(headers["content-type"] ?? "")));
  const bodyText =
    body === undefined || body.length === 0 ? undefined : base64 ? bytes!.toString("base64") : typeof body === "string" ? body : body.toString("utf8");
  return {
    version: "2.0",
    routeKey: key,
    rawPath: path,
    rawQueryString: options.rawQueryString ?? new URLSearchParams(query).toString(),
    ...(options.cookies?.length ? { cookies: options.cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(options.pathParameters && Object.keys(options.pathParameters).length ? { pathParameters: options.pathParameters } : {}),
    requestContext: {
      accountId: options.accountId ?? "local",
      apiId: options.apiId ?? "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: options.domainPrefix ?? "localhost",
      http: {
        method: options.route.method,
        path,
        protocol: options.protocol ?? "HTTP/1.1",
        sourceIp: options.sourceIp ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: options.requestId ?? randomUUID(),
      routeKey: key,
      stage: "$default",
      time: at.toUTCString(),
      timeEpoch: at.getTime(),
      ...(options.authorizer ? { authorizer: { lambda: options.authorizer } } : {}),
    },
    isBase64Encoded: base64,
    ...(bodyText !== undefined ? { body: bodyText } : {}),
  };
}

export interface LambdaContextOptions {
  /** Default a random UUID. */
  requestId?: string;
  /** Default 256. */
  memoryMb?: number;
  /** The region in the function's ARN; default "local". */
  region?: string;
  /** Default "local". */
  logStreamName?: string;
  /** The function's timeout, counted from this call: default 10,000 ms, as the stack deploys it. */
  timeoutMs?: number;
}

/** The Lambda context of an invocation of `rapport-<fn>`. */
export function lambdaContext(fn: string, options: LambdaContextOptions = {}): Context {
  // Middy aborts the handler when the time left runs out, as Lambda would end it.
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `rapport-${fn}`,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${options.region ?? "local"}:000000000000:function:rapport-${fn}`,
    memoryLimitInMB: String(options.memoryMb ?? 256),
    awsRequestId: options.requestId ?? randomUUID(),
    logGroupName: `/aws/lambda/rapport-${fn}`,
    logStreamName: options.logStreamName ?? "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
