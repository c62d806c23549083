import { describe, expect, it } from "vitest";
import { matchesEventFilter, REPORTS_STREAM_FILTER } from "../../infra/stream-filter.ts";
import { CUSTOMER_PREFIX } from "../../shared/entities/customer.ts";

describe("the event filter shared by the CDK stack and the local poller", () => {
  const record = (PK: unknown) => ({ dynamodb: { Keys: { PK, SK: { S: "PROFILE" } } } });

  it("keeps records whose PK string starts with the customer or website visitor prefix, and nothing else", () => {
    expect(REPORTS_STREAM_FILTER.dynamodb.Keys.PK.S[0].prefix).toBe(CUSTOMER_PREFIX);
    expect(matchesEventFilter(REPORTS_STREAM_FILTER, record({ S: "CUST#c1" }))).toBe(true);
    expect(matchesEventFilter(REPORTS_STREAM_FILTER, record({ S: "VISITOR#abcdefghijklmnop" }))).toBe(true);
    expect(matchesEventFilter(REPORTS_STREAM_FILTER, record({ S: "COBUY#p1" }))).toBe(false);
    expect(matchesEventFilter(REPORTS_STREAM_FILTER, record({ S: "REPORT#DAY" }))).toBe(false);
    expect(matchesEventFilter(REPORTS_STREAM_FILTER, record({ S: "cust#c1" }))).toBe(false);
    expect(matchesEventFilter(REPORTS_STREAM_FILTER, record({ N: "1" }))).toBe(false);
    expect(matchesEventFilter(REPORTS_STREAM_FILTER, { dynamodb: {} })).toBe(false);
    expect(matchesEventFilter(REPORTS_STREAM_FILTER, {})).toBe(false);
  });

  it("matches literals and exists like Lambda, and refuses operators it does not implement", () => {
    expect(matchesEventFilter({ eventName: ["INSERT", "MODIFY"] }, { eventName: "MODIFY" })).toBe(true);
    expect(matchesEventFilter({ eventName: ["INSERT"] }, { eventName: "REMOVE" })).toBe(false);
    expect(matchesEventFilter({ dynamodb: { NewImage: { poison: [{ exists: false }] } } }, { dynamodb: { NewImage: {} } })).toBe(true);
    expect(matchesEventFilter({ dynamodb: { NewImage: { poison: [{ exists: true }] } } }, { dynamodb: { NewImage: {} } })).toBe(false);
    expect(() => matchesEventFilter({ eventName: [{ "anything-but": "REMOVE" } as never] }, { eventName: "INSERT" })).toThrow(/not supported locally/);
  });
});
