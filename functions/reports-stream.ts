import type { DynamoDBStreamEvent } from "aws-lambda";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { applyStreamRecords } from "../shared/reports/apply.ts";

/**
 * The table's stream consumer: keeps the report counters (shared/reports/apply.ts). A batch is one
 * shard's records in order; a failure throws, so Lambda (or the local poller) delivers the same
 * batch again, and the markers make the second delivery skip what the first one wrote.
 */
export function makeHandler(deps: Deps) {
  return async (event: DynamoDBStreamEvent): Promise<void> => {
    const { applied, skipped } = await applyStreamRecords(deps, event.Records);
    deps.logger.debug("report counters", { records: event.Records.length, applied, skipped });
  };
}

let built: ReturnType<typeof makeHandler> | undefined;
export const handler = (event: DynamoDBStreamEvent): Promise<void> => (built ??= makeHandler(depsFromEnv()))(event);
