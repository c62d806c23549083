/**
 * Keys of campaign definitions (access pattern 8: campaigns by id). All in one partition: there
 * are few, and the sweep reads them all at once with one Query. A stored campaign overrides the
 * shipped default with the same id.
 */
export const CAMPAIGN_PARTITION = "CAMPAIGN";

export function campaignKey(campaignId: string): { PK: string; SK: string } {
  return { PK: CAMPAIGN_PARTITION, SK: campaignId };
}
