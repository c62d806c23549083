import type { TableKey } from "./table.ts";

/**
 * Keys of report counters (access pattern 8): small items that the reports read instead of the
 * customers, so a report costs the same with 1,000 customers as with 1,000,000. They are kept by
 * the stream consumer (shared/reports/apply.ts) from the changes to customer partitions, and can
 * be recomputed from the items (`rapport reports rebuild`).
 *
 * | counter | key | read by |
 * |---|---|---|
 * | contacts per stage, now | `REPORT#STAGES` / `NOW` | GetItem |
 * | per UTC day: new contacts, stage moves, erasures, purchases, revenue, new customers, emails sent | `REPORT#DAY` / `<YYYY-MM-DD>` | Query on a range of days |
 * | per campaign: sent, delivered, opened, clicked, bounced, complained, unsubscribed, feedback scores | `REPORT#CAMPAIGN` / `<campaignId>` | Query of the partition |
 * | per first-purchase month: cohort size, retained after k months | `REPORT#COHORT` / `<YYYY-MM>` | Query on a range of months |
 * | RFM: customers and spend per order count, per month of last purchase; spend histogram | `REPORT#RFM` / `<YYYY-MM>`, `REPORT#RFM` / `M` | Query of the partition |
| per referrer: referred leads, their first purchases, their revenue | `REPORT#REFERRER` / `<customerId>` | Query of the partition |
 * | applied stream chunks (idempotency of the consumer) | `REPORT#APPLIED` / `<first eventID>` | GetItem |
 *
 * Counter attributes are flat names (`move#lead#customer`, `n#2`) so one UpdateItem can ADD to
 * any of them without the others existing. None of the partitions starts with `CUST#`, so the
 * consumer's own writes never come back to it through the stream filter.
 */
export const REPORT_PREFIX = "REPORT#";

export const STAGES_KEY = { PK: "REPORT#STAGES", SK: "NOW" } as const;
export const DAY_PARTITION = "REPORT#DAY";
export const CAMPAIGN_PARTITION = "REPORT#CAMPAIGN";
export const COHORT_PARTITION = "REPORT#COHORT";
export const RFM_PARTITION = "REPORT#RFM";
export const REFERRER_PARTITION = "REPORT#REFERRER";
export const APPLIED_PARTITION = "REPORT#APPLIED";
/** The counter partitions a rebuild replaces (not the applied markers). */
export const COUNTER_PARTITIONS = [STAGES_KEY.PK, DAY_PARTITION, CAMPAIGN_PARTITION, COHORT_PARTITION, RFM_PARTITION, REFERRER_PARTITION] as const;

export function dayKey(day: string): TableKey {
  return { PK: DAY_PARTITION, SK: day };
}

export function campaignCounterKey(campaignId: string): TableKey {
  return { PK: CAMPAIGN_PARTITION, SK: campaignId };
}

export function cohortKey(month: string): TableKey {
  return { PK: COHORT_PARTITION, SK: month };
}

/** The counters of what one referrer's links brought: leads, first purchases, revenue. */
export function referrerCounterKey(referrerId: string): TableKey {
  return { PK: REFERRER_PARTITION, SK: referrerId };
}

/** The RFM item of customers whose last purchase was in `month` (YYYY-MM). */
export function rfmMonthKey(month: string): TableKey {
  return { PK: RFM_PARTITION, SK: month };
}

/** The spend histogram (monetary scores). Sorts after every `YYYY-MM`. */
export const RFM_SPEND_KEY = { PK: RFM_PARTITION, SK: "SPEND" } as const;

export function appliedKey(firstEventId: string): TableKey {
  return { PK: APPLIED_PARTITION, SK: firstEventId };
}

/** `PK|SK` — the map key the consumer aggregates deltas under. */
export function itemId(key: TableKey): string {
  return `${key.PK}|${key.SK}`;
}

export function parseItemId(id: string): TableKey {
  const bar = id.indexOf("|");
  return { PK: id.slice(0, bar), SK: id.slice(bar + 1) };
}
