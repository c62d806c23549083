import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import { byOf, json } from "../shared/http/http.ts";
import { segmentCsv, segmentMembers } from "../shared/segments/evaluate.ts";
import type { SegmentDefinition } from "../shared/segments/match.ts";
import { createSegment, deleteSegment, getSegment, listSegments, replaceSegment } from "../shared/segments/store.ts";

/** Admin: saved segments, their members (a page, or every one as CSV) and the builder's live preview. */
export function makeHandler(deps: Deps) {
  return httpFunction(
    "segments",
    {
      listSegments: async () => json(200, await listSegments(deps)),
      createSegment: async ({ body }, { principal }) => json(201, await createSegment(deps, body, byOf(principal))),
      getSegment: async ({ params }) => json(200, await getSegment(deps, params.id)),
      replaceSegment: async ({ params, body }, { principal }) => json(200, await replaceSegment(deps, params.id, body, byOf(principal))),
      deleteSegment: async ({ params }) => {
        await deleteSegment(deps, params.id);
        return { statusCode: 204, headers: { "cache-control": "no-store" }, body: "" };
      },
      segmentMembers: async ({ params, query }) => {
        const segment = (await getSegment(deps, params.id)) as SegmentDefinition & { id: string };
        if (query.format !== "csv") return json(200, await segmentMembers(deps, segment, query));
        return {
          statusCode: 200,
          headers: {
            "content-type": "text/csv; charset=utf-8",
            "content-disposition": `attachment; filename="segment-${segment.id}.csv"`,
            "cache-control": "no-store",
          },
          body: await segmentCsv(deps, segment),
        };
      },
      previewSegment: async ({ body }) => json(200, await segmentMembers(deps, body as SegmentDefinition, { limit: 25 })),
    },
    deps,
  );
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
