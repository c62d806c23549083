import type { LeadScoreSource, RuntimeSettings } from "./settings.ts";
import { CAPTCHA_PROVIDERS, sendWindowMinutes, settingsFromEnv } from "./settings.ts";

export { CAPTCHA_PROVIDERS };

/**
 * Runtime configuration of every function, read from environment variables: the deploy-time
 * settings of the settings table (shared/core/settings.ts), which the CDK stack writes from
 * cdk.json context and `npm start` passes through from the shell, plus the names of the
 * resources the stack wires in.
 */
export interface LifecycleThresholds {
  /** Purchases that make a customer `loyal`. */
  loyalOrders: number;
  /** Lifetime spend (major units of `currency`) that makes a customer `loyal`. */
  loyalSpend: number;
}

/** How and when the retention engine sends. Env names in brackets. */
export interface RetentionConfig {
  /** The business's name as customers know it, for emails and pages [BUSINESS_NAME]. */
  businessName: string;
  /** The verified SES identity mail is sent from [SENDER_EMAIL]. */
  senderEmail: string;
  /** Where replies go, if not the sender [REPLY_TO_EMAIL]. */
  replyToEmail?: string;
  /** Who gets the alert emails (lead follow-up, detractor) about a customer without an owner [SALES_EMAIL]; unset: no email for those (the alert's task is raised either way). */
  salesEmail?: string;
  /** SES configuration set whose event destination feeds bounces, complaints, opens and clicks back [SES_CONFIGURATION_SET]. */
  configurationSet?: string;
  /** SES endpoint, local stack only [SES_ENDPOINT]. */
  sesEndpoint?: string;
  /** EventBridge bus for domain events [EVENT_BUS_NAME]; unset locally (events stay in process). */
  eventBusName?: string;
  /** SQS queue between sweep and sender [SEND_QUEUE_URL]; unset locally (in-process queue). */
  sendQueueUrl?: string;
  /** HMAC key for links in emails [TOKEN_SECRET], or a Secrets Manager secret holding it [TOKEN_SECRET_ARN]. */
  tokenSecret?: string;
  tokenSecretArn?: string;
  /** Days an unsubscribe or feedback link stays valid [TOKEN_TTL_DAYS]. */
  tokenTtlDays: number;
  /** Partitions of the due index, so a large sweep spreads over partitions [DUE_SHARDS]. */
  dueShards: number;
  /** At most one marketing email per this many days per customer [FREQUENCY_CAP_DAYS]. */
  frequencyCapDays: number;
  /** The SES account's MaxSendRate, which all sender invocations together stay under [MAX_SEND_RATE]. */
  maxSendRate: number;
  /** Marketing goes out only between these local hours [SEND_WINDOW, e.g. 09:00-20:00]. */
  sendWindow: { startMinute: number; endMinute: number };
  /** Time zone for customers who gave none [DEFAULT_TIMEZONE]. */
  defaultTimezone: string;
  /** No activity for this many days: at_risk; for churnDays: churned [AT_RISK_DAYS, CHURN_DAYS]. */
  atRiskDays: number;
  churnDays: number;
  /** No open or click for this many days: the re-permission email; marketing stops sunsetGraceDays after it [SUNSET_DAYS, SUNSET_GRACE_DAYS]. */
  sunsetDays: number;
  sunsetGraceDays: number;
  /** Double opt-in: consent from a form takes effect when the emailed link is clicked [DOUBLE_OPT_IN=true]. */
  doubleOptIn: boolean;
}

export type CaptchaProvider = (typeof CAPTCHA_PROVIDERS)[number];

/**
 * Bot protection for forms posted to POST /v1/leads. Everything is off unless
 * configured; a suspect submission is held in the quarantine instead of becoming a customer.
 * Env names in brackets.
 */
export interface BotProtectionConfig {
  /** The captcha a form must carry a token of [CAPTCHA_PROVIDER = turnstile | hcaptcha]; unset: no captcha. */
  captchaProvider?: CaptchaProvider;
  /** The provider's secret key [CAPTCHA_SECRET], or a Secrets Manager secret holding it [CAPTCHA_SECRET_ARN]. */
  captchaSecret?: string;
  captchaSecretArn?: string;
  /** Replaces the provider's siteverify URL: tests only, never set on AWS [CAPTCHA_VERIFY_URL]. */
  captchaVerifyUrl?: string;
  /** A form posted sooner than this after it was rendered (its `_ts` field) is held [MIN_SUBMIT_SECONDS]; 0: off. */
  minSubmitSeconds: number;
}

