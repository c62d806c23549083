import * as z from "zod/mini";

/**
 * The bodies every route may answer with, whatever the feature: errors, pages, files. The route
 * table (shared/http/routes.ts) names them per status, the OpenAPI document shows them, and the
 * test suite checks every answer against them.
 */

/** A 400: each bad input field by name (`body` when the body as a whole is wrong). */
export const ValidationErrorBody = z.object({
  error: z.literal("validation"),
  fields: z.array(z.object({ field: z.string(), message: z.string() })),
});

/** An error the function answers: a stable code for programs, a sentence for people. */
export const ErrorBody = z.object({ error: z.string(), message: z.string() });

/**
 * An error API Gateway may also answer by itself, before any function runs: no Authorization
 * header (401), a body over its 10 MB limit (413), an integration failure (500, 503). Its own
 * bodies carry only `message`; the function's add `error`, always `code`. One shape for both, so a
 * client reads `message` whoever answered.
 */
export function edgeErrorBody(code: string) {
  return z.object({
    error: z.optional(z.literal(code)),
    message: z.string(),
  });
}

/** An HTML page for a person in a browser. */
export const HtmlPage = z.string();

/** A file: a CSV table, a script, a style sheet. */
export const FileBody = z.string();

/** This API's own OpenAPI 3.1 document (shared/http/openapi.ts). */
export const OpenApiDocument = z.looseObject({
  openapi: z.literal("3.1.0"),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

/** The health check's answer. */
export const Health = z.object({ status: z.literal("ok") });
