import { describe, expect, it } from "vitest";
import { DEFAULT_CAMPAIGNS } from "../../shared/campaigns/defaults.ts";
import { configFromEnv } from "../../shared/core/config.ts";
import type { CustomerItem } from "../../shared/entities/customer.ts";
import { evaluate } from "../../shared/retention/evaluate.ts";

const cfg = configFromEnv({ TABLE_NAME: "t" }).retention;
const campaigns = DEFAULT_CAMPAIGNS;

function customer(overrides: Partial<CustomerItem>): CustomerItem {
  return {
    PK: "CUST#cus_1",
    SK: "PROFILE",
    GSI1PK: "STAGE#lead",
    GSI1SK: "x",
    id: "cus_1",
    email: "a@example.com",
    stage: "lead",
    orders: 0,
    spendMinor: 0,
    currency: "USD",
    lastActivityAt: "2027-01-01T00:00:00.000Z",
    createdAt: "2027-01-01T00:00:00.000Z",
    updatedAt: "2027-01-01T00:00:00.000Z",
    consentMarketing: true,
    ...overrides,
  } as CustomerItem;
}

const at = (iso: string) => new Date(iso);

describe("evaluate: what is due for one customer", () => {
  it("a first purchase makes the thank-you due at once and the feedback request 7 days later", () => {
    const c = customer({
      stage: "customer",
      orders: 1,
      spendMinor: 2000,
      firstPurchaseAt: "2027-02-01T09:00:00.000Z",
      lastPurchaseAt: "2027-02-01T09:00:00.000Z",
      lastPurchaseId: "evt1",
      lastActivityAt: "2027-02-01T09:00:00.000Z",
    });
    const now = evaluate(c, campaigns, at("2027-02-01T10:00:00Z"), cfg);
    expect(now.sends.map((s) => `${s.campaignId}:${s.occurrence}`)).toEqual(["thank-you:first"]);
    expect(now.nextDueAt).toBe("2027-02-08T09:00:00.000Z");
    const week = evaluate({ ...c, "sent#thank-you": { occurrence: "first", at: "2027-02-01T10:00:00.000Z" } }, campaigns, at("2027-02-08T09:30:00Z"), cfg);
    expect(week.sends.map((s) => `${s.campaignId}:${s.occurrence}`)).toEqual(["feedback-request:evt1"]);
    // After that, only inactivity remains: at risk 90 days after the last activity.
    const done = evaluate(
      {
        ...c,
        "sent#thank-you": { occurrence: "first", at: "2027-02-01T10:00:00.000Z" },
        "sent#feedback-request": { occurrence: "evt1", at: "2027-02-08T09:30:00.000Z" },
      },
      campaigns,
      at("2027-02-08T09:30:00Z"),
      cfg,
    );
    expect(done.sends).toEqual([]);
    expect(done.nextDueAt).toBe("2027-05-02T09:00:00.000Z");
  });

  it("a purchase backfilled from last year triggers nothing today", () => {
    const c = customer({
      stage: "customer",
      orders: 1,
      spendMinor: 2000,
      firstPurchaseAt: "2026-01-01T09:00:00.000Z",
      lastPurchaseAt: "2026-01-01T09:00:00.000Z",
      lastPurchaseId: "old",
      lastActivityAt: "2027-01-01T00:00:00.000Z",
    });
    const result = evaluate(c, campaigns, at("2027-01-01T12:00:00Z"), cfg);
    expect(result.sends).toEqual([]);
    expect(result.skipped["thank-you"]).toBe("stale");
  });

  it("crossing 500 in lifetime spend sends the 500 milestone once, never the 250 after it", () => {
    const c = customer({
      stage: "loyal",
      orders: 2,
      spendMinor: 60000,
      firstPurchaseAt: "2027-01-01T09:00:00.000Z",
      lastPurchaseAt: "2027-03-01T09:00:00.000Z",
      lastPurchaseId: "e2",
      lastActivityAt: "2027-03-01T09:00:00.000Z",
      "sent#thank-you": { occurrence: "first", at: "2027-01-01T10:00:00.000Z" },
    });
    const result = evaluate(c, campaigns, at("2027-03-01T10:00:00Z"), cfg);
    expect(result.sends.map((s) => `${s.campaignId}:${s.occurrence}`)).toEqual(["spend-milestone:500"]);
    const again = evaluate({ ...c, "sent#spend-milestone": { occurrence: "500", at: "2027-03-01T10:00:00.000Z" } }, campaigns, at("2027-03-01T11:00:00Z"), cfg);
    expect(again.sends.filter((s) => s.campaignId === "spend-milestone")).toEqual([]);
  });

  it("a first order that passes 250 by itself gets the first-order thank-you only, not a milestone mail in the same second", () => {
    const c = customer({
      stage: "customer",
      orders: 1,
      spendMinor: 30000,
      firstOrderSpendMinor: 30000,
      firstPurchaseAt: "2027-01-01T09:00:00.000Z",
      lastPurchaseAt: "2027-01-01T09:00:00.000Z",
      lastPurchaseId: "e1",
      lastActivityAt: "2027-01-01T09:00:00.000Z",
    });
    const result = evaluate(c, campaigns, at("2027-01-01T10:00:00Z"), cfg);
    expect(result.sends.map((s) => `${s.campaignId}:${s.occurrence}`)).toEqual(["thank-you:first"]);

    // The next order that passes 500 is a milestone of its own.
    const later = evaluate(
      {
        ...c,
        orders: 2,
        spendMinor: 55000,
        lastPurchaseAt: "2027-02-01T09:00:00.000Z",
        lastPurchaseId: "e2",
        lastActivityAt: "2027-02-01T09:00:00.000Z",
        "sent#thank-you": { occurrence: "first", at: "2027-01-01T10:00:00.000Z" },
      },
      campaigns,
      at("2027-02-01T10:00:00Z"),
      cfg,
    );
    expect(later.sends.map((s) => `${s.campaignId}:${s.occurrence}`)).toEqual(["spend-milestone:500"]);

    // With the first-order thank-you switched off, the milestone is the only thanks, so it goes.
    const alone = evaluate(
      c,
      campaigns.map((k) => (k.id === "thank-you" ? { ...k, enabled: false } : k)),
      at("2027-01-01T10:00:00Z"),
      cfg,
    );
    expect(alone.sends.map((s) => `${s.campaignId}:${s.occurrence}`)).toEqual(["spend-milestone:250"]);
  });

  it("90 days without activity: at risk, and the win-back; 180 days: churned", () => {
    const c = customer({
      stage: "customer",
      orders: 1,
      spendMinor: 1000,
      firstPurchaseAt: "2027-01-01T09:00:00.000Z",
      lastPurchaseAt: "2027-01-01T09:00:00.000Z",
      lastPurchaseId: "e1",
      lastActivityAt: "2027-01-01T09:00:00.000Z",
      "sent#thank-you": { occurrence: "first", at: "x" },
      "sent#feedback-request": { occurrence: "e1", at: "2027-01-08T09:00:00.000Z" },
    });
    const risk = evaluate(c, campaigns, at("2027-04-01T10:00:00Z"), cfg);
    expect(risk.stageChange).toEqual({ from: "customer", to: "at_risk", since: "2027-04-01T09:00:00.000Z" });
    expect(risk.sends.map((s) => s.campaignId)).toEqual(["win-back"]);
    expect(risk.nextDueAt).toBe("2027-06-30T09:00:00.000Z");
    const churn = evaluate(
      { ...c, stage: "at_risk", atRiskSince: "2027-04-01T09:00:00.000Z", "sent#win-back": { occurrence: "2027-04-01", at: "2027-04-01T10:00:00.000Z" } },
      campaigns,
      at("2027-06-30T10:00:00Z"),
      cfg,
    );
    expect(churn.stageChange).toEqual({ from: "at_risk", to: "churned", since: "2027-06-30T09:00:00.000Z" });
    expect(churn.sends).toEqual([]);
  });

  it("unsubscribed, bounced or complained addresses get nothing, not even transactional mail; owners still get alerts", () => {
    for (const emailStatus of ["unsubscribed", "bounced", "complained"] as const) {
      const c = customer({
        emailStatus,
        stage: "customer",
        orders: 1,
        spendMinor: 1000,
        firstPurchaseAt: "2027-02-01T09:00:00.000Z",
        lastPurchaseAt: "2027-02-01T09:00:00.000Z",
        lastPurchaseId: "e",
        lastActivityAt: "2027-02-01T09:00:00.000Z",
      });
      expect(evaluate(c, campaigns, at("2027-02-01T10:00:00Z"), cfg).sends).toEqual([]);
    }
    const lowScore = customer({ emailStatus: "unsubscribed", owner: "rep@shop.example", latestFeedbackScore: 3, lowFeedbackAt: "2027-02-01T09:00:00.000Z" });
    expect(evaluate(lowScore, campaigns, at("2027-02-01T09:05:00Z"), cfg).sends.map((s) => s.campaignId)).toEqual(["detractor-alert"]);
  });

  it("a lead without follow-up alerts the owner after 48 hours; a call in between cancels it", () => {
    const c = customer({ owner: "rep@shop.example", createdAt: "2027-02-01T09:00:00.000Z", lastActivityAt: "2027-02-01T09:00:00.000Z" });
    expect(evaluate(c, campaigns, at("2027-02-01T10:00:00Z"), cfg).nextDueAt).toBe("2027-02-03T09:00:00.000Z");
    expect(evaluate(c, campaigns, at("2027-02-03T09:00:00Z"), cfg).sends.map((s) => s.campaignId)).toEqual(["lead-follow-up"]);
    expect(evaluate({ ...c, lastFollowUpAt: "2027-02-02T09:00:00.000Z" }, campaigns, at("2027-02-03T09:00:00Z"), cfg).sends).toEqual([]);
    expect(evaluate({ ...c, owner: undefined }, campaigns, at("2027-02-03T09:00:00Z"), cfg).sends).toEqual([]);
  });

  it("a category switched off on the preference page stops that marketing only; mail about orders still goes", () => {
    const c = customer({ birthday: "1990-05-05", timezone: "UTC", mailPreferences: { birthday: false } });
    const result = evaluate(c, campaigns, at("2027-05-05T12:00:00Z"), cfg);
    expect(result.sends).toEqual([]);
    expect(result.skipped.birthday).toBe("birthday switched off");

    const buyer = customer({
      stage: "customer",
      orders: 1,
      spendMinor: 2000,
      firstPurchaseAt: "2027-05-05T09:00:00.000Z",
      lastPurchaseAt: "2027-05-05T09:00:00.000Z",
      lastPurchaseId: "e1",
      lastActivityAt: "2027-05-05T09:00:00.000Z",
      mailPreferences: { newsletters: false, offers: false, birthday: false },
    });
    expect(evaluate(buyer, campaigns, at("2027-05-05T10:00:00Z"), cfg).sends.map((s) => s.campaignId)).toEqual(["thank-you"]);
  });

  it("a disabled campaign is never due", () => {
    const c = customer({ birthday: "1990-05-05", timezone: "UTC" });
    const off = campaigns.map((x) => (x.id === "birthday" ? { ...x, enabled: false } : x));
    expect(evaluate(c, campaigns, at("2027-05-05T12:00:00Z"), cfg).sends.map((s) => s.campaignId)).toEqual(["birthday"]);
    expect(evaluate(c, off, at("2027-05-05T12:00:00Z"), cfg).sends).toEqual([]);
  });

  it("29 February birthdays are greeted on 28 February in other years", () => {
    const c = customer({ birthday: "1992-02-29", timezone: "UTC" });
    expect(evaluate(c, campaigns, at("2027-02-28T12:00:00Z"), cfg).sends.map((s) => `${s.campaignId}:${s.occurrence}`)).toEqual(["birthday:2027"]);
  });
});
