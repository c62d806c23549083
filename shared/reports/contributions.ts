import { toMinor } from "../core/money.ts";
import { ERASED_SK, PROFILE_SK } from "../entities/customer.ts";
import { campaignCounterKey, cohortKey, dayKey, itemId, RFM_SPEND_KEY, referrerCounterKey, rfmMonthKey, STAGES_KEY } from "../entities/report.ts";
import { SEND_PREFIX } from "../entities/send.ts";
import type { TableKey as Key } from "../entities/table.ts";
import { TIMELINE_PREFIX } from "../entities/timeline.ts";
import { monthsBetween } from "./dates.ts";

/**
 * What one stored item adds to the report counters. The whole of report maintenance is this one
 * pure function of an item:
 *
 * - the stream consumer applies, for every change, `contributions(new) − contributions(old)`;
 * - `rapport reports rebuild` sums `contributions(item)` over every item.
 *
 * So the counters are a sum over what the table holds, and a rebuild equals the incremental
 * counters by construction (tested in test/reports.test.ts), with one deliberate exception:
 * history. Counters of things that happened (a purchase on a day, a stage move, an email sent,
 * opened, answered) are `history`: the consumer ignores their removal, because the only thing that
 * removes them is an erasure, and an erasure keeps the counters, anonymous, by design. A
 * rebuild after erasures cannot see what erasure deleted, so it counts less history than the
 * incremental counters do; current-state counters (stages, cohorts, RFM) agree either way.
 *
 * | item | state (follows the item; its removal subtracts) | history (removal ignored) |
 * |---|---|---|
 * | profile | stage count; cohort size and retention; RFM cell and spend bucket | day created (`new`); day of first purchase (`newCustomers`); with `referredBy`: day created `refLeads` and the referrer's `leads`, day of first purchase `refConversions` and the referrer's `conversions` |
 * | tombstone | — | day erased (`erased#<stage>`) |
 * | timeline `purchase` | — | day: `purchases`, `revenue` (minor units); with `referredBy`: day `refRevenue` and the referrer's `revenue` |
 * | timeline `stage_changed` | — | day: `move#<from>#<to>` |
 * | timeline `unsubscribed` / `feedback` with a campaign | — | campaign: `unsubscribed`; `fb#<score>` |
 * | timeline `sunset` / `sunset_kept` with a campaign | — | campaign: `sunset` (marketing stopped); `kept` ("keep me" pressed) |
 * | send ledger | — | campaign: `sent` (status sent), `delivered`, `opened`, `clicked`, `bounced`, `complained` (first time each, unique per message); day: `sent` |
 */

/** Counter deltas: `PK|SK` → attribute → amount. */
export type Counts = Map<string, Map<string, number>>;

export interface ContributionConfig {
  /** The currency lifetime spend and purchase amounts are kept in. */
  currency: string;
}

export interface Contributions {
  state: Counts;
  history: Counts;
}

/** How many months of retention a cohort tracks. */
export const COHORT_MONTHS = 12;
/** Order counts at or above this share one frequency cell. */
export const MAX_FREQUENCY = 100;
/** Spend histogram resolution: buckets per factor of ten (about 6 % wide). */
export const SPEND_BUCKETS_PER_DECADE = 40;

type Item = Record<string, unknown>;

export function emptyCounts(): Counts {
  return new Map();
}

export function add(counts: Counts, key: Key, attr: string, n: number): void {
  addTo(counts, itemId(key), attr, n);
}

function addTo(counts: Counts, id: string, attr: string, n: number): void {
  if (n === 0 || !Number.isFinite(n)) return;
  let attrs = counts.get(id);
  if (!attrs) counts.set(id, (attrs = new Map()));
  const sum = (attrs.get(attr) ?? 0) + n;
  if (sum === 0) attrs.delete(attr);
  else attrs.set(attr, sum);
  if (attrs.size === 0) counts.delete(id);
}

/** Adds `from` × `sign` into `into`. */
export function merge(into: Counts, from: Counts, sign = 1): void {
  for (const [id, attrs] of from) for (const [attr, n] of attrs) addTo(into, id, attr, n * sign);
}

export function contributions(item: Item | undefined, cfg: ContributionConfig): Contributions {
  const result: Contributions = { state: emptyCounts(), history: emptyCounts() };
  if (!item || typeof item.SK !== "string") return result;
  const sk = item.SK;
  if (sk === PROFILE_SK) profile(item, result);
  else if (sk === ERASED_SK) tombstone(item, result);
  else if (sk.startsWith(TIMELINE_PREFIX)) timelineEntry(item, cfg, result);
  else if (sk.startsWith(SEND_PREFIX)) sendLedger(item, result.history);
  return result;
}

/** The delta one stream record makes: state follows the item, history ignores removals. */
export function recordDelta(oldItem: Item | undefined, newItem: Item | undefined, cfg: ContributionConfig): Counts {
  const before = contributions(oldItem, cfg);
  const after = contributions(newItem, cfg);
  const delta = emptyCounts();
  merge(delta, after.state);
  merge(delta, before.state, -1);
  if (newItem !== undefined) {
    merge(delta, after.history);
    merge(delta, before.history, -1);
  }
  return delta;
}

