import { pickTemplate } from "../campaigns/render.ts";
import type { Campaign } from "../campaigns/schema.ts";
import type { LifecycleThresholds, RetentionConfig } from "../core/config.ts";
import { fromMinor } from "../core/money.ts";
import type { SendRequest } from "../core/ports.ts";
import type { Stage } from "../core/schema.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { qualifyingInterest } from "../tracking/interests.ts";
import { type Alert, type AlertReason, isValuable } from "./alerts.ts";
import { idleSince, isSunset, repermissionDueAt, streakOccurrence, sunsetDueAt } from "./engagement.ts";
import { birthdayIn, DAY_MS, HOUR_MS, localParts, nextInWindow, safeZone, zonedInstant } from "./time.ts";

/**
 * What is due for one customer at one instant: the pure heart of the sweep. Given the customer
 * record, the enabled campaigns and the time, it answers which emails to send now, which stage
 * change inactivity calls for, and when to look at this customer again. No I/O, so a simulated
 * year of campaigns is a loop over instants.
 */
export interface Evaluation {
  sends: SendRequest[];
  /** Alerts for the team, which the sweep turns into tasks (./alerts.ts), whether or not an alert email can go. */
  alerts: Alert[];
  /** A stage change from inactivity (at_risk, churned), applied by the sweep with a timeline entry. */
  stageChange?: { from: Stage; to: Stage; since: string };
  /**
   * Marketing stops: the re-permission email (`campaignId`) went out `sunsetGraceDays` ago and the
   * customer has shown no interest since `idleSince`. Applied by the sweep with a timeline entry.
   */
  sunset?: { at: string; idleSince: string; campaignId: string };
  /** When to evaluate this customer again; undefined when nothing can become due by itself. */
  nextDueAt?: string;
  /** Sends that are due but wait: for the customer's send window or the frequency cap. */
  deferred: number;
  /** Why due campaigns were not sent (for logs and tests): campaign id → reason. */
  skipped: Record<string, string>;
}

/** A due time this far in the past is not acted on: a backfilled purchase from last year gets no thank-you today. */
export const STALE_AFTER_MS = 14 * DAY_MS;

/** Triggers from facts that can arrive late (imports, backfilled orders); the others are the sweep's own. */
const STALE_TRIGGERS = new Set<string>(["first_purchase", "purchase", "spend_milestone", "lead_no_follow_up"]);

const ACTIVE_STAGES: Stage[] = ["customer", "loyal", "advocate"];
const FOLLOW_UP_STAGES: Stage[] = ["lead"];

/** The owner alerts that are also tasks, by their campaign's trigger. */
const ALERT_OF_TRIGGER: Partial<Record<string, AlertReason>> = { lead_no_follow_up: "lead-follow-up", low_feedback: "detractor-alert" };

interface Candidate {
  occurrence: string;
  dueAt: number;
}

export function sentOf(customer: CustomerItem, campaignId: string): { occurrence: string; at: string } | undefined {
  return customer[`sent#${campaignId}`];
}