/**
 * Sign-in for people (owners and staff) with an Amazon Cognito user pool. Env names in brackets.
 * Unset pool: nobody signs in as a person, API keys still work.
 */
export interface PeopleConfig {
  /** The user pool people sign in to [COGNITO_USER_POOL_ID]. */
  userPoolId?: string;
  /** The dashboard's app client: tokens must have been issued to it [COGNITO_CLIENT_ID]. */
  clientId?: string;
  /** Local stack only: cognito-local's base URL, which is also its tokens' issuer domain [COGNITO_ENDPOINT]. */
  endpoint?: string;
}

/** Website tracking (GET /v1/t.js, POST /v1/track). Env names in brackets. */
export interface TrackingConfig {
  /** Page path prefix → interest, longest prefix first [INTEREST_PATHS]. */
  interestPaths: [string, string][];
  /** Days an anonymous visitor is kept after their last page view (TTL) [VISITOR_TTL_DAYS]. */
  visitorTtlDays: number;
}

/** The advocate programme (shared/referrals/). Env names in brackets. */
export interface ReferralConfig {
  /** Where `/r/<code>` sends a visitor, with `?ref=<code>` [REFERRAL_LANDING_URL]; unset: the first allowed origin. */
  landingUrl?: string;
  /** Referred people who bought that make a referrer an ambassador [AMBASSADOR_REFERRALS]. */
  ambassadorAfter: number;
}

/** The lead score (shared/lead-score/). Env names in brackets. */
export interface LeadScoreConfig {
  /** Points per activity, by source [LEAD_SCORE_WEIGHTS]. */
  weights: Record<LeadScoreSource, number>;
  /** Days after which an activity's points count half [LEAD_SCORE_HALF_LIFE_DAYS]. */
  halfLifeDays: number;
  /** Page path patterns whose visits earn `page` points [LEAD_SCORE_KEY_PAGES]. */
  keyPages: string[];
  /** A score at or above this is a hot lead: crossing it upwards makes a task [LEAD_SCORE_HOT_THRESHOLD]. */
  hotThreshold: number;
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
  /** Where the API is reachable, for links (thank-you page, form action, links in emails). */
  publicBaseUrl: string;
  retention: RetentionConfig;
  botProtection: BotProtectionConfig;
  people: PeopleConfig;
  tracking: TrackingConfig;
  referrals: ReferralConfig;
  leadScore: LeadScoreConfig;
  /**
   * Where the shop connections' webhook signing secrets are kept: a Secrets Manager secret
   * holding one JSON object, a key per platform [CONNECTIONS_SECRET_ARN]; locally a file of the
   * same shape in the data directory [CONNECTIONS_FILE]. Neither: no shop can connect.
   */
  connections: { secretArn?: string; file?: string };
  /**
   * Where the outbound webhook endpoints' signing secrets are kept: a Secrets Manager secret
   * holding one JSON object, a key per endpoint id [WEBHOOKS_SECRET_ARN]; locally a file of the
   * same shape in the data directory [WEBHOOKS_FILE]. The queue of deliveries on AWS
   * [WEBHOOK_QUEUE_URL].
   */
  webhooks: { secretArn?: string; file?: string; queueUrl?: string };
}

function botProtectionFrom(env: NodeJS.ProcessEnv, settings: RuntimeSettings): BotProtectionConfig {
  const { captchaProvider, captchaSecretArn, minSubmitSeconds } = settings;
  const captchaSecret = env.CAPTCHA_SECRET || undefined;
  if (captchaProvider && !captchaSecret && !captchaSecretArn)
    throw new Error("CAPTCHA_PROVIDER is set: set CAPTCHA_SECRET (local) or CAPTCHA_SECRET_ARN (a Secrets Manager secret) too");
  return {
    ...(captchaProvider ? { captchaProvider } : {}),
    ...(captchaSecret ? { captchaSecret } : {}),
    ...(captchaSecretArn ? { captchaSecretArn } : {}),
    ...(env.CAPTCHA_VERIFY_URL ? { captchaVerifyUrl: env.CAPTCHA_VERIFY_URL } : {}),
    minSubmitSeconds,
  };
}