function profile(item: Item, { state, history }: Contributions): void {
  const stage = str(item.stage);
  if (stage) add(state, STAGES_KEY, stage, 1);
  const created = day(item.createdAt);
  if (created) add(history, dayKey(created), "new", 1);

  const first = str(item.firstPurchaseAt);
  const firstDay = day(first);
  if (firstDay) add(history, dayKey(firstDay), "newCustomers", 1);

  // Referred people: a lead the day they arrived, a conversion the day of their first purchase.
  const referrer = str(item.referredBy);
  if (referrer && created) {
    add(history, dayKey(created), "refLeads", 1);
    add(history, referrerCounterKey(referrer), "leads", 1);
    if (firstDay) {
      add(history, dayKey(firstDay), "refConversions", 1);
      add(history, referrerCounterKey(referrer), "conversions", 1);
    }
  }

  if (first) {
    const cohort = first.slice(0, 7);
    add(state, cohortKey(cohort), "size", 1);
    const lastActive = [str(item.lastActivityAt), str(item.lastPurchaseAt)].filter(Boolean).sort().at(-1);
    const months = lastActive ? monthsBetween(cohort, lastActive.slice(0, 7)) : 0;
    for (let k = 1; k <= Math.min(months, COHORT_MONTHS); k++) add(state, cohortKey(cohort), `r${k}`, 1);
  }

  const orders = num(item.orders);
  const last = str(item.lastPurchaseAt);
  if (orders >= 1 && last && day(last)) {
    const spend = num(item.spendMinor);
    const f = Math.min(orders, MAX_FREQUENCY);
    add(state, rfmMonthKey(last.slice(0, 7)), `n#${f}`, 1);
    add(state, rfmMonthKey(last.slice(0, 7)), `m#${f}`, spend);
    add(state, RFM_SPEND_KEY, `n#${spendBucket(spend)}`, 1);
  }
}

function tombstone(item: Item, { history }: Contributions): void {
  const erased = day(item.erasedAt);
  const stage = str(item.stage);
  if (erased && stage) add(history, dayKey(erased), `erased#${stage}`, 1);
}

function timelineEntry(item: Item, cfg: ContributionConfig, { history }: Contributions): void {
  const at = day(item.at);
  const data = (item.data && typeof item.data === "object" ? item.data : {}) as Item;
  switch (item.kind) {
    case "purchase": {
      if (!at) return;
      add(history, dayKey(at), "purchases", 1);
      const amount = typeof data.amount === "number" ? data.amount : 0;
      add(history, dayKey(at), "revenue", toMinor(amount, cfg.currency));
      const referrer = str(data.referredBy);
      if (referrer) {
        add(history, dayKey(at), "refRevenue", toMinor(amount, cfg.currency));
        add(history, referrerCounterKey(referrer), "revenue", toMinor(amount, cfg.currency));
      }
      return;
    }
    case "stage_changed": {
      const from = str(data.from);
      const to = str(data.to);
      if (at && from && to) add(history, dayKey(at), `move#${from}#${to}`, 1);
      return;
    }
    case "unsubscribed": {
      const campaign = str(data.campaignId);
      if (campaign) add(history, campaignCounterKey(campaign), "unsubscribed", 1);
      return;
    }
    case "sunset":
    case "sunset_kept": {
      const campaign = str(data.campaignId);
      if (campaign) add(history, campaignCounterKey(campaign), item.kind === "sunset" ? "sunset" : "kept", 1);
      return;
    }
    case "feedback": {
      const campaign = str(data.campaignId);
      const score = data.score;
      if (campaign && typeof score === "number" && Number.isInteger(score) && score >= 0 && score <= 10)
        add(history, campaignCounterKey(campaign), `fb#${score}`, 1);
      return;
    }
  }
}

/** What SES said about each message, first time each (shared/mail-feedback/outcomes.ts sets these once). */
export const SEND_OUTCOMES = ["delivered", "opened", "clicked", "bounced", "complained"] as const;

function sendLedger(item: Item, history: Counts): void {
  const campaign = str(item.campaignId);
  if (!campaign || item.status !== "sent") return;
  const key = campaignCounterKey(campaign);
  add(history, key, "sent", 1);
  const sent = day(item.sentAt);
  if (sent) add(history, dayKey(sent), "sent", 1);
  for (const outcome of SEND_OUTCOMES) if (str(item[`${outcome}At`])) add(history, key, outcome, 1);
}

/** The spend histogram's bucket: 0 for nothing spent, else 1 + ⌊log10(minor units) × 40⌋. */
export function spendBucket(spendMinor: number): number {
  return spendMinor <= 0 ? 0 : 1 + Math.floor(Math.log10(spendMinor) * SPEND_BUCKETS_PER_DECADE);
}

function day(value: unknown): string | undefined {
  return typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
