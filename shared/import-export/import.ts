import { createWriteStream, existsSync, readFileSync, unlinkSync, type WriteStream } from "node:fs";
import { basename } from "node:path";
import { BatchGetCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { ConsentRecord, CustomerItem, Profile } from "../customers/customers.ts";
import { findCustomerIdByEmail, getCustomerItem, timelineItem, upsertContact } from "../customers/customers.ts";
import { cancellationCodes, isConditionFailed } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { publishEvents } from "../core/deps.ts";
import { scheduleDue } from "../entities/due-write.ts";
import { customerKey } from "../entities/customer.ts";
import { emailKey } from "../entities/email.ts";
import { externalEventKey } from "../entities/external-event.ts";
import { deterministicEntryId, timelineKey } from "../entities/timeline.ts";
import type { DomainEvent } from "../core/ports.ts";
import { ConsentField, LeadInput, PROFILE_FIELD_NAMES, TagsField } from "../customers/schema.ts";
import { getSuppression } from "../mail-feedback/suppression.ts";
import { CsvFileError, type CsvRecord, csvLine, readCsv, restoreCell } from "./csv-read.ts";
import { parseInstant } from "../core/dates.ts";

/**
 * `rapport import FILE.csv`: contacts from a spreadsheet or another CRM's export become Rapport
 * customers through the same rules as a form lead — validated with `LeadInput`, one customer per
 * normalized email (`upsertContact`), non-empty fields merged and nothing wiped — and every row
 * that changes something leaves one timeline entry saying so.
 *
 * Re-runnable: each row has a deterministic id (a hash of the file's name and the row's cells).
 * Its timeline entry is written in one transaction with a marker under that id (the external-
 * event marker that makes webhooks idempotent), conditional on the marker not existing, so a row
 * imported once is skipped on every later run, even by two imports running at the same time.
 * A row that would change nothing writes nothing.
 */

/** Where a column's values can go: Rapport's lead fields, and a few that the import reads itself. */
export const IMPORT_FIELDS = {
  email: "the address; one address is one customer",
  firstName: "",
  lastName: "",
  phone: "",
  company: "",
  street: "",
  city: "",
  region: "",
  postalCode: "",
  country: "",
  birthday: "YYYY-MM-DD (also YYYY/MM/DD, DD.MM.YYYY, or a date-time)",
  locale: "",
  timezone: "",
  linkedin: "",
  twitter: "",
  tags: "separated by , ; or ::: (Google)",
  message: "a note, kept on the import's timeline entry",
  source: "first-touch source of a new contact",
  utm_source: "",
  utm_medium: "",
  utm_campaign: "",
  consent: "yes/true/on: the person opted in to marketing (anything else imports no consent)",
  name: "a full name: becomes firstName when the row has no first or last name",
  address: "a one-column address (Mailchimp's: street, city, region, postal code, country separated by two spaces)",
  lifecycleStage: "becomes the tag lifecycle:<value>",
  createdAt: "when the contact was created in the other system: kept on the import's timeline entry",
  consentAt: "when the consent in the consent column was given: kept as evidence",
  consentSource: "where the consent in the consent column was given: kept as evidence",
  optinTime: "Mailchimp: when the person subscribed (evidence of consent)",
  optinIp: "Mailchimp: from where the person subscribed",
  confirmTime: "Mailchimp: when the person confirmed the subscription (evidence of consent)",
  confirmIp: "Mailchimp: from where the person confirmed",
  status: "a subscription status: consent is imported only where it says subscribed",
  optOutTime: "an unsubscribe or clean time: a file with this column lists people who are not subscribed, so it imports no consent",
} as const;

export type ImportField = keyof typeof IMPORT_FIELDS;
export const IMPORT_FIELD_NAMES = Object.keys(IMPORT_FIELDS) as ImportField[];

/** The file formats the header mapping knows, for the line that says what a file looks like. */
export type SourceFormat = "hubspot" | "mailchimp" | "google" | "shopify" | "rapport" | "csv";

export const FORMAT_NAMES: Record<SourceFormat, string> = {
  hubspot: "a HubSpot contacts export",
  mailchimp: "a Mailchimp audience export",
  google: "a Google Contacts export",
  shopify: "a Shopify customers export",
  rapport: "a Rapport export",
  csv: "a CSV file",
};

interface KnownColumn {
  field: ImportField | null;
  /** Lower wins when several columns feed one field (E-mail 1 before E-mail 2, an address before Mailchimp's IP-based country). */
  rank?: number;
  /** Why a known column is ignored. */
  why?: string;
}

/**
 * Column names of common exports, by the name as the export writes it. Lookups compare names
 * case- and punctuation-insensitively ("E-mail 1 - Value" = "email1value"), so Rapport's own
 * field names and most hand-made spreadsheets ("E-mail", "first_name", "Postal code") match too.
 */
const KNOWN_COLUMNS: [string, KnownColumn][] = [
  // Rapport's own field names (the lead API) and the columns `rapport export` writes.
  ...IMPORT_FIELD_NAMES.map((f): [string, KnownColumn] => [f, { field: f }]),
  ["consentMarketing", { field: "consent" }],
  ["id", { field: null, why: "customer ids are Rapport's own; a table gives its own" }],
  ["stage", { field: null, why: "Rapport derives the stage from purchases and activity" }],
  ["orders", { field: null, why: "counted from purchases" }],
  ["lifetimeSpend", { field: null, why: "counted from purchases" }],
  ["currency", { field: null, why: "the table's currency is configuration" }],
  ["lastActivityAt", { field: null, why: "Rapport keeps it from activity" }],
  // Common spellings in hand-made sheets.
  ["e-mail", { field: "email" }],
  ["mail", { field: "email" }],
  ["given name", { field: "firstName" }],
  ["forename", { field: "firstName" }],
  ["family name", { field: "lastName" }],
  ["surname", { field: "lastName" }],
  ["full name", { field: "name" }],
  ["mobile", { field: "phone", rank: 2 }],
  ["telephone", { field: "phone" }],
  ["organization", { field: "company" }],
  ["organisation", { field: "company" }],
  ["zip", { field: "postalCode" }],
  ["zip code", { field: "postalCode" }],
  ["postcode", { field: "postalCode" }],
  ["state", { field: "region" }],
  ["province", { field: "region" }],
  ["language", { field: "locale" }],
  ["time zone", { field: "timezone" }],
  ["notes", { field: "message" }],
  ["note", { field: "message" }],
  ["labels", { field: "tags" }],
  ["tag", { field: "tags" }],
  ["marketing consent", { field: "consent" }],
  // HubSpot contacts export.
  ["Record ID", { field: null, why: "HubSpot's own id" }],
  ["Email", { field: "email" }],
  ["Phone Number", { field: "phone" }],
  ["Mobile Phone Number", { field: "phone", rank: 2 }],
  ["Company Name", { field: "company" }],
  ["Street Address", { field: "street" }],
  ["State/Region", { field: "region" }],
  ["Postal Code", { field: "postalCode" }],
  ["Country/Region", { field: "country" }],
  ["Lifecycle Stage", { field: "lifecycleStage" }],
  ["Create Date", { field: "createdAt" }],
  ["Preferred language", { field: "locale" }],
  ["Twitter Username", { field: "twitter" }],
  ["LinkedIn URL", { field: "linkedin" }],
  ["Contact owner", { field: null, why: "owners are Rapport users: set with PATCH /v1/customers/{id}" }],
  ["Last Activity Date", { field: null, why: "Rapport keeps its own" }],
  ["Lead Status", { field: null, why: "no such field in Rapport" }],
  ["Job Title", { field: null, why: "no such field in Rapport" }],
  ["Marketing contact status", { field: null, why: "a HubSpot billing flag, not consent" }],
  // Mailchimp audience export (subscribed, unsubscribed and cleaned files).
  ["Email Address", { field: "email" }],
  ["Address", { field: "address" }],
  ["TAGS", { field: "tags" }],
  ["OPTIN_TIME", { field: "optinTime" }],
  ["OPTIN_IP", { field: "optinIp" }],
  ["CONFIRM_TIME", { field: "confirmTime" }],
  ["CONFIRM_IP", { field: "confirmIp" }],
  ["TIMEZONE", { field: "timezone" }],
  ["CC", { field: "country", rank: 3 }],
  ["REGION", { field: "region", rank: 3 }],
  ["NOTES", { field: "message" }],
  ["UNSUB_TIME", { field: "optOutTime" }],
  ["CLEAN_TIME", { field: "optOutTime" }],
  ["MEMBER_RATING", { field: null, why: "Mailchimp's engagement stars" }],
  ["GMTOFF", { field: null, why: "a UTC offset; TIMEZONE is used" }],
  ["DSTOFF", { field: null, why: "a UTC offset; TIMEZONE is used" }],
  ["LATITUDE", { field: null, why: "a location guessed from an IP address" }],
  ["LONGITUDE", { field: null, why: "a location guessed from an IP address" }],
  ["LAST_CHANGED", { field: null, why: "Mailchimp's own bookkeeping" }],
  ["LEID", { field: null, why: "Mailchimp's own id" }],
  ["EUID", { field: null, why: "Mailchimp's own id" }],
  ["Email Marketing Status", { field: "status" }],
  ["Subscription Status", { field: "status" }],
  // Google Contacts export (the current format and the older "Google CSV").
  ["Middle Name", { field: null, why: "Rapport has no middle-name field" }],
  ["Additional Name", { field: null, why: "Rapport has no middle-name field" }],
  ["E-mail 1 - Value", { field: "email" }],
  ["E-mail 2 - Value", { field: "email", rank: 2 }],
  ["E-mail 3 - Value", { field: "email", rank: 3 }],
  ["Phone 1 - Value", { field: "phone" }],
  ["Phone 2 - Value", { field: "phone", rank: 2 }],
  ["Organization Name", { field: "company" }],
  ["Organization 1 - Name", { field: "company" }],
  ["Address 1 - Street", { field: "street" }],
  ["Address 1 - City", { field: "city" }],
  ["Address 1 - Region", { field: "region" }],
  ["Address 1 - Postal Code", { field: "postalCode" }],
  ["Address 1 - Country", { field: "country" }],
  ["Group Membership", { field: "tags" }],
  ["Organization Title", { field: null, why: "no job-title field in Rapport" }],
  ["Address 1 - Formatted", { field: null, why: "the address parts are used" }],
  ["Photo", { field: null, why: "a picture's URL" }],
  // Shopify customers export.
  ["Accepts Email Marketing", { field: "consent" }],
  ["Default Address Company", { field: "company", rank: 2 }],
  ["Default Address Address1", { field: "street" }],
  ["Default Address City", { field: "city" }],
  ["Default Address Province Code", { field: "region" }],
  ["Default Address Country Code", { field: "country" }],
  ["Default Address Zip", { field: "postalCode" }],
  ["Default Address Phone", { field: "phone", rank: 2 }],
  ["Total Spent", { field: null, why: "record orders with POST /v1/events to count spend" }],
  ["Total Orders", { field: null, why: "record orders with POST /v1/events to count them" }],
];

/** "E-mail 1 - Value" → "email1value": how column names are compared. */
export function columnKey(name: string): string {
  return name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
}

const KNOWN = new Map(KNOWN_COLUMNS.map(([name, column]) => [columnKey(name), column]));

/** What the import does with one column. */
export interface ColumnPlan {
  index: number;
  header: string;
  /** Null: ignored. */
  field: ImportField | null;
  rank: number;
  /** How the mapping was decided. */
  how: "known" | "--map" | "unknown";
  /** Why a known column is ignored. */
  why?: string;
}

/** A mistake in the options (--map) or a file the import cannot work with as given (no email column). */
export class ImportUsageError extends Error {
  override name = "ImportUsageError";
}

/** Parses `--map "Column Name=field"` values; `field` may be `ignore`. */
export function parseMapOptions(values: readonly string[]): Map<string, ImportField | null> {
  const overrides = new Map<string, ImportField | null>();
  for (const value of values) {
    const at = value.lastIndexOf("=");
    if (at <= 0) throw new ImportUsageError(`--map "${value}" must look like "Column Name=field"`);
    const column = value.slice(0, at).trim();
    const target = value.slice(at + 1).trim();
    if (/^(ignore|-|)$/i.test(target)) {
      overrides.set(column, null);
      continue;
    }
    const field = IMPORT_FIELD_NAMES.find((f) => f.toLowerCase() === target.toLowerCase());
    if (!field) throw new ImportUsageError(`--map "${value}": "${target}" is not a field; fields are ${IMPORT_FIELD_NAMES.join(", ")}, or ignore`);
    overrides.set(column, field);
  }
  return overrides;
}

/**
 * Decides where each column goes: `--map` first (by exact name, then by compared name), then the
 * known names of common exports, else ignored. Every data column must be accounted for, and some
 * column must give the email.
 */
export function planColumns(header: readonly string[], overrides: Map<string, ImportField | null> = new Map()): ColumnPlan[] {
  const unused = new Set(overrides.keys());
  const plan = header.map((raw, index): ColumnPlan => {
    const name = raw.trim();
    const key = columnKey(name);
    const mapped = [...overrides.keys()].find((c) => c === name) ?? [...overrides.keys()].find((c) => columnKey(c) === key && key !== "");
    if (mapped !== undefined) {
      unused.delete(mapped);
      return { index, header: name, field: overrides.get(mapped) ?? null, rank: 0, how: "--map" };
    }
    const known = KNOWN.get(key);
    if (known) return { index, header: name, field: known.field, rank: known.rank ?? 1, how: "known", ...(known.why ? { why: known.why } : {}) };
    return { index, header: name, field: null, rank: 1, how: "unknown" };
  });
  if (unused.size) {
    throw new ImportUsageError(`--map names no column of the file: ${[...unused].map((c) => `"${c}"`).join(", ")} (the columns are ${header.map((h) => `"${h.trim()}"`).join(", ")})`);
  }
  if (!plan.some((c) => c.field === "email")) {
    throw new ImportUsageError(`no column holds the email address (the columns are ${header.map((h) => `"${h.trim()}"`).join(", ")}): say which with --map "Column Name=email"`);
  }
  return plan;
}

/** Which export a header looks like, from columns only that export has. */
export function guessFormat(header: readonly string[]): SourceFormat {
  const keys = new Set(header.map(columnKey));
  const any = (...names: string[]) => names.some((n) => keys.has(columnKey(n)));
  if (any("LEID", "EUID", "MEMBER_RATING", "OPTIN_TIME")) return "mailchimp";
  if (any("E-mail 1 - Value", "Group Membership", "Organization 1 - Name")) return "google";
  if (any("Record ID", "Lifecycle Stage", "State/Region", "Country/Region")) return "hubspot";
  if (any("Accepts Email Marketing", "Default Address Address1")) return "shopify";
  if (keys.has("id") && keys.has("stage") && keys.has("lifetimespend")) return "rapport";
  return "csv";
}

/** A problem with one row: the row was not imported, or one of its values was left out. */
export interface RowIssue {
  row: number;
  line: number;
  email: string;
  field: string;
  value: string;
  message: string;
  action: "row skipped" | "field skipped" | "tag skipped" | "consent not imported";
}

/** What the import may record as a grant of marketing consent, and the export's evidence for it. */
export interface ImportedConsent {
  /** The export's time of the grant (confirmation, else opt-in, else the consent column's time), ISO 8601 when readable. */
  givenAt?: string;
  ip?: string;
  evidence: Record<string, string>;
}

/** A row ready to import. */
export interface ImportRow {
  /** The row as a spreadsheet numbers it: the header is row 1. */
  row: number;
  line: number;
  /** Deterministic: the same file name and cells give the same id, so a second run recognises the row. */
  id: string;
  lead: LeadInput;
  consent?: ImportedConsent;
  sourceCreatedAt?: string;
}

/** Facts about the whole file that change how its rows are read. */
export interface FileTraits {
  /** The file lists people who unsubscribed or were cleaned (Mailchimp): no row's consent is imported. */
  optOutList: boolean;
}

export function fileTraits(plan: readonly ColumnPlan[]): FileTraits {
  return { optOutList: plan.some((c) => c.field === "optOutTime") };
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A birthday as the API takes it (YYYY-MM-DD), from the ways exports write one. A date without a
 * year (Mailchimp's MM/DD, Google's --MM-DD) is refused rather than given a made-up year: Rapport
 * stores full dates, and a placeholder year would read as a real one everywhere the date is used
 * (a 1904 birthday is a 120-year-old customer). Slashed dates with a year are refused as
 * ambiguous (month/day or day/month).
 */
export function normalizeBirthday(raw: string): { value: string } | { problem: string } {
  const s = raw.trim();
  let m: RegExpExecArray | null;
  if (DATE_ONLY.test(s)) return { value: s };
  if ((m = /^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}/.exec(s))) return { value: `${m[1]}-${m[2]}-${m[3]}` };
  if ((m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(s))) return { value: `${m[1]}-${m[2]!.padStart(2, "0")}-${m[3]!.padStart(2, "0")}` };
  if ((m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(s))) return { value: `${m[3]}-${m[2]!.padStart(2, "0")}-${m[1]!.padStart(2, "0")}` };
  if (/^\d{1,2}\/\d{1,2}$/.test(s) || /^--\d{2}-?\d{2}$/.test(s)) {
    return { problem: "has no year: Rapport keeps birthdays as full dates (YYYY-MM-DD) and does not make one up" };
  }
  if (/^\d{1,2}[/-]\d{1,2}[/-]\d{2,4}$/.test(s)) return { problem: "is ambiguous (month/day or day/month?): write it as YYYY-MM-DD" };
  return { value: s };
}

/** An export's timestamp ("2024-01-15 10:23:45", ISO 8601) as ISO 8601 UTC; undefined when unreadable or not a real date. */
export function parseTimestamp(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(raw.trim());
  if (!m) return undefined;
  const zone = m[3] ? (m[3].toUpperCase() === "Z" ? "Z" : m[3].includes(":") ? m[3] : `${m[3].slice(0, 3)}:${m[3].slice(3)}`) : "Z";
  const time = m[2] ?? "00:00:00";
  // Strict: 2024-02-30 is a typo to report, not 1 March.
  return parseInstant(`${m[1]}T${time}${time.length === 5 ? ":00" : ""}${zone}`).date?.toISOString();
}

/** Mailchimp's one-column address: parts separated by two spaces (addr1, [addr2,] city, state, zip, country). */
export function splitAddress(value: string): Partial<Record<"street" | "city" | "region" | "postalCode" | "country", string>> {
  const parts = value.split(/\s{2,}/).map((p) => p.trim());
  if (parts.length === 6) return { street: [parts[0], parts[1]].filter(Boolean).join(", "), city: parts[2], region: parts[3], postalCode: parts[4], country: parts[5] };
  if (parts.length === 5) return { street: parts[0], city: parts[1], region: parts[2], postalCode: parts[3], country: parts[4] };
  return { street: value.trim() };
}

/** Tags from any export's spelling: `a, b`, `a;b` (Rapport's export), `"VIP","2024"` (Mailchimp), `* myContacts ::: Friends` (Google). */
export function splitTags(value: string): string[] {
  return value
    .split(/\s*:::\s*|[,;]/)
    .map((t) => t.trim().replace(/^"(.*)"$/, "$1").replace(/^\*\s*/, "").trim())
    .filter((t) => t !== "" && t.toLowerCase() !== "mycontacts");
}

const MAX_TAGS = 20;

/** The outcome of reading one record: a row to import or nothing, and what had to be left out. */
export interface Converted {
  row?: ImportRow;
  issues: RowIssue[];
}

/**
 * Turns one record into a validated lead. Values are cleaned the way exports need (first of
 * Google's ":::"-separated values, Mailchimp's address and tags, birthdays, the `'` a spreadsheet
 * puts before formula-like text), then validated with `LeadInput`, the API's own schema, so
 * nothing is stored that the API would refuse. A bad email skips the row; any other bad value
 * is left out (the rest of the row is imported) and reported.
 */
export function convertRecord(plan: readonly ColumnPlan[], traits: FileTraits, record: CsvRecord, row: number, fileName: string): Converted {
  const issues: RowIssue[] = [];
  const best = new Map<ImportField, { value: string; rank: number }>();
  const tagValues: string[] = [];
  for (const column of plan) {
    if (!column.field) continue;
    const value = restoreCell(record.cells[column.index] ?? "").trim();
    if (value === "") continue;
    if (column.field === "tags") tagValues.push(value);
    else if (column.field === "lifecycleStage") tagValues.push(`lifecycle:${value}`);
    const current = best.get(column.field);
    if (!current || column.rank < current.rank) best.set(column.field, { value, rank: column.rank });
  }
  const get = (field: ImportField) => best.get(field)?.value;
  const firstOf = (field: ImportField) => get(field)?.split(/\s*:::\s*/)[0];
  const rawEmail = firstOf("email") ?? "";
  const issue = (field: string, value: string, message: string, action: RowIssue["action"]) =>
    issues.push({ row, line: record.line, email: rawEmail, field, value, message, action });

  if (record.unterminated) {
    issue("", "", `a quoted field opened on line ${record.line} is never closed: the rest of the file was read as this one row`, "row skipped");
    return { issues };
  }
  if (!rawEmail) {
    issue("email", "", "is empty: a contact needs an email address", "row skipped");
    return { issues };
  }

  const raw: Record<string, unknown> = { email: rawEmail };
  for (const field of PROFILE_FIELD_NAMES) {
    const value = field === "phone" ? firstOf(field) : get(field);
    if (value !== undefined) raw[field] = value;
  }
  const address = get("address");
  if (address) {
    for (const [field, value] of Object.entries(splitAddress(address))) {
      const current = best.get(field as ImportField);
      if (value && (!current || current.rank > 2)) raw[field] = value;
    }
  }
  const name = get("name");
  if (name && !raw.firstName && !raw.lastName) raw.firstName = name;
  for (const field of ["message", "source", "utm_source", "utm_medium", "utm_campaign"] as const) {
    const value = get(field);
    if (value !== undefined) raw[field] = value;
  }
  if (typeof raw.birthday === "string") {
    const birthday = normalizeBirthday(raw.birthday);
    if ("value" in birthday) raw.birthday = birthday.value;
    else {
      issue("birthday", raw.birthday, birthday.problem, "field skipped");
      delete raw.birthday;
    }
  }
  const tags: string[] = [];
  for (const tag of [...new Set(tagValues.flatMap(splitTags))]) {
    const parsed = TagsField.safeParse([tag]);
    if (!parsed.success) issue("tags", tag, parsed.error.issues[0]?.message ?? "is not a valid tag", "tag skipped");
    else if (tags.length >= MAX_TAGS) issue("tags", tag, `more than ${MAX_TAGS} tags: the first ${MAX_TAGS} were kept`, "tag skipped");
    else tags.push(tag);
  }
  if (tags.length) raw.tags = tags;

  let parsed = LeadInput.safeParse(raw);
  if (!parsed.success) {
    const fields = new Set(parsed.error.issues.map((i) => String(i.path[0] ?? "")));
    for (const i of parsed.error.issues) {
      const field = String(i.path[0] ?? "");
      const value = typeof raw[field] === "string" ? (raw[field] as string) : "";
      issue(field, value, i.message, field === "email" ? "row skipped" : "field skipped");
    }
    if (fields.has("email")) return { issues };
    for (const field of fields) delete raw[field];
    parsed = LeadInput.safeParse(raw);
    if (!parsed.success) {
      for (const i of parsed.error.issues) issue(String(i.path[0] ?? ""), "", i.message, "row skipped");
      return { issues };
    }
  }
  const lead = parsed.data;
  const consent = readConsent(get, traits, (value, message) => issue("consent", value, message, "consent not imported"));
  const sourceCreatedAt = get("createdAt");
  return {
    row: {
      row,
      line: record.line,
      id: deterministicEntryId("import", fileName, ...record.cells),
      lead,
      ...(consent ? { consent } : {}),
      ...(sourceCreatedAt ? { sourceCreatedAt } : {}),
    },
    issues,
  };
}

/**
 * Consent is imported only where the export says the person opted in, never inferred: a consent
 * column saying yes (Rapport's export, Shopify's "Accepts Email Marketing", a sheet's "consent"),
 * or Mailchimp's subscribed export, where OPTIN_TIME or CONFIRM_TIME is the record of the opt-in.
 * A file of unsubscribed or cleaned people, a status other than subscribed, or a consent column
 * saying no imports no consent (and withdraws none: a stale file must not undo a newer choice).
 */
function readConsent(get: (field: ImportField) => string | undefined, traits: FileTraits, note: (value: string, message: string) => void): ImportedConsent | undefined {
  if (traits.optOutList || get("optOutTime")) return undefined;
  const status = get("status");
  if (status !== undefined && status.trim().toLowerCase() !== "subscribed") return undefined;
  const evidence: Record<string, string> = {};
  for (const field of ["consent", "consentAt", "consentSource", "optinTime", "optinIp", "confirmTime", "confirmIp", "status"] as const) {
    const value = get(field);
    if (value !== undefined) evidence[field] = value;
  }
  const column = get("consent");
  if (column !== undefined) {
    const parsed = ConsentField.safeParse(column);
    if (!parsed.success) {
      note(column, "must be yes/true/on or no/false/off");
      return undefined;
    }
    if (parsed.data !== true) return undefined;
  } else if (!get("optinTime") && !get("confirmTime")) {
    return undefined;
  }
  const givenAt = parseTimestamp(get("confirmTime")) ?? parseTimestamp(get("optinTime")) ?? parseTimestamp(get("consentAt"));
  const ip = get("confirmIp") ?? get("optinIp");
  return { ...(givenAt ? { givenAt } : {}), ...(ip ? { ip } : {}), evidence };
}

// ---------------------------------------------------------------------------------------------
// Writing rows
// ---------------------------------------------------------------------------------------------

export type RowOutcome = "created" | "merged" | "unchanged";

/** What one row changes on its customer. */
interface RowChange {
  customerId: string;
  created: boolean;
  fields: Profile;
  tags: string[];
  consent?: ConsentRecord;
}

/** Per-row state kept across retries, so a row re-queued after throttling resumes where it stopped. */
interface RowState {
  attempts: number;
  /** What a batched read found before the row reached a worker (see `prefetch`); absent: read it. */
  known?: { customerId?: string; imported: boolean; item?: CustomerItem };
  outcome?: RowOutcome;
  /** Applied, entry not yet written. */
  change?: RowChange;
  /** Applied, due index not yet moved (a new birthday). */
  dueAt?: string;
}

interface ImportContext {
  fileName: string;
  /** `import:<file name>`: the consent source, and the first-touch source unless --source or a column says otherwise. */
  importSource: string;
  attributionSource: string;
  notes: (issue: RowIssue) => void;
  events: DomainEvent[];
}

const TIMELINE_KIND = "imported";

/** The marker that says this row of this file has been imported (idempotency of re-runs). */
function markerKey(rowId: string) {
  return externalEventKey(`import:${rowId}`);
}

/**
 * Applies one row: creates the customer through `upsertContact`, or merges what is new into the
 * existing one (a row that changes nothing writes nothing), then writes the row's timeline entry
 * together with its marker. Reads first, so a second run of a file only reads.
 */
async function importRow(deps: Deps, row: ImportRow, state: RowState, ctx: ImportContext): Promise<RowOutcome> {
  if (!state.outcome) {
    const at = deps.clock.now().toISOString();
    const email = row.lead.email;
    let current: CustomerItem | undefined;
    if (state.known) {
      if (state.known.imported) return (state.outcome = "unchanged");
      current = state.known.item;
    } else {
      const existingId = await findCustomerIdByEmail(deps, email);
      if (existingId) {
        const [marker, item] = await Promise.all([
          deps.db.send(new GetCommand({ TableName: deps.table, Key: markerKey(row.id), ProjectionExpression: "PK" })),
          getCustomerItem(deps, existingId, true),
        ]);
        if (marker.Item) return (state.outcome = "unchanged");
        current = item;
      }
    }
    const consent = await grantableConsent(deps, row, current, at, ctx);
    let change: RowChange;
    if (current) {
      const merge = changesFor(current, row, consent);
      if (!merge) return (state.outcome = "unchanged");
      await mergeInto(deps, current, merge, at);
      change = merge;
      state.dueAt = merge.fields.birthday ? at : undefined;
    } else {
      const profile = profileOf(row.lead);
      const attribution: Record<string, string> = { source: row.lead.source ?? ctx.attributionSource };
      for (const field of ["utm_source", "utm_medium", "utm_campaign"] as const) if (row.lead[field]) attribution[field] = row.lead[field];
      // A birthday can make the birthday campaign due: the sweep works out when. Imports never
      // raise lead follow-up alerts or confirmation mails, so nothing else schedules a new contact.
      const result = await upsertContact(deps, { email, profile, tags: row.lead.tags, consent, attribution, at, ...(row.lead.birthday ? { dueIfNew: at } : {}) });
      change = { customerId: result.customerId, created: result.created, fields: profile, tags: row.lead.tags ?? [], ...(consent ? { consent } : {}) };
      state.dueAt = !result.created && row.lead.birthday && row.lead.birthday !== result.before?.birthday ? at : undefined;
    }
    // From here on a retry resumes with the steps below instead of comparing again (it would
    // find nothing left to change and leave the row without its entry).
    state.outcome = change.created ? "created" : "merged";
    state.change = change;
    ctx.events.push(
      change.created
        ? { type: "LeadCaptured", customerId: change.customerId, at, data: { created: true, consentPending: false, imported: true } }
        : { type: "CustomerUpdated", customerId: change.customerId, at, data: { fields: Object.keys(change.fields).join(","), imported: true } },
    );
  }
  if (state.dueAt && state.change) {
    await scheduleDue(deps, state.change.customerId, state.dueAt);
    delete state.dueAt;
  }
  if (state.change) {
    await recordRow(deps, row, state.change, ctx);
    delete state.change;
  }
  return state.outcome;
}

function profileOf(lead: LeadInput): Profile {
  const profile: Profile = {};
  for (const field of PROFILE_FIELD_NAMES) if (lead[field]) profile[field] = lead[field];
  return profile;
}

/** What the row would change on an existing customer; undefined when nothing. */
function changesFor(current: CustomerItem, row: ImportRow, consent: ConsentRecord | undefined): RowChange | undefined {
  const fields: Profile = {};
  for (const [field, value] of Object.entries(profileOf(row.lead)) as [keyof Profile, string][]) if (current[field] !== value) fields[field] = value;
  const tags = (row.lead.tags ?? []).filter((t) => !current.tags?.has(t));
  if (Object.keys(fields).length === 0 && tags.length === 0 && !consent && !row.lead.message) return undefined;
  return { customerId: current.id, created: false, fields, tags, ...(consent ? { consent } : {}) };
}

/**
 * The import's merge into an existing customer: `upsertContact`'s rules (only non-empty fields,
 * tags added, nothing removed) without what makes a form post an activity — an import is not an
 * interaction, so last activity, the stage index and the due index stay as they were, or a
 * years-old list would make every dormant customer look active today.
 */
async function mergeInto(deps: Deps, current: CustomerItem, change: RowChange, at: string): Promise<void> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ":now": at };
  const sets = ["updatedAt = :now"];
  for (const [field, value] of Object.entries(change.fields)) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  if (change.consent) {
    Object.assign(values, { ":cg": true, ":cv": change.consent.version, ":cs": change.consent.source });
    sets.push("consentMarketing = :cg", "consentAt = :now", "consentVersion = :cv", "consentSource = :cs");
  }
  let expression = `SET ${sets.join(", ")}`;
  if (change.tags.length) {
    values[":tags"] = new Set(change.tags);
    expression += " ADD tags :tags";
  }
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: customerKey(current.id),
        UpdateExpression: expression,
        ConditionExpression: "attribute_exists(PK)",
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
      }),
    );
  } catch (err) {
    if (isConditionFailed(err)) throw new RowFailure("the customer was erased while the row was being imported");
    throw err;
  }
}

