import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { makeHandler as makeApp } from "../functions/app.ts";
import { makeAuthorizer } from "../functions/authorizer.ts";
import { makeHandler as makeBroadcasts } from "../functions/broadcasts.ts";
import { makeHandler as makeCampaigns } from "../functions/campaigns.ts";
import { makeHandler as makeCapture } from "../functions/capture.ts";
import { makeHandler as makeCustomers } from "../functions/customers.ts";
import { makeHandler as makeEvents } from "../functions/events.ts";
import { makeHandler as makeExports } from "../functions/exports.ts";
import { makeHandler as makeHooks } from "../functions/hooks.ts";
import { makeHandler as makeLinks } from "../functions/links.ts";
import { makeHandler as makeMailTest } from "../functions/mailtest.ts";
import { makeHandler as makePeople } from "../functions/people.ts";
import { makeHandler as makePublic } from "../functions/public.ts";
import { makeHandler as makeReports } from "../functions/reports.ts";
import { makeHandler as makeSegments } from "../functions/segments.ts";
import { makeHandler as makeSweep, type SweepWiring } from "../functions/sweep.ts";
import type { Deps } from "../shared/core/deps.ts";
import { corsPolicy } from "../shared/http/cors.ts";
import type { HttpHandler } from "../shared/http/handler.ts";
import type { HttpEvent, HttpResult } from "../shared/http/http.ts";
import { demoFormPage } from "../shared/http/pages.ts";
import type { FunctionName, Route } from "../shared/http/routes.ts";
import { matchRoute } from "../shared/http/routes.ts";
import { isAllowedOrigin } from "../shared/leads/origins.ts";
import { httpEvent, lambdaContext } from "./lambda-events.ts";
import { type SimulatedSesEvents, TRACKING_PATH } from "./ses-events.ts";

/** API Gateway refuses bodies over 10 MB; the local server stops reading at 1 MiB (handlers cap forms at 16 KiB). */
const MAX_READ_BYTES = 1024 * 1024;

/** One answer the local API gave: what a test checks against the route table. */
export interface Exchange {
  method: string;
  /** The request's path, without the query. */
  path: string;
  /** The route the request matched; absent for answers outside the table (preflights, the demo form, unknown paths). */
  route?: Route;
  status: number;
  headers: Record<string, string>;
  /** The body as sent on the wire. */
  body: Buffer;
}

export interface ApiServerOptions {
  /** Called with every answer, after it is sent. */
  onResponse?: (exchange: Exchange) => void;
  /**
   * Each invocation's timeout (default 10,000 ms, as deployed). On AWS concurrent requests run in
   * separate instances; here they share one process, so a busy machine may need more.
   */
  functionTimeoutMs?: number;
  /** SES's open and click tracking, locally: the simulated events' tracking URLs (local/ses-events.ts). */
  sesTracking?: Pick<SimulatedSesEvents, "track">;
}

/** A 1×1 transparent GIF: what an open-tracking image answers. */
const PIXEL = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";

type Answer = HttpResult | { statusCode: number; headers: Record<string, string>; body: string };

/**
 * The local API: turns each HTTP request into the API Gateway HTTP API (payload 2.0) event the
 * deployed stack would deliver, runs the admin authorizer for protected routes, and calls the very
 * same function handlers, picked from the same route table the CDK stack reads.
 */
