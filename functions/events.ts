import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import { actorId, byOf, header, json } from "../shared/http/http.ts";
import { withIdempotency } from "../shared/http/idempotency.ts";
import { recordEvent } from "../shared/interactions/record.ts";

/** Admin: record purchases and other interactions (webhooks from shops, helpdesks, calendars). */
export function makeHandler(deps: Deps) {
  return httpFunction(
    "events",
    {
      recordEvent: async ({ event, body }, { principal }) => {
        const run = async () => {
          const result = await recordEvent(deps, body, byOf(principal));
          return json(result.duplicate ? 200 : 201, result);
        };
        const key = header(event, "idempotency-key");
        return key === undefined ? run() : withIdempotency(deps, { key, scope: `${event.routeKey}\n${actorId(principal)}`, request: body }, run);
      },
    },
    deps,
  );
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
