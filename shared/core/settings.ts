import { normalizeEmail } from "../customers/email.ts";

/**
 * The settings table: every deploy-time setting the functions read, declared once. An entry's
 * name gives its CDK context key (`currency` is `rapport:currency` in cdk.json or
 * `-c rapport:currency=EUR`); the entry names the environment variable the stack passes it in and
 * `npm start` reads it from, what a valid value looks like (the error text), its default and its
 * parser. `infra/config.ts` validates context with it (and adds the
 * settings only the stack itself reads), the stack writes the environment with `settingsToEnv`,
 * `configFromEnv` reads it back with `settingsFromEnv`, and `npm start` passes the same variables
 * through from the shell.
 *
 * Adding a setting: one entry here (or in infra/config.ts when no function reads it) and one row
 * in the README's settings table.
 *
 * The parsers are plain functions rather than zod schemas on purpose: every Lambda bundle imports
 * this module, and zod would add about 22 KB to the three bundles that load no zod today
 * (authorizer, reports-stream, ses-events).
 */

/** What a parser returns for a value it refuses. */
export const INVALID: unique symbol = Symbol("invalid");

/**
 * Turns a raw value into the setting's value, or `INVALID`. Raw values come as context gives
 * them (numbers, booleans, arrays, or strings from `-c key=value`) or as environment strings.
 */
export type Parser<T> = (raw: unknown) => T | typeof INVALID;

/**
 * One setting. Its name in the table is its name everywhere: the CDK context key is
 * `rapport:<name>` and the configuration's field is `<name>`.
 */
export interface Setting<T = unknown, D extends T | undefined = T | undefined> {
  /** The environment variable functions read it from; absent when only the stack reads it. */
  readonly env?: string;
  /** What a valid value looks like, completing "must be …". */
  readonly expected: string;
  /** The value when the setting is absent; `undefined` makes it optional. */
  readonly default: D;
  readonly parse: Parser<T>;
  /** The default is a stand-in: a deployment must set its own value (or pass `rapport:demo=true`). */
  readonly placeholder?: true;
}

/** Declares one setting, keeping its value type and whether it has a default. */
export function setting<T, const D extends T | undefined>(spec: Setting<T, D>): Setting<T, D> {
  return spec;
}

/** The value a setting has once read: optional settings may be `undefined`. */
export type SettingValue<S> = S extends Setting<infer T, infer D> ? (undefined extends D ? T | undefined : T) : never;

/** The values of a table of settings, by name. */
export type SettingValues<Table> = { readonly [K in keyof Table]: SettingValue<Table[K]> };

function numeric(raw: unknown): number {
  if (typeof raw === "number") return raw;
  return typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
}

/** A whole number from `min` to `max`. */
export const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (raw) => {
    const n = numeric(raw);
    return Number.isInteger(n) && n >= min && n <= max ? n : INVALID;
  };

/** A number greater than 0 and at most `max`. */
export const positive =
  (max = Number.MAX_VALUE): Parser<number> =>
  (raw) => {
    const n = numeric(raw);
    return n > 0 && n <= max ? n : INVALID;
  };

/** A string, trimmed, that passes `test`; `map` normalises it (upper-casing, say). */
export const text =
  (test: (value: string) => boolean, map: (value: string) => string = (v) => v): Parser<string> =>
  (raw) => {
    if (typeof raw !== "string") return INVALID;
    const value = raw.trim();
    return test(value) ? map(value) : INVALID;
  };

/** One of `values`, matched without regard to case for strings. */
export const oneOf =
  <const V extends string | number>(values: readonly V[]): Parser<V> =>
  (raw) =>
    values.find((v) => (typeof v === "number" ? v === numeric(raw) : typeof raw === "string" && v.toLowerCase() === raw.trim().toLowerCase())) ?? INVALID;

/** An email address, as given (SES identities keep their case). */
export const email: Parser<string> = text((v) => normalizeEmail(v) !== null);