/**
 * The consent statement to record for a row, if any. Only a grant the export states, and only
 * when it does not contradict what Rapport knows: never for a suppressed address (unsubscribed,
 * bounced, complained), and never over a withdrawal recorded in Rapport unless the export's grant
 * is newer. Recorded as given now, from `import:<file>`, with the export's evidence on the entry.
 */
async function grantableConsent(deps: Deps, row: ImportRow, current: CustomerItem | undefined, at: string, ctx: ImportContext): Promise<ConsentRecord | undefined> {
  if (!row.consent || current?.consentMarketing === true) return undefined;
  const note = (message: string) =>
    ctx.notes({ row: row.row, line: row.line, email: row.lead.email, field: "consent", value: "", message, action: "consent not imported" });
  if (current?.consentAt && !(row.consent.givenAt && row.consent.givenAt > current.consentAt)) {
    note(`the customer withdrew or declined consent in Rapport on ${current.consentAt.slice(0, 10)}, after the export's opt-in`);
    return undefined;
  }
  const suppressed = await getSuppression(deps, row.lead.email);
  if (suppressed) {
    note(`the address is on the suppression list (${suppressed.reason} on ${suppressed.at.slice(0, 10)})`);
    return undefined;
  }
  return { granted: true, at, source: ctx.importSource, version: "external", ...(row.consent.ip ? { ip: row.consent.ip } : {}) };
}

