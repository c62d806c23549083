import type * as z from "zod/mini";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { ValidationError } from "../shared/core/errors.ts";
import { normalizeEmail } from "../shared/customers/email.ts";
import { customerItemsPage, listCustomers } from "../shared/customers/list.ts";
import { patchCustomer } from "../shared/customers/patch.ts";
import type { ListCustomersQuery } from "../shared/customers/schema.ts";
import { searchCustomers } from "../shared/customers/search.ts";
import { segmentFilter } from "../shared/customers/segment.ts";
import { getCustomer360, getTimeline, scoredSummary, summarize } from "../shared/customers/view.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import { actorId, byOf, type HttpResult, json } from "../shared/http/http.ts";
import { listByScore } from "../shared/lead-score/list.ts";
import { dropQuarantined, listQuarantine, releaseQuarantined } from "../shared/leads/quarantine.ts";
import { exportCustomer } from "../shared/privacy/access.ts";
import { eraseCustomer, unlessErased } from "../shared/privacy/erasure.ts";
import { createTask, listCustomerTasks, listTasksFor, patchTask, resolveAssignee } from "../shared/tasks/tasks.ts";

type ListQuery = z.output<typeof ListCustomersQuery>;

/**
 * `?segment=` (a stage or an RFM value segment): a page of its people by the stage index. Not
 * with a search or an email lookup, which answer from other indexes.
 */
async function segmentPage(deps: Deps, query: ListQuery): Promise<HttpResult> {
  if (query.q !== undefined || query.email !== undefined)
    throw ValidationError.field("segment", "cannot be combined with q or email (a search answers on its own)");
  if (query.stage !== undefined) throw ValidationError.field("segment", "cannot be combined with stage (a stage is a segment)");
  const page = await customerItemsPage(deps, {
    ...segmentFilter(query.segment!, deps.clock.now()),
    limit: query.limit,
    ...(query.tag !== undefined ? { tag: query.tag } : {}),
    ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
  });
  return json(200, { items: page.items.map(scoredSummary(deps)), nextCursor: page.nextCursor });
}

/** `?sort=leadScore`: the scored customers, highest first, from the score index alone (no filters ride on it). */
async function scorePage(deps: Deps, query: ListQuery): Promise<HttpResult> {
  const other = (["q", "email", "stage", "tag", "segment"] as const).find((name) => query[name] !== undefined);
  if (other) throw ValidationError.field("sort", `leadScore cannot be combined with ${other} (the score order has an index of its own)`);
  return json(200, await listByScore(deps, query.limit, query.cursor, summarize));
}

/** Admin: read and edit customers, and the team's tasks about them. */
export function makeHandler(deps: Deps) {
  return httpFunction(
    "customers",
    {
      listCustomers: async ({ query }) => {
        if (query.sort === "leadScore") return scorePage(deps, query);
        if (query.q !== undefined && query.email !== undefined) throw ValidationError.field("q", "cannot be combined with email");
        if (query.segment !== undefined) return segmentPage(deps, query);
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
      getCustomer: async ({ params: { id } }) => json(200, await unlessErased(deps, id, () => getCustomer360(deps, id))),
      patchCustomer: async ({ params, body }, { principal }) => json(200, await patchCustomer(deps, params.id, body, byOf(principal))),
      getTimeline: async ({ params, query }) => json(200, await getTimeline(deps, params.id, query.limit, query.cursor)),
      listQuarantine: async ({ query }) => json(200, await listQuarantine(deps, query.limit, query.cursor)),
      releaseQuarantined: async ({ params }) => {
        const { customerId, created } = await releaseQuarantined(deps, params.id);
        return json(200, { customerId, created });
      },
      dropQuarantined: async ({ params }) => {
        await dropQuarantined(deps, params.id);
        return { statusCode: 204, headers: { "cache-control": "no-store" }, body: "" };
      },
      eraseCustomer: async ({ params }, { principal }) => json(200, await eraseCustomer(deps, params.id, actorId(principal))),
      exportCustomer: async ({ params: { id } }) =>
        json(200, await exportCustomer(deps, id), { "content-disposition": `attachment; filename="customer-${id}.json"` }),
      listTasks: async ({ query }, { principal }) => {
        if (query.customerId !== undefined) return json(200, await listCustomerTasks(deps, query.customerId));
        return json(200, await listTasksFor(deps, await resolveAssignee(deps, principal, query.assignee), query.due));
      },
      createTask: async ({ body }, { principal }) => json(201, await createTask(deps, body, principal)),
      patchTask: async ({ params, body }, { principal }) => json(200, await patchTask(deps, params.id, body, principal)),
    },
    deps,
  );
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
