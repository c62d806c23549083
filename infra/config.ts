import type { Node } from "constructs";
import type { SettingProblem, SettingValues } from "../shared/core/settings.ts";
import { contextKey, flag, int, oneOf, positive, RUNTIME_SETTINGS, readSettings, setting, text } from "../shared/core/settings.ts";

/**
 * The deployment's configuration: one typed object read from CDK context (`cdk.json`, or
 * `npx cdk deploy -c rapport:currency=EUR`) and validated at synth time, so a typo fails the
 * synth with the key's name instead of deploying a broken stack.
 *
 * The settings the functions read are declared in the settings table (shared/core/settings.ts);
 * the ones only the stack reads are declared here, in the same shape. Values passed with `-c`
 * arrive as strings, so numbers are accepted as numeric strings and lists as comma-separated
 * strings (or a JSON array).
 */

/** The retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

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

/** The settings only the stack reads (no function sees them), in the settings table's shape. */
const STACK_SETTINGS = {
  stackName: setting({
    expected: "a CloudFormation stack name: a letter, then letters, digits or hyphens (at most 128)",
    default: "Rapport",
    parse: text((v) => /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(v)),
  }),
  throttleRateLimit: setting({
    expected: "a steady-state request rate per second, greater than 0",
    default: 50,
    parse: positive(),
  }),
  throttleBurstLimit: setting({
    expected: "a whole number of burst requests, 1 or more",
    default: 100,
    parse: int(1),
  }),
  logRetentionDays: setting({
    expected: `one of the retention periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}`,
    default: 30,
    parse: oneOf(LOG_RETENTION_DAYS),
  }),
  authCacheTtlSeconds: setting({
    expected: "a whole number of seconds from 0 (no caching) to 3600",
    default: 60,
    parse: int(0, 3600),
  }),
  alarmEmail: setting({
    expected: "an email address to send alarms to, or absent for none",
    default: undefined,
    parse: RUNTIME_SETTINGS.salesEmail.parse,
  }),
  sweepSchedule: setting({
    expected: "an EventBridge schedule expression: rate(<n> minute|minutes|hour|hours|day|days) or cron(<6 fields>), like rate(1 hour)",
    default: "rate(1 hour)",
    parse: text(isScheduleExpression),
  }),
  senderMaxConcurrency: setting({
    expected: "a whole number of concurrent sender invocations from 2 (the SQS event source minimum) to 1000",
    default: 2,
    parse: int(2, 1000),
  }),
  bounceRateAlarm: setting({
    expected: "the SES account bounce rate that raises an alarm, a fraction greater than 0 and at most 1, like 0.05",
    default: 0.05,
    parse: positive(1),
  }),
  complaintRateAlarm: setting({
    expected: "the SES account complaint rate that raises an alarm, a fraction greater than 0 and at most 1, like 0.001",
    default: 0.001,
    parse: positive(1),
  }),
  demo: setting({
    expected: "true (deploy even with placeholder values, for a demo) or false",
    default: false,
    parse: flag,
  }),
  peopleMfa: setting({
    expected: "optional (each person may add an authenticator app), required (everyone must) or off",
    default: "optional",
    parse: oneOf(["off", "optional", "required"] as const),
  }),
  passwordMinLength: setting({
    expected: "the shortest password people may choose, a whole number from 8 to 99 (upper and lower case, a digit and a symbol are always required)",
    default: 12,
    parse: int(8, 99),
  }),
} as const;

/** Every deploy-time setting: the functions' and the stack's own. */
const SETTINGS = { ...RUNTIME_SETTINGS, ...STACK_SETTINGS };

/** The validated configuration of one deployment. */
export type RapportConfig = SettingValues<typeof SETTINGS>;

/** The context keys this app reads, e.g. `rapport:allowedOrigins`. */
export const CONTEXT_KEYS: readonly string[] = Object.keys(SETTINGS).map(contextKey);

