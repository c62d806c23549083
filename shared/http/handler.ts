import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { Deps } from "../core/deps.ts";
import { Forbidden, Unauthorized } from "../core/errors.ts";
import type { HttpEvent, HttpResult, Principal } from "./http.ts";
import { assertBodyType, errorResponse, json } from "./http.ts";
import { isThrottling } from "../aws/errors.ts";
import type { FunctionName, Route } from "./routes.ts";
import { routeKey, routesOf, scopeAllows } from "./routes.ts";

export interface OperationContext {
  deps: Deps;
  route: Route;
  /** The caller's API key, on admin routes. */
  principal?: Principal;
}

export type Operation = (event: HttpEvent, ctx: OperationContext) => Promise<HttpResult>;
export type HttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/**
 * One Lambda function's handler: dispatches on `event.routeKey` to the operation the route table
 * names, checks the route's scope against the key the authorizer resolved (401 without a valid
 * key, 403 without the scope), maps typed errors to HTTP, and logs one line per request with ids
 * and outcome only, never bodies.
 *
 * Every route the table gives this function must have an operation, and no other: checked here
 * at cold start, so a route can't be deployed without its code.
 */
export function httpFunction(fn: FunctionName, operations: Record<string, Operation>, deps: Deps): HttpHandler {
  const byKey = new Map<string, { route: Route; op: Operation }>();
  for (const route of routesOf(fn)) {
    const op = operations[route.operationId];
    if (!op) throw new Error(`function ${fn} has no operation ${route.operationId}`);
    byKey.set(routeKey(route), { route, op });
  }
  const extra = Object.keys(operations).filter((id) => !routesOf(fn).some((r) => r.operationId === id));
  if (extra.length) throw new Error(`function ${fn} has operations the route table does not route to: ${extra.join(", ")}`);

  const core = async (event: HttpEvent): Promise<HttpResult> => {
    const entry = byKey.get(event.routeKey);
    if (!entry) return json(404, { error: "not_found", message: `no route ${event.routeKey}` });
    const { route, op } = entry;
    let principal: Principal | undefined;
    if (route.auth) {
      const ctx = event.requestContext.authorizer?.lambda;
      if (!ctx?.keyId) throw new Unauthorized("send a valid API key as Authorization: Bearer <key>");
      if (!scopeAllows((ctx.scopes ?? "").split(" "), route.auth)) throw new Forbidden(`this API key lacks the ${route.auth} scope`);
      principal = { keyId: ctx.keyId, scopes: ctx.scopes ?? "" };
    }
    if (route.request?.body) assertBodyType(event, route.request.bodyTypes ?? ["application/json"]);
    return op(event, { deps, route, principal });
  };

  return middy<HttpEvent, HttpResult>()
    .use({
      before: (request) => {
        (request.internal as Record<string, unknown>).startedAt = performance.now();
      },
      after: (request) => logRequest(deps, request.event, request.response?.statusCode ?? 0, request.internal),
      onError: (request) => {
        const mapped = errorResponse(request.error);
        if (!mapped) {
          // Name and a redacted message only; bodies are never logged.
          deps.logger.error("request failed", { routeKey: request.event.routeKey, error: request.error?.name, message: redact(request.error?.message) });
        }
        request.response = mapped
          ? json(mapped.status, mapped.body)
          : isThrottling(request.error)
            ? // AWS throttled past the SDK's retries: nothing was lost, and a retry in a moment will do.
              json(503, { error: "busy", message: "too many requests right now; retry in a second" }, { "retry-after": "1" })
            : json(500, { error: "internal", message: "something went wrong on our side; retry later" });
        logRequest(deps, request.event, request.response.statusCode, request.internal);
      },
    })
    .handler(core) as unknown as HttpHandler;
}

function logRequest(deps: Deps, event: HttpEvent, status: number, internal: Record<string, unknown>) {
  const started = internal.startedAt as number | undefined;
  deps.logger.info("request", {
    requestId: event.requestContext.requestId,
    routeKey: event.routeKey,
    status,
    ms: started === undefined ? undefined : Math.round(performance.now() - started),
  });
}

const EMAIL_LIKE = /[^\s@"'<>,:;]+@[^\s@"'<>,:;]+/g;

/** Error messages can quote input (an SDK validation message, say): addresses never reach the log. */
export function redact(message: string | undefined): string | undefined {
  return message?.replace(EMAIL_LIKE, "[email]").slice(0, 500);
}

/** A handler built on first use from the environment: the Lambda entry point of every function. */
export function lazyHandler(build: () => HttpHandler): HttpHandler {
  let built: HttpHandler | undefined;
  return (event, context) => (built ??= build())(event, context);
}