/**
 * Writes the row's timeline entry and its marker in one transaction, on condition that the
 * marker is new: the entry exists once however often (or however concurrently) the file is
 * imported. The entry's id is the row's deterministic id.
 */
async function recordRow(deps: Deps, row: ImportRow, change: RowChange, ctx: ImportContext): Promise<void> {
  const at = deps.clock.now().toISOString();
  const externalId = `import:${row.id}`;
  const changed = [...Object.keys(change.fields), ...(change.tags.length ? ["tags"] : []), ...(change.consent ? ["consent"] : [])];
  const data: Record<string, unknown> = {
    file: ctx.fileName,
    row: row.row,
    externalId,
    fields: change.fields,
    ...(change.tags.length ? { tags: change.tags } : {}),
    ...(row.lead.message ? { message: row.lead.message } : {}),
    ...(change.consent ? { consent: { ...change.consent, changed: true, evidence: row.consent?.evidence ?? {} } } : {}),
    ...(row.sourceCreatedAt ? { sourceCreatedAt: row.sourceCreatedAt } : {}),
  };
  const summary = change.created
    ? `Imported from ${ctx.fileName}`
    : `Updated by an import of ${ctx.fileName}${changed.length ? `: ${changed.join(", ")}` : ""}`;
  const entry = { ...timelineItem(deps, change.customerId, { at, type: TIMELINE_KIND, summary, data }), ...timelineKey(change.customerId, at, row.id), id: row.id };
  const marker = { ...markerKey(row.id), type: "external", customerId: change.customerId, eventId: row.id, kind: TIMELINE_KIND, at };
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: deps.table, Item: marker, ConditionExpression: "attribute_not_exists(PK)" } },
          { Put: { TableName: deps.table, Item: entry } },
        ],
      }),
    );
  } catch (err) {
    const codes = cancellationCodes(err);
    if (!codes || codes[0] !== "ConditionalCheckFailed") throw err;
    // Another run recorded this row first. A customer this run created still gets its entry
    // (the marker then belongs to a customer that no longer exists, e.g. one erased since).
    if (change.created) await deps.db.send(new PutCommand({ TableName: deps.table, Item: entry }));
  }
}

