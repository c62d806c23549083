import type { Node } from "constructs";
import * as z from "zod";

/**
 * The deployment's configuration: one typed object read from CDK context (`cdk.json`, or
 * `npx cdk deploy -c rapport:currency=EUR`) and validated at synth time, so a typo fails the
 * synth with the key's name instead of deploying a broken stack.
 *
 * Values passed with `-c` arrive as strings, so numbers are accepted as numeric strings and
 * lists as comma-separated strings (or a JSON array).
 */

/** The retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

function numeric(value: unknown): unknown {
  return typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
}

function list(value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (value.trim().startsWith("[")) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value.split(",").map((item) => item.trim()).filter(Boolean);
}

/** `https://example.com` or `http://localhost:5173`: scheme, host, optional port; no path. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value.replace(/\/+$/, "");
  } catch {
    return false;
  }
}

function boolean(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const v = value.trim().toLowerCase();
  return v === "true" ? true : v === "false" ? false : value;
}

/**
 * What EventBridge accepts as a schedule: `rate(1 hour)` (singular unit for 1, plural otherwise)
 * or `cron(minutes hours day-of-month month day-of-week year)` with `?` in exactly one of the
 * two day fields.
 */
function isScheduleExpression(value: string): boolean {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(value);
  if (rate) {
    const n = Number(rate[1]);
    return n >= 1 && rate[2]!.endsWith("s") === (n !== 1);
  }
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(value);
  return cron !== null && (cron[3] === "?") !== (cron[5] === "?");
}

