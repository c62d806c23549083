import { describe, expect, it } from "vitest";
import { useStack } from "./support/stack.ts";

const stack = useStack();

describe("health", () => {
  it("answers ok", async () => {
    const res = await stack.api("/v1/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });
  it("captures a lead", async () => {
    const res = await stack.api("/v1/leads", { body: { email: "Ada@Example.com", firstName: "Ada" } });
    expect(res.status).toBe(201);
    const again = await stack.api("/v1/leads", { body: { email: " ada@example.COM ", lastName: "Lovelace" } });
    expect(again.status).toBe(200);
    const view = await stack.api(`/v1/customers/${res.body.customerId}`, { key: stack.adminKey });
    console.log(JSON.stringify(view.body, null, 1));
  });
});
