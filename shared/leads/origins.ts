import { Forbidden, ValidationError } from "../core/errors.ts";
import type { HttpEvent } from "../http/http.ts";
import { header } from "../http/http.ts";

/**
 * Browsers say where a form post comes from (`Origin`). A post from a page on an origin that is
 * not configured is refused, so nobody can point their forms at your CRM; posts without an Origin
 * (scripts, server-side calls) are accepted.
 */
export function assertOriginAllowed(event: HttpEvent, allowed: string[]): void {
  const origin = header(event, "origin");
  if (origin === undefined || origin === "null") return;
  if (!isAllowedOrigin(origin, allowed)) throw new Forbidden(`origin ${origin} is not allowed to post here`);
}

export function isAllowedOrigin(origin: string, allowed: string[]): boolean {
  return allowed.includes("*") || allowed.includes(origin.replace(/\/+$/, ""));
}

/** `_next` must be an absolute http(s) URL on an allowed origin: never an open redirect. */
export function safeNext(next: string | undefined, allowed: string[]): string | undefined {
  if (!next) return undefined;
  let url: URL;
  try {
    url = new URL(next);
  } catch {
    throw ValidationError.field("_next", "must be an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw ValidationError.field("_next", "must be an http(s) URL");
  if (!allowed.includes(url.origin)) throw ValidationError.field("_next", `must be on an allowed origin (${url.origin} is not)`);
  return url.toString();
}
