import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type * as z from "zod/mini";
import type { Deps } from "../core/deps.ts";
import { NotFound } from "../core/errors.ts";
import { PROFILE_FIELD_NAMES } from "../core/fields.ts";
import { fromMinor } from "../core/money.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { customerPk } from "../entities/customer.ts";
import { scoreEntryKey } from "../entities/lead-score.ts";
import { SEND_PREFIX } from "../entities/send.ts";
import { TIMELINE_PREFIX } from "../entities/timeline.ts";
import { decodeCursor, encodeCursor } from "../http/cursor.ts";
import { leadScoreNow, type ScoreState, type ScoreView, scoreView } from "../lead-score/score.ts";
import { idleSince, isSunset } from "../retention/engagement.ts";
import { viewsWithin } from "../tracking/interests.ts";
import type { TimelineItem } from "./item.ts";
import { getCustomerItem } from "./repository.ts";
import type { By, Customer360 } from "./schema.ts";

function toTimelineEntry(item: Record<string, unknown>): TimelineItem {
  return {
    id: item.id as string,
    at: item.at as string,
    type: item.kind as string,
    ...(item.summary ? { summary: item.summary as string } : {}),
    ...(item.text ? { text: item.text as string } : {}),
    ...(item.data ? { data: item.data as Record<string, unknown> } : {}),
    ...(item.by ? { by: item.by as By } : {}),
  };
}

/**
 * What a list shows of a customer. `leadScore`: their score decayed to now (`scoreOf`), given by
 * callers that list scored customers; absent, the summary has none.
 */
export function summarize(item: CustomerItem, leadScore?: number) {
  return {
    id: item.id,
    email: item.email,
    ...(item.firstName ? { firstName: item.firstName } : {}),
    ...(item.lastName ? { lastName: item.lastName } : {}),
    ...(item.company ? { company: item.company } : {}),
    stage: item.stage,
    tags: [...(item.tags ?? [])].sort(),
    ...(item.owner ? { owner: item.owner } : {}),
    lastActivityAt: item.lastActivityAt,
    createdAt: item.createdAt,
    ...(leadScore !== undefined ? { leadScore } : {}),
  };
}

/** A summarizer that carries each customer's lead score decayed to now (for customers who have one). */
export function scoredSummary(deps: Pick<Deps, "config" | "clock">): (item: CustomerItem) => ReturnType<typeof summarize> {
  const now = deps.clock.now();
  const halfLife = deps.config.leadScore.halfLifeDays;
  return (item) => summarize(item, typeof item.leadScore === "number" ? leadScoreNow(item, halfLife, now) : undefined);
}

/**
 * The 360° view: profile, consent, stage, metrics, recent timeline and emails sent. Typed by the
 * schema `GET /v1/customers/{id}` declares, the one the dashboard reads.
 */
export async function getCustomer360(deps: Deps, customerId: string): Promise<z.output<typeof Customer360>> {
  const [item, timeline, sends, score] = await Promise.all([
    getCustomerItem(deps, customerId, true),
    queryPartition(deps, customerId, TIMELINE_PREFIX, 20),
    queryPartition(deps, customerId, SEND_PREFIX, 50),
    deps.db.send(new GetCommand({ TableName: deps.table, Key: scoreEntryKey(customerId) })).then((r) => r.Item as ScoreState | undefined),
  ]);
  if (!item) throw new NotFound(`no customer ${customerId}`);
  const profile: Record<string, string> = {};
  for (const field of PROFILE_FIELD_NAMES) if (item[field]) profile[field] = item[field]!;
  return {
    id: item.id,
    email: item.email,
    profile,
    tags: [...(item.tags ?? [])].sort(),
    ...(item.owner ? { owner: item.owner } : {}),
    ...(item.nextContactAt ? { nextContactAt: item.nextContactAt } : {}),
    stage: item.stage,
    ...(item.emailStatus && item.emailStatus !== "ok" ? { emailStatus: item.emailStatus } : {}),
    ...(item.mailPreferences ? { mailPreferences: item.mailPreferences } : {}),
    consent: {
      marketing: item.consentMarketing === true,
      ...(item.consentAt ? { updatedAt: item.consentAt, version: item.consentVersion, source: item.consentSource } : {}),
    },
    metrics: {
      orders: item.orders,
      lifetimeSpend: fromMinor(item.spendMinor, item.currency),
      currency: item.currency,
      lastActivityAt: item.lastActivityAt,
      ...(item.firstPurchaseAt ? { firstPurchaseAt: item.firstPurchaseAt } : {}),
      ...(item.lastPurchaseAt ? { lastPurchaseAt: item.lastPurchaseAt } : {}),
      ...(item.latestFeedbackScore !== undefined ? { latestFeedbackScore: item.latestFeedbackScore } : {}),
    },
    ...(item.attribution ? { attribution: item.attribution } : {}),
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    recentTimeline: timeline.items.map(toTimelineEntry),
    emailsSent: sends.items.map(({ PK: _pk, SK: _sk, ...rest }) => rest),
    ...(item.interests && Object.keys(item.interests).length ? { interests: interestView(item, deps.clock.now()) } : {}),
    ...(item.firstMarketingAt || item.lastOpenedAt || item.lastClickedAt ? { engagement: engagementView(item) } : {}),
    ...withScore(score ? scoreView(score, deps.config.leadScore, deps.clock.now()) : undefined),
    ...(item.referralCode || item.referredBy || item.referredLeads ? { referral: referralView(item, deps.config.publicBaseUrl) } : {}),
  };
}