/** A failure that belongs to one row (it goes to the error report; the import goes on). */
class RowFailure extends Error {
  override name = "RowFailure";
}

const THROTTLE_ERRORS = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "TransactionConflictException"]);
const THROTTLE_REASONS = new Set(["ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict", "RequestLimitExceeded"]);

/** Throttling (or a transaction conflict) still there after the SDK's own retries: worth trying the row again later. */
export function isThrottling(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (THROTTLE_ERRORS.has(err.name)) return true;
  return (cancellationCodes(err) ?? []).some((c) => c !== undefined && THROTTLE_REASONS.has(c));
}

/** Rows read together with BatchGetItem (its limit is 100 keys). */
const PREFETCH_ROWS = 100;

type Key = { PK: string; SK: string };
const keyString = (key: Key) => `${key.PK}\u0000${key.SK}`;

/** BatchGetItem over any number of keys, retrying what DynamoDB leaves unprocessed. */
async function batchGet(deps: Deps, keys: Key[], consistent: boolean): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < keys.length; i += 100) {
    let request: Key[] = keys.slice(i, i + 100);
    for (let attempt = 0; request.length; attempt++) {
      if (attempt) await sleep(Math.min(2000, 50 * 2 ** attempt));
      const result = await deps.db.send(new BatchGetCommand({ RequestItems: { [deps.table]: { Keys: request, ConsistentRead: consistent } } }));
      for (const item of result.Responses?.[deps.table] ?? []) found.set(keyString(item as Key), item);
      request = (result.UnprocessedKeys?.[deps.table]?.Keys ?? []) as Key[];
    }
  }
  return found;
}

