import * as z from "zod/mini";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { CampaignId, CampaignInput } from "../shared/campaigns/schema.ts";
import { getCampaign, listCampaigns, putCampaign } from "../shared/campaigns/store.ts";
import type { HttpEvent } from "../shared/http/http.ts";
import { actorId, json, parseBody, validate } from "../shared/http/http.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";

/**
 * A campaign with HTML templates in several languages outgrows the 16 KiB form limit quickly; this
 * keeps a definition well inside DynamoDB's 400 KB item limit.
 */
const MAX_CAMPAIGN_BYTES = 256 * 1024;

/** Admin: read and edit campaign definitions. */
export function makeHandler(deps: Deps) {
  return httpFunction(
    "campaigns",
    {
      listCampaigns: async () => json(200, { items: await listCampaigns(deps) }),
      getCampaign: async (event) => json(200, await getCampaign(deps, campaignId(event))),
      putCampaign: async (event, { principal }) => {
        const id = campaignId(event);
        const input = validate(CampaignInput, (await parseBody(event, MAX_CAMPAIGN_BYTES)).fields);
        return json(200, await putCampaign(deps, id, input, actorId(principal!)));
      },
    },
    deps,
  );
}

function campaignId(event: HttpEvent): string {
  return validate(PathWithId, event.pathParameters ?? {}).id;
}

const PathWithId = z.object({ id: CampaignId });

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
