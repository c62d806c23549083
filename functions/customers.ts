import * as z from "zod/mini";
import type { Deps } from "../shared/deps.ts";
import { depsFromEnv } from "../shared/deps.ts";
import { getCustomer360, getTimeline, listCustomers, patchCustomer } from "../shared/customers.ts";
import type { HttpEvent } from "../shared/http.ts";
import { json, parseBody, validate } from "../shared/http.ts";
import { httpFunction, lazyHandler } from "../shared/handler.ts";
import { CustomerIdParam, CustomerPatch, ListCustomersQuery, TimelineQuery } from "../shared/schemas.ts";
import { normalizeEmail } from "../shared/email.ts";
import { ValidationError } from "../shared/errors.ts";

/** Admin: read and edit customers. */
export function makeHandler(deps: Deps) {
  return httpFunction(
    "customers",
    {
      listCustomers: async (event) => {
        const query = validate(ListCustomersQuery, event.queryStringParameters ?? {});
        let email: string | undefined;
        if (query.email !== undefined) {
          email = normalizeEmail(query.email) ?? undefined;
          if (!email) throw ValidationError.field("email", "is not a valid email address");
        }
        return json(200, await listCustomers(deps, { ...query, email }));
      },
      getCustomer: async (event) => json(200, await getCustomer360(deps, customerId(event))),
      patchCustomer: async (event, { principal }) => {
        const id = customerId(event);
        const patch = validate(CustomerPatch, (await parseBody(event)).fields);
        return json(200, await patchCustomer(deps, id, patch, principal!.keyId));
      },
      getTimeline: async (event) => {
        const id = customerId(event);
        const query = validate(TimelineQuery, event.queryStringParameters ?? {});
        return json(200, await getTimeline(deps, id, query.limit, query.cursor));
      },
    },
    deps,
  );
}

function customerId(event: HttpEvent): string {
  return validate(PathWithId, event.pathParameters ?? {}).id;
}

const PathWithId = z.object({ id: CustomerIdParam });

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
