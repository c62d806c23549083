import { customerPk } from "./customer.ts";
import type { TableKey } from "./table.ts";

/**
 * Keys of send-ledger items: one per (customer, campaign, occurrence), claimed with a conditional
 * write before an email goes out (access pattern 6). They live in the customer's partition so
 * the 360 view lists the emails sent with one Query `begins_with(SK, "SEND#")`.
 */
export const SEND_PREFIX = "SEND#";

export function sendKey(customerId: string, campaignId: string, occurrence: string): TableKey {
  return { PK: customerPk(customerId), SK: `${SEND_PREFIX}${campaignId}#${occurrence}` };
}
