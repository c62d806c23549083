import { describe, expect, it } from "vitest";
import { DEFAULT_CAMPAIGNS } from "../../shared/campaigns/defaults.ts";
import { DEFAULT_DEFINITIONS, DEFAULT_LANGUAGES } from "../../shared/campaigns/definitions.ts";
import { DEFAULT_CAMPAIGN_SUMMARIES } from "../../shared/campaigns/summaries.ts";

describe("the shipped campaigns' summaries", () => {
  it("name every shipped default with its id, name and kind, as the campaigns report shows them", () => {
    const sort = <T extends { id: string }>(list: readonly T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
    expect(sort(DEFAULT_CAMPAIGN_SUMMARIES)).toEqual(sort(DEFAULT_CAMPAIGNS.map(({ id, name, kind }) => ({ id, name, kind }))));
  });
});

describe("the shipped campaigns' definitions (what the sweep reads)", () => {
  it("are the shipped defaults without their emails, each written in every shipped language", () => {
    expect(DEFAULT_CAMPAIGNS.map(({ templates: _t, isDefault: _d, ...definition }) => definition)).toEqual(DEFAULT_DEFINITIONS);
    for (const campaign of DEFAULT_CAMPAIGNS) expect(Object.keys(campaign.templates).sort(), campaign.id).toEqual([...DEFAULT_LANGUAGES].sort());
  });
});
