import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { NotFound } from "../core/errors.ts";
import { campaignKey } from "../entities/campaign.ts";
import type { TableKey } from "../entities/table.ts";
import { DEFAULT_CAMPAIGN_IDS, DEFAULT_CAMPAIGNS, defaultCampaign } from "./defaults.ts";
import { campaignsOver } from "./listing.ts";
import type { Campaign, CampaignInput } from "./schema.ts";

type StoredCampaign = CampaignInput & TableKey & { id: string; updatedAt: string; updatedBy: string };

/**
 * Every campaign: the shipped defaults, each replaced by its stored edit if there is one, and the
 * campaigns created through the API; sorted by id (./listing.ts).
 */
export async function listCampaigns(deps: Pick<Deps, "db" | "table">): Promise<Campaign[]> {
  return campaignsOver(deps, DEFAULT_CAMPAIGNS);
}

/** One campaign: its stored definition, else the shipped default; NotFound if neither. */
export async function getCampaign(deps: Pick<Deps, "db" | "table">, id: string): Promise<Campaign> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.table, Key: campaignKey(id), ConsistentRead: true }));
  if (Item) return fromItem(Item as StoredCampaign);
  const shipped = defaultCampaign(id);
  if (!shipped) throw new NotFound(`no campaign ${id}`);
  return structuredClone(shipped);
}

/**
 * Creates or replaces a campaign with a whole, validated definition. On a default's id this
 * stores an edited copy that overrides the shipped one from then on.
 *
 * @param actor who saved it (an API key id, or `person:<id>`), kept as `updatedBy`.
 */
export async function putCampaign(deps: Pick<Deps, "db" | "table" | "clock">, id: string, input: CampaignInput, actor: string): Promise<Campaign> {
  const item: StoredCampaign = { ...input, ...campaignKey(id), id, updatedAt: deps.clock.now().toISOString(), updatedBy: actor };
  await deps.db.send(new PutCommand({ TableName: deps.table, Item: item }));
  return fromItem(item);
}

function fromItem(item: StoredCampaign): Campaign {
  const { PK: _pk, SK: _sk, ...campaign } = item;
  return { ...campaign, isDefault: DEFAULT_CAMPAIGN_IDS.has(campaign.id) };
}