/** The campaign occurrence a customer's facts call for, if any (due now or in the future). */
function candidate(campaign: Campaign, c: CustomerItem, now: Date, cfg: RetentionConfig, thanksFirstOrder: boolean): Candidate | undefined {
  const t = campaign.trigger;
  switch (t.type) {
    case "first_purchase":
      return c.firstPurchaseAt ? { occurrence: "first", dueAt: Date.parse(c.firstPurchaseAt) + t.delayHours * HOUR_MS } : undefined;
    case "purchase":
      return c.lastPurchaseAt && c.lastPurchaseId ? { occurrence: c.lastPurchaseId, dueAt: Date.parse(c.lastPurchaseAt) + t.delayDays * DAY_MS } : undefined;
    case "spend_milestone": {
      const spend = fromMinor(c.spendMinor ?? 0, c.currency);
      const reached = [...t.amounts].sort((a, b) => b - a).find((amount) => spend >= amount);
      // A milestone the first order passed by itself is thanked for by the first-order thank-you
      // (when one is on): two mails in the same second ("thank you for your first order", "your
      // orders have passed $250") read as a machine talking. Later milestones get their own.
      const firstOrder = thanksFirstOrder && c.firstOrderSpendMinor !== undefined ? fromMinor(c.firstOrderSpendMinor, c.currency) : 0;
      const covered = Math.max(0, ...t.amounts.filter((amount) => amount <= firstOrder));
      const last = Math.max(Number(sentOf(c, campaign.id)?.occurrence ?? 0), covered);
      return reached !== undefined && reached > last && c.lastPurchaseAt ? { occurrence: String(reached), dueAt: Date.parse(c.lastPurchaseAt) } : undefined;
    }
    case "birthday": {
      if (!c.birthday) return undefined;
      const zone = safeZone(c.timezone, cfg.defaultTimezone);
      const [hour, minute] = t.localTime.split(":").map(Number) as [number, number];
      const today = localParts(now, zone);
      for (const year of [today.year - 1, today.year, today.year + 1]) {
        const day = birthdayIn(year, c.birthday);
        const at = zonedInstant({ ...day, hour, minute }, zone).getTime();
        // The greeting belongs to that local day; one held back by the send window may arrive the
        // next morning, but after that the next year's is the one.
        const lastChance = zonedInstant({ ...birthdayIn(year, c.birthday), hour: 23, minute: 59 }, zone).getTime() + DAY_MS;
        if (lastChance >= now.getTime() && sentOf(c, campaign.id)?.occurrence !== String(year)) return { occurrence: String(year), dueAt: at };
      }
      return undefined;
    }
    case "at_risk":
      return c.stage === "at_risk" && c.atRiskSince ? { occurrence: c.atRiskSince.slice(0, 10), dueAt: Date.parse(c.atRiskSince) } : undefined;
    case "lead_no_follow_up":
      return FOLLOW_UP_STAGES.includes(c.stage) && !c.lastFollowUpAt
        ? { occurrence: "first", dueAt: Date.parse(c.createdAt) + t.afterHours * HOUR_MS }
        : undefined;
    case "low_feedback":
      return c.lowFeedbackAt && (c.latestFeedbackScore ?? 10) <= 6 ? { occurrence: c.lowFeedbackAt, dueAt: Date.parse(c.lowFeedbackAt) } : undefined;
    case "interest": {
      const hit = qualifyingInterest(c.interests, c.boughtInterests, t.views, t.days, now);
      return hit ? { occurrence: `${hit.interest}@${hit.lastDay.slice(0, 7)}`, dueAt: Date.parse(hit.lastDay) } : undefined;
    }
    case "double_opt_in":
      return c.consentPending ? { occurrence: c.consentPending.at, dueAt: Date.parse(c.consentPending.at) } : undefined;
    case "opens_without_clicks": {
      const occurrence = streakOccurrence(c, t.opens);
      return occurrence ? { occurrence, dueAt: Date.parse(c.lastOpenedAt ?? occurrence) } : undefined;
    }
    case "sunset": {
      const due = repermissionDueAt(c, cfg);
      return due ? { occurrence: due.idleSince, dueAt: due.dueAt } : undefined;
    }
    case "ambassador":
      return c.ambassadorAt ? { occurrence: "first", dueAt: Date.parse(c.ambassadorAt) } : undefined;
  }
}

function sunsetCampaign(campaigns: Campaign[]): Campaign | undefined {
  return campaigns.find((x) => x.enabled && x.trigger.type === "sunset");
}

/**
 * Whether marketing stops now: the grace period after the current idle period's re-permission
 * email has run out. A grace period still running is a time to look again (`later`).
 */
function sunsetOf(c: CustomerItem, campaigns: Campaign[], now: Date, cfg: RetentionConfig, later: number[]): Evaluation["sunset"] {
  const campaign = sunsetCampaign(campaigns);
  if (!campaign || c.consentMarketing !== true) return undefined;
  const stopsAt = sunsetDueAt(c, sentOf(c, campaign.id), cfg);
  if (stopsAt === undefined) return undefined;
  if (stopsAt > now.getTime()) {
    later.push(stopsAt);
    return undefined;
  }
  return { at: new Date(stopsAt).toISOString(), idleSince: idleSince(c)!, campaignId: campaign.id };
}