/** `09:00-20:00`: the same rule the functions apply to SEND_WINDOW (shared/core/config.ts). */
function isSendWindow(value: string): boolean {
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(value);
  if (!m) return false;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  return end > start && end <= 24 * 60;
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

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.preprocess(numeric, z.number().int().min(min).max(max));

/** Each setting: its context key, what a valid value looks like (for the error), its schema with default. */
const settings = {
  stackName: {
    key: "rapport:stackName",
    expected: "a CloudFormation stack name: a letter, then letters, digits or hyphens (at most 128)",
    schema: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/).default("Rapport"),
  },
  allowedOrigins: {
    key: "rapport:allowedOrigins",
    expected: "a list of origins like https://example.com (scheme and host, no path)",
    schema: z
      .preprocess(list, z.array(z.string().refine(isOrigin)).min(1))
      .transform((origins) => [...new Set(origins.map((o) => o.replace(/\/+$/, "")))])
      .default(["https://example.com"]),
  },
  consentVersion: {
    key: "rapport:consentVersion",
    expected: "a non-empty label of the consent wording, at most 64 characters, like v1",
    schema: z.string().trim().min(1).max(64).default("v1"),
  },
  currency: {
    key: "rapport:currency",
    expected: "an ISO 4217 currency code like USD",
    schema: z.string().regex(/^[A-Za-z]{3}$/).transform((c) => c.toUpperCase()).default("USD"),
  },
  loyalOrders: {
    key: "rapport:loyalOrders",
    expected: "a whole number of purchases, 1 or more",
    schema: int(1).default(3),
  },
  loyalSpend: {
    key: "rapport:loyalSpend",
    expected: "a lifetime spend in major currency units, greater than 0",
    schema: z.preprocess(numeric, z.number().positive()).default(500),
  },
  throttleRateLimit: {
    key: "rapport:throttleRateLimit",
    expected: "a steady-state request rate per second, greater than 0",
    schema: z.preprocess(numeric, z.number().positive()).default(50),
  },
  throttleBurstLimit: {
    key: "rapport:throttleBurstLimit",
    expected: "a whole number of burst requests, 1 or more",
    schema: int(1).default(100),
  },
  logRetentionDays: {
    key: "rapport:logRetentionDays",
    expected: `one of the retention periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}`,
    schema: z
      .preprocess(numeric, z.number())
      .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days))
      .default(30),
  },
  authCacheTtlSeconds: {
    key: "rapport:authCacheTtlSeconds",
    expected: "a whole number of seconds from 0 (no caching) to 3600",
    schema: int(0, 3600).default(60),
  },
  logLevel: {
    key: "rapport:logLevel",
    expected: "one of DEBUG, INFO, WARN, ERROR",
    schema: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).default("INFO"),
  },
  alarmEmail: {
    key: "rapport:alarmEmail",
    expected: "an email address to send alarms to, or absent for none",
    schema: z.email().optional(),
  },
  senderEmail: {
    key: "rapport:senderEmail",
    expected: "the email address campaigns are sent from, on a domain verified in SES, like hello@example.com",
    schema: z.email().default("hello@example.com"),
  },
  replyToEmail: {
    key: "rapport:replyToEmail",
    expected: "an email address replies should go to, or absent to reply to the sender",
    schema: z.email().optional(),
  },
  salesEmail: {
    key: "rapport:salesEmail",
    expected: "an email address that gets follow-up alerts for leads without an owner, or absent for none",
    schema: z.email().optional(),
  },
  businessName: {
    key: "rapport:businessName",
    expected: "the business's name as customers know it, 1 to 100 characters",
    schema: z.string().trim().min(1).max(100).default("Rapport Demo Shop"),
  },
  sweepSchedule: {
    key: "rapport:sweepSchedule",
    expected: "an EventBridge schedule expression: rate(<n> minute|minutes|hour|hours|day|days) or cron(<6 fields>), like rate(1 hour)",
    schema: z.string().trim().refine(isScheduleExpression).default("rate(1 hour)"),
  },
  senderMaxConcurrency: {
    key: "rapport:senderMaxConcurrency",
    expected: "a whole number of concurrent sender invocations from 2 (the SQS event source minimum) to 1000",
    schema: int(2, 1000).default(2),
  },
  frequencyCapDays: {
    key: "rapport:frequencyCapDays",
    expected: "a whole number of days between two marketing emails to one customer, 0 (no cap) to 365",
    schema: int(0, 365).default(3),
  },
  sendWindow: {
    key: "rapport:sendWindow",
    expected: "local hours marketing mail may go out, HH:MM-HH:MM with the end after the start, like 09:00-20:00",
    schema: z.string().trim().refine(isSendWindow).default("09:00-20:00"),
  },
  defaultTimezone: {
    key: "rapport:defaultTimezone",
    expected: "an IANA time zone name like UTC or Europe/Oslo",
    schema: z.string().trim().refine(isIanaTimeZone).default("UTC"),
  },
  atRiskDays: {
    key: "rapport:atRiskDays",
    expected: "a whole number of days without activity after which a customer is at risk, 1 or more",
    schema: int(1, 3650).default(90),
  },
  churnDays: {
    key: "rapport:churnDays",
    expected: "a whole number of days without activity after which a customer has churned, more than rapport:atRiskDays",
    schema: int(1, 3650).default(180),
  },
  doubleOptIn: {
    key: "rapport:doubleOptIn",
    expected: "true (marketing consent from a form takes effect when the emailed link is clicked) or false",
    schema: z.preprocess(boolean, z.boolean()).default(false),
  },
  dueShards: {
    key: "rapport:dueShards",
    expected: "a whole number of due index partitions from 1 to 64 (changing it on a deployed stack strands due entries)",
    schema: int(1, 64).default(8),
  },
  tokenTtlDays: {
    key: "rapport:tokenTtlDays",
    expected: "a whole number of days unsubscribe and feedback links stay valid, 1 to 3650",
    schema: int(1, 3650).default(60),
  },
  bounceRateAlarm: {
    key: "rapport:bounceRateAlarm",
    expected: "the SES account bounce rate that raises an alarm, a fraction greater than 0 and at most 1, like 0.05",
    schema: z.preprocess(numeric, z.number().positive().max(1)).default(0.05),
  },
  complaintRateAlarm: {
    key: "rapport:complaintRateAlarm",
    expected: "the SES account complaint rate that raises an alarm, a fraction greater than 0 and at most 1, like 0.001",
    schema: z.preprocess(numeric, z.number().positive().max(1)).default(0.001),
  },
  captchaProvider: {
    key: "rapport:captchaProvider",
    expected: "turnstile or hcaptcha (forms must then carry that widget's token), or absent for no captcha",
    schema: z.enum(["turnstile", "hcaptcha"]).optional(),
  },
  captchaSecretArn: {
    key: "rapport:captchaSecretArn",
    expected: "the ARN of a Secrets Manager secret holding the captcha provider's secret key, like arn:aws:secretsmanager:us-east-1:123456789012:secret:rapport-captcha-AbCdEf",
    schema: z.string().trim().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/).optional(),
  },
  minSubmitSeconds: {
    key: "rapport:minSubmitSeconds",
    expected: "a whole number of seconds from 0 (off) to 3600: forms posted sooner after they rendered are held for review",
    schema: int(0, 3600).default(0),
  },
  peopleMfa: {
    key: "rapport:peopleMfa",
    expected: "optional (each person may add an authenticator app), required (everyone must) or off",
    schema: z.enum(["off", "optional", "required"]).default("optional"),
  },
  passwordMinLength: {
    key: "rapport:passwordMinLength",
    expected: "the shortest password people may choose, a whole number from 8 to 99 (upper and lower case, a digit and a symbol are always required)",
    schema: int(8, 99).default(12),
  },
} as const;

