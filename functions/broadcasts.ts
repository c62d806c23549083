import { loadBroadcastCampaign } from "../shared/broadcasts/campaign.ts";
import { cancelBroadcast, createBroadcast, getBroadcast, listBroadcasts, scheduleBroadcast } from "../shared/broadcasts/store.ts";
import { previewCampaign } from "../shared/campaigns/preview.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import { actorId, json } from "../shared/http/http.ts";

/** Admin: newsletters — write, list, read with figures, preview, schedule, cancel. Starting a send is the scheduler's (functions/broadcast-scheduler.ts). */
export function makeHandler(deps: Deps) {
  return httpFunction(
    "broadcasts",
    {
      listBroadcasts: async () => json(200, await listBroadcasts(deps)),
      createBroadcast: async ({ body }, { principal }) => json(201, await createBroadcast(deps, body, actorId(principal))),
      getBroadcast: async ({ params }) => json(200, await getBroadcast(deps, params.id)),
      previewBroadcast: async ({ params, body }) => json(200, await previewCampaign(deps, params.id, body, loadBroadcastCampaign)),
      scheduleBroadcast: async ({ params, body }) => json(200, await scheduleBroadcast(deps, params.id, body.sendAt)),
      cancelBroadcast: async ({ params }) => json(200, await cancelBroadcast(deps, params.id)),
    },
    deps,
  );
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
