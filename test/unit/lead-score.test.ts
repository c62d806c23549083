import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LeadScoreConfig } from "../../shared/core/config.ts";
import { INVALID, pathPatterns, scoreWeights } from "../../shared/core/settings.ts";
import { scoreRank } from "../../shared/entities/lead-score.ts";
import { type Activity, applyActivities, decayFactor, keyPageOf, LOG_SIZE, leadScoreNow, scoreView } from "../../shared/lead-score/score.ts";
import { conditionHolds } from "../../shared/segments/match.ts";

const config: LeadScoreConfig = {
  weights: { form: 10, page: 5, click: 3, reply: 15, purchase: 25 },
  halfLifeDays: 30,
  keyPages: ["/pricing", "/demo"],
  hotThreshold: 50,
};
const T0 = new Date("2027-01-01T00:00:00.000Z");
const days = (n: number) => new Date(T0.getTime() + n * 86_400_000);
const act = (key: string, source: Activity["source"], at = T0): Activity => ({ key, source, at: at.toISOString() });

describe("lead score", () => {
  it("adds each activity's weight, by source, and keeps the parts adding up to the score", () => {
    const r = applyActivities({}, [act("a", "form"), act("b", "purchase"), act("c", "click")], config, T0)!;
    expect(r.state.leadScore).toBe(38);
    expect(r.state.leadScoreParts).toEqual({ form: 10, purchase: 25, click: 3 });
    expect(r.counted.map((a) => a.key)).toEqual(["a", "b", "c"]);
  });

  it("halves every half-life: a reader decays the stored score to now without a write", () => {
    const r = applyActivities({}, [act("a", "reply"), act("b", "purchase")], config, T0)!;
    expect(leadScoreNow(r.state, 30, days(30))).toBe(20);
    expect(leadScoreNow(r.state, 30, days(60))).toBe(10);
    expect(leadScoreNow({}, 30, T0)).toBe(0);
    // A later activity adds to what is left, not to the old value.
    const later = applyActivities(r.state, [act("c", "form", days(30))], config, days(30))!;
    expect(later.state.leadScore).toBe(30);
    expect(later.state.leadScoreParts).toEqual({ reply: 7.5, purchase: 12.5, form: 10 });
  });

  it("counts an activity from the past for what it is worth today", () => {
    const r = applyActivities({}, [act("old", "purchase", days(-30))], config, T0)!;
    expect(r.state.leadScore).toBe(12.5);
  });

  it("scores a replayed activity (the same key) once, and writes nothing for it", () => {
    const first = applyActivities({}, [act("a", "form"), act("a", "form")], config, T0)!;
    expect(first.state.leadScore).toBe(10);
    expect(applyActivities(first.state, [act("a", "form")], config, days(1))).toBeUndefined();
  });

  it("gives a source weighted 0 nothing", () => {
    expect(applyActivities({}, [act("a", "click")], { ...config, weights: { ...config.weights, click: 0 } }, T0)).toBeUndefined();
  });

  it("keeps the last activities only, so the item stays small", () => {
    const many = Array.from({ length: 40 }, (_, i) => act(`k${i}`, "click"));
    const r = applyActivities({}, many, config, T0)!;
    expect(r.state.leadScoreLog).toHaveLength(LOG_SIZE);
    expect(r.state.leadScoreLog.at(-1)!.k).toBe("k39");
  });

  it("crosses the hot threshold upwards once; again only after cooling down below 90% of it", () => {
    const a = applyActivities({}, [act("a", "purchase"), act("b", "reply")], config, T0)!;
    expect(a.crossed).toBe(false);
    const b = applyActivities(a.state, [act("c", "form")], config, T0)!;
    expect(b.crossed).toBe(true);
    expect(b.state.leadScoreHot).toBe(true);
    const c = applyActivities(b.state, [act("d", "form")], config, T0)!;
    expect(c.crossed).toBe(false);
    // 60 days later the 60 points are 15: below 50, so rising back over it is a new crossing.
    const d = applyActivities(c.state, [act("e", "purchase", days(60)), act("f", "purchase", days(60))], config, days(60))!;
    expect(d.state.leadScore).toBeGreaterThanOrEqual(50);
    expect(d.crossed).toBe(true);
    // Hovering: 50 decays to 47 in 3 days (not cooled down), 3 more points take it over 50 again: no new crossing.
    const e = applyActivities({}, [act("g", "purchase"), act("h", "reply"), act("i", "form")], config, T0)!;
    expect(e.crossed).toBe(true);
    const f = applyActivities(e.state, [act("j", "click", days(3))], config, days(3))!;
    expect(f.state.leadScore).toBeGreaterThanOrEqual(48);
    expect(f.crossed).toBe(false);
    const g = applyActivities(f.state, [act("k", "click", days(3)), act("l", "click", days(3))], config, days(3))!;
    expect(g.state.leadScore).toBeGreaterThanOrEqual(50);
    expect(g.crossed).toBe(false);
  });

  it("shows breakdown, trend over 7 days and recent activities, newest first", () => {
    const a = applyActivities({}, [act("a", "purchase", days(-20))], config, days(-20))!;
    const b = applyActivities(a.state, [act("b", "form", days(-1)), act("c", "page", days(-1))], config, days(-1))!;
    const view = scoreView(b.state, config, T0)!;
    expect(view.score).toBeCloseTo(25 * 0.5 ** (20 / 30) + 15 * 0.5 ** (1 / 30), 1);
    expect(view.breakdown.form).toBeCloseTo(10 * 0.5 ** (1 / 30), 1);
    expect(view.breakdown.click).toBe(0);
    // Seven days ago only the purchase counted.
    expect(view.trend.before).toBeCloseTo(25 * 0.5 ** (13 / 30), 1);
    expect(view.trend.change).toBeGreaterThan(0);
    expect(view.recent.map((r) => r.source)).toEqual(["page", "form", "purchase"]);
    expect(view.hot).toBe(false);
  });

  it("ranks in the order of the scores decayed to any common instant, whenever each was written", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.double({ min: 0.01, max: 5000, noNaN: true }), fc.integer({ min: 0, max: 3650 })),
        fc.tuple(fc.double({ min: 0.01, max: 5000, noNaN: true }), fc.integer({ min: 0, max: 3650 })),
        ([s1, d1], [s2, d2]) => {
          const now = days(4000);
          const v1 = s1 * decayFactor(days(d1).getTime(), now.getTime(), 30);
          const v2 = s2 * decayFactor(days(d2).getTime(), now.getTime(), 30);
          if (Math.abs(v1 - v2) / Math.max(v1, v2) < 1e-4) return;
          const r1 = scoreRank(s1, days(d1).toISOString(), 30);
          const r2 = scoreRank(s2, days(d2).toISOString(), 30);
          expect(r1 > r2).toBe(v1 > v2);
        },
      ),
    );
  });

  it("matches key pages by path: the page and those below it, * for one segment, case and query ignored", () => {
    expect(keyPageOf("/pricing", config.keyPages)).toBe("/pricing");
    expect(keyPageOf("/Pricing/teams?plan=pro", config.keyPages)).toBe("/pricing");
    expect(keyPageOf("/pricingx", config.keyPages)).toBeUndefined();
    expect(keyPageOf("/blog/demo", config.keyPages)).toBeUndefined();
    expect(keyPageOf("/en/plans/compare", ["/*/plans"])).toBe("/*/plans");
    expect(keyPageOf("/en/gb/plans", ["/*/plans"])).toBeUndefined();
  });

  it("reads its settings: weights by source (others keep their defaults), path patterns", () => {
    expect(scoreWeights("purchase=40, click=0")).toEqual([
      ["form", 10],
      ["page", 5],
      ["click", 0],
      ["reply", 15],
      ["purchase", 40],
    ]);
    expect(scoreWeights("visits=3")).toBe(INVALID);
    expect(scoreWeights("form=-1")).toBe(INVALID);
    expect(scoreWeights("form=1,form=2")).toBe(INVALID);
    expect(pathPatterns("/pricing/, /demo")).toEqual(["/pricing", "/demo"]);
    expect(pathPatterns("pricing")).toBe(INVALID);
  });

  it("lets a segment compare the score decayed to now", () => {
    const customer = { leadScore: 40, leadScoreAt: T0.toISOString() };
    const condition = { field: "leadScore", op: "gte", value: 30 } as const;
    expect(conditionHolds(condition, customer, days(30), { scoreHalfLifeDays: 30 })).toBe(false);
    expect(conditionHolds(condition, customer, days(1), { scoreHalfLifeDays: 30 })).toBe(true);
  });
});
