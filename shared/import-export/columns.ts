/** How `rapport import` maps a file's columns to Rapport's fields: the known names of common exports, `--map`, and which export a header looks like. */

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
    throw new ImportUsageError(
      `--map names no column of the file: ${[...unused].map((c) => `"${c}"`).join(", ")} (the columns are ${header.map((h) => `"${h.trim()}"`).join(", ")})`,
    );
  }
  if (!plan.some((c) => c.field === "email")) {
    throw new ImportUsageError(
      `no column holds the email address (the columns are ${header.map((h) => `"${h.trim()}"`).join(", ")}): say which with --map "Column Name=email"`,
    );
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
