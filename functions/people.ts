import * as z from "zod/mini";
import { createApiKey, listApiKeys, revokeApiKey } from "../shared/auth/api-keys.ts";
import { addPerson, listPeople, removePerson } from "../shared/auth/people.ts";
import { KeyIdParam, KeyInput, PersonIdParam, PersonInput } from "../shared/auth/schema.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import type { HttpEvent } from "../shared/http/http.ts";
import { json, parseBody, validate } from "../shared/http/http.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";

/** Who am I, the team who sign in (owners only), and the API keys of integrations (owners only). */
export function makeHandler(deps: Deps) {
  return httpFunction(
    "people",
    {
      whoAmI: async (_event, { principal }) => {
        const { type, id, scopes, role, name } = principal!;
        const list = scopes.split(" ").filter(Boolean);
        return json(200, type === "person" ? { type, id, name: name ?? "", role, scopes: list } : { type, id, scopes: list });
      },
      listPeople: async () => json(200, { items: await listPeople(deps) }),
      addPerson: async (event) => {
        const input = validate(PersonInput, (await parseBody(event)).fields);
        return json(201, await addPerson(deps, input));
      },
      removePerson: async (event) => json(200, await removePerson(deps, pathId(event, PersonIdParam))),
      listKeys: async () => json(200, { items: await listApiKeys(deps) }),
      createKey: async (event) => {
        const input = validate(KeyInput, (await parseBody(event)).fields);
        return json(201, await createApiKey(deps, input));
      },
      revokeKey: async (event) => json(200, await revokeApiKey(deps, pathId(event, KeyIdParam))),
    },
    deps,
  );
}

function pathId(event: HttpEvent, schema: z.ZodMiniType<string>): string {
  return validate(z.object({ id: schema }), event.pathParameters ?? {}).id;
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
