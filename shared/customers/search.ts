import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { QueryCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { batchWrite, type WriteRequest } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { ValidationError } from "../core/errors.ts";
import type { Stage } from "../core/schema.ts";
import { CUSTOMER_PREFIX, PROFILE_SK } from "../entities/customer.ts";
import { SEARCH_PARTITION_CHARS, SEARCH_PREFIX, searchKey, searchPartition } from "../entities/search.ts";
import type { TableKey } from "../entities/table.ts";
import { decodeCursor, encodeCursor } from "../http/cursor.ts";

/**
 * Finding a customer by part of a name, company, email address or phone number
 * (`GET /v1/customers?q=...`).
 *
 * Each word of those fields is indexed by its beginning (shared/entities/search.ts): "ann" finds
 * "Anna Berg", "berg" finds her too, "ana.b" finds ana.berg@example.com, and any four or more
 * digits of a phone number in a row find it, typed with or without spaces.
 * Matching ignores case and accents ("jose" finds "José", "o" matches "ø").
 *
 * The index items carry what a result list shows (name, email, company, stage, tags, owner), so a
 * search is one Query, never a read per customer. They are written by the table's stream consumer
 * when a profile's words or those fields change, not by the request that changed it: the lead path
 * keeps its cost, and a new customer is findable a moment after the write. Activity does not touch
 * the index, so a result carries no last-activity time (the 360 view has it).
 */

/** What the index keeps about a customer: the result list's fields and every indexed word. */
export interface SearchHit {
  id: string;
  email: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  stage: Stage;
  tags: string[];
  owner?: string;
  createdAt: string;
}

interface SearchDocument {
  hit: SearchHit;
  /** Every word the customer is found by, carried on each item. */
  words: string[];
  /** The words that have an item (`indexedWords`). */
  keys: string[];
}

/** A word longer than this is indexed by its first this-many characters. */
const MAX_WORD = 40;
/** At most this many words per customer (the index's write cost per profile change is bounded). */
const MAX_WORDS = 40;
/** BatchWriteItem calls the stream consumer runs at once for the index. */
const SEARCH_WRITES_IN_FLIGHT = 4;
/**
 * Index items read per request, page by page, however sparse the matches after filtering: a
 * first page of twice the results asked for (enough for most single-word queries), then one page
 * of four times, so a query of several words whose other words rule out most items reads the same
 * 150 items for a page of 25 in two round trips rather than three.
 */
const PAGE_FACTORS = [2, 4];

/** Letters NFKD does not take apart, as people type them on an English keyboard. */
const FOLDS: Record<string, string> = { ø: "o", æ: "ae", œ: "oe", ß: "ss", đ: "d", ð: "d", ł: "l", þ: "th", ı: "i" };

/** Lower case, accents off, the letters in `FOLDS` spelled as people type them without them. */
export function foldText(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[øæœßđðłþı]/g, (c) => FOLDS[c] ?? c);
}

/** The words of a text: runs of letters and digits, folded. */
export function wordsOf(text: string | undefined): string[] {
  if (!text) return [];
  return (foldText(text).match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => [...w].slice(0, MAX_WORD).join(""));
}

/**
 * Labels of mail domains that many unrelated people share: webmail providers, whose label would
 * find a large share of all customers (as every ".com" would), and the names reserved for
 * documentation and tests (RFC 2606, RFC 6761), which no real customer's address has.
 */
const SHARED_DOMAIN_LABELS = new Set([
  "gmail",
  "googlemail",
  "hotmail",
  "outlook",
  "live",
  "msn",
  "yahoo",
  "ymail",
  "aol",
  "icloud",
  "me",
  "mac",
  "proton",
  "protonmail",
  "pm",
  "gmx",
  "qq",
  "163",
  "126",
  "example",
  "test",
  "invalid",
  "localhost",
]);

/**
 * The words a customer is found by: every word of the first and last name and company; the email
 * address's local part whole and in its pieces, and its domain's labels but the last (every
 * customer's ".com" would make "com" find everyone) and but those many people share (gmail);
 * every tail of four or more of a phone number's digits.
 */
