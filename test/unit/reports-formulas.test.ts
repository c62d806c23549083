import { describe, expect, it } from "vitest";
import { contributions, recordDelta, spendBucket } from "../../shared/reports/contributions.ts";
import { campaignRow, countsAtStart, funnelFrom, retentionFrom, revenueFrom } from "../../shared/reports/formulas.ts";
import { frequencyScore, rankScores, recencyScore, rfmCells, segmentsFrom } from "../../shared/reports/rfm.ts";

/**
 * Every report formula on a small population whose figures are worked out by hand in the
 * comments. The integration tests (test/reports.test.ts) check that the counters these read are
 * what the stored items add up to.
 */

type Attrs = Record<string, number>;
const days = (entries: Record<string, Attrs>) => new Map(Object.entries(entries));

describe("funnel", () => {
  // Now: lead 5, customer 3, loyal 2, advocate 1, at_risk 1, churned 0 (total 12).
  const now = { lead: 5, customer: 3, loyal: 2, advocate: 1, at_risk: 1 };
  const history = days({
    "2026-10-15": { new: 6 }, // before the period: never read for it
    "2026-11-01": { new: 4, "move#lead#customer": 2 },
    "2026-11-10": { new: 3, "move#customer#loyal": 1, "move#lead#loyal": 1 },
    "2026-11-20": { "move#loyal#advocate": 1, "move#customer#at_risk": 1, "erased#lead": 1 },
  });
  const report = funnelFrom(now, history, { from: "2026-11-01", to: "2026-11-30" }, "2026-11-23T12:00:00.000Z");

  it("counts and percentages per stage now", () => {
    expect(report.total).toBe(12);
    // 5/12 = 41.67 %, 3/12 = 25 %, 2/12 = 16.67 %, 1/12 = 8.33 %
    expect(report.stages.map((s) => [s.stage, s.count, s.percent])).toEqual([
      ["lead", 5, 41.7],
      ["customer", 3, 25],
      ["loyal", 2, 16.7],
      ["advocate", 1, 8.3],
      ["at_risk", 1, 8.3],
      ["churned", 0, 0],
    ]);
  });

  it("reconstructs the counts at the period's start from the changes since", () => {
    // lead: +7 new, −2 (→customer), −1 (→loyal), −1 erased: net +3, so 5 − 3 = 2 at the start.
    // customer: +2 in, −1 (→loyal), −1 (→at_risk): net 0 → 3. loyal: +2 in, −1 out: net +1 → 1.
    // advocate: +1 → 0. at_risk: +1 → 0. churned: 0.
    expect(Object.fromEntries(report.stages.map((s) => [s.stage, s.atStart]))).toEqual({ lead: 2, customer: 3, loyal: 1, advocate: 0, at_risk: 0, churned: 0 });
    expect(Object.fromEntries(report.stages.map((s) => [s.stage, s.entered]))).toEqual({ lead: 7, customer: 2, loyal: 2, advocate: 1, at_risk: 1, churned: 0 });
    expect(report.newContacts).toBe(7);
  });

  it("conversion between consecutive stages: moved ÷ (at start + entered)", () => {
    // lead→customer: moved 2 (→customer) + 1 (→loyal, past customer) = 3; eligible 2 + 7 = 9; 33.3 %.
    // customer→loyal: moved 1; eligible 3 + 2 = 5; 20 %. loyal→advocate: moved 1; eligible 1 + 2 = 3; 33.3 %.
    expect(report.conversions).toEqual([
      { from: "lead", to: "customer", moved: 3, eligible: 9, rate: 33.3 },
      { from: "customer", to: "loyal", moved: 1, eligible: 5, rate: 20 },
      { from: "loyal", to: "advocate", moved: 1, eligible: 3, rate: 33.3 },
    ]);
  });

  it("moves dated after today (a sweep run as of a future instant) still count back correctly", () => {
    const counts = countsAtStart({ at_risk: 1, customer: 0 }, days({ "2027-03-01": { "move#customer#at_risk": 1 } }), "2026-12-01");
    expect(counts.customer).toBe(1);
    expect(counts.at_risk).toBe(0);
  });
});

