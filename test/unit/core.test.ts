import { describe, expect, it } from "vitest";
import { httpEvent, lambdaContext } from "../../local/lambda-events.ts";
import { Update } from "../../shared/aws/db.ts";
import { fixedClock } from "../../shared/core/clock.ts";
import { ulid } from "../../shared/core/ids.ts";
import { fromMinor, toMinor } from "../../shared/core/money.ts";
import { normalizeEmail } from "../../shared/customers/email.ts";
import { deriveStage } from "../../shared/customers/lifecycle.ts";
import { STAGE_INDEX, setStage } from "../../shared/entities/customer.ts";
import { clearDue, DUE_INDEX, dueCustomerId, dueIndexKey, setDue, setDueNoLaterThan } from "../../shared/entities/due.ts";
import { openApiDocument } from "../../shared/http/openapi.ts";
import { routes } from "../../shared/http/routes.ts";
import { LeadInput } from "../../shared/leads/schema.ts";

describe("normalizeEmail", () => {
  it("one address, whatever the case, surrounding space or trailing dot of the domain", () => {
    for (const raw of ["Ada@Example.com", "  ada@example.COM\t", "ada@example.com.", "ADA@EXAMPLE.COM.."]) expect(normalizeEmail(raw)).toBe("ada@example.com");
  });
  it("keeps the local part's dots and plus tags (they can be different mailboxes)", () => {
    expect(normalizeEmail("first.last+crm@example.com")).toBe("first.last+crm@example.com");
  });
  it("turns an internationalised domain into its ASCII form", () => {
    expect(normalizeEmail("jørn@BLÅBÆR.no")).toBe("jørn@xn--blbr-roah.no");
    expect(normalizeEmail("jørn@xn--blbr-roah.no")).toBe("jørn@xn--blbr-roah.no");
  });
  it("refuses what is not an address", () => {
    for (const raw of ["", "a", "a@", "@b.com", "a@b", "a b@c.com", "a..b@c.com", ".a@c.com", "a@c..com", "a@-c.com", "a@c.123", `${"x".repeat(65)}@c.com`])
      expect(normalizeEmail(raw), raw).toBeNull();
  });
});

describe("deriveStage", () => {
  const thresholds = { loyalOrders: 3, loyalSpend: 500 };
  it("lead without purchases, customer with one, loyal with three or with spend over the threshold", () => {
    expect(deriveStage({ orders: 0, lifetimeSpend: 0 }, thresholds)).toBe("lead");
    expect(deriveStage({ orders: 1, lifetimeSpend: 10 }, thresholds)).toBe("customer");
    expect(deriveStage({ orders: 2, lifetimeSpend: 499.99 }, thresholds)).toBe("customer");
    expect(deriveStage({ orders: 3, lifetimeSpend: 30 }, thresholds)).toBe("loyal");
    expect(deriveStage({ orders: 1, lifetimeSpend: 500 }, thresholds)).toBe("loyal");
  });
  it("an advocate stays an advocate while they are a buyer; a purchase brings back an at-risk or churned customer", () => {
    expect(deriveStage({ orders: 4, lifetimeSpend: 90, current: "advocate" }, thresholds)).toBe("advocate");
    expect(deriveStage({ orders: 2, lifetimeSpend: 90, current: "at_risk" }, thresholds)).toBe("customer");
    expect(deriveStage({ orders: 5, lifetimeSpend: 90, current: "churned" }, thresholds)).toBe("loyal");
  });
});

describe("money", () => {
  it("keeps exact minor units per currency", () => {
    expect(toMinor(19.99, "USD")).toBe(1999);
    expect(toMinor(0.1 + 0.2, "USD")).toBe(30);
    expect(toMinor(1500, "JPY")).toBe(1500);
    expect(fromMinor(1999, "USD")).toBe(19.99);
  });
});

