import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type * as z from "zod/mini";
import type { Role } from "../auth/roles.ts";
import {
  Conflict,
  Forbidden,
  IdempotencyMismatch,
  NotFound,
  PayloadTooLarge,
  TooManyRequests,
  Unauthorized,
  UnsupportedMediaType,
  ValidationError,
} from "../core/errors.ts";
import { cleanText } from "../core/text.ts";
import type { By } from "../customers/schema.ts";

/**
 * Who is calling, as the authorizer resolved it and puts it in the request context (API
 * Gateway's `authorizer.lambda`, whose values can only be strings): an API key, or a person
 * signed in with a token from the user pool.
 */
export interface Principal {
  type: "key" | "person";
  /** The key's id (12 hex digits), or the person's id (their Cognito `sub`). */
  id: string;
  /** Space-separated scopes: a key's own; `admin` for an owner, `staff` for staff. */
  scopes: string;
  /** A person's role. */
  role?: Role;
  /** A person's name (their email when they gave none), for `by` on what they change. */
  name?: string;
}

/**
 * The caller as one string, where a record keeps who acted in a single attribute (a campaign's
 * `updatedBy`, an erasure's event and log line, an idempotency scope): a key's id as it always
 * was, `person:<id>` for a person.
 */
export function actorId(principal: Principal): string {
  return principal.type === "person" ? `person:${principal.id}` : principal.id;
}

/** The `by` of a change made by this caller. */
export function byOf(principal: Principal): By {
  return principal.type === "person" ? { type: "person", id: principal.id, name: principal.name ?? "" } : { type: "key", id: principal.id };
}

/** An API Gateway HTTP API (payload 2.0) event, as the local server also builds it. */
export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2["requestContext"] & { authorizer?: { lambda?: Partial<Record<keyof Principal, string>> } };
};
export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> };

/** Form and JSON bodies above 16 KiB are refused with 413, as the README promises form integrations. */
export const MAX_BODY_BYTES = 16 * 1024;

export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

export function rawBody(event: HttpEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
}

export type BodyKind = "json" | "form" | "multipart" | "empty";

/** The media type of the body without parameters, lower-cased. */
export function mediaType(event: HttpEvent): string {
  return (header(event, "content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * Reads the body as a plain object, whatever a web form or a script sent: JSON, url-encoded or
 * multipart. Repeated form fields become arrays; file parts of a multipart body are ignored.
 */
export async function parseBody(event: HttpEvent, maxBytes = MAX_BODY_BYTES): Promise<{ kind: BodyKind; fields: Record<string, unknown> }> {
  const bytes = rawBody(event);
  if (bytes.length > maxBytes) throw new PayloadTooLarge(`body is larger than ${maxBytes} bytes`);
  const type = mediaType(event);
  if (bytes.length === 0 && type === "") return { kind: "empty", fields: {} };
  if (type === "application/json" || type.endsWith("+json")) {
    let value: unknown;
    try {
      // A UTF-8 byte order mark is not JSON, but RFC 8259 lets a parser ignore it, and Windows tools write one.
      value = JSON.parse(bytes.toString("utf8").replace(/^\uFEFF/, ""), cleanJsonValue);
    } catch {
      throw ValidationError.field("body", "is not valid JSON");
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw ValidationError.field("body", "must be a JSON object");
    return { kind: "json", fields: value as Record<string, unknown> };
  }
  if (type === "application/x-www-form-urlencoded") {
    return { kind: "form", fields: collect(new URLSearchParams(bytes.toString("utf8")).entries()) };
  }
  if (type === "multipart/form-data") {
    let form: FormData;
    try {
      form = await new Request("http://body.invalid/", {
        method: "POST",
        headers: { "content-type": header(event, "content-type")! },
        body: new Uint8Array(bytes),
      }).formData();
    } catch {
      throw ValidationError.field("body", "is not a valid multipart/form-data body");
    }
    const strings: [string, string][] = [];
    for (const [k, v] of form.entries()) if (typeof v === "string") strings.push([k, v]);
    return { kind: "multipart", fields: collect(strings) };
  }
  throw new UnsupportedMediaType(
    `content type "${type || "(none)"}" is not accepted; send application/json, application/x-www-form-urlencoded or multipart/form-data`,
  );
}

function collect(entries: Iterable<[string, string]>): Record<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [rawKey, rawValue] of entries) {
    const [k, v] = [cleanText(rawKey), cleanText(rawValue)];
    const prev = out.get(k);
    out.set(k, prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]);
  }
  // fromEntries defines own properties, so a field named __proto__ stays a field.
  return Object.fromEntries(out);
}

const dirtyKey = (key: string) => cleanText(key) !== key;

/** `JSON.parse` reviver: cleans each string, and the keys of each object (rebuilt only when one needs it). */
function cleanJsonValue(_key: string, value: unknown): unknown {
  if (typeof value === "string") return cleanText(value);
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).some(dirtyKey)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleanText(k), v]));
  }
  return value;
}

