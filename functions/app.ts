import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { Logger } from "@aws-lambda-powertools/logger";
import type { ensureAppBuilt } from "../scripts/build-app.ts";
import type { RuntimeConfig } from "../shared/core/config.ts";
import { peopleConfigFromEnv } from "../shared/core/config.ts";
import type { Deps } from "../shared/core/deps.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import type { HttpEvent, HttpResult } from "../shared/http/http.ts";
import { header, json } from "../shared/http/http.ts";

/**
 * The dashboard (app/): a static single-page app served by the API itself at /app, so it shares
 * the API's origin (no CORS, no second deployment) and its strict CSP covers every page.
 *
 * Files come from one folder and only by exact name: a request names a file in that folder or
 * gets a 404, so no path ever leaves it. Hashed asset names are cached for a year; index.html is
 * revalidated on every load (ETag), so a deploy shows at once.
 */

/**
 * Scripts and styles only from this origin, no inline code, no eval, no framing, requests only
 * to the API on the same origin (and, when people sign in, to the user pool's endpoint); Trusted
 * Types makes any `innerHTML = string` throw, so data can only reach the page as text.
 */
function cspWith(connectSrc: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src ${connectSrc}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join("; ");
}

/** The dashboard's CSP when no user pool is configured: requests to this origin only. */
export const APP_CSP = cspWith("'self'");

/**
 * The dashboard's CSP for a deployment: a browser signs people in by calling the user pool's
 * endpoint itself (Cognito's `https://cognito-idp.<region>.amazonaws.com`, or cognito-local's URL
 * on the local stack), so that one origin joins 'self' in connect-src and nothing else changes.
 */
