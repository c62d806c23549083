import { listCampaigns } from "../../shared/campaigns/store.ts";
import type { Command } from "../cli.ts";
import { table } from "../format.ts";

/** `rapport campaigns list`: what the sweep will consider, at a glance. */
export const campaignsList: Command = {
  name: "campaigns list",
  summary: "List campaigns: id, enabled, kind, recipient, trigger, languages; edited defaults are marked.",
  async run(ctx) {
    const deps = await ctx.deps();
    const campaigns = await listCampaigns(deps);
    const rows = campaigns.map((c) => [
      c.id,
      c.enabled ? "yes" : "no",
      c.kind,
      c.recipient,
      c.trigger.type,
      Object.keys(c.templates).sort().join(" "),
      c.isDefault ? (c.updatedAt ? "default, edited" : "default") : "custom",
    ]);
    for (const line of table(["id", "enabled", "kind", "to", "trigger", "languages", "origin"], rows)) ctx.out(line);
  },
};