export function createApiServer(deps: Deps, sweepWiring: SweepWiring, options: ApiServerOptions = {}): Server {
  const handlers: Record<FunctionName, HttpHandler> = {
    capture: makeCapture(deps),
    public: makePublic(deps),
    customers: makeCustomers(deps),
    events: makeEvents(deps),
    campaigns: makeCampaigns(deps),
    links: makeLinks(deps),
    sweep: makeSweep(deps, sweepWiring),
    reports: makeReports(deps),
    app: makeApp(deps),
    people: makePeople(deps),
    hooks: makeHooks(deps),
    exports: makeExports(deps),
    mailtest: makeMailTest(deps, { queue: sweepWiring.queue, afterQueue: () => sweepWiring.afterSweep?.(deps.clock.now()) ?? Promise.resolve() }),
    segments: makeSegments(deps),
    broadcasts: makeBroadcasts(deps),
  };
  const authorize = makeAuthorizer(deps);
  const cors = corsPolicy(deps.config.allowedOrigins);

  return createServer((req, res) => {
    const method = (req.method ?? "GET").toUpperCase();
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const reply = (answer: Answer, route?: Route) => {
      const body = send(res, answer);
      options.onResponse?.({ method, path, route, status: answer.statusCode, headers: answer.headers, body });
    };
    handle(req)
      .then(({ answer, route }) => reply(answer, route))
      .catch((err: unknown) => {
        deps.logger.error("local server failure", { error: (err as Error).name, message: (err as Error).message });
        if (!res.headersSent)
          reply({ statusCode: 500, headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "Internal Server Error" }) });
      });
  });

  async function handle(req: IncomingMessage): Promise<{ answer: Answer; route?: Route }> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    const origin = req.headers.origin;
    const corsHeaders: Record<string, string> =
      origin && isAllowedOrigin(origin, cors.allowOrigins) ? { "access-control-allow-origin": origin, vary: "origin" } : {};

    if (method === "OPTIONS") {
      // API Gateway answers preflights itself from the CORS configuration.
      return {
        answer: {
          statusCode: 204,
          headers: corsHeaders["access-control-allow-origin"]
            ? {
                ...corsHeaders,
                "access-control-allow-methods": cors.allowMethods.join(","),
                "access-control-allow-headers": cors.allowHeaders.join(","),
                "access-control-max-age": String(cors.maxAgeSeconds),
              }
            : {},
          body: "",
        },
      };
    }
    if (method === "GET" && (url.pathname === "/" || url.pathname === "/index.html")) {
      const action = `${deps.config.publicBaseUrl}/v1/leads`;
      return { answer: { statusCode: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: demoFormPage(action) } };
    }

    if (method === "GET" && url.pathname.startsWith(TRACKING_PATH) && options.sesTracking) {
      const tracked = await options.sesTracking.track(url.pathname.slice(TRACKING_PATH.length), req.headers["user-agent"]);
      if (tracked.kind === "redirect") return { answer: { statusCode: 302, headers: { location: tracked.location, "cache-control": "no-store" }, body: "" } };
      if (tracked.kind === "pixel")
        return { answer: { statusCode: 200, headers: { "content-type": "image/gif", "cache-control": "no-store" }, body: PIXEL, isBase64Encoded: true } };
      return {
        answer: {
          statusCode: 404,
          headers: { "content-type": "text/plain; charset=utf-8" },
          body: "This tracking link belongs to a mail sent before the local stack last started; its opens and clicks are no longer told apart.",
        },
      };
    }

    const match = matchRoute(method, url.pathname);
    if (!match) return { answer: { statusCode: 404, headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "Not Found" }) } };
    const { route } = match;

    const body = await readBody(req);
    if (body === null)
      return {
        route,
        answer: {
          statusCode: 413,
          headers: { "content-type": "application/json", ...corsHeaders },
          body: JSON.stringify({ message: "Request Entity Too Large" }),
        },
      };

    const event = toEvent(req, url, route, match.pathParameters, body);
    if (route.auth) {
      const authorization = event.headers.authorization;
      if (!authorization)
        return {
          route,
          answer: { statusCode: 401, headers: { "content-type": "application/json", ...corsHeaders }, body: JSON.stringify({ message: "Unauthorized" }) },
        };
      const decision = await authorize({ headers: event.headers });
      if (!decision.isAuthorized)
        return {
          route,
          answer: { statusCode: 403, headers: { "content-type": "application/json", ...corsHeaders }, body: JSON.stringify({ message: "Forbidden" }) },
        };
      event.requestContext.authorizer = { lambda: decision.context };
    }
    const result = await handlers[route.fn](
      event,
      lambdaContext(route.fn, { requestId: event.requestContext.requestId, timeoutMs: options.functionTimeoutMs }),
    );
    return { route, answer: { ...result, headers: { ...result.headers, ...corsHeaders } } };
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_READ_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function toEvent(req: IncomingMessage, url: URL, route: Route, pathParameters: Record<string, string>, body: Buffer): HttpEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === "cookie") continue;
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  return httpEvent({
    route,
    path: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
    headers,
    query,
    pathParameters,
    body,
    protocol: `HTTP/${req.httpVersion}`,
    sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
  });
}

/** Writes the answer; returns the bytes sent. */
function send(res: ServerResponse, result: Answer): Buffer {
  const body = result.body ?? "";
  const buffer = (result as HttpResult).isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8");
  res.writeHead(result.statusCode, { ...result.headers, "content-length": String(buffer.length) });
  res.end(buffer);
  return buffer;
}
