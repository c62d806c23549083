import { describe, expect, it } from "vitest";
import { validate } from "../../shared/http/http.ts";
import { attributesFor, type Condition, isStageOnly, matches, rfmSegmentOf, type SegmentDefinition, stagesFor } from "../../shared/segments/match.ts";
import { SegmentInput } from "../../shared/segments/schema.ts";

const now = new Date("2026-12-02T12:00:00Z");
const all = (...conditions: Condition[]): SegmentDefinition => ({ match: "all", conditions });
const any = (...conditions: Condition[]): SegmentDefinition => ({ match: "any", conditions });

const vip = {
  stage: "loyal",
  tags: new Set(["vip", "newsletter"]),
  spendMinor: 60_000,
  currency: "EUR",
  orders: 6,
  firstPurchaseAt: "2025-03-01T10:00:00.000Z",
  lastPurchaseAt: "2026-11-20T10:00:00.000Z",
  locale: "de-DE",
  country: "DE",
  consentMarketing: true,
  lastOpenedAt: "2026-11-30T08:00:00.000Z",
  interests: { shoes: 3 },
  leadScore: 42,
};
const lead = { stage: "lead", orders: 0, spendMinor: 0, currency: "EUR" };

describe("segment matcher", () => {
  it("all needs every condition, any needs one", () => {
    const tagVip: Condition = { field: "tags", op: "contains", value: "vip" };
    const bigSpender: Condition = { field: "lifetimeSpend", op: "gte", value: 500 };
    expect(matches(all(tagVip, bigSpender), vip, now)).toBe(true);
    expect(matches(all(tagVip, { field: "lifetimeSpend", op: "gte", value: 601 }), vip, now)).toBe(false);
    expect(matches(any(tagVip, bigSpender), lead, now)).toBe(false);
    expect(matches(any({ field: "stage", op: "eq", value: "lead" }, bigSpender), lead, now)).toBe(true);
  });

  it("compares lifetime spend in the customer's currency's major units (yen have no minor unit)", () => {
    expect(matches(all({ field: "lifetimeSpend", op: "lte", value: 600 }), vip, now)).toBe(true);
    expect(matches(all({ field: "lifetimeSpend", op: "eq", value: 600 }), { spendMinor: 600, currency: "JPY" }, now)).toBe(true);
  });

  it("reads dates as whole UTC days for before/after and as a look-back for within_days", () => {
    expect(matches(all({ field: "lastPurchaseAt", op: "after", value: "2026-11-19" }), vip, now)).toBe(true);
    expect(matches(all({ field: "lastPurchaseAt", op: "after", value: "2026-11-20" }), vip, now)).toBe(false);
    expect(matches(all({ field: "lastPurchaseAt", op: "before", value: "2026-11-21" }), vip, now)).toBe(true);
    expect(matches(all({ field: "lastPurchaseAt", op: "before", value: "2026-11-20" }), vip, now)).toBe(false);
    expect(matches(all({ field: "lastOpenedAt", op: "within_days", value: 7 }), vip, now)).toBe(true);
    expect(matches(all({ field: "lastOpenedAt", op: "within_days", value: 1 }), vip, now)).toBe(false);
    // Never opened: not within any number of days, and neither before nor after a date.
    expect(matches(all({ field: "lastClickedAt", op: "within_days", value: 3660 }), vip, now)).toBe(false);
    expect(matches(all({ field: "firstPurchaseAt", op: "before", value: "2030-01-01" }), lead, now)).toBe(false);
  });

  it("scores the RFM segment as the segments report does, and a customer who never bought has none", () => {
    expect(rfmSegmentOf(vip, now)).toBe("champions");
    expect(rfmSegmentOf({ orders: 1, lastPurchaseAt: "2026-12-01T00:00:00Z" }, now)).toBe("newcomers");
    expect(rfmSegmentOf({ orders: 4, lastPurchaseAt: "2025-06-01T00:00:00Z" }, now)).toBe("slipping");
    expect(rfmSegmentOf(lead, now)).toBeUndefined();
    expect(matches(all({ field: "rfmSegment", op: "neq", value: "champions" }), lead, now)).toBe(true);
  });

  it("treats missing interests as empty, a missing lead score as 0 and a missing email status as ok", () => {
    expect(matches(all({ field: "interests", op: "contains", value: "shoes" }), vip, now)).toBe(true);
    expect(matches(all({ field: "interests", op: "contains", value: "shoes" }), lead, now)).toBe(false);
    expect(matches(all({ field: "leadScore", op: "lte", value: 0 }), lead, now)).toBe(true);
    expect(matches(all({ field: "emailStatus", op: "eq", value: "ok" }), lead, now)).toBe(true);
    expect(matches(all({ field: "consent", op: "eq", value: false }), lead, now)).toBe(true);
  });

  it("compares locale and country without regard to case", () => {
    expect(matches(all({ field: "country", op: "eq", value: "de" }), vip, now)).toBe(true);
    expect(matches(all({ field: "locale", op: "neq", value: "de-de" }), vip, now)).toBe(false);
  });

  it("queries only the stage partitions that can hold members, and reads only the attributes the conditions need", () => {
    expect(stagesFor(all({ field: "stage", op: "eq", value: "loyal" }, { field: "orders", op: "gte", value: 2 }))).toEqual(["loyal"]);
    expect(stagesFor(all({ field: "stage", op: "neq", value: "lead" }))).toEqual(["customer", "loyal", "advocate", "at_risk", "churned"]);
    expect(stagesFor(any({ field: "stage", op: "eq", value: "lead" }, { field: "stage", op: "eq", value: "churned" }))).toEqual(["lead", "churned"]);
    expect(stagesFor(any({ field: "stage", op: "eq", value: "lead" }, { field: "orders", op: "gte", value: 2 }))).toHaveLength(6);
    expect(isStageOnly(all({ field: "stage", op: "eq", value: "lead" }))).toBe(true);
    expect(isStageOnly(all({ field: "stage", op: "eq", value: "lead" }, { field: "orders", op: "gte", value: 2 }))).toBe(false);
    expect(attributesFor(all({ field: "rfmSegment", op: "eq", value: "new" }, { field: "orders", op: "gte", value: 1 }))).toEqual(["orders", "lastPurchaseAt"]);
  });
});