describe("retention", () => {
  const now = { lead: 10, customer: 4, loyal: 2, advocate: 1, at_risk: 2, churned: 3 };
  const history = days({
    "2026-10-05": { "move#customer#at_risk": 2 },
    "2026-10-20": { "move#at_risk#churned": 1 },
    "2026-11-03": { "move#at_risk#churned": 2 },
    "2026-11-15": { "move#lead#customer": 1 },
  });
  const cohorts = days({ "2026-09": { size: 10, r1: 6, r2: 3 }, "2026-11": { size: 4 } });
  const report = retentionFrom(now, history, cohorts, { from: "2026-11-01", to: "2026-11-30" }, "2026-11-23T12:00:00.000Z");

  it("churn rate = churned during the period ÷ active at its start", () => {
    // From Nov 1 on: at_risk −2 (→churned) so 4 at the start; customer +1 so 3; loyal 2; advocate 1.
    // Active at the start = 3 + 2 + 1 + 4 = 10; churned in November = 2; 2 ÷ 10 = 20 %.
    expect(report.churn).toEqual({ churned: 2, activeAtStart: 10, rate: 20 });
  });

  it("a churn trend per month for the twelve months up to the period's end", () => {
    expect(report.trend.map((t) => t.month)).toEqual([
      "2025-12",
      "2026-01",
      "2026-02",
      "2026-03",
      "2026-04",
      "2026-05",
      "2026-06",
      "2026-07",
      "2026-08",
      "2026-09",
      "2026-10",
      "2026-11",
    ]);
    // October: changes from Oct 1 on: customer −2 +1 → 5 at the start; at_risk +2 −1 −2 → 3; loyal 2;
    // advocate 1: active 11; 1 churned: 1 ÷ 11 = 9.1 %. September: no changes in it, 11 active, 0 churned.
    expect(report.trend.at(-2)).toEqual({ month: "2026-10", churned: 1, activeAtStart: 11, rate: 9.1 });
    expect(report.trend.at(-3)).toEqual({ month: "2026-09", churned: 0, activeAtStart: 11, rate: 0 });
    expect(report.trend.at(-1)).toEqual({ month: "2026-11", churned: 2, activeAtStart: 10, rate: 20 });
  });

  it("cohorts by first-purchase month: the share still active k months later, for months already begun", () => {
    const byMonth = Object.fromEntries(report.cohorts.map((c) => [c.cohort, c]));
    // September: 10 customers, 6 active a month later (60 %), 3 two months later (30 %); November has begun 2 months after.
    expect(byMonth["2026-09"]).toEqual({
      cohort: "2026-09",
      size: 10,
      retained: [
        { month: 1, count: 6, share: 60 },
        { month: 2, count: 3, share: 30 },
      ],
    });
    expect(byMonth["2026-10"]).toEqual({ cohort: "2026-10", size: 0, retained: [{ month: 1, count: 0, share: null }] });
    expect(byMonth["2026-11"]).toEqual({ cohort: "2026-11", size: 4, retained: [] });
  });
});

describe("revenue", () => {
  it("sums days into months, zeros included, in major units", () => {
    const history = days({
      "2026-09-30": { purchases: 9, revenue: 99_900 }, // outside
      "2026-10-02": { purchases: 2, revenue: 5_000, new: 3, newCustomers: 1 },
      "2026-10-31": { purchases: 1, revenue: 1_250 },
      "2026-12-01": { purchases: 4, revenue: 10_000, new: 1 },
    });
    const report = revenueFrom(history, { from: "2026-10-01", to: "2026-12-31" }, "month", "EUR", "2026-12-31T00:00:00.000Z");
    // October: 2 + 1 purchases, 5,000 + 1,250 cents = 62.50 EUR; November: nothing; December: 100.00.
    expect(report.rows).toEqual([
      { period: "2026-10", purchases: 3, revenue: 62.5, newContacts: 3, newCustomers: 1 },
      { period: "2026-11", purchases: 0, revenue: 0, newContacts: 0, newCustomers: 0 },
      { period: "2026-12", purchases: 4, revenue: 100, newContacts: 1, newCustomers: 0 },
    ]);
    expect(report.totals).toEqual({ purchases: 7, revenue: 162.5, newContacts: 4, newCustomers: 1 });
    const daily = revenueFrom(history, { from: "2026-10-01", to: "2026-10-03" }, "day", "EUR", "");
    expect(daily.rows.map((r) => [r.period, r.revenue])).toEqual([
      ["2026-10-01", 0],
      ["2026-10-02", 50],
      ["2026-10-03", 0],
    ]);
  });
});