export function searchWords(item: Record<string, unknown>): string[] {
  const words = new Set<string>();
  for (const field of ["firstName", "lastName", "company"]) for (const w of wordsOf(str(item[field]))) words.add(w);
  const email = str(item.email);
  if (email) {
    const at = email.lastIndexOf("@");
    const local = at > 0 ? email.slice(0, at) : email;
    for (const w of wordsOf(local)) words.add(w);
    const whole = wordsOf(local).join("");
    if (whole) words.add([...whole].slice(0, MAX_WORD).join(""));
    const labels = at > 0 ? email.slice(at + 1).split(".") : [];
    for (const label of labels.slice(0, -1)) for (const w of wordsOf(label)) if (!SHARED_DOMAIN_LABELS.has(w)) words.add(w);
  }
  // Every tail of the digits of four or more: a prefix search over the tails finds any run of
  // four or more digits, so "912 34 567" finds +47 912 34 567 and so does "4567".
  const digits = (str(item.phone) ?? "").replace(/\D/g, "").slice(0, 20);
  for (let i = 0; i + 4 <= digits.length; i++) words.add(digits.slice(i));
  return [...words].slice(0, MAX_WORDS);
}

/** The shared domain labels of the item's email (indexed by earlier versions; see `searchWrites`). */
function sharedLabels(item: Record<string, unknown>): string[] {
  const email = str(item.email) ?? "";
  const labels = email
    .slice(email.lastIndexOf("@") + 1)
    .split(".")
    .slice(0, -1);
  return labels.flatMap((label) => wordsOf(label)).filter((w) => SHARED_DOMAIN_LABELS.has(w));
}

/**
 * The words that get an index item of their own: all but those that begin another of the
 * customer's words. A query is a prefix search, so "megan" finds Megan Davis through the item of
 * "megandavis" (her email's local part) and needs no item of its own; the customer's every word
 * still rides on each item, for the other words of a query. A word shorter than the partition
 * prefix keeps its item: it lives in a partition of its own (a one-character Chinese name).
 */
export function indexedWords(words: string[]): string[] {
  const sorted = [...words].sort();
  // In sorted order a word that begins another sits right before the first word it begins.
  return words.filter((w) => {
    if ([...w].length < SEARCH_PARTITION_CHARS) return true;
    const next = sorted[sorted.indexOf(w) + 1];
    return !(next !== undefined && next !== w && next.startsWith(w));
  });
}

/** The index's view of a stored profile item; undefined for anything else. */
export function searchDocument(item: Record<string, unknown> | undefined): SearchDocument | undefined {
  if (!item || item.SK !== PROFILE_SK || typeof item.PK !== "string" || !item.PK.startsWith(CUSTOMER_PREFIX)) return undefined;
  const id = str(item.id);
  const email = str(item.email);
  if (!id || !email) return undefined;
  const tags = item.tags instanceof Set ? [...(item.tags as Set<string>)] : Array.isArray(item.tags) ? (item.tags as string[]) : [];
  const hit: SearchHit = {
    id,
    email,
    ...(str(item.firstName) ? { firstName: str(item.firstName) } : {}),
    ...(str(item.lastName) ? { lastName: str(item.lastName) } : {}),
    ...(str(item.company) ? { company: str(item.company) } : {}),
    stage: item.stage as Stage,
    tags: tags.sort(),
    ...(str(item.owner) ? { owner: str(item.owner) } : {}),
    createdAt: str(item.createdAt) ?? "",
  };
  const words = searchWords(item);
  return { hit, words, keys: indexedWords(words) };
}

/**
 * What one change of an item means for the index: delete the items of the words it lost, and
 * write its items again when the result fields or its words changed (each item carries both).
 * Nothing at all for a change the index does not see (activity, counters), which is most of them.
 */
