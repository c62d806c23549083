import { queryAll } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { CAMPAIGN_PARTITION } from "../entities/campaign.ts";

/** What a report shows of a campaign. */
export interface CampaignName {
  id: string;
  name: string;
  kind: "transactional" | "marketing";
}

/**
 * The shipped defaults' ids, names and kinds, for readers that need nothing else (the reports):
 * their bundles then carry no email templates. A unit test keeps this list equal to the defaults.
 */
export const DEFAULT_CAMPAIGN_NAMES: readonly CampaignName[] = [
  { id: "thank-you", name: "Thank you after the first purchase", kind: "transactional" },
  { id: "feedback-request", name: "Feedback request", kind: "transactional" },
  { id: "spend-milestone", name: "Spend milestone thank-you", kind: "transactional" },
  { id: "birthday", name: "Birthday greeting", kind: "marketing" },
  { id: "win-back", name: "Win-back for at-risk customers", kind: "marketing" },
  { id: "lead-follow-up", name: "Lead follow-up alert", kind: "transactional" },
  { id: "detractor-alert", name: "Low feedback score alert", kind: "transactional" },
  { id: "consent-confirmation", name: "Consent confirmation (double opt-in)", kind: "transactional" },
  { id: "interest-nudge", name: "Website interest, nothing bought yet", kind: "marketing" },
];

/**
 * Every campaign's id, name and kind, as `listCampaigns` (./store.ts) would give them: the
 * defaults, each replaced by its stored edit, and the campaigns created through the API; sorted
 * by id. One Query of the campaign partition, reading only those attributes.
 */
export async function listCampaignNames(deps: Pick<Deps, "db" | "table">): Promise<CampaignName[]> {
  const byId = new Map<string, CampaignName>(DEFAULT_CAMPAIGN_NAMES.map((c) => [c.id, { ...c }]));
  for await (const item of queryAll(deps.db, {
    TableName: deps.table,
    KeyConditionExpression: "PK = :pk",
    ProjectionExpression: "id, #name, kind",
    ExpressionAttributeNames: { "#name": "name" },
    ExpressionAttributeValues: { ":pk": CAMPAIGN_PARTITION },
  })) {
    const { id, name, kind } = item as unknown as CampaignName;
    byId.set(id, { id, name, kind });
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