export function appCsp(config: Pick<RuntimeConfig, "region" | "people">): string {
  const { userPoolId, clientId, endpoint } = config.people;
  if (!userPoolId || !clientId) return APP_CSP;
  return cspWith(`'self' ${new URL(endpoint ?? `https://cognito-idp.${config.region}.amazonaws.com`).origin}`);
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** `main-4TZ3QK7A.js`: esbuild's content hash in the name, so the bytes behind it never change. */
const HASHED = /-[A-Z0-9]{8}\.(js|css)$/;
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export interface AppOptions {
  /**
   * The folder holding the built app. Default: `app/` next to the handler (the Lambda bundle, where
   * the CDK stack copies it), else the repository's app/dist (the local stack and tests).
   */
  dir?: string;
  /**
   * Runs before index.html is served, to make sure `dir` holds a build of the current sources.
   * Default with app/dist: build it when missing or stale (scripts/build-app.ts).
   */
  prepare?: () => Promise<unknown>;
}

interface LoadedFile {
  mtimeMs: number;
  size: number;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
}

function defaults(): Required<AppOptions> {
  const bundled = path.join(import.meta.dirname, "app");
  if (existsSync(path.join(bundled, "index.html"))) return { dir: bundled, prepare: async () => undefined };
  // From the repository: the builder needs esbuild, so it is imported only here, by a path the
  // Lambda bundler does not follow (the deployed bundle never reaches this line).
  const builder = pathToFileURL(path.join(import.meta.dirname, "..", "scripts", "build-app.ts")).href;
  return {
    dir: path.join(import.meta.dirname, "..", "app", "dist"),
    prepare: async () => ((await import(builder)) as { ensureAppBuilt: typeof ensureAppBuilt }).ensureAppBuilt(),
  };
}

/**
 * Of the usual dependencies the dashboard's files need only the logger (httpFunction logs each
 * request) and where people sign in (for the CSP); taking no more keeps the DynamoDB and
 * EventBridge clients out of its bundle.
 */
export type AppDeps = Pick<Deps, "logger"> & { config: Pick<RuntimeConfig, "region" | "people"> };

export function makeHandler(deps: AppDeps, options: AppOptions = {}) {
  const fallback = options.dir ? undefined : defaults();
  const dir = options.dir ?? fallback!.dir;
  const prepare = options.prepare ?? fallback?.prepare ?? (async () => undefined);
  const cache = new Map<string, LoadedFile>();
  const csp = appCsp(deps.config);

  /** The file, read once and again only when it changed on disk (a local rebuild). */
  function load(name: string): LoadedFile | undefined {
    if (!SAFE_NAME.test(name) || !(path.extname(name) in CONTENT_TYPES)) return undefined;
    const file = path.join(dir, name);
    let stat;
    try {
      stat = statSync(file);
    } catch {
      return undefined;
    }
    if (!stat.isFile()) return undefined;
    const cached = cache.get(name);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached;
    const body = readFileSync(file);
    const loaded = {
      mtimeMs: stat.mtimeMs,
      size: stat.size,
      body,
      gzipped: gzipSync(body, { level: 9 }),
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
    };
    cache.set(name, loaded);
    return loaded;
  }

  function serve(event: HttpEvent, name: string): HttpResult {
    const file = load(name);
    if (!file) return json(404, { error: "not_found", message: "no such file in the dashboard" }, securityHeaders(csp));
    const headers: Record<string, string> = {
      ...securityHeaders(csp),
      "content-type": CONTENT_TYPES[path.extname(name)]!,
      "cache-control": name === "index.html" ? "no-cache" : HASHED.test(name) ? "public, max-age=31536000, immutable" : "public, max-age=3600",
      etag: file.etag,
      vary: "accept-encoding",
    };
    if (
      header(event, "if-none-match")
        ?.split(/\s*,\s*/)
        .includes(file.etag)
    )
      return { statusCode: 304, headers, body: "" };
    // API Gateway HTTP APIs do not compress; the chart bundle is a third of its size gzipped.
    const gzip = /\bgzip\b/.test(header(event, "accept-encoding") ?? "") && file.gzipped.length < file.body.length;
    return {
      statusCode: 200,
      headers: gzip ? { ...headers, "content-encoding": "gzip" } : headers,
      body: (gzip ? file.gzipped : file.body).toString("base64"),
      isBase64Encoded: true,
    };
  }

  /**
   * The website snippet, loaded by other sites' pages: readable cross-origin, cached for an hour
   * (its name is fixed, so a deploy reaches every site within the hour) and revalidated by ETag.
   */
  const snippet = async ({ event }: { event: HttpEvent }): Promise<HttpResult> => {
    await prepare();
    const file = load("t.js");
    if (!file) return json(404, { error: "not_found", message: "the snippet is not built" });
    const headers: Record<string, string> = {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=3600",
      "x-content-type-options": "nosniff",
      "cross-origin-resource-policy": "cross-origin",
      "access-control-allow-origin": "*",
      etag: file.etag,
      vary: "accept-encoding",
    };
    if (
      header(event, "if-none-match")
        ?.split(/\s*,\s*/)
        .includes(file.etag)
    )
      return { statusCode: 304, headers, body: "" };
    const gzip = /\bgzip\b/.test(header(event, "accept-encoding") ?? "");
    return {
      statusCode: 200,
      headers: gzip ? { ...headers, "content-encoding": "gzip" } : headers,
      body: (gzip ? file.gzipped : file.body).toString("base64"),
      isBase64Encoded: true,
    };
  };

  const index = async ({ event }: { event: HttpEvent }) => {
    await prepare();
    return serve(event, "index.html");
  };

  return httpFunction(
    "app",
    {
      appIndex: index,
      trackScript: snippet,
      appFile: async ({ event }) => {
        const name = event.pathParameters?.proxy ?? "";
        return name === "" || name === "index.html" ? index({ event }) : serve(event, name);
      },
    },
    // httpFunction reads only `logger`; these operations never look at their context's deps.
    deps as Deps,
  );
}

function securityHeaders(csp: string): Record<string, string> {
  return {
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
  };
}

export const handler = lazyHandler(() =>
  makeHandler({
    logger: new Logger({ serviceName: "rapport", logLevel: (process.env.LOG_LEVEL as "INFO" | undefined) ?? "INFO" }),
    config: { region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1", people: peopleConfigFromEnv(process.env) },
  }),
);
