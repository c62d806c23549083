import type { Exchange } from "../../local/server.ts";

/**
 * Checks one answer of the local API against what its route declares (shared/http/routes.ts):
 * the status must be declared, the content type must be one the status declares (or no body where
 * it declares none), and the body must parse with that type's schema and carry no field the schema
 * does not declare. The OpenAPI document is generated from the same declarations, so an answer
 * that passes here is one the document describes. Answers outside the route table (preflights,
 * unknown paths) are not checked.
 *
 * @returns one line per problem; empty when the answer conforms.
 */
export function responseProblems(exchange: Exchange): string[] {
  const { route, status } = exchange;
  if (!route) return [];
  const label = `${exchange.method} ${exchange.path} (${route.operationId}) answered ${status}`;
  const spec = route.responses[status];
  if (!spec) return [`${label}, a status the route does not declare (it declares ${Object.keys(route.responses).join(", ")})`];
  const type = mediaType(exchange.headers);
  if (!spec.content) return exchange.body.length ? [`${label} with a ${type || "untyped"} body, where it declares none`] : [];
  const schema = spec.content[type];
  if (!schema) return [`${label} as ${type || "no content type"}, where it declares ${Object.keys(spec.content).join(" or ")}`];

  const text = exchange.body.toString("utf8");
  let body: unknown = text;
  if (type === "application/json") {
    try {
      body = JSON.parse(text);
    } catch {
      return [`${label} with a body that is not JSON: ${text.slice(0, 100)}`];
    }
  }
  if (type === "text/html" && exchange.headers["content-encoding"] === undefined && !/^\s*<!doctype html>/i.test(text)) {
    return [`${label} with text/html that is not an HTML document: ${text.slice(0, 100)}`];
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => `${label}: ${issue.path.join(".") || "body"} ${issue.message} (in ${JSON.stringify(body).slice(0, 300)})`);
  }
  // zod drops what a schema does not name; anything dropped is something the document does not say.
  return undeclared(body, parsed.data, "").map((path) => `${label} with ${path}, which its schema does not declare`);
}

function mediaType(headers: Record<string, string>): string {
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === "content-type");
  return (entry?.[1] ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Paths present in `sent` but gone from `parsed`. */
function undeclared(sent: unknown, parsed: unknown, path: string): string[] {
  if (Array.isArray(sent) && Array.isArray(parsed)) return sent.flatMap((item, i) => undeclared(item, parsed[i], `${path}[${i}]`));
  if (!isObject(sent) || !isObject(parsed)) return [];
  return Object.entries(sent).flatMap(([key, value]) => {
    const at = path ? `${path}.${key}` : key;
    if (!(key in parsed)) return value === undefined ? [] : [at];
    return undeclared(value, parsed[key], at);
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
