/**
 * Runtime configuration of every function, read from environment variables. The CDK stack sets
 * them from cdk.json context (infra/config.ts validates that); the local stack sets the same ones.
 */
export interface LifecycleThresholds {
  /** Purchases that make a customer `loyal`. */
  loyalOrders: number;
  /** Lifetime spend (major units of `currency`) that makes a customer `loyal`. */
  loyalSpend: number;
}

export interface RuntimeConfig {
  tableName: string;
  region: string;
  /** Set only for the local stack (DynamoDB Local). */
  dynamodbEndpoint?: string;
  /** Origins allowed to post forms from a browser and to be `_next` redirect targets. */
  allowedOrigins: string[];
  /** Version label of the consent wording shown next to the checkbox; stored with each grant. */
  consentVersion: string;
  /** The currency lifetime spend is kept in (ISO 4217). */
  currency: string;
  lifecycle: LifecycleThresholds;
  /** Where the API is reachable, for links (thank-you page, form action). */
  publicBaseUrl: string;
}

function numberFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new Error("TABLE_NAME is not set");
  return {
    tableName,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    allowedOrigins: (env.ALLOWED_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim().replace(/\/+$/, ""))
      .filter(Boolean),
    consentVersion: env.CONSENT_VERSION || "v1",
    currency: (env.CURRENCY || "USD").toUpperCase(),
    lifecycle: {
      loyalOrders: numberFrom(env, "LOYAL_ORDERS", 3),
      loyalSpend: numberFrom(env, "LOYAL_SPEND", 500),
    },
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? "").replace(/\/+$/, ""),
  };
}
