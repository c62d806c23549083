import * as z from "zod/mini";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { getCustomer360, getTimeline, listCustomers, patchCustomer } from "../shared/customers/customers.ts";
import type { HttpEvent } from "../shared/http/http.ts";
import { json, parseBody, validate } from "../shared/http/http.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import { CustomerIdParam, CustomerPatch, ListCustomersQuery, TimelineQuery } from "../shared/customers/schema.ts";
import { normalizeEmail } from "../shared/customers/email.ts";
import { searchCustomers } from "../shared/customers/search.ts";
import { ValidationError } from "../shared/core/errors.ts";
import { dropQuarantined, listQuarantine, releaseQuarantined } from "../shared/leads/quarantine.ts";
import { QuarantineId, QuarantineQuery } from "../shared/customers/schema.ts";
import { eraseCustomer, unlessErased } from "../shared/privacy/erasure.ts";
import { exportCustomer } from "../shared/privacy/access.ts";

/** Admin: read and edit customers. */
export function makeHandler(deps: Deps) {
  return httpFunction(
    "customers",
    {
      listCustomers: async (event) => {
        const query = validate(ListCustomersQuery, event.queryStringParameters ?? {});
        if (query.q !== undefined && query.email !== undefined) throw ValidationError.field("q", "cannot be combined with email");
        // A whole address typed into search is the exact lookup (its top-level domain is not a search word).
        const wholeAddress = query.q?.includes("@") ? normalizeEmail(query.q) : null;
        if (query.q !== undefined && !wholeAddress) return json(200, await searchCustomers(deps, { ...query, q: query.q }));
        let email: string | undefined;
        if (wholeAddress) email = wholeAddress;
        else if (query.email !== undefined) {
          email = normalizeEmail(query.email) ?? undefined;
          if (!email) throw ValidationError.field("email", "is not a valid email address");
        }
        return json(200, await listCustomers(deps, { ...query, email }));
      },
      getCustomer: async (event) => {
        const id = customerId(event);
        return json(200, await unlessErased(deps, id, () => getCustomer360(deps, id)));
      },
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
      listQuarantine: async (event) => {
        const query = validate(QuarantineQuery, event.queryStringParameters ?? {});
        return json(200, await listQuarantine(deps, query.limit, query.cursor));
      },
      releaseQuarantined: async (event) => {
        const { customerId, created } = await releaseQuarantined(deps, heldId(event));
        return json(200, { customerId, created });
      },
      dropQuarantined: async (event) => {
        await dropQuarantined(deps, heldId(event));
        return { statusCode: 204, headers: { "cache-control": "no-store" }, body: "" };
      },
      eraseCustomer: async (event, { principal }) => json(200, await eraseCustomer(deps, customerId(event), principal!.keyId)),
      exportCustomer: async (event) => {
        const id = customerId(event);
        return json(200, await exportCustomer(deps, id), { "content-disposition": `attachment; filename="customer-${id}.json"` });
      },
    },
    deps,
  );
}

function customerId(event: HttpEvent): string {
  return validate(PathWithId, event.pathParameters ?? {}).id;
}

const PathWithId = z.object({ id: CustomerIdParam });

function heldId(event: HttpEvent): string {
  return validate(PathWithHeldId, event.pathParameters ?? {}).id;
}

const PathWithHeldId = z.object({ id: QuarantineId });

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