describe("campaigns", () => {
  it("rates, and NPS = % promoters − % detractors", () => {
    const row = campaignRow("feedback-request", "Feedback request", "marketing", {
      sent: 200,
      delivered: 190,
      opened: 95,
      clicked: 19,
      bounced: 5,
      complained: 1,
      unsubscribed: 2,
      "fb#10": 5,
      "fb#9": 3,
      "fb#8": 2,
      "fb#7": 2,
      "fb#6": 1,
      "fb#0": 2,
    });
    // 190/200 = 95 %; 95/190 = 50 %; 19/190 = 10 %; 2/190 = 1.05 % → 1.1.
    expect(row.rates).toEqual({ delivery: 95, open: 50, click: 10, unsubscribe: 1.1 });
    // 15 answers: promoters 5 + 3 = 8, passives 2 + 2 = 4, detractors 1 + 2 = 3.
    // NPS = (8 − 3) ÷ 15 = 33.3; average = (50 + 27 + 16 + 14 + 6 + 0) ÷ 15 = 113 ÷ 15 = 7.53 → 7.5.
    expect(row.feedback).toEqual({ count: 15, promoters: 8, passives: 4, detractors: 3, nps: 33.3, average: 7.5 });
    expect(campaignRow("x", "X", "marketing", {}).feedback.nps).toBeNull();
    expect(campaignRow("x", "X", "marketing", {}).rates.open).toBeNull();
  });
});

describe("segments (RFM)", () => {
  // 10 customers in 6 cells (month of the last purchase, orders, customers, spend in cents).
  const items = days({
    "2026-11": { "n#5": 1, "m#5": 50_000 },
    "2026-10": { "n#4": 1, "m#4": 30_000 },
    "2026-09": { "n#1": 2, "m#1": 4_000 },
    "2026-07": { "n#3": 2, "m#3": 20_000 },
    "2026-06": { "n#1": 3, "m#1": 3_000 },
    "2026-03": { "n#2": 1, "m#2": 3_000 },
  });
  const spend = { "n#81": 4, "n#121": 3, "n#161": 2, "n#201": 1 };
  const report = segmentsFrom(rfmCells(items, "2026-11"), spend, "EUR", "2026-11-23T00:00:00.000Z");

  it("recency and frequency on fixed steps, monetary by rank", () => {
    // Months since the last purchase as of November: Nov 0 → R5; Oct 1, Sep 2 → R4; Jul 4, Jun 5 → R3; Mar 8 → R2.
    // R counts: 5: 1; 4: 1 + 2 = 3; 3: 2 + 3 = 5; 2: 1.
    expect(report.scores.recency).toEqual([0, 1, 5, 3, 1]);
    // Orders: 1 → F1 (2 + 3 = 5 customers); 2 → F2 (1); 3 and 4 → F3 (2 + 1 = 3); 5 → F4 (1).
    expect(report.scores.frequency).toEqual([5, 1, 3, 1, 0]);
    // Spend buckets by rank: 4 with nothing below → 1; 3 with 4 below → 1 + ⌊2⌋ = 3; 2 with 7 below → 1 + ⌊3.5⌋ = 4; 1 with 9 below → 5.
    expect(report.scores.monetary).toEqual([4, 0, 3, 2, 1]);
    expect(rankScores([])(3)).toBe(0);
    expect([0, 1, 2, 3, 5, 6, 11, 12, 40].map(recencyScore)).toEqual([5, 4, 4, 3, 3, 2, 2, 1, 1]);
    expect([1, 2, 3, 4, 5, 9, 10, 250].map(frequencyScore)).toEqual([1, 2, 3, 3, 4, 4, 5, 5]);
  });

  it("segments with count, revenue share and average lifetime value", () => {
    // November (R5, F4): champions, 1 customer, 500.00 of 1,100.00 = 45.5 %.
    // October (R4, F3) and July ×2 (R3, F3): loyal, 3 customers, 300.00 + 200.00 = 500.00 = 45.5 %, 166.67 each.
    // September ×2 (R4, F1): newcomers, 40.00 = 3.6 %, 20.00. June ×3 (R3, F1): potential, 30.00 = 2.7 %, 10.00.
    // March (R2, F2): hibernating, 30.00 = 2.7 %. Nobody slipping (R ≤ 2 with F ≥ 3).
    expect(report.customers).toBe(10);
    expect(report.revenue).toBe(1100);
    expect(report.segments).toEqual([
      { segment: "champions", count: 1, share: 10, revenue: 500, revenueShare: 45.5, averageLifetimeValue: 500 },
      { segment: "regulars", count: 3, share: 30, revenue: 500, revenueShare: 45.5, averageLifetimeValue: 166.67 },
      { segment: "newcomers", count: 2, share: 20, revenue: 40, revenueShare: 3.6, averageLifetimeValue: 20 },
      { segment: "potential", count: 3, share: 30, revenue: 30, revenueShare: 2.7, averageLifetimeValue: 10 },
      { segment: "slipping", count: 0, share: 0, revenue: 0, revenueShare: 0, averageLifetimeValue: null },
      { segment: "hibernating", count: 1, share: 10, revenue: 30, revenueShare: 2.7, averageLifetimeValue: 30 },
    ]);
  });

  it("the only buyer, who bought this month, is a newcomer, not hibernating", () => {
    const one = segmentsFrom(rfmCells(days({ "2026-11": { "n#1": 1, "m#1": 4_250 } }), "2026-11"), { "n#146": 1 }, "USD", "2026-11-23T00:00:00.000Z");
    expect(one.segments.find((s) => s.count > 0)!.segment).toBe("newcomers");
  });

  it("leaves out purchases after the as-of month", () => {
    expect(rfmCells(items, "2026-10").reduce((n, c) => n + c.customers, 0)).toBe(9);
  });
});