/** Where the customer stands in the advocate programme (shared/referrals/). */
function referralView(item: CustomerItem, publicBaseUrl: string) {
  return {
    ...(item.referralCode ? { code: item.referralCode, link: `${publicBaseUrl}/r/${item.referralCode}` } : {}),
    ...(item.referredBy ? { referredBy: item.referredBy } : {}),
    referredLeads: item.referredLeads ?? 0,
    referrals: item.referrals ?? 0,
    status: item.ambassadorAt ? ("ambassador" as const) : item.referralCode ? ("promoter" as const) : ("none" as const),
    ...(item.ambassadorAt ? { ambassadorAt: item.ambassadorAt } : {}),
    ...(item.perkCode ? { perkCode: item.perkCode } : {}),
    ...(item.perkWaitingSince && !item.perkCode ? { perkWaitingSince: item.perkWaitingSince } : {}),
  };
}

/** The open streak and the sunset as the 360° view shows them; a sunset something lifted since is not shown. */
function engagementView(item: CustomerItem) {
  const since = idleSince(item);
  return {
    ...(item.lastOpenedAt ? { lastOpenedAt: item.lastOpenedAt } : {}),
    ...(item.lastClickedAt ? { lastClickedAt: item.lastClickedAt } : {}),
    opensWithoutClick: item.opensWithoutClick ?? 0,
    ...(since ? { idleSince: since } : {}),
    ...(isSunset(item) ? { sunsetAt: item.sunsetAt } : {}),
    ...(item.keptAt ? { keptAt: item.keptAt } : {}),
  };
}

function withScore(view: ScoreView | undefined): { leadScore?: ScoreView } {
  return view ? { leadScore: view } : {};
}

/** The customer's interests, most viewed first, as the 360° view shows them. */
function interestView(item: CustomerItem, now: Date) {
  return Object.entries(item.interests ?? {})
    .map(([name, interest]) => ({
      name,
      views: interest.n,
      recentViews: viewsWithin(interest, 30, now),
      lastViewedAt: interest.last,
      bought: item.boughtInterests?.has(name) ?? false,
    }))
    .sort((a, b) => b.views - a.views || a.name.localeCompare(b.name));
}

async function queryPartition(deps: Deps, customerId: string, prefix: string, limit: number, startSk?: string) {
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
      ExpressionAttributeValues: { ":pk": customerPk(customerId), ":prefix": prefix },
      ScanIndexForward: false,
      Limit: limit,
      ...(startSk ? { ExclusiveStartKey: { PK: customerPk(customerId), SK: startSk } } : {}),
    }),
  );
  return { items: (result.Items ?? []) as Record<string, unknown>[], last: result.LastEvaluatedKey as { SK: string } | undefined };
}

/** A customer's timeline, newest first, a page at a time (access pattern 3). */
export async function getTimeline(deps: Deps, customerId: string, limit: number, cursor?: string) {
  const start = decodeCursor<{ sk: string }>(cursor, ["sk"]);
  if (start && !start.sk.startsWith(TIMELINE_PREFIX)) throw new NotFound("cursor does not belong to a timeline");
  const [item, page] = await Promise.all([getCustomerItem(deps, customerId), queryPartition(deps, customerId, TIMELINE_PREFIX, limit, start?.sk)]);
  if (!item) throw new NotFound(`no customer ${customerId}`);
  return { items: page.items.map(toTimelineEntry), nextCursor: encodeCursor(page.last ? { sk: page.last.SK } : null) };
}
