import { STAGES } from "../core/fields.ts";
import type { Stage } from "../core/schema.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { addMonths, monthsBetween } from "../reports/dates.ts";
import { frequencyScore, recencyScore, segmentOf } from "../reports/rfm.ts";
import { SEGMENTS, type Segment } from "../reports/types.ts";
import type { StagePageFilter } from "./list.ts";
import type { SegmentId } from "./schema.ts";

/**
 * The people of a lifecycle stage or of an RFM value segment (`GET /v1/customers?segment=`), a
 * page at a time or as one CSV file. Stage and segment ids never share a word (a stage is about
 * activity, a segment about purchases), so one parameter names either.
 */

function isRfmSegment(id: SegmentId): id is Segment {
  return (SEGMENTS as readonly string[]).includes(id);
}

/**
 * The lowest recency score each segment admits (shared/reports/rfm.ts `segmentOf`): champions and
 * newcomers R≥4, regulars and potential R≥3 (potential is what is left of R≥3 once the others
 * took theirs), slipping and hibernating any (their R≤2 is an upper bound on recency, and a
 * customer may have been active since without buying).
 */
const MIN_RECENCY: Record<Segment, number> = { champions: 4, regulars: 3, newcomers: 4, potential: 3, slipping: 1, hibernating: 1 };
/** Calendar months back to the earliest month of last purchase with that recency score (`recencyScore`). */
const MONTHS_BACK: Record<number, number | undefined> = { 5: 0, 4: 2, 3: 5, 2: 11 };

/** Buyers are never leads: a purchase makes a lead a customer, and a refund keeps the order count. */
const BUYER_STAGES: readonly Stage[] = STAGES.filter((s) => s !== "lead");

/**
 * How to read a segment's members from the stage index (access pattern 4). A stage is its own
 * partition. An RFM segment has no index of its own, and would be expensive to keep: a month
 * passing moves customers between segments without any write, so an index keyed by segment would
 * need every buyer rewritten each month. Instead its members are found the way the segments
 * report counts them (`segmentOf` of the recency and frequency scores of `lastPurchaseAt` and
 * `orders`, as of now, in UTC months), from the buyers' stage partitions, with what it costs:
 *
 * - champions, regulars, newcomers and potential need a purchase in the last 3 or 6 calendar
 *   months; last activity is never before the last purchase, so the Query's key range starts at
 *   the first day of that month and reads only customers active since (a page reads about
 *   `limit` matching items plus the non-members active in that window);
 * - slipping and hibernating read every buyer's index entry down to a page's worth of members:
 *   in the worst case (few members) every buyer, at most 1,000 items per stage partition per
 *   page, with a cursor to go on. At 4 KB or less per projected customer that is about one read
 *   unit per 8 customers read (eventually consistent).
 */
export function segmentFilter(segment: SegmentId, now: Date): Pick<StagePageFilter, "stages" | "since" | "match"> {
  if (!isRfmSegment(segment)) return { stages: [segment] };
  const month = now.toISOString().slice(0, 7);
  const back = MONTHS_BACK[MIN_RECENCY[segment]];
  return {
    stages: BUYER_STAGES,
    ...(back === undefined ? {} : { since: `${addMonths(month, -back)}-01T00:00:00.000Z` }),
    match: (item: CustomerItem) =>
      item.orders >= 1 &&
      item.lastPurchaseAt !== undefined &&
      segmentOf(recencyScore(monthsBetween(item.lastPurchaseAt.slice(0, 7), month)), frequencyScore(item.orders)) === segment,
  };
}