describe("segment schema", () => {
  const body = (conditions: unknown[]) => ({ name: "VIP buyers", match: "all", conditions });
  const fieldsOf = (input: unknown) => {
    try {
      validate(SegmentInput, input);
      return [];
    } catch (err) {
      return (err as { fields: { field: string; message: string }[] }).fields;
    }
  };

  it("accepts the documented example", () => {
    expect(
      fieldsOf(
        body([
          { field: "tags", op: "contains", value: "vip" },
          { field: "lifetimeSpend", op: "gte", value: 500 },
        ]),
      ),
    ).toEqual([]);
  });

  it("names an unknown field, an unknown operator and an operator that makes no sense for the field", () => {
    expect(fieldsOf(body([{ field: "shoeSize", op: "eq", value: 42 }])).map((f) => f.field)).toEqual(["conditions.0.field"]);
    expect(fieldsOf(body([{ field: "orders", op: "like", value: 1 }])).map((f) => f.field)).toEqual(["conditions.0.op"]);
    const wrongOp = fieldsOf(
      body([
        { field: "orders", op: "eq", value: 1 },
        { field: "tags", op: "gte", value: 3 },
      ]),
    );
    expect(wrongOp).toEqual([{ field: "conditions.1.op", message: "gte does not apply to tags (use contains)" }]);
  });

  it("names a value of the wrong kind", () => {
    expect(fieldsOf(body([{ field: "stage", op: "eq", value: "vip" }]))[0]?.field).toBe("conditions.0.value");
    expect(fieldsOf(body([{ field: "lastOpenedAt", op: "within_days", value: "7" }]))[0]?.field).toBe("conditions.0.value");
    expect(fieldsOf(body([{ field: "firstPurchaseAt", op: "before", value: "yesterday" }]))[0]?.field).toBe("conditions.0.value");
    expect(fieldsOf(body([{ field: "consent", op: "eq", value: "yes" }]))[0]?.field).toBe("conditions.0.value");
  });
});
