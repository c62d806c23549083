import { parseInstant } from "../core/dates.ts";
import { ConsentField, PROFILE_FIELD_NAMES, TagsField } from "../core/schema.ts";
import { deterministicEntryId } from "../entities/timeline.ts";
import { LeadInput } from "../leads/schema.ts";
import type { ColumnPlan, ImportField } from "./columns.ts";
import { type CsvRecord, restoreCell } from "./csv-read.ts";

/** How `rapport import` turns one CSV record into a validated lead, and what it reports about values it leaves out. */

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
  if (DATE_ONLY.test(s)) return { value: s };
  const dateTime = /^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}/.exec(s);
  if (dateTime) return { value: `${dateTime[1]}-${dateTime[2]}-${dateTime[3]}` };
  const slashed = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(s);
  if (slashed) return { value: `${slashed[1]}-${slashed[2]!.padStart(2, "0")}-${slashed[3]!.padStart(2, "0")}` };
  const dotted = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(s);
  if (dotted) return { value: `${dotted[3]}-${dotted[2]!.padStart(2, "0")}-${dotted[1]!.padStart(2, "0")}` };
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
  if (parts.length === 6)
    return { street: [parts[0], parts[1]].filter(Boolean).join(", "), city: parts[2], region: parts[3], postalCode: parts[4], country: parts[5] };
  if (parts.length === 5) return { street: parts[0], city: parts[1], region: parts[2], postalCode: parts[3], country: parts[4] };
  return { street: value.trim() };
}

/** Tags from any export's spelling: `a, b`, `a;b` (Rapport's export), `"VIP","2024"` (Mailchimp), `* myContacts ::: Friends` (Google). */
export function splitTags(value: string): string[] {
  return value
    .split(/\s*:::\s*|[,;]/)
    .map((t) =>
      t
        .trim()
        .replace(/^"(.*)"$/, "$1")
        .replace(/^\*\s*/, "")
        .trim(),
    )
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
function readConsent(
  get: (field: ImportField) => string | undefined,
  traits: FileTraits,
  note: (value: string, message: string) => void,
): ImportedConsent | undefined {
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