/** `true` or `false`, as a boolean or a string in any case. */
export const flag: Parser<boolean> = (raw) => {
  if (typeof raw === "boolean") return raw;
  const v = typeof raw === "string" ? raw.trim().toLowerCase() : "";
  return v === "true" ? true : v === "false" ? false : INVALID;
};

/** `https://example.com` or `http://localhost:5173`: scheme, host, optional port; no path. */
export function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value.replace(/\/+$/, "");
  } catch {
    return false;
  }
}

/** One or more origins: an array, a JSON array or a comma-separated string; trailing slashes dropped, duplicates once. */
export const origins: Parser<string[]> = (raw) => {
  let items = raw;
  if (typeof raw === "string") {
    try {
      items = raw.trim().startsWith("[") ? JSON.parse(raw) : raw.split(",");
    } catch {
      return INVALID;
    }
  }
  if (!Array.isArray(items) || !items.every((o) => typeof o === "string")) return INVALID;
  const list = items.map((o: string) => o.trim().replace(/\/+$/, "")).filter(Boolean);
  return list.length > 0 && list.every(isOrigin) ? [...new Set(list)] : INVALID;
};

/** `09:00-20:00` as minutes since midnight, or null when it is not a window that ends after it starts. */
export function sendWindowMinutes(value: string): { startMinute: number; endMinute: number } | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(value);
  if (!m) return null;
  const startMinute = Number(m[1]) * 60 + Number(m[2]);
  const endMinute = Number(m[3]) * 60 + Number(m[4]);
  return endMinute > startMinute && endMinute <= 24 * 60 ? { startMinute, endMinute } : null;
}

