import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { routes } from "../shared/http/routes.ts";
import { useStack } from "./support/stack.ts";

const stack = useStack();

const json = fc.jsonValue({ maxDepth: 2 });
const fieldNames = fc.oneof(
  fc.constantFrom("type", "customerId", "email", "amount", "currency", "at", "externalId", "data", "tags", "firstName", "birthday", "owner", "nextContactAt", "__proto__"),
  fc.string({ maxLength: 8 }),
);
const bodies = fc.oneof(fc.dictionary(fieldNames, json, { maxKeys: 6 }), json);
const queries = fc.dictionary(fc.constantFrom("q", "stage", "tag", "email", "limit", "cursor", "x"), fc.string({ maxLength: 30 }), { maxKeys: 4 });

describe("no admin request gives a 5xx, whatever it carries", () => {
  it("random JSON bodies and query strings on every admin route", async () => {
    const seed = await stack.api("/v1/leads", { body: { email: "fuzz-target@example.com" } });
    const id = seed.body.customerId as string;
    const adminRoutes = routes.filter((r) => r.auth !== null);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...adminRoutes), bodies, queries, fc.boolean(), async (route, body, query, realId) => {
        const path = route.path.replace("{id}", realId ? id : "cus_01M841EYZH03RP8XS8FT83N5KE");
        const qs = new URLSearchParams(query).toString();
        const res = await stack.api(`${path}${qs ? `?${qs}` : ""}`, {
          method: route.method,
          key: stack.adminKey,
          ...(route.method === "GET" ? {} : { body: JSON.stringify(body) }),
        });
        expect(res.status, `${route.method} ${path}?${qs} ${JSON.stringify(body)}`).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });
});
