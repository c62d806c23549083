import { describe, expect, it } from "vitest";
import { DEFAULT_CAMPAIGNS } from "../../shared/campaigns/defaults.ts";
import { DEFAULT_CAMPAIGN_SUMMARIES } from "../../shared/campaigns/summaries.ts";

describe("the shipped campaigns' summaries", () => {
  it("name every shipped default with its id, name and kind, as the campaigns report shows them", () => {
    const sort = <T extends { id: string }>(list: readonly T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
    expect(sort(DEFAULT_CAMPAIGN_SUMMARIES)).toEqual(sort(DEFAULT_CAMPAIGNS.map(({ id, name, kind }) => ({ id, name, kind }))));
  });
});
