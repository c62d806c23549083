import { STAGE_INDEX } from "./customer.ts";
import { DUE_INDEX } from "./due.ts";

/**
 * The single table's physical shape, shared by the CDK stack and the local stack so both create
 * the very same table. Which item lives under which key is decided by the entity modules in
 * shared/entities/ (one per stored thing), never here.
 *
 * The access patterns, each served by one entity module (the README's key table lists the same):
 *  1. Get a customer by id: `CUST#<id>` / `PROFILE` (customer.ts).
 *  2. Find a customer by email, and make one address one customer: `EMAIL#<email>` / `EMAIL` (email.ts).
 *  3. A customer's timeline, newest first, paged: `CUST#<id>` / `TL#<at>#<ulid>` (timeline.ts).
 *  4. Customers by stage, most recently active first: stage index (GSI1) `STAGE#<stage>` /
 *     `<lastActivityAt>#<id>` (customer.ts).
 *  5. Who is due now: due index (GSI2) `DUE#<shard>` / `<dueAt>#<id>`, sparse, sharded, keys only (due.ts).
 *  6. One send per (customer, campaign, occurrence), and the emails sent to a customer:
 *     `CUST#<id>` / `SEND#<campaign>#<occurrence>` (send.ts).
 *  7. An external event counted once: `EXT#<externalId>` / `EXT` (external-event.ts).
 *  8. Report counters, read instead of the customers: `REPORT#<kind>` / `<day|month|campaign|…>`
 *     (report.ts).
 *  9. An API key by its hash, all keys, a key by its public id: `APIKEY` / `<sha256>` (api-key.ts).
 * 10. A campaign by id, all campaigns: `CAMPAIGN` / `<id>` (campaign.ts).
 * 11. Is this address suppressed: `SUPPRESS#<sha256 of email>` / `SUPPRESS` (suppression.ts).
 * 12. Held lead submissions newest first, one by id: `QUARANTINE` / `q_<ulid>` (quarantine.ts).
 * 13. Replay an `Idempotency-Key`: `IDEM#<hash>` / `IDEM` (idempotency.ts).
 * 14. The timeline entry a feedback link wrote: `CUST#<id>` / `FB#<hash>` (timeline.ts).
 * 15. Was this customer erased: `CUST#<id>` / `ERASED` (customer.ts).
 * 16. Customers by the beginning of a word of their name, company, email or phone:
 *     `SEARCH#<first two characters>` / `<word>#<id>` (search.ts).
 * 17. Shop connections and the problems seen on their deliveries, all in one Query:
 *     `CONNECTION` / `<platform>`, `<platform>#PROBLEM#<kind>` (connection.ts).
 * 18. A verified token's person, role and name; the team list: `PERSON` / `<Cognito sub>` (person.ts).
 * 19. Tasks: one by id, a customer's tasks (`CUST#<id>` / `TASK#<ulid>`), and one person's open
 *     tasks by due time on GSI1 (`TASKS#<assignee>` / `<dueAt>#<taskId>`, shared with the stage
 *     index) (task.ts).
 * 20. Saved segments: one by id, all of them: `SEGMENT` / `seg_<ulid>` (segment.ts); members are
 *     evaluated from the stage index (4), never stored.
 * 21. Outbound webhook endpoints and their counters, in one Query: `WEBHOOK` / `<id>`; an
 *     endpoint's dead letters: `WEBHOOK#DEAD#<id>` / `<at>#<event id>` (webhook.ts).
 * 22. Was this event delivered to this endpoint: `WEBHOOK#SENT#<id>` / `<event id>` (webhook.ts).
 * 23. A website visitor by id, with its current visit and interest counts: `VISITOR#<visitor id>` /
 *     `VISITOR`, TTL while anonymous (visitor.ts).
 * 24. Cross-sell counters: what was bought with a product, or by people who viewed an interest:
 *     `COBUY#<product key>` or `COBUY#@<interest>` / `<other product key>` (co-purchase.ts).
 * 25. Customers by lead score, highest first: a sort entry `CUST#<id>` / `SCORE` on GSI1
 *     (`SCORE` / `<rank>#<id>`, shared with the stage index) (lead-score.ts).
 * 26. Newsletters: one by id, all of them: `BROADCAST` / `nl-<ulid>`; a newsletter's letters,
 *     counters and recipients waiting by send time: `BROADCAST#<id>` / `TEMPLATES`, `STATS`,
 *     `WAIT#<dueAt>#<part>` (broadcast.ts).
 * 27. A referral link's customer: `REF#<code>` / `REF` (referral.ts).
 * 28. A referred person's first purchase credited to the referrer once: `CUST#<referrer>` /
 *     `REFERRAL#<referred id>` (referral.ts).
 * 29. The perk pool, codes available and handed out: `PERK` / `A#<code>`, `PERK` / `U#<code>` (referral.ts).
 */
export const TABLE_KEYS = { partitionKey: "PK", sortKey: "SK" } as const;

/** The primary key of any item. */
export type TableKey = { PK: string; SK: string };

/** TTL attribute: idempotency records and anonymous website visitors expire by themselves. */
export const TTL_ATTRIBUTE = "expiresAt";

/** The global secondary indexes; their physical names (GSI1, GSI2) are what the deployed table has. */
export const GLOBAL_INDEXES = [STAGE_INDEX, DUE_INDEX] as const;

/**
 * Attributes that say how the table stores and finds an item (keys, index keys, item type), not
 * facts about a person: exports and access requests leave them out.
 */
export const STORAGE_ATTRIBUTES: ReadonlySet<string> = new Set([
  TABLE_KEYS.partitionKey,
  TABLE_KEYS.sortKey,
  ...GLOBAL_INDEXES.flatMap((index) => [index.partitionKey, index.sortKey]),
  "type",
]);