/**
 * The language a send is written in: the customer's locale picks the campaign's template (an
 * alert to the owner is always English), falling back as `pickTemplate` does.
 */
export function sendLanguage(campaign: Campaign, c: Pick<CustomerItem, "locale">): string {
  return pickTemplate(campaign, campaign.recipient === "owner" ? "en" : (c.locale ?? "en")).language;
}

/** Whether the campaign's audience filter admits the customer. */
export function inAudience(campaign: Campaign, c: CustomerItem): boolean {
  const { stages, tags, excludeTags } = campaign.audience;
  const own = c.tags ?? new Set<string>();
  if (stages && stages.length > 0 && !stages.includes(c.stage)) return false;
  if (tags && !tags.every((t) => own.has(t))) return false;
  if (excludeTags?.some((t) => own.has(t))) return false;
  return true;
}

/** The guardrails every customer-facing send passes, at the sweep and again at the sender. */
export function blockedReason(campaign: Campaign, c: CustomerItem, owner: string | undefined): string | undefined {
  if (campaign.recipient === "owner") return owner ? undefined : "no owner or SALES_EMAIL to alert";
  if (c.emailStatus && c.emailStatus !== "ok") return `address ${c.emailStatus}`;
  if (campaign.kind === "marketing" && c.consentMarketing !== true) return "no marketing consent";
  if (campaign.kind === "marketing" && isSunset(c)) return `sunset: no opens or clicks since ${c.sunsetIdleSince?.slice(0, 10)}`;
  if (campaign.kind === "marketing" && c.mailPreferences?.[campaign.category ?? "offers"] === false) return `${campaign.category ?? "offers"} switched off`;
  if (campaign.trigger.type === "double_opt_in" && (!c.consentPending || c.consentMarketing === true)) return "nothing to confirm";
  return undefined;
}

/** Marketing waits for the customer's local send window and for the frequency cap; returns when it may go. */
export function earliestSendTime(campaign: Campaign, c: CustomerItem, now: Date, cfg: RetentionConfig): Date {
  if (campaign.kind !== "marketing" || campaign.recipient !== "customer") return now;
  let at = now;
  if (c.lastMarketingAt) {
    const capEnds = new Date(Date.parse(c.lastMarketingAt) + cfg.frequencyCapDays * DAY_MS);
    if (capEnds > at) at = capEnds;
  }
  return nextInWindow(at, safeZone(c.timezone, cfg.defaultTimezone), cfg.sendWindow);
}

/**
 * What is due for `customer` at `now`. With `lifecycle` (the sweep passes it), a customer at risk
 * who is valuable (./alerts.ts) also raises the valuable-at-risk alert.
 */
