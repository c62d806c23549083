import { createApiKey, listApiKeys, revokeApiKey } from "../shared/auth/api-keys.ts";
import { addPerson, listPeople, removePerson } from "../shared/auth/people.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import { json } from "../shared/http/http.ts";
import { sendTestWebhook } from "../shared/webhooks/deliver.ts";
import type { WebhookSecrets } from "../shared/webhooks/secrets.ts";
import { webhookSecretsFromConfig } from "../shared/webhooks/secrets.ts";
import { addWebhook, listWebhooks, removeWebhook } from "../shared/webhooks/store.ts";

/**
 * Who am I, the team who sign in (owners only), the API keys of integrations and the outbound
 * webhook endpoints (owners only): what an owner gives other people and tools.
 */
export function makeHandler(deps: Deps, webhookSecrets: WebhookSecrets = webhookSecretsFromConfig(deps.config, deps.clock)) {
  return httpFunction(
    "people",
    {
      whoAmI: async (_input, { principal }) => {
        const { type, id, scopes, role, name } = principal;
        const list = scopes.split(" ").filter(Boolean);
        return json(200, type === "person" ? { type, id, name: name ?? "", role, scopes: list } : { type, id, scopes: list });
      },
      listPeople: async () => json(200, { items: await listPeople(deps) }),
      addPerson: async ({ body }) => json(201, await addPerson(deps, body)),
      removePerson: async ({ params }) => json(200, await removePerson(deps, params.id)),
      listKeys: async () => json(200, { items: await listApiKeys(deps) }),
      createKey: async ({ body }) => json(201, await createApiKey(deps, body)),
      revokeKey: async ({ params }) => json(200, await revokeApiKey(deps, params.id)),
      listWebhooks: async () => json(200, { webhooks: await listWebhooks(deps) }),
      addWebhook: async ({ body }) => {
        const { endpoint, secret } = await addWebhook(deps, webhookSecrets, body);
        return json(201, { webhook: endpoint, secret }, { "cache-control": "no-store" });
      },
      removeWebhook: async ({ params }) => {
        await removeWebhook(deps, webhookSecrets, params.id);
        return { statusCode: 204, headers: { "cache-control": "no-store" }, body: "" };
      },
      testWebhook: async ({ params }) => json(200, await sendTestWebhook(deps, webhookSecrets, params.id)),
    },
    deps,
  );
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