type Settings = typeof settings;

/** The validated configuration of one deployment. */
export type RapportConfig = { readonly [K in keyof Settings]: z.output<Settings[K]["schema"]> };

/** The context keys this app reads, e.g. `rapport:allowedOrigins`. */
export const CONTEXT_KEYS: readonly string[] = Object.values(settings).map((s) => s.key);

/**
 * Reads and validates the configuration from a construct's context (pass `app.node`) or from a
 * plain record keyed by context key (tests). Missing keys take their defaults.
 *
 * @throws Error naming every invalid context key and what it expects, e.g.
 *   `Invalid context rapport:loyalOrders: must be a whole number of purchases, 1 or more (got -1)`.
 *
 * @example
 * const config = readConfig(app.node);
 * new RapportStack(app, config.stackName, { config });
 */
export function readConfig(source: Node | Readonly<Record<string, unknown>>): RapportConfig {
  const lookup = (key: string): unknown =>
    "tryGetContext" in source && typeof source.tryGetContext === "function" ? source.tryGetContext(key) : (source as Record<string, unknown>)[key];
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [field, setting] of Object.entries(settings)) {
    const raw = lookup(setting.key);
    const parsed = setting.schema.safeParse(raw === null ? undefined : raw);
    if (parsed.success) config[field] = parsed.data;
    else problems.push(`Invalid context ${setting.key}: must be ${setting.expected} (got ${JSON.stringify(raw)})`);
  }
  // Relations between keys, once each key is valid on its own.
  if (problems.length === 0 && (config.churnDays as number) <= (config.atRiskDays as number)) {
    problems.push(`Invalid context rapport:churnDays: must be more than rapport:atRiskDays (got ${String(config.churnDays)}, at risk after ${String(config.atRiskDays)})`);
  }
  if (problems.length === 0 && config.captchaProvider !== undefined && config.captchaSecretArn === undefined) {
    problems.push(`Invalid context rapport:captchaSecretArn: must be set when rapport:captchaProvider is (the ARN of a Secrets Manager secret holding the ${String(config.captchaProvider)} secret key)`);
  }
  if (problems.length === 0 && config.captchaSecretArn !== undefined && config.captchaProvider === undefined) {
    problems.push("Invalid context rapport:captchaProvider: must be turnstile or hcaptcha when rapport:captchaSecretArn is set");
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return config as RapportConfig;
}
