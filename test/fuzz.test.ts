import type { DynamoDBStreamEvent, SQSEvent } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeHandler as makeStreamHandler } from "../functions/reports-stream.ts";
import { makeSender } from "../functions/sender.ts";
import { SesMailer } from "../shared/aws/ses-mailer.ts";
import { routes } from "../shared/http/routes.ts";
import { useStack } from "./support/stack.ts";

const stack = useStack();

const json = fc.jsonValue({ maxDepth: 2 });
const fieldNames = fc.oneof(
  fc.constantFrom(
    "type",
    "customerId",
    "email",
    "amount",
    "currency",
    "at",
    "externalId",
    "data",
    "tags",
    "firstName",
    "birthday",
    "owner",
    "nextContactAt",
    "__proto__",
  ),
  fc.string({ maxLength: 8 }),
);
const bodies = fc.oneof(fc.dictionary(fieldNames, json, { maxKeys: 6 }), json);
const queries = fc.dictionary(fc.constantFrom("q", "stage", "tag", "email", "limit", "cursor", "x"), fc.string({ maxLength: 30 }), { maxKeys: 4 });

describe("no admin request gives a 5xx, whatever it carries", () => {
  it("random JSON bodies and query strings on every admin route", async () => {
    const seed = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "fuzz-target@example.com" } });
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
  }, 120_000);
});

describe("no queue or stream record makes its consumer throw, whatever it carries", () => {
  const sqsRecord = (body: unknown, messageId: unknown = "m-1") => ({
    messageId,
    body,
    receiptHandle: "r",
    attributes: {},
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn",
    awsRegion: "us-east-1",
  });

  it("the sender drops malformed send requests (never retried, never a throw) and reports none as a failure", async () => {
    const send = makeSender(stack.deps, new SesMailer({ region: "us-east-1", endpoint: stack.sesUrl }));
    const request = { customerId: "cus_01M841EYZH03RP8XS8FT83N5KE", campaignId: "thank-you", occurrence: "first", dueAt: "2027-01-05T09:00:00.000Z" };
    const bodies = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({
          customerId: fc.oneof(fc.string(), fc.constant(request.customerId)),
          campaignId: fc.oneof(fc.string(), fc.constant("thank-you")),
          occurrence: fc.oneof(fc.string(), fc.constant("字".repeat(300))),
          dueAt: fc.oneof(fc.string(), fc.constant(request.dueAt)),
        })
        .map((v) => JSON.stringify(v)),
      fc.anything(),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(bodies, fc.anything()), { maxLength: 5 }), async (records) => {
        const result = await send({ Records: records.map(([body, id]) => sqsRecord(body, id)) } as SQSEvent);
        expect(result.batchItemFailures).toEqual([]);
      }),
      { numRuns: 200 },
    );
    for (const event of [null, {}, { Records: null }, { Records: [null] }])
      await expect(send(event as unknown as SQSEvent)).resolves.toEqual({ batchItemFailures: [] });
  });

  it("the report stream consumer counts what it can read and skips the rest, whatever the images hold", async () => {
    const consume = makeStreamHandler(stack.deps);
    const attribute: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.record({ S: fc.oneof(fc.string(), fc.constantFrom("2027-01-05T09:00:00Z", "purchase", "customer", "active")) }),
        fc.record({ N: fc.oneof(fc.integer().map(String), fc.constantFrom("12345678901234567890", "1E+125", "-0", "x")) }),
        fc.record({ BOOL: fc.boolean() }),
        fc.record({ NULL: fc.constant(true) }),
        fc.record({ M: fc.dictionary(fc.constantFrom("amount", "from", "to", "score", "x"), tie("value"), { maxKeys: 3 }) }),
        fc.record({ L: fc.array(tie("value"), { maxLength: 3 }) }),
        fc.anything(),
      ),
    })).value;
    const image = fc.option(
      fc.dictionary(
        fc.constantFrom(
          "PK",
          "SK",
          "type",
          "kind",
          "stage",
          "at",
          "createdAt",
          "firstPurchaseAt",
          "lastPurchaseAt",
          "lastActivityAt",
          "orders",
          "spendMinor",
          "data",
          "erasedAt",
          "campaignId",
          "deliveredAt",
        ),
        attribute,
        { maxKeys: 8 },
      ),
    );
    const record = fc.record({
      eventID: fc.oneof(fc.uuid(), fc.anything()),
      eventName: fc.constantFrom("INSERT", "MODIFY", "REMOVE"),
      dynamodb: fc.oneof(
        fc.record({
          Keys: fc.record({
            PK: fc.record({ S: fc.constantFrom("CUST#cus_01M841EYZH03RP8XS8FT83N5KE", "CAMP#x", "") }),
            SK: fc.record({ S: fc.constantFrom("PROFILE", "TL#2027-01-05T09:00:00Z#x", "SEND#a#b") }),
          }),
          SequenceNumber: fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 20n }).map(String), fc.string()),
          OldImage: image,
          NewImage: image,
        }),
        fc.anything(),
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 6 }), async (records) => {
        await expect(consume({ Records: records } as unknown as DynamoDBStreamEvent)).resolves.toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
