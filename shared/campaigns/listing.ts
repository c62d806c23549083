import { queryAll } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { CAMPAIGN_PARTITION } from "../entities/campaign.ts";
import type { TableKey } from "../entities/table.ts";
import type { Campaign, CampaignInput } from "./schema.ts";

type StoredCampaign = CampaignInput & TableKey & { id: string; updatedAt: string; updatedBy: string };

/**
 * Every campaign: `defaults` (the shipped ones), each replaced by its stored edit if there is
 * one, and the campaigns created through the API; sorted by id. One Query on the campaign
 * partition (access pattern 10; it only pages past 1 MB of definitions). Apart from ./store.ts so
 * the sweep can pass the defaults without their emails (./definitions.ts).
 */
export async function campaignsOver(deps: Pick<Deps, "db" | "table">, defaults: readonly Campaign[]): Promise<Campaign[]> {
  const byId = new Map<string, Campaign>(defaults.map((c) => [c.id, structuredClone(c)]));
  for await (const item of queryAll(deps.db, {
    TableName: deps.table,
    KeyConditionExpression: "PK = :pk",
    ExpressionAttributeValues: { ":pk": CAMPAIGN_PARTITION },
  })) {
    const { PK: _pk, SK: _sk, ...campaign } = item as StoredCampaign;
    byId.set(campaign.id, { ...campaign, isDefault: defaults.some((d) => d.id === campaign.id) });
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
