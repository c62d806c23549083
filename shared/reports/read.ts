import { BatchGetCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import { queryAll } from "../aws/db.ts";
import { listCampaignSummaries } from "../campaigns/summaries.ts";
import type { Deps } from "../core/deps.ts";
import { ValidationError } from "../core/errors.ts";
import { broadcastsQuery } from "../entities/broadcast.ts";
import { type CustomerItem, customerKey } from "../entities/customer.ts";
import { CAMPAIGN_PARTITION, COHORT_PARTITION, DAY_PARTITION, REFERRER_PARTITION, RFM_PARTITION, RFM_SPEND_KEY, STAGES_KEY } from "../entities/report.ts";
import type { TableKey } from "../entities/table.ts";
import { addDays, addMonths, daysBetween } from "./dates.ts";
import { type Attrs, campaignRow, funnelFrom, retentionFrom, revenueFrom } from "./formulas.ts";
import { type ReferrerProfile, referralsFrom, topReferrerIds } from "./referrals.ts";
import { rfmCells, segmentsFrom } from "./rfm.ts";
import type { PeriodQuery, ReferralsQuery, RevenueQuery, SegmentsQuery } from "./schema.ts";
import type { CampaignsReport, FunnelReport, Period, ReferralsReport, RetentionReport, RevenueReport, SegmentsReport } from "./types.ts";

/**
 * The reports, computed from the counters (shared/reports/contributions.ts) with a handful of
 * reads: one GetItem and a Query over day items for the funnel; day and cohort Queries for
 * retention; one Query per campaign partition; one Query of the RFM partition. None reads a
 * customer, so the cost does not grow with the number of customers (`npm run bench` measures it).
 *
 * The loaders are here; every formula is a pure function of the counter items they return
 * (./formulas.ts, ./rfm.ts).
 */

const MAX_PERIOD_DAYS = 3660;

// ---------- loaders ----------

async function getAttrs(deps: Deps, key: TableKey): Promise<Attrs> {
  const result = await deps.db.send(new GetCommand({ TableName: deps.table, Key: key }));
  return numbers(result.Item);
}

/** Items of a counter partition with `from ≤ SK ≤ to` (either end open), as SK → attributes. */
async function range(deps: Deps, pk: string, from?: string, to?: string): Promise<Map<string, Attrs>> {
  const condition = from && to ? "PK = :pk AND SK BETWEEN :from AND :to" : from ? "PK = :pk AND SK >= :from" : to ? "PK = :pk AND SK <= :to" : "PK = :pk";
  const items = new Map<string, Attrs>();
  const query = {
    TableName: deps.table,
    KeyConditionExpression: condition,
    ExpressionAttributeValues: { ":pk": pk, ...(from ? { ":from": from } : {}), ...(to ? { ":to": to } : {}) },
  };
  for await (const item of queryAll(deps.db, query)) items.set(String(item.SK), numbers(item));
  return items;
}

function numbers(item: Record<string, unknown> | undefined): Attrs {
  const attrs: Attrs = {};
  for (const [k, v] of Object.entries(item ?? {})) if (typeof v === "number") attrs[k] = v;
  return attrs;
}

// ---------- periods ----------

export function resolvePeriod(query: { from?: string | undefined; to?: string | undefined }, now: Date, defaultDays: number): Period {
  const to = query.to ?? now.toISOString().slice(0, 10);
  const from = query.from ?? addDays(to, -(defaultDays - 1));
  if (from > to) throw ValidationError.field("from", "must not be after to");
  if (daysBetween(from, to) >= MAX_PERIOD_DAYS) throw ValidationError.field("from", `a period spans at most ${MAX_PERIOD_DAYS} days`);
  return { from, to };
}

// ---------- reports ----------

export async function funnelReport(deps: Deps, query: PeriodQuery): Promise<FunnelReport> {
  const now = deps.clock.now();
  const period = resolvePeriod(query, now, 30);
  const [stages, days] = await Promise.all([getAttrs(deps, STAGES_KEY), range(deps, DAY_PARTITION, period.from)]);
  return funnelFrom(stages, days, period, now.toISOString());
}

export async function retentionReport(deps: Deps, query: PeriodQuery): Promise<RetentionReport> {
  const now = deps.clock.now();
  const period = resolvePeriod(query, now, 30);
  const trendStart = `${addMonths(period.to.slice(0, 7), -11)}-01`;
  const firstDay = period.from < trendStart ? period.from : trendStart;
  const [stages, days, cohorts] = await Promise.all([
    getAttrs(deps, STAGES_KEY),
    range(deps, DAY_PARTITION, firstDay),
    range(deps, COHORT_PARTITION, addMonths(period.to.slice(0, 7), -11), period.to.slice(0, 7)),
  ]);
  return retentionFrom(stages, days, cohorts, period, now.toISOString());
}

export async function revenueReport(deps: Deps, query: RevenueQuery): Promise<RevenueReport> {
  const now = deps.clock.now();
  const interval = query.interval ?? "month";
  const today = now.toISOString().slice(0, 10);
  const defaults = interval === "month" && !query.from ? { from: `${addMonths((query.to ?? today).slice(0, 7), -11)}-01` } : {};
  const period = resolvePeriod({ ...query, ...defaults }, now, 30);
  const days = await range(deps, DAY_PARTITION, period.from, period.to);
  return revenueFrom(days, period, interval, deps.config.currency, now.toISOString());
}

export async function campaignsReport(deps: Deps): Promise<CampaignsReport> {
  const [campaigns, counters, newsletters] = await Promise.all([listCampaignSummaries(deps), range(deps, CAMPAIGN_PARTITION), newsletterNames(deps)]);
  const rows = campaigns.map((c) => campaignRow(c.id, c.name, c.kind, counters.get(c.id) ?? {}));
  // Newsletters are sent as marketing campaigns under their own id: a row each, newest first.
  for (const n of newsletters) rows.push(campaignRow(n.id, n.name, "marketing", counters.get(n.id) ?? {}, true));
  // Counters of a campaign since deleted still show, under its id.
  for (const [id, attrs] of counters)
    if (!campaigns.some((c) => c.id === id) && !newsletters.some((n) => n.id === id)) rows.push(campaignRow(id, id, "marketing", attrs));
  return { asOf: deps.clock.now().toISOString(), campaigns: rows };
}

/** Every newsletter's id and name, newest first: one Query of their small items, projected. */
async function newsletterNames(deps: Deps): Promise<{ id: string; name: string }[]> {
  const out: { id: string; name: string }[] = [];
  for await (const item of queryAll(deps.db, {
    TableName: deps.table,
    ...broadcastsQuery(),
    ProjectionExpression: "id, #name",
    ExpressionAttributeNames: { "#name": "name" },
  }))
    out.push({ id: String(item.id), name: String(item.name) });
  return out.sort((a, b) => (a.id < b.id ? 1 : -1));
}

export async function segmentsReport(deps: Deps, query: SegmentsQuery): Promise<SegmentsReport> {
  const asOf = query.at ? new Date(query.at) : deps.clock.now();
  const items = await range(deps, RFM_PARTITION);
  return segmentsFrom(rfmCells(items, asOf.toISOString().slice(0, 7)), items.get(RFM_SPEND_KEY.SK) ?? {}, deps.config.currency, asOf.toISOString());
}

/**
 * Referred leads, conversions and revenue per day or month (the day counters), and the top
 * referrers (their counters, plus one BatchGetItem of at most 100 profiles for names and codes).
 */
export async function referralsReport(deps: Deps, query: ReferralsQuery): Promise<ReferralsReport> {
  const now = deps.clock.now();
  const interval = query.interval ?? "month";
  const today = now.toISOString().slice(0, 10);
  const defaults = interval === "month" && !query.from ? { from: `${addMonths((query.to ?? today).slice(0, 7), -11)}-01` } : {};
  const period = resolvePeriod({ ...query, ...defaults }, now, 30);
  // The query's pattern admits 1-100 only.
  const top = query.top ? Number(query.top) : 10;
  const [days, referrers] = await Promise.all([range(deps, DAY_PARTITION, period.from, period.to), range(deps, REFERRER_PARTITION)]);
  const profiles = await referrerProfiles(deps, topReferrerIds(referrers, top));
  return referralsFrom(days, referrers, profiles, {
    period,
    interval,
    currency: deps.config.currency,
    asOf: now.toISOString(),
    top,
    ambassadorAfter: deps.config.referrals.ambassadorAfter,
  });
}

async function referrerProfiles(deps: Deps, ids: string[]): Promise<Map<string, ReferrerProfile>> {
  const profiles = new Map<string, ReferrerProfile>();
  let keys = ids.map((id) => customerKey(id));
  for (let attempt = 0; keys.length > 0 && attempt < 5; attempt++) {
    const result = await deps.db.send(
      new BatchGetCommand({
        RequestItems: {
          [deps.table]: { Keys: keys, ProjectionExpression: "id, firstName, lastName, company, email, referralCode, ambassadorAt" },
        },
      }),
    );
    for (const item of (result.Responses?.[deps.table] ?? []) as Partial<CustomerItem>[]) {
      if (!item.id) continue;
      profiles.set(item.id, {
        name: [item.firstName, item.lastName].filter(Boolean).join(" ") || item.company || item.email || item.id,
        ...(item.referralCode ? { referralCode: item.referralCode } : {}),
        ambassador: item.ambassadorAt !== undefined,
      });
    }
    keys = (result.UnprocessedKeys?.[deps.table]?.Keys ?? []) as typeof keys;
  }
  return profiles;
}