describe("contributions", () => {
  const cfg = { currency: "EUR" };
  const profile = {
    PK: "CUST#c1",
    SK: "PROFILE",
    stage: "customer",
    createdAt: "2026-01-05T10:00:00.000Z",
    orders: 2,
    spendMinor: 12_345,
    firstPurchaseAt: "2026-01-20T09:00:00.000Z",
    lastPurchaseAt: "2026-04-02T09:00:00.000Z",
    lastActivityAt: "2026-04-10T09:00:00.000Z",
  };

  it("a profile counts in its stage, its cohort, its RFM cell, and the days it was created and first bought", () => {
    const c = contributions(profile, cfg);
    expect(Object.fromEntries([...c.state].map(([k, v]) => [k, Object.fromEntries(v)]))).toEqual({
      "REPORT#STAGES|NOW": { customer: 1 },
      // First purchase January, last activity April: active 1, 2 and 3 months later.
      "REPORT#COHORT|2026-01": { size: 1, r1: 1, r2: 1, r3: 1 },
      "REPORT#RFM|2026-04": { "n#2": 1, "m#2": 12_345 },
      "REPORT#RFM|SPEND": { [`n#${spendBucket(12_345)}`]: 1 },
    });
    expect(Object.fromEntries([...c.history].map(([k, v]) => [k, Object.fromEntries(v)]))).toEqual({
      "REPORT#DAY|2026-01-05": { new: 1 },
      "REPORT#DAY|2026-01-20": { newCustomers: 1 },
    });
  });

  it("a change moves the state counters; a removal takes state away but keeps history", () => {
    const loyal = { ...profile, stage: "loyal" };
    const change = recordDelta(profile, loyal, cfg);
    expect(Object.fromEntries(change.get("REPORT#STAGES|NOW")!)).toEqual({ customer: -1, loyal: 1 });
    expect(change.size).toBe(1);

    const removal = recordDelta(loyal, undefined, cfg);
    expect(Object.fromEntries(removal.get("REPORT#STAGES|NOW")!)).toEqual({ loyal: -1 });
    expect(removal.has("REPORT#DAY|2026-01-05")).toBe(false);

    const entry = { PK: "CUST#c1", SK: "TL#2026-04-02T09:00:00.000Z#e1", kind: "purchase", at: "2026-04-02T09:00:00.000Z", data: { amount: 19.99 } };
    expect(Object.fromEntries(recordDelta(undefined, entry, cfg).get("REPORT#DAY|2026-04-02")!)).toEqual({ purchases: 1, revenue: 1999 });
    expect(recordDelta(entry, undefined, cfg).size).toBe(0);
  });

  it("a feedback answer changed from 4 to 10 moves between score buckets", () => {
    const entry = (score: number) => ({
      PK: "CUST#c1",
      SK: "TL#x",
      kind: "feedback",
      at: "2026-04-02T09:00:00.000Z",
      data: { score, campaignId: "feedback-request" },
    });
    expect(Object.fromEntries(recordDelta(entry(4), entry(10), cfg).get("REPORT#CAMPAIGN|feedback-request")!)).toEqual({ "fb#4": -1, "fb#10": 1 });
  });

  it("a send counts once when sent, and each outcome once", () => {
    const sending = { PK: "CUST#c1", SK: "SEND#thank-you#o1", campaignId: "thank-you", status: "sending" };
    const sent = { ...sending, status: "sent", sentAt: "2026-04-02T10:00:00.000Z" };
    expect(Object.fromEntries(recordDelta(sending, sent, cfg).get("REPORT#CAMPAIGN|thank-you")!)).toEqual({ sent: 1 });
    const opened = { ...sent, deliveredAt: "2026-04-02T10:00:01.000Z", openedAt: "2026-04-02T11:00:00.000Z" };
    expect(Object.fromEntries(recordDelta(sent, opened, cfg).get("REPORT#CAMPAIGN|thank-you")!)).toEqual({ delivered: 1, opened: 1 });
  });
});