/** The user pool settings alone (the dashboard's file server needs nothing else, for its CSP). */
export function peopleConfigFromEnv(env: NodeJS.ProcessEnv): PeopleConfig {
  const userPoolId = env.COGNITO_USER_POOL_ID || undefined;
  const clientId = env.COGNITO_CLIENT_ID || undefined;
  // Tokens are only accepted from the one app client: a pool without it would accept none, silently.
  if (userPoolId && !clientId) throw new Error("COGNITO_USER_POOL_ID is set: set COGNITO_CLIENT_ID (the dashboard's app client) too");
  const endpoint = (env.COGNITO_ENDPOINT || "").replace(/\/+$/, "") || undefined;
  return { ...(userPoolId ? { userPoolId } : {}), ...(clientId ? { clientId } : {}), ...(endpoint ? { endpoint } : {}) };
}

/**
 * Reads and checks the configuration from environment variables (a Lambda's, or the local
 * stack's).
 *
 * @throws Error naming every invalid variable on one line, e.g.
 *   `Invalid LOYAL_ORDERS: must be a whole number of purchases, 1 or more (got "0")`.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new Error("TABLE_NAME is not set");
  const { values: s, problems } = settingsFromEnv(env);
  if (problems.length > 0) throw new Error(problems.map((p) => `Invalid ${p.name}: ${p.message}`).join("; "));
  return {
    tableName,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    allowedOrigins: [...s.allowedOrigins],
    consentVersion: s.consentVersion,
    currency: s.currency,
    lifecycle: { loyalOrders: s.loyalOrders, loyalSpend: s.loyalSpend },
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? "").replace(/\/+$/, ""),
    retention: {
      businessName: s.businessName,
      senderEmail: s.senderEmail,
      replyToEmail: s.replyToEmail,
      salesEmail: s.salesEmail,
      configurationSet: env.SES_CONFIGURATION_SET || undefined,
      sesEndpoint: env.SES_ENDPOINT || undefined,
      eventBusName: env.EVENT_BUS_NAME || undefined,
      sendQueueUrl: env.SEND_QUEUE_URL || undefined,
      tokenSecret: env.TOKEN_SECRET || undefined,
      tokenSecretArn: env.TOKEN_SECRET_ARN || undefined,
      tokenTtlDays: s.tokenTtlDays,
      dueShards: s.dueShards,
      frequencyCapDays: s.frequencyCapDays,
      maxSendRate: s.maxSendRate,
      // The parser accepted it, so it is a window.
      sendWindow: sendWindowMinutes(s.sendWindow)!,
      defaultTimezone: s.defaultTimezone,
      atRiskDays: s.atRiskDays,
      churnDays: s.churnDays,
      sunsetDays: s.sunsetDays,
      sunsetGraceDays: s.sunsetGraceDays,
      doubleOptIn: s.doubleOptIn,
    },
    botProtection: botProtectionFrom(env, s),
    people: peopleConfigFromEnv(env),
    tracking: {
      interestPaths: s.interestPaths.map(([a, b]) => [a, b]),
      visitorTtlDays: s.visitorTtlDays,
    },
    referrals: { ...(s.referralLandingUrl ? { landingUrl: s.referralLandingUrl } : {}), ambassadorAfter: s.ambassadorReferrals },
    leadScore: {
      weights: Object.fromEntries(s.leadScoreWeights) as Record<LeadScoreSource, number>,
      halfLifeDays: s.leadScoreHalfLifeDays,
      keyPages: [...s.leadScoreKeyPages],
      hotThreshold: s.leadScoreHotThreshold,
    },
    connections: {
      ...(env.CONNECTIONS_SECRET_ARN ? { secretArn: env.CONNECTIONS_SECRET_ARN } : {}),
      ...(env.CONNECTIONS_FILE ? { file: env.CONNECTIONS_FILE } : {}),
    },
    webhooks: {
      ...(env.WEBHOOKS_SECRET_ARN ? { secretArn: env.WEBHOOKS_SECRET_ARN } : {}),
      ...(env.WEBHOOKS_FILE ? { file: env.WEBHOOKS_FILE } : {}),
      ...(env.WEBHOOK_QUEUE_URL ? { queueUrl: env.WEBHOOK_QUEUE_URL } : {}),
    },
  };
}
