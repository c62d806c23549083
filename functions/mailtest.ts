import { personEmail } from "../shared/auth/people.ts";
import { SqsQueue } from "../shared/aws/sqs-queue.ts";
import { loadBroadcastCampaign } from "../shared/broadcasts/campaign.ts";
import { queueTestSend } from "../shared/campaigns/test-send.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import type { SendQueue } from "../shared/core/ports.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import { json } from "../shared/http/http.ts";

export interface MailTestWiring {
  queue: SendQueue;
  /** Locally: deliver what was queued before answering (the in-process queue). */
  afterQueue?: () => Promise<void>;
}

/**
 * `POST /v1/campaigns/{id}/test` and `POST /v1/broadcasts/{id}/test`: a campaign's (or newsletter's) test send goes onto the send queue, so the sender
 * sends it through the same mailer as every campaign email. A function of its own (not the
 * sweep's, which also feeds the queue) to keep both bundles under their 400 KB budget.
 */
export function makeHandler(deps: Deps, wiring: MailTestWiring) {
  return httpFunction(
    "mailtest",
    {
      testCampaign: async ({ params, body }, { principal }) => {
        const queued = await queueTestSend(deps, wiring.queue, params.id, body, principal, (id) => personEmail(deps, id));
        await wiring.afterQueue?.();
        return json(202, queued);
      },
      testBroadcast: async ({ params, body }, { principal }) => {
        const queued = await queueTestSend(deps, wiring.queue, params.id, body, principal, (id) => personEmail(deps, id), loadBroadcastCampaign);
        await wiring.afterQueue?.();
        return json(202, queued);
      },
    },
    deps,
  );
}

export const handler = lazyHandler(() => {
  const deps = depsFromEnv();
  const url = deps.config.retention.sendQueueUrl;
  if (!url) throw new Error("SEND_QUEUE_URL is not set");
  return makeHandler(deps, { queue: new SqsQueue(url, deps.config.region) });
});
