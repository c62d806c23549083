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
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return config as RapportConfig;
}