/**
 * Reads what a batch of rows needs before they go to the workers, in two BatchGetItem calls
 * instead of one to three GetItems per row: the email lookups, then for the known addresses the
 * row's marker and the customer. A row whose email came earlier in this run is left out: the
 * earlier row may change that customer first, so its worker reads afresh.
 */
async function prefetch(deps: Deps, items: { row: ImportRow; state: RowState }[], seen: Set<string>): Promise<void> {
  const fresh = items.filter(({ row }) => {
    const first = !seen.has(row.lead.email);
    seen.add(row.lead.email);
    return first;
  });
  if (fresh.length === 0) return;
  const lookups = await batchGet(deps, fresh.map(({ row }) => emailKey(row.lead.email)), false);
  const ids = new Map(fresh.map(({ row }) => [row.id, lookups.get(keyString(emailKey(row.lead.email)))?.customerId as string | undefined]));
  const known = fresh.filter(({ row }) => ids.get(row.id));
  const details = await batchGet(deps, known.flatMap(({ row }) => [markerKey(row.id), customerKey(ids.get(row.id)!)]), true);
  for (const { row, state } of fresh) {
    const customerId = ids.get(row.id);
    const item = customerId ? (details.get(keyString(customerKey(customerId))) as CustomerItem | undefined) : undefined;
    state.known = { ...(customerId ? { customerId } : {}), imported: details.has(keyString(markerKey(row.id))), ...(item ? { item } : {}) };
  }
}