/**
 * Refuses a body whose media type the route does not document (415), so a route takes exactly
 * the content types its OpenAPI entry lists. An empty body without a content type is left to the
 * route's schema (`POST /v1/sweeps` with nothing means "now").
 */
export function assertBodyType(event: HttpEvent, accepted: readonly string[]): void {
  const type = mediaType(event);
  if (type === "" && rawBody(event).length === 0) return;
  if (!accepted.includes(type)) throw new UnsupportedMediaType(`content type "${type || "(none)"}" is not accepted here; send ${accepted.join(" or ")}`);
}

/** Validates with a zod schema; every problem becomes a named field in a ValidationError. */
export function validate<S extends z.ZodMiniType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.flatMap((issue) => {
      const at = issue.path.map(String);
      // A strict object names each field it does not know, so the caller sees which one to fix.
      if (issue.code === "unrecognized_keys") return issue.keys.map((key) => ({ field: [...at, key].join("."), message: "is not a known field" }));
      return [{ field: at.length ? at.join(".") : "body", message: issue.message }];
    }),
  );
}

const SECURITY_HEADERS = { "x-content-type-options": "nosniff", "cache-control": "no-store" };

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { "content-type": "application/json; charset=utf-8", ...SECURITY_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

export function html(statusCode: number, body: string, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'",
      ...SECURITY_HEADERS,
      ...headers,
    },
    body,
  };
}

export function redirect(location: string): HttpResult {
  return { statusCode: 303, headers: { location, ...SECURITY_HEADERS }, body: "" };
}

/** Whether the caller wants JSON back (a script) rather than a page or a redirect (a browser form). */
export function wantsJson(event: HttpEvent): boolean {
  const accept = header(event, "accept") ?? "";
  return accept.includes("application/json") || mediaType(event) === "application/json";
}

/** The one place where typed errors become status codes and bodies. */
export function errorResponse(err: unknown): { status: number; body: Record<string, unknown> } | null {
  if (err instanceof ValidationError) return { status: 400, body: { error: "validation", fields: err.fields } };
  if (err instanceof Unauthorized) return { status: 401, body: { error: "unauthorized", message: err.message } };
  if (err instanceof Forbidden) return { status: 403, body: { error: "forbidden", message: err.message } };
  if (err instanceof NotFound) return { status: 404, body: { error: "not_found", message: err.message } };
  if (err instanceof Conflict) return { status: 409, body: { error: err.code, message: err.message } };
  if (err instanceof PayloadTooLarge) return { status: 413, body: { error: "payload_too_large", message: err.message } };
  if (err instanceof TooManyRequests) return { status: 429, body: { error: "too_many_requests", message: err.message } };
  if (err instanceof UnsupportedMediaType) return { status: 415, body: { error: "unsupported_media_type", message: err.message } };
  if (err instanceof IdempotencyMismatch)
    return {
      status: 422,
      body: { error: "idempotency_key_reused", message: "this Idempotency-Key was used with a different request (other fields or values)" },
    };
  return null;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