export function evaluate(customer: CustomerItem, campaigns: Campaign[], now: Date, cfg: RetentionConfig, lifecycle?: LifecycleThresholds): Evaluation {
  const nowMs = now.getTime();
  const result: Evaluation = { sends: [], alerts: [], deferred: 0, skipped: {} };
  const later: number[] = [];
  let c = customer;

  // Inactivity moves the stage first, so the win-back campaign sees the new stage in this pass.
  const idleSince = Date.parse(c.lastActivityAt);
  if (ACTIVE_STAGES.includes(c.stage)) {
    const threshold = idleSince + cfg.atRiskDays * DAY_MS;
    if (threshold <= nowMs) {
      const since = new Date(threshold).toISOString();
      result.stageChange = { from: c.stage, to: "at_risk", since };
      c = { ...c, stage: "at_risk", atRiskSince: since };
    } else later.push(threshold);
  }
  if (c.stage === "at_risk") {
    const threshold = idleSince + cfg.churnDays * DAY_MS;
    if (threshold <= nowMs) {
      result.stageChange = { from: customer.stage, to: "churned", since: new Date(threshold).toISOString() };
      c = { ...c, stage: "churned" };
    } else later.push(threshold);
  }

  // The sunset comes before the sends too: marketing due in this pass already sees it stopped.
  const sunset = sunsetOf(c, campaigns, now, cfg, later);
  if (sunset) {
    result.sunset = sunset;
    c = { ...c, sunsetAt: sunset.at, sunsetIdleSince: sunset.idleSince };
  }

  const owner = c.owner ?? cfg.salesEmail;
  const marketingNow: string[] = [];
  const thanksFirstOrder = campaigns.some((campaign) => campaign.enabled && campaign.trigger.type === "first_purchase" && inAudience(campaign, c));
  for (const campaign of campaigns) {
    if (!campaign.enabled) continue;
    const due = candidate(campaign, c, now, cfg, thanksFirstOrder);
    if (!due) continue;
    if (due.dueAt > nowMs) {
      later.push(due.dueAt);
      continue;
    }
    const last = sentOf(c, campaign.id);
    if (last?.occurrence === due.occurrence) continue;
    if (nowMs - due.dueAt > STALE_AFTER_MS && STALE_TRIGGERS.has(campaign.trigger.type)) {
      result.skipped[campaign.id] = "stale";
      continue;
    }
    if (last && campaign.minDaysBetween > 0 && nowMs - Date.parse(last.at) < campaign.minDaysBetween * DAY_MS) {
      result.skipped[campaign.id] = `sent less than ${campaign.minDaysBetween} days ago`;
      continue;
    }
    if (!inAudience(campaign, c)) {
      result.skipped[campaign.id] = "not in audience";
      continue;
    }
    const reason = campaign.recipient === "owner" ? ALERT_OF_TRIGGER[campaign.trigger.type] : undefined;
    // The task is the alert; the email (below) only when there is an address to send it to.
    if (reason) result.alerts.push({ customerId: c.id, reason, occurrence: due.occurrence, dueAt: new Date(due.dueAt).toISOString() });
    const blocked = blockedReason(campaign, c, owner);
    if (blocked) {
      result.skipped[campaign.id] = blocked;
      continue;
    }
    const earliest = earliestSendTime(campaign, c, now, cfg).getTime();
    // Two marketing mails due in one sweep: the cap lets one through; the other waits its turn.
    const capped = campaign.kind === "marketing" && campaign.recipient === "customer" && marketingNow.length > 0;
    if (earliest > nowMs || capped) {
      result.deferred++;
      later.push(capped ? Math.max(earliest, nowMs + cfg.frequencyCapDays * DAY_MS) : earliest);
      continue;
    }
    if (campaign.kind === "marketing" && campaign.recipient === "customer") marketingNow.push(campaign.id);
    result.sends.push({ customerId: c.id, campaignId: campaign.id, occurrence: due.occurrence, dueAt: new Date(due.dueAt).toISOString() });
  }
  // A customer whose idle clock starts with a marketing mail going out in this very pass (the send
  // sets `firstMarketingAt` once it is out, after this evaluation) is looked at again then.
  const asking = sunsetCampaign(campaigns);
  if (marketingNow.length > 0 && !c.firstMarketingAt && asking) later.push(nowMs + cfg.sunsetDays * DAY_MS);
  // Likewise the re-permission email going out now: its grace period's end is the next look.
  if (asking && marketingNow.includes(asking.id)) later.push(nowMs + cfg.sunsetGraceDays * DAY_MS);
  // The reward mail waits for a perk code (shared/referrals/perks.ts): somebody has to refill the pool.
  if (c.perkWaitingSince && !c.perkCode)
    result.alerts.push({ customerId: c.id, reason: "perk-pool-empty", occurrence: c.perkWaitingSince, dueAt: c.perkWaitingSince });
  if (lifecycle && c.stage === "at_risk" && c.atRiskSince && nowMs - Date.parse(c.atRiskSince) <= STALE_AFTER_MS && isValuable(c, lifecycle))
    result.alerts.push({ customerId: c.id, reason: "valuable-at-risk", occurrence: c.atRiskSince.slice(0, 10), dueAt: c.atRiskSince });
  if (later.length > 0) result.nextDueAt = new Date(Math.min(...later)).toISOString();
  return result;
}
