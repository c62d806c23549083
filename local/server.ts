import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { corsPolicy } from "../shared/http/cors.ts";
import type { Deps } from "../shared/core/deps.ts";
import type { HttpEvent, HttpResult } from "../shared/http/http.ts";
import type { HttpHandler } from "../shared/http/handler.ts";
import { isAllowedOrigin } from "../shared/leads/origins.ts";
import { demoFormPage } from "../shared/http/pages.ts";
import type { FunctionName, Route } from "../shared/http/routes.ts";
import { routes } from "../shared/http/routes.ts";
import { makeAuthorizer } from "../functions/authorizer.ts";
import { httpEvent, lambdaContext } from "./lambda-events.ts";
import { makeHandler as makeCapture } from "../functions/capture.ts";
import { makeHandler as makeCustomers } from "../functions/customers.ts";
import { makeHandler as makeEvents } from "../functions/events.ts";
import { makeHandler as makePublic } from "../functions/public.ts";
import { makeHandler as makeCampaigns } from "../functions/campaigns.ts";
import { makeHandler as makeLinks } from "../functions/links.ts";
import { makeHandler as makeSweep, type SweepWiring } from "../functions/sweep.ts";
import { makeHandler as makeApp } from "../functions/app.ts";
import { makeHandler as makeReports } from "../functions/reports.ts";

/** API Gateway refuses bodies over 10 MB; the local server stops reading at 1 MiB (handlers cap forms at 16 KiB). */
const MAX_READ_BYTES = 1024 * 1024;

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  params: string[];
}

function compile(route: Route): CompiledRoute {
  const params: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)(\\\+)?\}/g, (_m, name: string, greedy?: string) => {
    params.push(name);
    // `{proxy+}` (escaped to `{proxy\+}` above): API Gateway's greedy variable, the rest of the path.
    return greedy ? "(.*)" : "([^/]+)";
  });
  return { route, pattern: new RegExp(`^${source}$`), params };
}

/**
 * The local API: turns each HTTP request into the API Gateway HTTP API (payload 2.0) event the
 * deployed stack would deliver, runs the admin authorizer for protected routes, and calls the very
 * same function handlers, picked from the same route table the CDK stack reads.
 */
export function createApiServer(deps: Deps, sweepWiring: SweepWiring): Server {
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
  };
  const authorize = makeAuthorizer(deps);
  const compiled = routes.map(compile);
  const cors = corsPolicy(deps.config.allowedOrigins);

  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      deps.logger.error("local server failure", { error: (err as Error).name, message: (err as Error).message });
      if (!res.headersSent) send(res, { statusCode: 500, headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "Internal Server Error" }) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    const origin = req.headers.origin;
    const corsHeaders: Record<string, string> = origin && isAllowedOrigin(origin, cors.allowOrigins) ? { "access-control-allow-origin": origin, vary: "origin" } : {};

    if (method === "OPTIONS") {
      // API Gateway answers preflights itself from the CORS configuration.
      return send(res, {
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
      });
    }
    if (method === "GET" && (url.pathname === "/" || url.pathname === "/index.html")) {
      const action = `${deps.config.publicBaseUrl}/v1/leads`;
      return send(res, { statusCode: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: demoFormPage(action) });
    }

    let match: { route: Route; pathParameters: Record<string, string> } | undefined;
    for (const c of compiled) {
      const m = c.pattern.exec(url.pathname);
      if (!m) continue;
      if (c.route.method !== method) continue;
      match = { route: c.route, pathParameters: Object.fromEntries(c.params.map((p, i) => [p, decodeURIComponent(m[i + 1]!)])) };
      break;
    }
    if (!match) return send(res, { statusCode: 404, headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "Not Found" }) });

    const body = await readBody(req);
    if (body === null) return send(res, { statusCode: 413, headers: { "content-type": "application/json", ...corsHeaders }, body: JSON.stringify({ message: "Request Entity Too Large" }) });

    const event = toEvent(req, url, match.route, match.pathParameters, body);
    if (match.route.auth) {
      const authorization = event.headers.authorization;
      if (!authorization) return send(res, { statusCode: 401, headers: { "content-type": "application/json", ...corsHeaders }, body: JSON.stringify({ message: "Unauthorized" }) });
      const decision = await authorize({ headers: event.headers });
      if (!decision.isAuthorized) return send(res, { statusCode: 403, headers: { "content-type": "application/json", ...corsHeaders }, body: JSON.stringify({ message: "Forbidden" }) });
      event.requestContext.authorizer = { lambda: decision.context };
    }
    const result = await handlers[match.route.fn](event, lambdaContext(match.route.fn, { requestId: event.requestContext.requestId }));
    return send(res, { ...result, headers: { ...result.headers, ...corsHeaders } });
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

function send(res: ServerResponse, result: HttpResult | { statusCode: number; headers: Record<string, string>; body: string }): void {
  const body = result.body ?? "";
  const buffer = (result as HttpResult).isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8");
  res.writeHead(result.statusCode, { ...result.headers, "content-length": String(buffer.length) });
  res.end(buffer);
}
