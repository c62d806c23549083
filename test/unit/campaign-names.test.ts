import { describe, expect, it } from "vitest";
import { DEFAULT_CAMPAIGNS } from "../../shared/campaigns/defaults.ts";
import { DEFAULT_CAMPAIGN_NAMES } from "../../shared/campaigns/names.ts";

describe("the default campaigns' names the reports read", () => {
  it("are exactly the shipped defaults' ids, names and kinds", () => {
    expect(DEFAULT_CAMPAIGN_NAMES).toEqual(DEFAULT_CAMPAIGNS.map(({ id, name, kind }) => ({ id, name, kind })));
  });
});
