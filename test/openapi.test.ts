import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { openApiDocument } from "../shared/http/openapi.ts";
import { routeKey, routes } from "../shared/http/routes.ts";

type Operation = {
  operationId: string;
  parameters?: { name: string; in: string }[];
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
};
const doc = openApiDocument("https://api.example.com") as {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
};
const documented = routes.filter((r) => !r.undocumented);
const operationOf = (route: (typeof routes)[number]) => doc.paths[route.path]![route.method.toLowerCase()]!;

describe("the OpenAPI document", () => {
  // No OpenAPI validator is installed; these are the 3.1 rules a generator like ours can break.
  it("follows OpenAPI 3.1's structure: unique operation ids, every path template parameter declared, responses keyed by status with a description", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const ids = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, methods] of Object.entries(doc.paths)) {
      expect(path, "paths start with a slash and use plain {name} templates").toMatch(/^\/(?:[\w.-]+|\{\w+\})(?:\/(?:[\w.-]+|\{\w+\}))*$/);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(methods)) {
        expect(["get", "put", "post", "delete", "patch"]).toContain(method);
        expect((op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name)).toEqual(templated);
        for (const [status, response] of Object.entries(op.responses)) {
          expect(status, `${method} ${path}`).toMatch(/^[1-5]\d\d$/);
          expect(response.description, `${method} ${path} ${status}`).not.toBe("");
          for (const [type, media] of Object.entries(response.content ?? {})) {
            expect(type).toMatch(/^[\w.+-]+\/[\w.+-]+$/);
            expect(media.schema, `${method} ${path} ${status} ${type}`).toBeTypeOf("object");
          }
        }
      }
    }
  });

  it("shows every response each route declares: the status, the description and each media type with its schema", () => {
    for (const route of documented) {
      const op = operationOf(route);
      expect(Object.keys(op.responses).sort(), routeKey(route)).toEqual(Object.keys(route.responses).sort());
      for (const [status, spec] of Object.entries(route.responses)) {
        const shown = op.responses[status]!;
        expect(shown.description).toBe(spec.description);
        expect(Object.keys(shown.content ?? {}), `${routeKey(route)} ${status}`).toEqual(Object.keys(spec.content ?? {}));
        for (const [type, schema] of Object.entries(spec.content ?? {})) {
          const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as Record<string, unknown>;
          expect(shown.content![type]!.schema, `${routeKey(route)} ${status} ${type}`).toEqual(json);
        }
      }
    }
  });

  it("declares a body for every answer but redirects, 204 and 304, and 500 and 503 on every route", () => {
    for (const route of routes) {
      for (const [status, spec] of Object.entries(route.responses)) {
        if (["302", "303", "204", "304"].includes(status)) expect(spec.content, `${routeKey(route)} ${status}`).toBeUndefined();
        else expect(spec.content, `${routeKey(route)} ${status}`).toBeDefined();
      }
      expect(Object.keys(route.responses), routeKey(route)).toEqual(expect.arrayContaining(["500", "503"]));
    }
  });

  it("gives the 401 one shape, whether API Gateway answered (no Authorization header) or the function (a bad key)", () => {
    const gateway = { message: "Unauthorized" };
    const fromFunction = { error: "unauthorized", message: "send a valid API key as Authorization: Bearer <key>" };
    const admin = documented.filter((r) => r.auth !== null);
    expect(admin.length).toBeGreaterThan(10);
    const shapes = new Set(admin.map((r) => JSON.stringify(operationOf(r).responses["401"]!.content!["application/json"]!.schema)));
    expect(shapes.size).toBe(1);
    for (const route of admin) {
      const schema = route.responses[401]!.content!["application/json"]!;
      expect(schema.safeParse(gateway).success, routeKey(route)).toBe(true);
      expect(schema.safeParse(fromFunction).success, routeKey(route)).toBe(true);
    }
  });

  it("keeps the dashboard's files (/app/{proxy+}) out: they are the app's own, not an API", () => {
    expect(routes.some((r) => r.path === "/app/{proxy+}")).toBe(true);
    expect(Object.keys(doc.paths)).not.toContain("/app/{proxy+}");
    expect(JSON.stringify(doc)).not.toContain("proxy+");
  });

  it("describes the report answers, so the dashboard's types and the document say the same", () => {
    const funnel = operationOf(routes.find((r) => r.operationId === "funnelReport")!).responses["200"]!.content!;
    expect(Object.keys(funnel)).toEqual(["application/json", "text/csv"]);
    expect(funnel["application/json"]!.schema).toMatchObject({ type: "object", required: expect.arrayContaining(["asOf", "period", "stages", "conversions"]) });
  });
});