// ---------------------------------------------------------------------------------------------
// The import
// ---------------------------------------------------------------------------------------------

export interface ImportOptions {
  /** The CSV file. */
  file: string;
  /** `--map` overrides: column name → field, or null to ignore the column. */
  map?: Map<string, ImportField | null>;
  /** First-touch source for new contacts (default `import:<file name>`); a source column wins. */
  source?: string;
  /** The error report (default: the input's name with `.errors.csv`). */
  errorsFile?: string;
  /** Validate and report only; nothing is written to the table (no deps needed). */
  dryRun?: boolean;
  /** Rows in flight at once (default 32). */
  concurrency?: number;
  /** Called once the header is read, before any row is imported. */
  onPlan?: (plan: ColumnPlan[], info: { rows: number; format: SourceFormat }) => void;
  /** Called after each row with the rows done and the rows in the file. */
  onProgress?: (done: number, total: number) => void;
  /** First pause after throttling, doubled per attempt up to 30 s (default 500 ms). */
  throttleBackoffMs?: number;
  /** Times a throttled row is put back in the queue before it is reported as failed (default 10). */
  maxRequeues?: number;
}

export interface ImportSummary {
  file: string;
  format: SourceFormat;
  /** Data rows read (blank lines not counted). */
  rows: number;
  created: number;
  merged: number;
  /** Rows already imported, or that would change nothing. */
  unchanged: number;
  /** Rows not imported (see the error report). */
  failed: number;
  /** Values left out of imported rows (see the error report). */
  skippedValues: number;
  /** Rows put back in the queue after throttling. */
  requeued: number;
  /** Path of the error report, when there was anything to report. */
  errorsFile?: string;
  dryRun: boolean;
  elapsedMs: number;
}

