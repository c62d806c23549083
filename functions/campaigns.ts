import { previewCampaign } from "../shared/campaigns/preview.ts";
import { getCampaign, listCampaigns, putCampaign } from "../shared/campaigns/store.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import { actorId, json } from "../shared/http/http.ts";

/** Admin: read and edit campaign definitions, and preview one for a customer. */
export function makeHandler(deps: Deps) {
  return httpFunction(
    "campaigns",
    {
      listCampaigns: async () => json(200, { items: await listCampaigns(deps) }),
      getCampaign: async ({ params }) => json(200, await getCampaign(deps, params.id)),
      previewCampaign: async ({ params, body }) => json(200, await previewCampaign(deps, params.id, body)),
      putCampaign: async ({ params, body }, { principal }) => json(200, await putCampaign(deps, params.id, body, actorId(principal))),
    },
    deps,
  );
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