/** A zone name the runtime's Intl knows (`UTC`, `Europe/Oslo`, `America/Argentina/Buenos_Aires`); not a bare offset. */
function isIanaTimeZone(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The captcha services whose tokens POST /v1/leads can verify. */
export const CAPTCHA_PROVIDERS = ["turnstile", "hcaptcha"] as const;

/**
 * `prefix=interest` pairs, comma-separated (`/shoes=shoes,/bags=bags`), as pairs with interests
 * lower-cased and the longest prefix first (so `/shoes/trail=trail` wins over `/shoes=shoes`).
 */
export const prefixMap: Parser<[string, string][]> = (raw) =>
  typeof raw === "string" && /^\s*([^,=]+=[\p{L}\p{N}][\p{L}\p{N} _-]{0,39}\s*(,|$)\s*)*$/u.test(raw)
    ? raw
        .split(",")
        .filter((p) => p.trim())
        .map((p) => p.split("=").map((v, i) => (i ? v.trim().toLowerCase() : v.trim())) as [string, string])
        .sort((a, b) => b[0].length - a[0].length)
    : INVALID;

/** Where lead score points come from (shared/lead-score/): the activities that earn them. */
export const LEAD_SCORE_SOURCES = ["form", "page", "click", "reply", "purchase"] as const;
export type LeadScoreSource = (typeof LEAD_SCORE_SOURCES)[number];

/** Points per activity when `leadScoreWeights` does not say otherwise. */
export const DEFAULT_LEAD_SCORE_WEIGHTS: [LeadScoreSource, number][] = [
  ["form", 10],
  ["page", 5],
  ["click", 3],
  ["reply", 15],
  ["purchase", 25],
];

/**
 * `source=points` pairs, comma-separated (`form=10,page=5`), points 0 to 1,000; a source left out
 * keeps its default. Always all five sources, in `LEAD_SCORE_SOURCES` order.
 */
export const scoreWeights: Parser<[LeadScoreSource, number][]> = (raw) => {
  if (typeof raw !== "string") return INVALID;
  const given = new Map<string, number>();
  for (const pair of raw.split(",").filter((p) => p.trim())) {
    const [name, points, extra] = pair.split("=").map((v) => v.trim().toLowerCase());
    const n = numeric(points);
    if (extra !== undefined || !LEAD_SCORE_SOURCES.includes(name as LeadScoreSource) || !(n >= 0 && n <= 1000) || given.has(name!)) return INVALID;
    given.set(name!, n);
  }
  return DEFAULT_LEAD_SCORE_WEIGHTS.map(([source, points]) => [source, given.get(source) ?? points]);
};

/**
 * Page path patterns, comma-separated (`/pricing,/demo,/plans/*`): each matches its path and
 * everything below it; `*` stands for one path segment (or part of one).
 */
export const pathPatterns: Parser<string[]> = (raw) => {
  const items = typeof raw === "string" ? raw.split(",") : Array.isArray(raw) ? raw : undefined;
  if (!items?.every((p) => typeof p === "string")) return INVALID;
  const list = items.map((p: string) => p.trim().replace(/(.)\/+$/, "$1")).filter(Boolean);
  return list.every((p) => /^\/[^\s,?#]{0,200}$/.test(p)) ? [...new Set(list)] : INVALID;
};

/** The CDK context key of the setting named `name`. */
export const contextKey = (name: string): string => `rapport:${name}`;

/** The settings the functions read. */
export const RUNTIME_SETTINGS = {
  allowedOrigins: setting({
    env: "ALLOWED_ORIGINS",
    expected: "a list of origins like https://example.com (scheme and host, no path)",
    default: ["https://example.com"] as string[],
    parse: origins,
    placeholder: true,
  }),
  consentVersion: setting({
    env: "CONSENT_VERSION",
    expected: "a non-empty label of the consent wording, at most 64 characters, like v1",
    default: "v1",
    parse: text((v) => v.length >= 1 && v.length <= 64),
  }),
  currency: setting({
    env: "CURRENCY",
    expected: "an ISO 4217 currency code like USD",
    default: "USD",
    parse: text(
      (v) => /^[A-Za-z]{3}$/.test(v),
      (v) => v.toUpperCase(),
    ),
  }),
  loyalOrders: setting({
    env: "LOYAL_ORDERS",
    expected: "a whole number of purchases, 1 or more",
    default: 3,
    parse: int(1),
  }),
  loyalSpend: setting({
    env: "LOYAL_SPEND",
    expected: "a lifetime spend in major currency units, greater than 0",
    default: 500,
    parse: positive(),
  }),
  logLevel: setting({
    env: "LOG_LEVEL",
    expected: "one of DEBUG, INFO, WARN, ERROR",
    default: "INFO",
    parse: oneOf(["DEBUG", "INFO", "WARN", "ERROR"]),
  }),
  senderEmail: setting({
    env: "SENDER_EMAIL",
    expected: "the email address campaigns are sent from, on a domain verified in SES, like hello@example.com",
    default: "hello@example.com",
    parse: email,
    placeholder: true,
  }),
  replyToEmail: setting({
    env: "REPLY_TO_EMAIL",
    expected: "an email address replies should go to, or absent to reply to the sender",
    default: undefined,
    parse: email,
  }),
  salesEmail: setting({
    env: "SALES_EMAIL",
    expected: "an email address that gets follow-up alerts for leads without an owner, or absent for none",
    default: undefined,
    parse: email,
  }),
  businessName: setting({
    env: "BUSINESS_NAME",
    expected: "the business's name as customers know it, 1 to 100 characters",
    default: "Rapport Demo Shop",
    parse: text((v) => v.length >= 1 && v.length <= 100),
    placeholder: true,
  }),
  frequencyCapDays: setting({
    env: "FREQUENCY_CAP_DAYS",
    expected: "a whole number of days between two marketing emails to one customer, 0 (no cap) to 365",
    default: 3,
    parse: int(0, 365),
  }),
  maxSendRate: setting({
    env: "MAX_SEND_RATE",
    expected: "the SES account's maximum send rate (MaxSendRate, emails per second), a whole number from 1 to 100000",
    default: 14,
    parse: int(1, 100_000),
  }),
  sendWindow: setting({
    env: "SEND_WINDOW",
    expected: "local hours marketing mail may go out, HH:MM-HH:MM with the end after the start, like 09:00-20:00",
    default: "09:00-20:00",
    parse: text((v) => sendWindowMinutes(v) !== null),
  }),
  defaultTimezone: setting({
    env: "DEFAULT_TIMEZONE",
    expected: "an IANA time zone name like UTC or Europe/Oslo",
    default: "UTC",
    parse: text(isIanaTimeZone),
  }),
  atRiskDays: setting({
    env: "AT_RISK_DAYS",
    expected: "a whole number of days without activity after which a customer is at risk, 1 or more",
    default: 90,
    parse: int(1, 3650),
  }),
  churnDays: setting({
    env: "CHURN_DAYS",
    expected: "a whole number of days without activity after which a customer has churned, more than rapport:atRiskDays",
    default: 180,
    parse: int(1, 3650),
  }),
  sunsetDays: setting({
    env: "SUNSET_DAYS",
    expected: "whole days without an open or click before the re-permission email, 30 to 3650",
    default: 180,
    parse: int(30, 3650),
  }),
  sunsetGraceDays: setting({
    env: "SUNSET_GRACE_DAYS",
    expected: "whole days after the re-permission email before marketing stops, 1 to 365",
    default: 14,
    parse: int(1, 365),
  }),
  doubleOptIn: setting({
    env: "DOUBLE_OPT_IN",
    expected: "true (marketing consent from a form takes effect when the emailed link is clicked) or false",
    default: false,
    parse: flag,
  }),
  dueShards: setting({
    env: "DUE_SHARDS",
    expected: "a whole number of due index partitions from 1 to 64 (changing it on a deployed stack strands due entries)",
    default: 8,
    parse: int(1, 64),
  }),
  tokenTtlDays: setting({
    env: "TOKEN_TTL_DAYS",
    expected: "a whole number of days unsubscribe and feedback links stay valid, 1 to 3650",
    default: 60,
    parse: int(1, 3650),
  }),
  captchaProvider: setting({
    env: "CAPTCHA_PROVIDER",
    expected: "turnstile or hcaptcha (forms must then carry that widget's token), or absent for no captcha",
    default: undefined,
    parse: oneOf(CAPTCHA_PROVIDERS),
  }),
  captchaSecretArn: setting({
    env: "CAPTCHA_SECRET_ARN",
    expected:
      "the ARN of a Secrets Manager secret holding the captcha provider's secret key, like arn:aws:secretsmanager:us-east-1:123456789012:secret:rapport-captcha-AbCdEf",
    default: undefined,
    parse: text((v) => /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/.test(v)),
  }),
  minSubmitSeconds: setting({
    env: "MIN_SUBMIT_SECONDS",
    expected: "a whole number of seconds from 0 (off) to 3600: forms posted sooner after they rendered are held for review",
    default: 0,
    parse: int(0, 3600),
  }),
  interestPaths: setting({
    env: "INTEREST_PATHS",
    expected: "path prefixes and their interests, like /shoes=shoes,/bags=bags",
    default: [] as [string, string][],
    parse: prefixMap,
  }),
  referralLandingUrl: setting({
    env: "REFERRAL_LANDING_URL",
    expected: "an http(s) URL, or absent for the first allowed origin",
    default: undefined,
    // An absolute http(s) URL without credentials or fragment (URL.canParse keeps the parser small: every bundle carries it).
    parse: text((v) => /^https?:\/\/[^\s/@#?]+(\/[^\s#]*)?$/.test(v) && v.length <= 500 && URL.canParse(v)),
  }),
  ambassadorReferrals: setting({
    env: "AMBASSADOR_REFERRALS",
    expected: "a whole number of referred buyers, 1 to 1000",
    default: 3,
    parse: int(1, 1000),
  }),
  visitorTtlDays: setting({
    env: "VISITOR_TTL_DAYS",
    expected: "days an anonymous visitor is kept, 1 to 730",
    default: 90,
    parse: int(1, 730),
  }),
  leadScoreWeights: setting({
    env: "LEAD_SCORE_WEIGHTS",
    expected: "points per activity, 0 to 1000, like form=10,page=5,click=3,reply=15,purchase=25 (a source left out keeps its default)",
    default: DEFAULT_LEAD_SCORE_WEIGHTS,
    parse: scoreWeights,
  }),
  leadScoreHalfLifeDays: setting({
    env: "LEAD_SCORE_HALF_LIFE_DAYS",
    expected: "days after which an activity's points count half, more than 0 and at most 3650",
    default: 30,
    parse: positive(3650),
  }),
  leadScoreKeyPages: setting({
    env: "LEAD_SCORE_KEY_PAGES",
    expected: "page paths that earn points, comma-separated, like /pricing,/demo (each covers the pages below it; * is one path segment)",
    default: ["/pricing", "/demo"] as string[],
    parse: pathPatterns,
  }),
  leadScoreHotThreshold: setting({
    env: "LEAD_SCORE_HOT_THRESHOLD",
    expected: "the score that makes a hot lead, more than 0 and at most 100000",
    default: 50,
    parse: positive(100_000),
  }),
} as const;

export type RuntimeSettings = SettingValues<typeof RUNTIME_SETTINGS>;

/** One problem with one setting, named as its source names it (context key or environment variable). */
export interface SettingProblem {
  name: string;
  message: string;
}

/**
 * Reads every setting of `table` with `lookup`, `name` naming it in problems (its context key or
 * its environment variable; both get the setting and its name). Absent, `null` and `""` take the default. Returns the values, or
 * every problem at once.
 */
export function readSettings<Table extends Record<string, Setting<any, any>>>(
  table: Table,
  lookup: (s: Setting<any, any>, name: string) => unknown,
  name: (s: Setting<any, any>, name: string) => string,
): { values: SettingValues<Table>; problems: SettingProblem[] } {
  const values: Record<string, unknown> = {};
  const problems: SettingProblem[] = [];
  for (const [field, s] of Object.entries(table)) {
    const raw = lookup(s, field);
    if (raw === undefined || raw === null || raw === "") {
      values[field] = s.default;
      continue;
    }
    const value = s.parse(raw);
    if (value === INVALID) problems.push({ name: name(s, field), message: `must be ${s.expected} (got ${JSON.stringify(raw)})` });
    else values[field] = value;
  }
  if (problems.length === 0) problems.push(...relationProblems(values as RuntimeSettings, name));
  return { values: values as SettingValues<Table>, problems };
}

/** Rules between runtime settings, once each is valid on its own. */
function relationProblems(v: RuntimeSettings, name: (s: Setting<any, any>, name: string) => string): SettingProblem[] {
  const { atRiskDays, churnDays } = RUNTIME_SETTINGS;
  if (v.churnDays !== undefined && v.atRiskDays !== undefined && v.churnDays <= v.atRiskDays) {
    return [
      {
        name: name(churnDays, "churnDays"),
        message: `must be more than ${name(atRiskDays, "atRiskDays")} (got ${v.churnDays}, at risk after ${v.atRiskDays})`,
      },
    ];
  }
  return [];
}

/** The runtime settings from environment variables, or every problem, named by variable. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): { values: RuntimeSettings; problems: SettingProblem[] } {
  return readSettings(
    RUNTIME_SETTINGS,
    (s) => env[s.env!],
    (s) => s.env!,
  );
}

/** The environment variables that carry `values` to the functions; unset optional settings are left out. */
export function settingsToEnv(values: RuntimeSettings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [field, s] of Object.entries(RUNTIME_SETTINGS)) {
    const value = values[field as keyof RuntimeSettings];
    // Lists are comma-separated; prefix maps as `prefix=interest` pairs.
    if (value !== undefined) env[s.env!] = Array.isArray(value) ? value.map((v) => (Array.isArray(v) ? v.join("=") : v)).join(",") : String(value);
  }
  return env;
}