/** The import stopped part-way (the table went away, an unexpected error): what was done is kept. */
export class ImportStopped extends Error {
  override name = "ImportStopped";
  readonly summary: ImportSummary;
  constructor(message: string, summary: ImportSummary) {
    super(message);
    this.summary = summary;
  }
}

/** The error report's default path: `contacts.csv` → `contacts.errors.csv`. */
export function defaultErrorsFile(file: string): string {
  return `${file.replace(/\.(csv|txt|tsv)$/i, "")}.errors.csv`;
}

const REPORT_HEADER = ["row", "line", "email", "field", "value", "message", "action"];

/** The error report, created on the first issue. An older report at the same path is removed when this run has nothing to report. */
class ErrorReport {
  private stream?: WriteStream;
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }

  private failure?: Error;

  add(issue: RowIssue): void {
    if (!this.stream) {
      this.stream = createWriteStream(this.path);
      // Reported when the import ends (close), instead of crashing the process mid-import.
      this.stream.on("error", (err) => (this.failure ??= err));
      this.stream.write(csvLine(REPORT_HEADER));
    }
    this.stream.write(csvLine([String(issue.row), String(issue.line), issue.email, issue.field, issue.value, issue.message, issue.action]));
  }

  async close(): Promise<string | undefined> {
    if (this.stream) {
      const stream = this.stream;
      if (!this.failure) await new Promise<void>((resolve) => stream.end(() => resolve()));
      if (this.failure) throw new CsvFileError(`could not write the error report ${this.path}: ${this.failure.message}`);
      return this.path;
    }
    // Only a file this command wrote (it starts with the report's header) is removed.
    if (existsSync(this.path) && readFileSync(this.path, "utf8").startsWith(csvLine(REPORT_HEADER))) unlinkSync(this.path);
    return undefined;
  }
}

/** Data rows in a file (a first pass that also proves the whole file decodes before anything is written). */
async function countRows(file: string): Promise<number> {
  let records = 0;
  for await (const record of readCsv(file)) if (!isBlank(record)) records++;
  return Math.max(0, records - 1);
}