describe("ulid", () => {
  it("sorts by creation time", () => {
    const a = ulid(fixedClock("2026-01-01T00:00:00Z"));
    const b = ulid(fixedClock("2026-01-01T00:00:00.001Z"));
    expect(a < b).toBe(true);
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});

describe("LeadInput", () => {
  it("reads form spellings: consent words, comma-separated tags, empty fields as absent", () => {
    const lead = LeadInput.parse({ email: "A@B.co", consent: "on", tags: "VIP, webinar,,", firstName: "", locale: "nb-no", birthday: "" });
    expect(lead).toMatchObject({ email: "a@b.co", consent: true, tags: ["vip", "webinar"], locale: "nb-NO" });
    expect(lead.firstName).toBeUndefined();
    expect(lead.birthday).toBeUndefined();
    expect(LeadInput.parse({ email: "a@b.co", consent: "no" }).consent).toBe(false);
  });
});

describe("OpenAPI document", () => {
  it("has every route of the route table, with its request schema and security", () => {
    const doc = openApiDocument("http://localhost:3000") as { openapi: string; paths: Record<string, Record<string, any>> };
    expect(doc.openapi).toBe("3.1.0");
    // The dashboard's own files are no API (test/openapi.test.ts checks they stay out).
    for (const route of routes.filter((r) => !r.undocumented)) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op.security).toEqual(route.auth ? [{ apiKey: [route.auth] }] : []);
    }
    const lead = doc.paths["/v1/leads"]!.post.requestBody.content;
    expect(Object.keys(lead)).toEqual(["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]);
    expect(lead["application/json"].schema.required).toEqual(["email"]);
    const list = doc.paths["/v1/customers"]!.get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(["q", "stage", "tag", "email", "segment", "sort", "limit", "cursor"]);
  });
});

describe("AWS throttling past the SDK's retries", () => {
  it("answers 503 with Retry-After, not 500, and logs the error's name", async () => {
    const { mockClient } = await import("aws-sdk-client-mock");
    const { makeHandler } = await import("../../functions/capture.ts");
    const { depsFromEnv } = await import("../../shared/core/deps.ts");
    const { FailureCountingLogger } = await import("../support/faults.ts");
    const logger = new FailureCountingLogger();
    const deps = depsFromEnv({ TABLE_NAME: "t", AWS_REGION: "us-east-1", DYNAMODB_ENDPOINT: "http://127.0.0.1:9", LOG_LEVEL: "ERROR" }, { logger });
    const throttle = Object.assign(new Error("Rate of requests exceeds the allowed throughput."), {
      name: "ProvisionedThroughputExceededException",
      $fault: "client",
      $metadata: {},
    });
    mockClient(deps.db).onAnyCommand().rejects(throttle);
    const res = await makeHandler(deps)(
      httpEvent({
        route: { method: "POST", path: "/v1/leads" },
        headers: { "content-type": "application/json", accept: "application/json", "user-agent": "test" },
        body: JSON.stringify({ email: "busy@example.com" }),
        sourceIp: "203.0.113.9",
        requestId: "r1",
      }),
      lambdaContext("capture"),
    );
    expect(res.statusCode).toBe(503);
    expect(res.headers?.["retry-after"]).toBe("1");
    expect(logger.failures.ProvisionedThroughputExceededException).toBe(1);
  });
});

describe("Update (the update expression builder)", () => {
  it("names every attribute through a placeholder, so reserved words and `sent#…` attributes can be written", () => {
    const parts = new Update()
      .set("type", "customer")
      .set("sent#thanks", { occurrence: "o1" })
      .add("tags", new Set(["vip"]))
      .remove("status")
      .build();
    expect(parts.UpdateExpression).toBe("SET #type = :type, #n0 = :v ADD #tags :tags REMOVE #status");
    expect(parts.ExpressionAttributeNames).toEqual({ "#type": "type", "#n0": "sent#thanks", "#tags": "tags", "#status": "status" });
    expect(parts.ExpressionAttributeValues).toEqual({ ":type": "customer", ":v": { occurrence: "o1" }, ":tags": new Set(["vip"]) });
  });
  it("gives each value its own placeholder and joins conditions with AND, bracketing an OR", () => {
    const parts = new Update()
      .set("updatedAt", "t1")
      .when("attribute_exists(PK)")
      .when((name, value) => `attribute_not_exists(${name("updatedAt")}) OR ${name("updatedAt")} > ${value("t1")}`)
      .build();
    expect(parts.ConditionExpression).toBe("attribute_exists(PK) AND (attribute_not_exists(#updatedAt) OR #updatedAt > :c)");
    expect(parts.ExpressionAttributeValues).toEqual({ ":updatedAt": "t1", ":c": "t1" });
  });
  it("refuses to write one attribute twice, which DynamoDB would refuse at run time", () => {
    expect(() => new Update().set("stage", "lead").remove("stage")).toThrow(/stage twice/);
  });
  it("refuses an update that writes nothing", () => {
    expect(() => new Update().when("attribute_exists(PK)").build()).toThrow(/at least one attribute/);
  });
});

describe("index write fragments", () => {
  it("setDue writes the due time and both due index keys; clearDue removes all three", () => {
    const key = dueIndexKey("cus_1", "2026-03-01T00:00:00.000Z", 8);
    const set = setDue(new Update(), "cus_1", "2026-03-01T00:00:00.000Z", 8).build();
    expect(Object.values(set.ExpressionAttributeNames ?? {}).sort()).toEqual([DUE_INDEX.partitionKey, DUE_INDEX.sortKey, "nextDueAt"].sort());
    expect(Object.values(set.ExpressionAttributeValues ?? {})).toEqual(["2026-03-01T00:00:00.000Z", key.GSI2PK, key.GSI2SK]);
    expect(clearDue(new Update()).build().UpdateExpression).toBe(`REMOVE #nextDueAt, #${DUE_INDEX.partitionKey}, #${DUE_INDEX.sortKey}`);
  });
  it("setDueNoLaterThan only moves an entry earlier", () => {
    expect(setDueNoLaterThan(new Update(), "cus_1", "t", 1).build().ConditionExpression).toBe("attribute_not_exists(#nextDueAt) OR #nextDueAt > :c");
  });
  it("the sweep reads the customer id back from a due entry", () => {
    expect(dueCustomerId(dueIndexKey("cus_01ABC", "2026-03-01T00:00:00.000Z", 8) as unknown as Record<string, unknown>)).toBe("cus_01ABC");
  });
  it("setStage moves the stage and both stage index keys together", () => {
    const parts = setStage(new Update(), "cus_1", "loyal", "2026-01-01T00:00:00.000Z").build();
    expect(Object.values(parts.ExpressionAttributeNames ?? {})).toEqual(["stage", STAGE_INDEX.partitionKey, STAGE_INDEX.sortKey]);
    expect(Object.values(parts.ExpressionAttributeValues ?? {})).toEqual(["loyal", "STAGE#loyal", "2026-01-01T00:00:00.000Z#cus_1"]);
  });
});
