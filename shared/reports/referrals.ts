import { fromMinor } from "../core/money.ts";
import { type ReferrerCounts, topReferrers } from "../referrals/program.ts";
import { addDays, addMonths } from "./dates.ts";
import type { Attrs } from "./formulas.ts";
import type { Period, ReferralsReport } from "./types.ts";

/** What the referrals report knows of a top referrer's profile (absent: erased). */
export interface ReferrerProfile {
  name: string;
  referralCode?: string;
  ambassador: boolean;
}

/**
 * The referrals report from its counters: per day or month, the referred leads (`refLeads`), their
 * first purchases (`refConversions`) and their revenue (`refRevenue`) from the day items; the top
 * referrers from the per-referrer items (lifetime), with the names of the profiles read for them.
 */
export function referralsFrom(
  days: Map<string, Attrs>,
  referrers: Map<string, Attrs>,
  profiles: Map<string, ReferrerProfile>,
  options: { period: Period; interval: "day" | "month"; currency: string; asOf: string; top: number; ambassadorAfter: number },
): ReferralsReport {
  const { period, interval, currency } = options;
  const keys: string[] = [];
  if (interval === "day") for (let d = period.from; d <= period.to; d = addDays(d, 1)) keys.push(d);
  else for (let m = period.from.slice(0, 7); m <= period.to.slice(0, 7); m = addMonths(m, 1)) keys.push(m);
  const rows = new Map(keys.map((k) => [k, { period: k, referredLeads: 0, conversions: 0, revenueMinor: 0 }]));
  for (const [d, attrs] of days) {
    if (d < period.from || d > period.to) continue;
    const row = rows.get(interval === "day" ? d : d.slice(0, 7));
    if (!row) continue;
    row.referredLeads += attrs.refLeads ?? 0;
    row.conversions += attrs.refConversions ?? 0;
    row.revenueMinor += attrs.refRevenue ?? 0;
  }
  const list = [...rows.values()];
  const referredLeads = list.reduce((n, r) => n + r.referredLeads, 0);
  const conversions = list.reduce((n, r) => n + r.conversions, 0);
  const counts: ReferrerCounts[] = [...referrers].map(([customerId, a]) => ({
    customerId,
    leads: a.leads ?? 0,
    conversions: a.conversions ?? 0,
    revenueMinor: a.revenue ?? 0,
  }));
  return {
    asOf: options.asOf,
    period,
    interval,
    currency,
    ambassadorAfter: options.ambassadorAfter,
    rows: list.map(({ revenueMinor, ...r }) => ({ ...r, revenue: fromMinor(revenueMinor, currency) })),
    totals: {
      referredLeads,
      conversions,
      revenue: fromMinor(
        list.reduce((n, r) => n + r.revenueMinor, 0),
        currency,
      ),
      conversionRate: referredLeads === 0 ? null : Math.round((conversions / referredLeads) * 1000) / 10,
    },
    topReferrers: topReferrers(counts, options.top).map((r) => {
      const profile = profiles.get(r.customerId);
      return {
        customerId: r.customerId,
        name: profile?.name ?? null,
        referralCode: profile?.referralCode ?? null,
        ambassador: profile?.ambassador ?? false,
        leads: r.leads,
        conversions: r.conversions,
        revenue: fromMinor(r.revenueMinor, currency),
      };
    }),
  };
}

/** The ids whose profiles the report needs: the top referrers by their counters. */
export function topReferrerIds(referrers: Map<string, Attrs>, top: number): string[] {
  return topReferrers(
    [...referrers].map(([customerId, a]) => ({ customerId, leads: a.leads ?? 0, conversions: a.conversions ?? 0, revenueMinor: a.revenue ?? 0 })),
    top,
  ).map((r) => r.customerId);
}
