import { describe, expect, it } from "vitest";
import { REFERRAL_CODE } from "../../shared/entities/referral.ts";
import { PerkFileError, perksFromCsv } from "../../shared/referrals/perk-csv.ts";
import { becomesAmbassador, convertedReferrer, newReferralCode, normalizeReferralCode, referralLanding, topReferrers } from "../../shared/referrals/program.ts";
import { contributions } from "../../shared/reports/contributions.ts";
import { referralsFrom } from "../../shared/reports/referrals.ts";

describe("referral codes", () => {
  it("are 10 characters of lower-case Crockford base32, and differ from one another", () => {
    const codes = Array.from({ length: 500 }, () => newReferralCode());
    for (const code of codes) expect(code).toMatch(REFERRAL_CODE);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("read as typed: any case, spaces around, and Crockford's look-alikes; anything else is no code", () => {
    expect(normalizeReferralCode(" 7K3M9Q2XWP ")).toBe("7k3m9q2xwp");
    expect(normalizeReferralCode("7k3m9q2xwO")).toBe("7k3m9q2xw0");
    expect(normalizeReferralCode("7k3m9q2xwL")).toBe("7k3m9q2xw1");
    for (const bad of ["", "short", "7k3m9q2xwpx", "7k3m9q2xw!", "<script>a", 42, undefined]) expect(normalizeReferralCode(bad)).toBeUndefined();
  });

  it("land on the configured page with ref added to its query (and none for an unknown code)", () => {
    expect(referralLanding("https://shop.example/welcome?lang=en", "7k3m9q2xwp")).toBe("https://shop.example/welcome?lang=en&ref=7k3m9q2xwp");
    expect(referralLanding("https://shop.example", "7k3m9q2xwp")).toBe("https://shop.example/?ref=7k3m9q2xwp");
    expect(referralLanding("https://shop.example/?ref=old", undefined)).toBe("https://shop.example/");
  });
});

describe("conversions and ambassadors", () => {
  it("a conversion is the profile change that makes a referred person a buyer, and nothing else", () => {
    expect(convertedReferrer({ referredBy: "cus_A" }, { referredBy: "cus_A", firstPurchaseAt: "2027-01-01T00:00:00Z" })).toBe("cus_A");
    expect(convertedReferrer(undefined, { referredBy: "cus_A", firstPurchaseAt: "2027-01-01T00:00:00Z" })).toBe("cus_A");
    // The credit landing just after a first purchase it raced with: the report counts it, so does this.
    expect(convertedReferrer({ firstPurchaseAt: "x" }, { referredBy: "cus_A", firstPurchaseAt: "x" })).toBe("cus_A");
    // A second purchase, or a purchase by someone not referred: no conversion.
    expect(convertedReferrer({ referredBy: "cus_A", firstPurchaseAt: "x" }, { referredBy: "cus_A", firstPurchaseAt: "x" })).toBeUndefined();
    expect(convertedReferrer({}, { firstPurchaseAt: "2027-01-01T00:00:00Z" })).toBeUndefined();
  });

  it("makes an ambassador when the count reaches the threshold, once", () => {
    expect(becomesAmbassador(2, 3, undefined)).toBe(false);
    expect(becomesAmbassador(3, 3, undefined)).toBe(true);
    expect(becomesAmbassador(4, 3, "2027-01-01T00:00:00Z")).toBe(false);
  });

  it("ranks referrers by conversions, then revenue, then leads, and leaves out those with nothing", () => {
    const ranked = topReferrers(
      [
        { customerId: "c", leads: 9, conversions: 1, revenueMinor: 100 },
        { customerId: "a", leads: 1, conversions: 2, revenueMinor: 0 },
        { customerId: "b", leads: 1, conversions: 1, revenueMinor: 500 },
        { customerId: "z", leads: 0, conversions: 0, revenueMinor: 0 },
      ],
      10,
    );
    expect(ranked.map((r) => r.customerId)).toEqual(["a", "b", "c"]);
  });
});

describe("the referrals report", () => {
  const cfg = { currency: "USD" };
  it("counts a referred profile as a lead the day it was created and a conversion the day of its first purchase, and referred purchases as revenue", () => {
    const profile = contributions(
      { SK: "PROFILE", stage: "customer", createdAt: "2027-01-05T10:00:00Z", firstPurchaseAt: "2027-01-07T10:00:00Z", referredBy: "cus_R" },
      cfg,
    );
    expect(profile.history.get("REPORT#DAY|2027-01-05")?.get("refLeads")).toBe(1);
    expect(profile.history.get("REPORT#DAY|2027-01-07")?.get("refConversions")).toBe(1);
    expect(Object.fromEntries(profile.history.get("REPORT#REFERRER|cus_R") ?? [])).toEqual({ leads: 1, conversions: 1 });
    const purchase = contributions(
      { SK: "TL#2027-01-07T10:00:00Z#x", kind: "purchase", at: "2027-01-07T10:00:00Z", data: { amount: 12.5, referredBy: "cus_R" } },
      cfg,
    );
    expect(purchase.history.get("REPORT#DAY|2027-01-07")?.get("refRevenue")).toBe(1250);
    expect(purchase.history.get("REPORT#REFERRER|cus_R")?.get("revenue")).toBe(1250);
    // Someone who was not referred adds nothing to it.
    const plain = contributions({ SK: "PROFILE", stage: "lead", createdAt: "2027-01-05T10:00:00Z" }, cfg);
    expect([...plain.history.keys()].some((k) => k.startsWith("REPORT#REFERRER"))).toBe(false);
  });

  it("sums the day counters into months, with the conversion rate and the top referrers' names", () => {
    const days = new Map<string, Record<string, number>>([
      ["2027-01-05", { refLeads: 3, refConversions: 1, refRevenue: 5000 }],
      ["2027-02-01", { refLeads: 1, refConversions: 1, refRevenue: 2550 }],
    ]);
    const referrers = new Map<string, Record<string, number>>([
      ["cus_R", { leads: 4, conversions: 2, revenue: 7550 }],
      ["cus_Gone", { leads: 1 }],
    ]);
    const report = referralsFrom(days, referrers, new Map([["cus_R", { name: "Rita", referralCode: "7k3m9q2xwp", ambassador: false }]]), {
      period: { from: "2027-01-01", to: "2027-02-28" },
      interval: "month",
      currency: "USD",
      asOf: "2027-03-01T00:00:00Z",
      top: 10,
      ambassadorAfter: 3,
    });
    expect(report.rows).toEqual([
      { period: "2027-01", referredLeads: 3, conversions: 1, revenue: 50 },
      { period: "2027-02", referredLeads: 1, conversions: 1, revenue: 25.5 },
    ]);
    expect(report.totals).toEqual({ referredLeads: 4, conversions: 2, revenue: 75.5, conversionRate: 50 });
    expect(report.topReferrers).toEqual([
      { customerId: "cus_R", name: "Rita", referralCode: "7k3m9q2xwp", ambassador: false, leads: 4, conversions: 2, revenue: 75.5 },
      { customerId: "cus_Gone", name: null, referralCode: null, ambassador: false, leads: 1, conversions: 0, revenue: 0 },
    ]);
  });
});

describe("perk files", () => {
  const rows = (...lines: string[][]) => lines.map((cells, i) => ({ cells, line: i + 1 }));
  it("read the code column by name, with optional description and expiry, and report bad rows by line", () => {
    const { perks, problems } = perksFromCsv(
      rows(
        ["Description", "CODE", "expires_at"],
        ["Free bag", "BAG-1", "2030-01-01"],
        ["", "", ""],
        ["", "has space", ""],
        ["x", "OK-2", "soon"],
        ["", "OK-3", ""],
      ),
    );
    expect(perks).toEqual([{ code: "BAG-1", description: "Free bag", expiresAt: "2030-01-01T00:00:00.000Z" }, { code: "OK-3" }]);
    expect(problems).toEqual([
      { line: 4, message: "code must be 1-64 visible characters without spaces" },
      { line: 5, message: 'expiresAt "soon" is not a date (use 2027-06-30 or 2027-06-30T23:59:59Z)' },
    ]);
  });

  it("without a code column cannot be imported", () => {
    expect(() => perksFromCsv(rows(["coupon"], ["X"]))).toThrow(PerkFileError);
    expect(() => perksFromCsv([])).toThrow(/empty/);
  });
});