export function searchWrites(oldItem: Record<string, unknown> | undefined, newItem: Record<string, unknown> | undefined): WriteRequest[] {
  const before = searchDocument(oldItem);
  const after = searchDocument(newItem);
  if (!before && !after) return [];
  const requests: WriteRequest[] = [];
  const kept = new Set(after?.keys ?? []);
  // A removal (erasure) deletes every word the customer may have an item for, also those an index
  // written before `indexedWords` and `SHARED_DOMAIN_LABELS` gave items: no trace of them is left.
  const gone = after ? (before?.keys ?? []) : [...before!.words, ...sharedLabels(oldItem!)];
  for (const word of gone) if (!kept.has(word)) requests.push({ DeleteRequest: { Key: searchKey(word, before!.hit.id) } });
  if (after) {
    const sameHit = before !== undefined && JSON.stringify(before.hit) === JSON.stringify(after.hit);
    if (sameHit && before.words.join(" ") === after.words.join(" ")) return requests;
    // Each item carries the result fields and the whole word list: when either changed, every item is written.
    for (const word of after.keys)
      requests.push({ PutRequest: { Item: { ...searchKey(word, after.hit.id), type: "search", ...after.hit, words: after.words } } });
  }
  return requests;
}

/**
 * Keeps the index in step with a batch of stream records (one shard's, in order). Every write is
 * a whole-item put or a delete computed from the record's images, so a redelivered batch ends in
 * the same state; per key only the last write of the batch is sent (one BatchWriteItem request
 * may not name a key twice, and the last one is the state to keep).
 */
export async function applySearchRecords(deps: Deps, records: DynamoDBRecord[]): Promise<{ writes: number }> {
  const latest = new Map<string, WriteRequest>();
  for (const record of records) {
    const keys = record?.dynamodb?.Keys;
    if (keys?.SK?.S !== PROFILE_SK || typeof keys.PK?.S !== "string" || !keys.PK.S.startsWith(CUSTOMER_PREFIX)) continue;
    let writes: WriteRequest[];
    try {
      writes = searchWrites(image(record.dynamodb?.OldImage), image(record.dynamodb?.NewImage));
    } catch (err) {
      // An image that cannot be read can never be: throwing would stop the shard behind it (a rebuild reindexes).
      deps.logger.error("stream record unreadable; not indexed", {
        eventID: typeof record.eventID === "string" ? record.eventID : undefined,
        error: (err as Error).name,
      });
      continue;
    }
    for (const w of writes) {
      const key = "PutRequest" in w ? { PK: w.PutRequest.Item.PK, SK: w.PutRequest.Item.SK } : w.DeleteRequest.Key;
      const id = `${key.PK}\u0000${key.SK}`;
      latest.delete(id); // keeps the map in write order
      latest.set(id, w);
    }
  }
  // Each key once (the map above), so the calls may run side by side: a batch of 100 new
  // customers is some 17 calls, which one after another would hold the shard up for each round trip.
  await batchWrite(deps.db, deps.table, [...latest.values()], { inFlight: SEARCH_WRITES_IN_FLIGHT });
  return { writes: latest.size };
}

/**
 * Rebuilds the index from the profiles (`rapport reports rebuild`): for a table made before search
 * existed, or after a restore. One Scan of the table: every profile's words are written, and index
 * items no profile has any more are deleted. Run it when the table is quiet, or run it again.
 */
export async function rebuildSearchIndex(deps: Deps): Promise<{ written: number; deleted: number }> {
  const expected = new Map<string, WriteRequest>();
  const existing = new Map<string, TableKey>();
  const segments = 4;
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await deps.db.send(new ScanCommand({ TableName: deps.table, Segment: segment, TotalSegments: segments, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) {
          const key = { PK: String(item.PK), SK: String(item.SK) };
          if (key.PK.startsWith(SEARCH_PREFIX)) existing.set(`${key.PK}\u0000${key.SK}`, key);
          for (const w of searchWrites(undefined, item)) if ("PutRequest" in w) expected.set(`${w.PutRequest.Item.PK}\u0000${w.PutRequest.Item.SK}`, w);
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }),
  );
  const stale = [...existing].filter(([id]) => !expected.has(id)).map(([, Key]): WriteRequest => ({ DeleteRequest: { Key } }));
  await batchWrite(deps.db, deps.table, [...expected.values(), ...stale]);
  return { written: expected.size, deleted: stale.length };
}

