import { describe, expect, it } from "vitest";
import type { Exchange } from "../local/server.ts";
import type { Route } from "../shared/http/routes.ts";
import { routes } from "../shared/http/routes.ts";
import { throttlingError } from "./support/faults.ts";
import { responseProblems } from "./support/responses.ts";
import { useStack } from "./support/stack.ts";

/**
 * useStack checks every answer against its route's declared responses (test/support/responses.ts):
 * these requests reach the answers few other tests look at, so a drift there fails here too.
 */
const stack = useStack();

describe("error answers match what their routes declare", () => {
  it("401 from API Gateway (no header) and from the function (a bad key), 403 for the wrong scope: each in the declared shape", async () => {
    const gateway = await stack.api("/v1/customers");
    expect(gateway).toMatchObject({ status: 401, body: { message: "Unauthorized" } });
    const fromFunction = await stack.api("/v1/customers", { key: "rk_not-a-key" });
    expect(fromFunction).toMatchObject({ status: 401, body: { error: "unauthorized", message: expect.any(String) } });
    expect((await stack.api("/v1/customers", { key: stack.leadsKey })).status).toBe(403);
  });

  it("413 from the function (over 16 KiB) and from the gateway's own limit, 415 for an unread content type", async () => {
    expect((await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "big@example.com", message: "x".repeat(17 * 1024) } })).status).toBe(413);
    expect((await stack.api("/v1/leads", { key: stack.leadsKey, body: "x".repeat(1024 * 1024 + 1), headers: { "content-type": "text/plain" } })).status).toBe(
      413,
    );
    expect((await stack.api("/v1/leads", { key: stack.leadsKey, body: "email=a@b.co", headers: { "content-type": "text/plain" } })).status).toBe(415);
  });

  it("a person in a browser gets HTML pages for bad input, on the lead form and on the links in emails", async () => {
    const form = await fetch(`${stack.url}/v1/leads`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "email=not-an-address",
    });
    expect(form.status).toBe(400);
    expect(form.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await form.text()).toContain("email");
    const link = await fetch(`${stack.url}/v1/unsubscribe?t=short`);
    expect(link.status).toBe(400);
    expect(link.headers.get("content-type")).toMatch(/^text\/html/);
  });

  it("503 with Retry-After when AWS throttles past the SDK's retries", async () => {
    // What DynamoDB Local never does: answer every attempt with a throttle (the SDK's retries are spent).
    const { mockClient } = await import("aws-sdk-client-mock");
    const db = mockClient(stack.deps.db);
    db.onAnyCommand().rejects(throttlingError("ProvisionedThroughputExceededException"));
    try {
      const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "throttled@example.com" } });
      expect(res).toMatchObject({ status: 503, body: { error: "busy", message: expect.any(String) } });
      expect(res.headers.get("retry-after")).toBe("1");
    } finally {
      db.restore();
    }
  });
});

describe("the answer check itself", () => {
  const health = routes.find((r) => r.operationId === "health")!;
  const exchange = (route: Route, status: number, type: string | undefined, body: string): Exchange => ({
    method: route.method,
    path: route.path,
    route,
    status,
    headers: type ? { "content-type": type } : {},
    body: Buffer.from(body),
  });

  it("passes a declared answer and names each kind of drift: undeclared status, media type, field, invalid value, a body where none is declared", () => {
    expect(responseProblems(exchange(health, 200, "application/json; charset=utf-8", '{"status":"ok"}'))).toEqual([]);
    expect(responseProblems(exchange(health, 418, "application/json", "{}"))[0]).toContain("does not declare");
    expect(responseProblems(exchange(health, 200, "text/plain", "ok"))[0]).toContain("declares application/json");
    expect(responseProblems(exchange(health, 200, "application/json", '{"status":"ok","uptime":3}'))).toEqual([
      expect.stringContaining("uptime, which its schema does not declare"),
    ]);
    expect(responseProblems(exchange(health, 200, "application/json", '{"status":"down"}'))).toHaveLength(1);
    const drop = routes.find((r) => r.operationId === "dropQuarantined")!;
    expect(responseProblems(exchange(drop, 204, undefined, ""))).toEqual([]);
    expect(responseProblems(exchange(drop, 204, "application/json", "{}"))[0]).toContain("declares none");
    expect(responseProblems(exchange(routes.find((r) => r.operationId === "thankYouPage")!, 200, "text/html", "plain words"))[0]).toContain(
      "not an HTML document",
    );
  });

  it("leaves answers outside the route table alone", () => {
    expect(responseProblems({ ...exchange(health, 404, "application/json", "{}"), route: undefined })).toEqual([]);
  });
});
