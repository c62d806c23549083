import type { DynamoDBStreamEvent } from "aws-lambda";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { applySearchRecords } from "../shared/customers/search.ts";
import { applyLeadScoreRecords } from "../shared/lead-score/stream.ts";
import { applyReferralRecords } from "../shared/referrals/referrals.ts";
import { applyStreamRecords } from "../shared/reports/apply.ts";
import { applyDueRecords } from "../shared/retention/due-stream.ts";
import { applyTrackingRecords } from "../shared/tracking/stream.ts";

/**
 * The table's stream consumer: keeps the report counters (shared/reports/apply.ts) and the customer
 * search index (shared/customers/search.ts), writes a new lead's due-index entry
 * (shared/retention/due-stream.ts), keeps website visits, interests and co-purchase counters
 * (shared/tracking/stream.ts) and the lead scores (shared/lead-score/stream.ts), and credits a
 * referred person's first purchase to their referrer (shared/referrals/referrals.ts). A batch is
 * one shard's records in order; a failure
 * throws, so Lambda (or the local poller) delivers the same batch again: the counters' markers make
 * the second delivery skip what the first one wrote, and the index's writes are whole-item puts and
 * deletes computed from the records' images, which end in the same state when repeated.
 */
export function makeHandler(deps: Deps) {
  return async (event: DynamoDBStreamEvent): Promise<void> => {
    const records = Array.isArray(event?.Records) ? event.Records : [];
    const { applied, skipped } = await applyStreamRecords(deps, records);
    const { writes } = await applySearchRecords(deps, records);
    const { indexed } = await applyDueRecords(deps, records);
    const tracking = await applyTrackingRecords(deps, records);
    // After tracking: the visit entries it writes come back through the stream and score then.
    const score = await applyLeadScoreRecords(deps, records);
    const referrals = await applyReferralRecords(deps, records);
    deps.logger.debug("stream batch", {
      records: records.length,
      applied,
      skipped,
      searchWrites: writes,
      dueIndexed: indexed,
      trackingWrites: tracking.writes,
      referralsConverted: referrals.converted,
      scored: score.scored,
      scoreWrites: score.writes,
    });
  };
}

let built: ReturnType<typeof makeHandler> | undefined;
export const handler = (event: DynamoDBStreamEvent): Promise<void> => (built ??= makeHandler(depsFromEnv()))(event);
