import type { HttpEvent } from "../http/http.ts";
import { header } from "../http/http.ts";

/**
 * Browsers say where a form post comes from (`Origin`). Answers carry CORS headers only for the
 * configured origins, so no other page can read them; a post from another origin is not refused
 * but held in the quarantine (shared/leads/bot-protection.ts), because the likeliest cause is a
 * site whose origin nobody has added yet, and a refusal would lose its leads. Posts without an
 * Origin (scripts, server-side calls) are not browser posts and are taken as they are.
 */

/** The post's `Origin` when it is one that is not allowed; undefined for allowed ones and for posts without one. */
export function disallowedOrigin(event: HttpEvent, allowed: string[]): string | undefined {
  const origin = header(event, "origin");
  if (origin === undefined || origin === "null") return undefined;
  return isAllowedOrigin(origin, allowed) ? undefined : origin.slice(0, 200);
}

/** Whether `origin` is configured (exactly: scheme, host and port), or every origin is (`*`). */
export function isAllowedOrigin(origin: string, allowed: string[]): boolean {
  return allowed.includes("*") || allowed.includes(origin.replace(/\/+$/, ""));
}

/** Where a browser goes after a post, and why its `_next` was not used when it was not. */
export type NextTarget = { url: string; problem?: undefined } | { url?: undefined; problem?: string };

/**
 * `_next` when it is an absolute http(s) URL on an allowed origin, never an open redirect. Anything
 * else is a problem of the form's configuration, not of the visitor's input, so it is reported
 * (for a log line) rather than thrown: the lead is kept and the browser goes to the thank-you page.
 */
export function safeNext(next: string | undefined, allowed: string[]): NextTarget {
  if (!next) return {};
  if (next.length > 2000) return { problem: "longer than 2000 characters" };
  let url: URL;
  try {
    url = new URL(next);
  } catch {
    return { problem: "not an absolute URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { problem: "not an http(s) URL" };
  if (!allowed.includes(url.origin)) return { problem: "not on an allowed origin" };
  return { url: url.toString() };
}
