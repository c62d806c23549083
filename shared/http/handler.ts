import middy from "@middy/core";
import type { Context } from "aws-lambda";
import * as z from "zod/mini";
import { isThrottling } from "../aws/errors.ts";
import type { Deps } from "../core/deps.ts";
import { Forbidden, Unauthorized } from "../core/errors.ts";
import type { HttpEvent, HttpResult, Principal } from "./http.ts";
import { assertBodyType, errorResponse, json, parseBody, validate } from "./http.ts";
import type { DeclaredRoute, FunctionName, RequestSpec, Route, Scope } from "./routes.ts";
import { routeKey, routesOf, scopeAllows } from "./routes.ts";

export interface OperationContext<Auth = Scope | null> {
  deps: Deps;
  route: Route;
  /** The caller (an API key or a signed-in person): there on every route that needs one. */
  principal: Auth extends Scope ? Principal : undefined;
}

type Parsed<S> = S extends z.ZodMiniType ? z.output<S> : never;

/**
 * A request as its route declares it (`route.request`), validated and parsed: path parameters,
 * query and body fields are the zod schemas' outputs. The event stays at hand for headers.
 */
export interface OperationInput<Req = RequestSpec | undefined> {
  event: HttpEvent;
  params: Req extends { params: infer P } ? { [K in keyof P]: Parsed<P[K]> } : Record<string, never>;
  query: Req extends { query: infer Q } ? Parsed<Q> : Record<string, never>;
  body: Req extends { body: infer B } ? Parsed<B> : undefined;
}

type RequestOf<R> = R extends { request: infer Req } ? Req : undefined;

type AuthOf<R> = R extends { auth: infer A } ? A : Scope | null;

export type Operation<R = Route> = (input: OperationInput<RequestOf<R>>, ctx: OperationContext<AuthOf<R>>) => Promise<HttpResult>;

/** One operation per route the table gives the function, keyed by operationId, each typed from its route. */
export type Operations<F extends FunctionName> = { [R in Extract<DeclaredRoute, { fn: F }> as R["operationId"]]: Operation<R> };

export type HttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export interface HttpFunctionOptions {
  /**
   * Checks that run after the route's auth and before its input is read, so they win over input
   * errors (the lead form refuses a foreign Origin whatever it posted).
   */
  before?: (event: HttpEvent) => void;
  /**
   * Another answer for an error from reading the input or from the operation: a page for a person
   * in a browser. `undefined`: the usual JSON answer.
   */
  errorAnswer?: (err: unknown, event: HttpEvent) => HttpResult | undefined;
}

/**
 * One Lambda function's handler: dispatches on `event.routeKey` to the operation the route table
 * names, checks the route's scope against the caller the authorizer resolved (401 without a
 * valid key or token, 403 without the scope), validates the request the route declares (path
 * parameters, query, body: a 400 naming each bad field) and hands the operation the parsed
 * values, maps typed errors to HTTP, and logs one line per request with ids and outcome only,
 * never bodies.
 *
 * Every route the table gives this function must have an operation, and no other: the types say
 * so, and so does a check at cold start, so a route can't be deployed without its code.
 *
 * @example
 * httpFunction("campaigns", {
 *   getCampaign: async ({ params }) => json(200, await getCampaign(deps, params.id)),
 *   // ...one per route of the function
 * }, deps);
 */
export function httpFunction<F extends FunctionName>(fn: F, operations: NoInfer<Operations<F>>, deps: Deps, options: HttpFunctionOptions = {}): HttpHandler {
  const ops = operations as unknown as Record<string, Operation>;
  const byKey = new Map<string, { route: Route; op: Operation; read: (event: HttpEvent) => Promise<OperationInput> }>();
  for (const route of routesOf(fn)) {
    const op = ops[route.operationId];
    if (!op) throw new Error(`function ${fn} has no operation ${route.operationId}`);
    byKey.set(routeKey(route), { route, op, read: inputReader(route.request) });
  }
  const extra = Object.keys(ops).filter((id) => !routesOf(fn).some((r) => r.operationId === id));
  if (extra.length) throw new Error(`function ${fn} has operations the route table does not route to: ${extra.join(", ")}`);

  const core = async (event: HttpEvent): Promise<HttpResult> => {
    const entry = byKey.get(event.routeKey);
    if (!entry) return json(404, { error: "not_found", message: `no route ${event.routeKey}` });
    const { route, op, read } = entry;
    let principal: Principal | undefined;
    if (route.auth) {
      principal = principalOf(event);
      if (!principal) throw new Unauthorized("send a valid API key or sign-in token as Authorization: Bearer <key or token>");
      if (!scopeAllows(principal.scopes.split(" "), route.auth)) {
        throw new Forbidden(
          principal.type === "person" ? `${principal.role ?? "your role"} cannot do this; it takes an owner` : `this API key lacks the ${route.auth} scope`,
        );
      }
    }
    options.before?.(event);
    try {
      return await op(await read(event), { deps, route, principal } as OperationContext);
    } catch (err) {
      const answer = options.errorAnswer?.(err, event);
      if (answer) return answer;
      throw err;
    }
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
          // Never the message: a dependency may quote stored data in it (JSON.parse does). The name,
          // the SDK's code and attempts, and which package raised it (Middy's timeout says
          // "@middy/core") are enough to tell a timeout from a throttle from a bug.
          const error = request.error as { name?: string; code?: string; $metadata?: { attempts?: number }; cause?: { package?: string } } | undefined;
          deps.logger.error("request failed", {
            routeKey: request.event.routeKey,
            error: error?.name,
            code: error?.code,
            attempts: error?.$metadata?.attempts,
            raisedBy: error?.cause?.package,
          });
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

/** The caller the authorizer resolved (API Gateway hands its context over as strings), if any. */
function principalOf(event: HttpEvent): Principal | undefined {
  const ctx = event.requestContext.authorizer?.lambda;
  if (!ctx?.id || (ctx.type !== "key" && ctx.type !== "person")) return undefined;
  return {
    type: ctx.type,
    id: ctx.id,
    scopes: ctx.scopes ?? "",
    ...(ctx.role === "owner" || ctx.role === "staff" ? { role: ctx.role } : {}),
    ...(ctx.name ? { name: ctx.name } : {}),
  };
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

/**
 * Reads a request as the route declares it: path parameters, then the query, then the body (read
 * only when the route takes one), each validated by its schema; the first part that fails is a
 * ValidationError naming each bad field.
 */
function inputReader(spec: RequestSpec = {}): (event: HttpEvent) => Promise<OperationInput> {
  const params = spec.params ? z.object(spec.params) : undefined;
  const { query, body, maxBodyBytes } = spec;
  // A route takes exactly the content types its OpenAPI entry lists (JSON when it lists none).
  const bodyTypes = spec.body || spec.rawBody ? (spec.bodyTypes ?? ["application/json"]) : undefined;
  return async (event) => {
    if (bodyTypes) assertBodyType(event, bodyTypes);
    return {
      event,
      params: params ? validate(params, event.pathParameters ?? {}) : {},
      query: query ? validate(query, event.queryStringParameters ?? {}) : {},
      body: body ? validate(body, (await parseBody(event, maxBodyBytes)).fields) : undefined,
    } as OperationInput;
  };
}

/** A handler built on first use from the environment: the Lambda entry point of every function. */
export function lazyHandler(build: () => HttpHandler): HttpHandler {
  let built: HttpHandler | undefined;
  return (event, context) => (built ??= build())(event, context);
}
