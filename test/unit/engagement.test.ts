import { describe, expect, it } from "vitest";
import { DEFAULT_CAMPAIGNS } from "../../shared/campaigns/defaults.ts";
import { configFromEnv } from "../../shared/core/config.ts";
import type { CustomerItem } from "../../shared/entities/customer.ts";
import { idleSince, isSunset, repermissionDueAt, streakChange, sunsetDueAt } from "../../shared/retention/engagement.ts";
import { blockedReason, evaluate } from "../../shared/retention/evaluate.ts";

const cfg = configFromEnv({ TABLE_NAME: "t" }).retention;
const only = (...ids: string[]) => DEFAULT_CAMPAIGNS.filter((c) => ids.includes(c.id));

function customer(overrides: Partial<CustomerItem>): CustomerItem {
  return {
    PK: "CUST#cus_1",
    SK: "PROFILE",
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
    consentAt: "2027-01-01T00:00:00.000Z",
    ...overrides,
  } as CustomerItem;
}

describe("the open streak", () => {
  it("counts only the first open of a marketing mail to the customer that was not clicked first; any click resets", () => {
    const marketing = { kind: "marketing", recipient: "customer" };
    expect(streakChange("opened", marketing)).toBe("count");
    expect(streakChange("opened", { ...marketing, openedAt: "2027-01-02T00:00:00Z" })).toBe("none");
    expect(streakChange("opened", { ...marketing, clickedAt: "2027-01-02T00:00:00Z" })).toBe("none");
    expect(streakChange("opened", { kind: "transactional", recipient: "customer" })).toBe("none");
    expect(streakChange("opened", { kind: "marketing", recipient: "owner" })).toBe("none");
    expect(streakChange("opened", undefined)).toBe("none");
    expect(streakChange("clicked", { kind: "transactional", recipient: "customer" })).toBe("reset");
  });

  it("the streak campaign is due once its count is reached, with the streak's first open as the occurrence", () => {
    const c = customer({ opensWithoutClick: 5, opensStreakSince: "2027-02-01T09:00:00.000Z", lastOpenedAt: "2027-02-20T09:00:00.000Z" });
    const due = evaluate(c, only("opens-no-clicks"), new Date("2027-02-20T12:00:00Z"), cfg);
    expect(due.sends.map((s) => `${s.campaignId}:${s.occurrence}`)).toEqual(["opens-no-clicks:2027-02-01T09:00:00.000Z"]);
    const sent = { ...c, opensWithoutClick: 7, "sent#opens-no-clicks": { occurrence: "2027-02-01T09:00:00.000Z", at: "2027-02-20T12:00:00.000Z" } };
    expect(evaluate(sent, only("opens-no-clicks"), new Date("2027-06-01T12:00:00Z"), cfg).sends).toEqual([]);
    expect(evaluate({ ...c, opensWithoutClick: 4 }, only("opens-no-clicks"), new Date("2027-02-20T12:00:00Z"), cfg).sends).toEqual([]);
  });
});

describe("sunset", () => {
  it("the idle clock starts at the first marketing mail, and moves with every open, click, keep and consent", () => {
    expect(idleSince(customer({}))).toBeUndefined();
    expect(idleSince(customer({ firstMarketingAt: "2027-01-05T00:00:00Z" }))).toBe("2027-01-05T00:00:00Z");
    expect(idleSince(customer({ firstMarketingAt: "2027-01-05T00:00:00Z", lastClickedAt: "2027-03-01T00:00:00Z" }))).toBe("2027-03-01T00:00:00Z");
    expect(idleSince(customer({ firstMarketingAt: "2027-01-05T00:00:00Z", consentAt: "2027-04-01T00:00:00Z" }))).toBe("2027-04-01T00:00:00Z");
    // A withdrawn consent's time is no sign of interest.
    expect(idleSince(customer({ firstMarketingAt: "2027-01-05T00:00:00Z", consentMarketing: false, consentAt: "2027-04-01T00:00:00Z" }))).toBe(
      "2027-01-05T00:00:00Z",
    );
  });

  it("asks sunsetDays after the idle clock starts, stops marketing sunsetGraceDays after asking, and any later interest lifts it", () => {
    const c = customer({ firstMarketingAt: "2027-01-05T00:00:00.000Z" });
    expect(repermissionDueAt(c, cfg)?.dueAt).toBe(Date.parse("2027-07-04T00:00:00.000Z"));
    const asked = { occurrence: "2027-01-05T00:00:00.000Z", at: "2027-07-04T10:00:00.000Z" };
    expect(sunsetDueAt(c, asked, cfg)).toBe(Date.parse("2027-07-18T10:00:00.000Z"));
    // An ask from an earlier idle period does not stop anything now.
    expect(sunsetDueAt({ ...c, lastOpenedAt: "2027-07-05T00:00:00.000Z" }, asked, cfg)).toBeUndefined();

    const stopped = { ...c, sunsetAt: "2027-07-18T10:00:00.000Z", sunsetIdleSince: "2027-01-05T00:00:00.000Z" };
    expect(isSunset(stopped)).toBe(true);
    const win = DEFAULT_CAMPAIGNS.find((x) => x.id === "win-back")!;
    const thanks = DEFAULT_CAMPAIGNS.find((x) => x.id === "thank-you")!;
    expect(blockedReason(win, stopped, undefined)).toBe("sunset: no opens or clicks since 2027-01-05");
    expect(blockedReason(thanks, stopped, undefined)).toBeUndefined();
    expect(isSunset({ ...stopped, lastOpenedAt: "2027-08-01T00:00:00.000Z" })).toBe(false);
    expect(isSunset({ ...stopped, keptAt: "2027-08-01T00:00:00.000Z" })).toBe(false);
    expect(isSunset({ ...stopped, consentAt: "2027-08-01T00:00:00.000Z" })).toBe(false);
  });

  it("the sweep sends the ask once per idle period and applies the sunset when the grace period is over", () => {
    const c = customer({ firstMarketingAt: "2027-01-05T00:00:00.000Z", lastMarketingAt: "2027-01-05T00:00:00.000Z" });
    const campaigns = only("sunset-repermission");
    const ask = evaluate(c, campaigns, new Date("2027-07-04T12:00:00Z"), cfg);
    expect(ask.sends.map((s) => `${s.campaignId}:${s.occurrence}`)).toEqual(["sunset-repermission:2027-01-05T00:00:00.000Z"]);
    expect(ask.nextDueAt).toBe("2027-07-18T12:00:00.000Z");
    const sent = { ...c, "sent#sunset-repermission": { occurrence: "2027-01-05T00:00:00.000Z", at: "2027-07-04T12:00:00.000Z" } };
    const waiting = evaluate(sent, campaigns, new Date("2027-07-10T12:00:00Z"), cfg);
    expect(waiting.sends).toEqual([]);
    expect(waiting.sunset).toBeUndefined();
    const over = evaluate(sent, campaigns, new Date("2027-07-18T12:30:00Z"), cfg);
    expect(over.sunset).toEqual({ at: "2027-07-18T12:00:00.000Z", idleSince: "2027-01-05T00:00:00.000Z", campaignId: "sunset-repermission" });
    // Disabled, the campaign turns the sunset off: nobody is stopped without being asked.
    const off = campaigns.map((x) => ({ ...x, enabled: false }));
    expect(evaluate(sent, off, new Date("2027-07-18T12:30:00Z"), cfg).sunset).toBeUndefined();
  });
});
