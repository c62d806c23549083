import { createApiKey, listApiKeys, revokeApiKey } from "../shared/auth/api-keys.ts";
import { addPerson, listPeople, removePerson } from "../shared/auth/people.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import { json } from "../shared/http/http.ts";

/** Who am I, the team who sign in (owners only), and the API keys of integrations (owners only). */
export function makeHandler(deps: Deps) {
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
    },
    deps,
  );
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