function isBlank(record: CsvRecord): boolean {
  return record.cells.length === 1 && record.cells[0]!.trim() === "" && !record.unterminated;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Imports a CSV file (see the module comment for the rules). Streams the file: a first pass
 * counts rows (so progress has a total) and proves the text decodes, the second reads, validates
 * and hands rows to `concurrency` workers. Rows with the same email are applied one after another
 * (they would race for one customer); throttling that outlasts the SDK's retries pauses every
 * worker and puts the row back at the front of the queue.
 *
 * Throws a CsvFileError when the file cannot be read, an ImportUsageError for a bad `--map` or
 * a file without an email column, and ImportStopped when an unexpected error stops the import
 * part-way (a re-run continues: rows already imported are skipped).
 *
 * @example const summary = await importCsv(deps, { file: "contacts.csv" });
 */
export async function importCsv(deps: Deps | undefined, options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const dryRun = options.dryRun === true;
  if (!dryRun && !deps) throw new Error("importCsv needs deps unless dryRun is set");
  const fileName = basename(options.file);
  const total = await countRows(options.file);
  const summary: ImportSummary = { file: options.file, format: "csv", rows: 0, created: 0, merged: 0, unchanged: 0, failed: 0, skippedValues: 0, requeued: 0, dryRun, elapsedMs: 0 };
  const report = new ErrorReport(options.errorsFile ?? defaultErrorsFile(options.file));
  const failedRows = new Set<number>();
  const note = (issue: RowIssue) => {
    report.add(issue);
    if (issue.action === "row skipped") failedRows.add(issue.row);
    else summary.skippedValues++;
  };
  const ctx: ImportContext = {
    fileName,
    importSource: `import:${fileName}`,
    attributionSource: options.source ?? `import:${fileName}`,
    notes: note,
    events: [],
  };
  const concurrency = Math.max(1, options.concurrency ?? 32);
  const backoffMs = options.throttleBackoffMs ?? 500;
  const maxRequeues = options.maxRequeues ?? 10;

  let done = 0;
  const progress = () => options.onProgress?.(++done, total);

  // The work queue, shared by the reader (producer) and the workers.
  const pending: { row: ImportRow; state: RowState }[] = [];
  const waitingOnEmail = new Map<string, { row: ImportRow; state: RowState }[]>();
  const busy = new Set<string>();
  let inFlight = 0;
  let readerDone = false;
  let resumeAt = 0;
  let fatal: unknown;
  let wakers: (() => void)[] = [];
  const wake = () => {
    const w = wakers;
    wakers = [];
    for (const resolve of w) resolve();
  };
  const signal = () => new Promise<void>((resolve) => wakers.push(resolve));

  const take = () => {
    while (pending.length) {
      const next = pending.shift()!;
      const email = next.row.lead.email;
      if (!busy.has(email)) return next;
      const queue = waitingOnEmail.get(email) ?? [];
      queue.push(next);
      waitingOnEmail.set(email, queue);
    }
    return undefined;
  };

  const flushEvents = async (all: boolean) => {
    while (deps && (ctx.events.length >= 10 || (all && ctx.events.length))) await publishEvents(deps, ctx.events.splice(0, 10));
  };

  const run = async (item: { row: ImportRow; state: RowState }) => {
    const email = item.row.lead.email;
    busy.add(email);
    inFlight++;
    let requeued = false;
    try {
      const outcome = await importRow(deps!, item.row, item.state, ctx);
      summary[outcome]++;
      progress();
      await flushEvents(false);
    } catch (err) {
      if (isThrottling(err) && item.state.attempts < maxRequeues) {
        item.state.attempts++;
        // What was read before may no longer hold (part of the row may be written): read again.
        delete item.state.known;
        summary.requeued++;
        requeued = true;
        pending.unshift(item);
        const pause = Math.min(30_000, backoffMs * 2 ** (item.state.attempts - 1));
        resumeAt = Math.max(resumeAt, Date.now() + pause * (0.5 + Math.random() / 2));
      } else if (isThrottling(err) || err instanceof RowFailure || (err as Error).name === "ValidationException") {
        const message = isThrottling(err)
          ? `DynamoDB kept throttling after ${maxRequeues} retries: run the import again to retry this row`
          : (err as Error).message;
        note({ row: item.row.row, line: item.row.line, email, field: "", value: "", message, action: "row skipped" });
        progress();
      } else {
        fatal ??= err;
      }
    } finally {
      inFlight--;
      busy.delete(email);
      if (!requeued) {
        const waiting = waitingOnEmail.get(email);
        if (waiting?.length) pending.unshift(waiting.shift()!);
        if (waiting && waiting.length === 0) waitingOnEmail.delete(email);
      }
      wake();
    }
  };

  const worker = async () => {
    for (;;) {
      if (fatal) return;
      const pause = resumeAt - Date.now();
      if (pause > 0) {
        await sleep(pause);
        continue;
      }
      const item = take();
      if (item) {
        wake();
        await run(item);
        continue;
      }
      if (readerDone && inFlight === 0 && pending.length === 0 && waitingOnEmail.size === 0) return wake();
      await signal();
    }
  };

  const seen = new Set<string>();
  let batch: { row: ImportRow; state: RowState }[] = [];
  const enqueue = async () => {
    const items = batch;
    batch = [];
    if (items.length === 0) return;
    try {
      await prefetch(deps!, items, seen);
    } catch (err) {
      // Throttled reads are only an optimisation lost: the workers read (and retry) row by row.
      if (!isThrottling(err)) throw err;
      for (const item of items) delete item.state.known;
    }
    pending.push(...items);
    wake();
    while (pending.length >= Math.max(concurrency * 4, PREFETCH_ROWS * 2) && !fatal) await signal();
  };

  const read = async () => {
    let plan: ColumnPlan[] | undefined;
    let traits: FileTraits = { optOutList: false };
    let rowNumber = 0;
    try {
      for await (const record of readCsv(options.file)) {
        if (fatal) break;
        rowNumber++;
        if (isBlank(record)) continue;
        if (!plan) {
          plan = planColumns(record.cells, options.map);
          traits = fileTraits(plan);
          summary.format = guessFormat(record.cells);
          options.onPlan?.(plan, { rows: total, format: summary.format });
          continue;
        }
        summary.rows++;
        const converted = convertRecord(plan, traits, record, rowNumber, fileName);
        for (const issue of converted.issues) note(issue);
        if (!converted.row || dryRun) {
          progress();
          continue;
        }
        batch.push({ row: converted.row, state: { attempts: 0 } });
        if (batch.length >= PREFETCH_ROWS) await enqueue();
      }
      await enqueue();
      if (!plan) throw new ImportUsageError(`${options.file} is empty: it needs a header row and a row per contact`);
    } finally {
      readerDone = true;
      wake();
    }
  };

  const workers = dryRun ? [] : Array.from({ length: concurrency }, worker);
  try {
    // Workers finish the rows they have even when reading fails, so nothing is left half-done.
    const [reading] = await Promise.allSettled([read(), ...workers]);
    await flushEvents(true);
    if (reading.status === "rejected") throw reading.reason;
  } finally {
    summary.failed = failedRows.size;
    summary.elapsedMs = performance.now() - started;
    const path = await report.close();
    if (path) summary.errorsFile = path;
  }
  if (fatal) {
    const e = fatal as Error;
    throw new ImportStopped(`${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message}`, summary);
  }
  return summary;
}
