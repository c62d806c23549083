import { queryAll } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { CAMPAIGN_PARTITION } from "../entities/campaign.ts";
import type { Campaign } from "./schema.ts";

export type CampaignSummary = Pick<Campaign, "id" | "name" | "kind">;

/**
 * Each shipped default's id, name and kind, without its letters: what the campaigns report needs,
 * so the reports function's bundle carries none of the templates (about 24 KB of its 400 KB
 * budget). A unit test holds it equal to `DEFAULT_CAMPAIGNS` (./defaults.ts).
 */
export const DEFAULT_CAMPAIGN_SUMMARIES: readonly CampaignSummary[] = [
  { id: "thank-you", name: "Thank you after the first purchase", kind: "transactional" },
  { id: "feedback-request", name: "Feedback request", kind: "transactional" },
  { id: "spend-milestone", name: "Spend milestone thank-you", kind: "transactional" },
  { id: "birthday", name: "Birthday greeting", kind: "marketing" },
  { id: "win-back", name: "Win-back for at-risk customers", kind: "marketing" },
  { id: "lead-follow-up", name: "Lead follow-up alert", kind: "transactional" },
  { id: "detractor-alert", name: "Low feedback score alert", kind: "transactional" },
  { id: "consent-confirmation", name: "Consent confirmation (double opt-in)", kind: "transactional" },
  { id: "interest-nudge", name: "Website interest, nothing bought yet", kind: "marketing" },
  { id: "opens-no-clicks", name: "Opens but never clicks", kind: "marketing" },
  { id: "sunset-repermission", name: "Sunset: do you still want to hear from us?", kind: "marketing" },
  { id: "ambassador-reward", name: "Ambassador reward", kind: "transactional" },
];

/**
 * Every campaign's id, name and kind, as `listCampaigns` (./store.ts) has them (the defaults, each
 * replaced by its stored edit, and the campaigns created through the API), sorted by id; one
 * Query of the campaign partition reading only those three attributes.
 */
export async function listCampaignSummaries(deps: Pick<Deps, "db" | "table">): Promise<CampaignSummary[]> {
  const byId = new Map<string, CampaignSummary>(DEFAULT_CAMPAIGN_SUMMARIES.map((c) => [c.id, { ...c }]));
  for await (const item of queryAll(deps.db, {
    TableName: deps.table,
    KeyConditionExpression: "PK = :pk",
    ExpressionAttributeValues: { ":pk": CAMPAIGN_PARTITION },
    ProjectionExpression: "id, #name, kind",
    ExpressionAttributeNames: { "#name": "name" },
  })) {
    const c = item as CampaignSummary;
    byId.set(c.id, { id: c.id, name: c.name, kind: c.kind });
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