export interface SearchQuery {
  q: string;
  limit: number;
  cursor?: string;
  stage?: Stage;
  tag?: string;
}

/**
 * One page of customers matching every word typed, best guess first by word order. The longest
 * word picks the index partition; the others must begin a word of the same customer. A phone
 * number typed with spaces or dashes is one word of digits.
 */
export async function searchCustomers(deps: Deps, query: SearchQuery): Promise<{ items: SearchHit[]; nextCursor: string | null }> {
  const words = queryWords(query.q);
  const lead = words.reduce((a, b) => ([...b].length > [...a].length ? b : a));
  const rest = words.filter((w) => w !== lead);
  const pk = searchPartition(lead);
  const start = decodeCursor<TableKey>(query.cursor, ["PK", "SK"]);
  if (start && start.PK !== pk) throw ValidationError.field("cursor", "belongs to another search");
  const items: SearchHit[] = [];
  const seen = new Set<string>();
  let startKey: Record<string, unknown> | undefined = start;
  let last: TableKey | undefined;
  for (const factor of PAGE_FACTORS) {
    if (items.length >= query.limit) break;
    const result = await deps.db.send(
      new QueryCommand({
        TableName: deps.table,
        KeyConditionExpression: "PK = :pk AND begins_with(SK, :word)",
        ExpressionAttributeValues: { ":pk": pk, ":word": lead },
        Limit: query.limit * factor,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const raw of result.Items ?? []) {
      last = { PK: String(raw.PK), SK: String(raw.SK) };
      const hit = raw as unknown as SearchHit & { words?: string[] };
      if (seen.has(hit.id)) continue;
      const theirs = hit.words ?? [];
      if (!rest.every((w) => theirs.some((t) => t.startsWith(w)))) continue;
      if (query.stage && hit.stage !== query.stage) continue;
      if (query.tag && !hit.tags?.includes(query.tag)) continue;
      seen.add(hit.id);
      items.push(toHit(hit));
      if (items.length === query.limit) break;
    }
    startKey = result.LastEvaluatedKey;
    if (!startKey) {
      if (items.length < query.limit) last = undefined;
      break;
    }
  }
  const more = last !== undefined && (startKey !== undefined || items.length === query.limit);
  return { items, nextCursor: more ? encodeCursor(last) : null };
}

/** The typed words; a query that looks like a phone number is its digits. Refuses a query with nothing to look for. */
export function queryWords(q: string): string[] {
  const trimmed = q.trim();
  if (/^[+\d\s().-]+$/.test(trimmed) && trimmed.replace(/\D/g, "").length >= 4) return [trimmed.replace(/\D/g, "").slice(0, MAX_WORD)];
  const words = [...new Set(wordsOf(trimmed))];
  const longest = Math.max(0, ...words.map((w) => [...w].length));
  if (words.length === 0) throw ValidationError.field("q", "needs a letter or a digit to look for");
  // One character finds only one-character words (a CJK name); a Latin letter alone would list everyone.
  if (longest < SEARCH_PARTITION_CHARS && !/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(words.join(""))) {
    throw ValidationError.field("q", `needs at least ${SEARCH_PARTITION_CHARS} letters or digits`);
  }
  return words;
}

function toHit(item: SearchHit): SearchHit {
  return {
    id: item.id,
    email: item.email,
    ...(item.firstName ? { firstName: item.firstName } : {}),
    ...(item.lastName ? { lastName: item.lastName } : {}),
    ...(item.company ? { company: item.company } : {}),
    stage: item.stage,
    tags: item.tags ?? [],
    ...(item.owner ? { owner: item.owner } : {}),
    createdAt: item.createdAt,
  };
}

function image(raw: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return raw ? unmarshall(raw as Record<string, AttributeValue>) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