/** A configuration the app refuses: the message is one line, meant for the person running `cdk`. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Reads and validates the configuration from a construct's context (pass `app.node`) or from a
 * plain record keyed by context key (tests). Missing keys take their defaults. Refuses an
 * unknown `rapport:` key (suggesting the nearest known one) and, unless `rapport:demo` is true,
 * the placeholder values a fresh clone's cdk.json carries.
 *
 * @throws ConfigError naming every invalid context key and what it expects, on one line, e.g.
 *   `Invalid context rapport:loyalOrders: must be a whole number of purchases, 1 or more (got -1)`.
 *
 * @example
 * const config = readConfig(app.node);
 * new RapportStack(app, config.stackName, { config });
 */
export function readConfig(source: Node | Readonly<Record<string, unknown>>): RapportConfig {
  const context: Record<string, unknown> =
    "getAllContext" in source && typeof source.getAllContext === "function" ? source.getAllContext() : (source as Record<string, unknown>);
  const problems: string[] = unknownKeys(Object.keys(context)).map((p) => `Unknown context ${p.name}: ${p.message}`);
  const { values, problems: invalid } = readSettings(
    SETTINGS,
    (_, name) => context[contextKey(name)],
    (_, name) => contextKey(name),
  );
  problems.push(...invalid.map((p) => `Invalid context ${p.name}: ${p.message}`));
  if (problems.length === 0 && values.captchaProvider !== undefined && values.captchaSecretArn === undefined) {
    problems.push(
      `Invalid context rapport:captchaSecretArn: must be set when rapport:captchaProvider is (the ARN of a Secrets Manager secret holding the ${values.captchaProvider} secret key)`,
    );
  }
  if (problems.length === 0 && values.captchaSecretArn !== undefined && values.captchaProvider === undefined) {
    problems.push("Invalid context rapport:captchaProvider: must be turnstile or hcaptcha when rapport:captchaSecretArn is set");
  }
  if (problems.length > 0) throw new ConfigError(problems.join("; "));
  const placeholders = values.demo ? [] : placeholderKeys(values);
  if (placeholders.length > 0) {
    throw new ConfigError(
      `Placeholder values would go live: set ${placeholders.join(", ")} (in cdk.json or with -c key=value), or pass -c rapport:demo=true to deploy the demo values`,
    );
  }
  return values;
}

/**
 * The placeholder settings still at a stand-in value: the default, or an address or origin on a
 * domain reserved for examples (example.com, .example, .test, …), which SES cannot verify and no
 * customer's browser comes from.
 */
function placeholderKeys(values: RapportConfig): string[] {
  return Object.entries(SETTINGS)
    .filter(([field, s]) => {
      if (!("placeholder" in s)) return false;
      const value = values[field as keyof RapportConfig];
      return JSON.stringify(value) === JSON.stringify(s.default) || [value].flat().some((v) => typeof v === "string" && onExampleDomain(v));
    })
    .map(([field]) => contextKey(field));
}

/** RFC 2606 and RFC 6761: names reserved for documentation and tests. */
function onExampleDomain(addressOrOrigin: string): boolean {
  const host = (addressOrOrigin.includes("@") ? addressOrOrigin.slice(addressOrOrigin.lastIndexOf("@") + 1) : (URL.parse(addressOrOrigin)?.hostname ?? ""))
    .toLowerCase()
    .replace(/\.+$/, "");
  return /(^|\.)example\.(com|net|org)$/.test(host) || /(^|\.)(example|test|invalid)$/.test(host);
}

/** The `rapport:` keys no setting declares, each with the nearest declared key when one is close. */
function unknownKeys(keys: string[]): SettingProblem[] {
  return keys
    .filter((key) => key.startsWith("rapport:") && !CONTEXT_KEYS.includes(key))
    .map((key) => {
      const [nearest] = CONTEXT_KEYS.map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) })).sort((a, b) => a.d - b.d);
      const close = nearest && nearest.d <= Math.max(2, Math.floor((key.length - "rapport:".length) / 3));
      return { name: key, message: close ? `did you mean ${nearest.k}?` : "no setting has this key (see the README's settings table)" };
    });
}

/** Levenshtein distance: insertions, deletions and substitutions to turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}
