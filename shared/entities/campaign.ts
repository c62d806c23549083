import type { TableKey } from "./table.ts";

/**
 * Keys of campaign definitions (access pattern 10: a campaign by id, all campaigns). All in one
 * partition: there are few, and the sweep reads them all at once with one Query. A stored campaign
 * overrides the shipped default with the same id.
 */
export const CAMPAIGN_PARTITION = "CAMPAIGN";

export function campaignKey(campaignId: string): TableKey {
  return { PK: CAMPAIGN_PARTITION, SK: campaignId };
}
