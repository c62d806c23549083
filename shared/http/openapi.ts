import * as z from "zod/mini";
import { routes } from "./routes.ts";

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodMiniType, io: "input" | "output"): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

/**
 * The OpenAPI 3.1 document, generated from the route table and the very zod schemas that
 * validate requests and describe responses (the test suite checks every answer against them), so
 * the document cannot drift from what the API accepts or says.
 */
export function openApiDocument(serverUrl = ""): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    if (route.undocumented) continue;
    const parameters: unknown[] = [];
    for (const [name, schema] of Object.entries(route.request?.params ?? {})) {
      parameters.push({ name, in: "path", required: true, schema: schemaOf(schema, "input") });
    }
    const query = route.request?.query;
    if (query instanceof z.ZodMiniObject) {
      const json = schemaOf(query, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
      for (const [name, schema] of Object.entries(json.properties ?? {})) {
        parameters.push({ name, in: "query", required: json.required?.includes(name) ?? false, schema });
      }
    }
    if (route.operationId === "captureLead" || route.operationId === "recordEvent") {
      parameters.push({ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 255 } });
    }
    const body = route.request?.body ?? route.request?.rawBody;
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      tags: route.tags,
      ...(parameters.length ? { parameters } : {}),
      ...(body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries((route.request?.bodyTypes ?? ["application/json"]).map((type) => [type, { schema: schemaOf(body, "input") }])),
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, spec]) => [
          status,
          {
            description: spec.description,
            ...(spec.content
              ? { content: Object.fromEntries(Object.entries(spec.content).map(([type, schema]) => [type, { schema: schemaOf(schema, "output") }])) }
              : {}),
          },
        ]),
      ),
      ...(route.auth ? { security: [{ apiKey: [route.auth] }] } : { security: [] }),
    };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Rapport API",
      version: "1",
      description:
        "Lead capture, customer records and retention for small businesses. Admin routes take `Authorization: Bearer <api key>` or a signed-in person's id or access token from the user pool (`GET /v1/app-config` says which). " +
        "Scopes: `admin` (an admin key or an owner) may do everything; `staff` everything but erasure, people, API keys and campaign edits; `leads:write` posts leads.",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: "A Rapport API key (rapport keys create), or a person's Cognito id or access token (JWT) from signing in",
        },
      },
    },
    paths,
  };
}
