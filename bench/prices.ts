/**
 * The one price list the cost sheet uses (`npm run bench`, bench/cost.ts): public AWS list prices
 * for us-east-1 in USD, each with its unit, where it was read and when. Nothing else in the
 * repository types a price.
 *
 * How these were checked (2026-11-23): against stored copies of the AWS pricing and documentation
 * pages, and where a page's stored text did not carry the figure itself, against dated secondary
 * sources that quote it; `verified` says which. The stored copies are not live pages: AWS changes
 * prices (DynamoDB on-demand halved on 2024-11-01; Lambda began billing the INIT phase on
 * 2025-08-01), so check https://aws.amazon.com/pricing/ before relying on a figure.
 *
 * Free tiers are listed in FREE_TIERS and are NOT applied to `cost.month.*`: a deployment shares
 * them with everything else in the account, and some expire after 12 months. The bench also
 * reports `cost.month.*.withFreeTier`, which applies only the ones that never expire.
 */

export interface Price {
  /** USD per `per` units. */
  usd: number;
  /** How many units `usd` buys (1, 1,000, 1,000,000). */
  per: number;
  unit: string;
  source: string;
  /** Date the figure was checked against `source` (or the note's secondary source). */
  checked: string;
  /**
   * "page": the figure is in the stored text of the AWS page or document named by `source`.
   * "secondary": the AWS page's stored text did not carry the figure; dated third-party sources
   * quoting it agree (named in `note`). "unverified": could not be confirmed; see `note`.
   */
  verified: "page" | "secondary" | "unverified";
  note?: string;
}

const CHECKED = "2026-11-23";

export const PRICES = {
  // --- DynamoDB (on-demand, Standard table class) -----------------------------------------
  dynamodbWriteRequestUnit: {
    usd: 0.625,
    per: 1_000_000,
    unit: "write request unit (1 KB, standard write; transactional writes take 2)",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    checked: CHECKED,
    verified: "secondary",
    note: "The stored AWS page defines the unit but its text stops before the figure. $0.625 per million after the 50% on-demand cut effective 2024-11-01: airbyte.com/data-engineering-resources/dynamodb-pricing (2025-07-21) and jusdb.com (2025-08-19).",
  },
  dynamodbReadRequestUnit: {
    usd: 0.125,
    per: 1_000_000,
    unit: "read request unit (4 KB strongly consistent; eventually consistent reads take 0.5, transactional 2)",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    checked: CHECKED,
    verified: "secondary",
    note: "As for write units: $0.125 per million since 2024-11-01 per the same two sources.",
  },
  dynamodbStorage: {
    usd: 0.25,
    per: 1,
    unit: "GB-month of table and index storage (item bytes + 100 bytes per item, per table or index copy)",
    source: "https://aws.amazon.com/dynamodb/pricing/",
    checked: CHECKED,
    verified: "page",
    note: '"The first 25 GB consumed per month is free, and prices start from $0.25 per GB-month thereafter." The 100-byte per-item overhead is from the DynamoDB developer guide.',
  },
  dynamodbPitr: {
    usd: 0.2,
    per: 1,
    unit: "GB-month of continuous backup (point-in-time recovery), on the table's size",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    checked: CHECKED,
    verified: "unverified",
    note: "Not in the stored text of the AWS page; $0.20 per GB-month is the long-standing us-east-1 figure (e.g. gist.github.com/allenheltondev, 2020). Check before relying on it.",
  },
  dynamodbStreamsReadFromLambda: {
    usd: 0,
    per: 1,
    unit: "GetRecords call made by a Lambda event source mapping",
    source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CostOptimization_StreamsUsage.html",
    checked: CHECKED,
    verified: "page",
    note: '"Read requests made by AWS Lambda-based consumers of DynamoDB Streams are free." Other consumers pay per streams read request.',
  },

  // --- Lambda (arm64) -------------------------------------------------------------------------
  lambdaRequests: {
    usd: 0.2,
    per: 1_000_000,
    unit: "invocation",
    source: "https://aws.amazon.com/lambda/pricing/",
    checked: CHECKED,
    verified: "secondary",
    note: "$0.20 per million requests: cloudchipr.com/blog/aws-lambda-pricing and kodekloud notes, both quoting the AWS page.",
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 1,
    unit: "GB-second on arm64 (first 7.5 billion GB-s a month), billed per ms, INIT phase included since 2025-08-01",
    source: "https://aws.amazon.com/lambda/pricing/",
    checked: CHECKED,
    verified: "secondary",
    note: "cloudchipr.com/blog/aws-lambda-pricing (us-east-1 tiers). INIT billing: aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase.",
  },

  // --- API Gateway (HTTP API) ---------------------------------------------------------------
  apiGatewayHttpRequests: {
    usd: 1.0,
    per: 1_000_000,
    unit: "HTTP API request (first 300 million a month; metered in 512 KB increments)",
    source: "https://aws.amazon.com/api-gateway/pricing/",
    checked: CHECKED,
    verified: "secondary",
    note: "The stored AWS page text has the free tier but not the table; $1.00 per million for the first 300 million: learnaws.org (2021-01-10), awsforengineers.com (2025-05-19), docs.aws.amazon.com whitepaper on HTTP API pricing (512 KB metering).",
  },
  dataTransferOut: {
    usd: 0.09,
    per: 1,
    unit: "GB out to the internet (first 10 TB a month)",
    source: "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer",
    checked: CHECKED,
    verified: "secondary",
    note: "$0.09 per GB for API Gateway responses: awsforengineers.com (2025-05-19), apigatewaycost.com. Email sent through SES is not billed as data transfer.",
  },

  // --- SES ------------------------------------------------------------------------------------
  // Since 2026-07-21 SES sells plans. A NEW account (every new deployment in a new account) starts
  // on "Essentials", priced per email in monthly volume tiers (SES_ESSENTIALS_TIERS below; this
  // entry is its first tier). The old pay-as-you-go $0.10 per 1,000 stays only for accounts that
  // have sent email since 2025-06-01 (sesOutboundEmailLegacy). The sheet prices Essentials and
  // shows the legacy rate beside it (`cost.month.*.sesLegacy`).
  sesOutboundEmail: {
    usd: 0.16,
    per: 1_000,
    unit: "outbound email (per recipient) on the Essentials plan, first 10 million a month",
    source: "https://aws.amazon.com/ses/pricing/",
    checked: "2026-12-01",
    verified: "secondary",
    note: "Essentials, the default plan for accounts created since 2026-07-21: $0.16 per 1,000 up to 10 million a month, $0.14 per 1,000 to 100 million, $0.11 above (api-evangelist transcription of the AWS Price List, 2026-08-13; the project's own check of the SES pricing page, Dec 2026). The stored copy of the AWS page predates the plans.",
  },
  sesOutboundEmailLegacy: {
    usd: 0.1,
    per: 1_000,
    unit: "outbound email (per recipient), pay-as-you-go: only accounts that have sent since 2025-06-01",
    source: "https://aws.amazon.com/ses/pricing/",
    checked: "2026-12-01",
    verified: "secondary",
    note: "$0.10 per 1,000: the long-standing a-la-carte rate (acecloudinterviews SES tutorial; api-evangelist transcription of the AWS Price List, 2026-08-13: $0.0001 per recipient). Kept by accounts with sending since 2025-06-01; a new account cannot choose it.",
  },
  sesAttachmentGb: {
    usd: 0.12,
    per: 1,
    unit: "GB of attachments sent",
    source: "https://aws.amazon.com/ses/pricing/",
    checked: CHECKED,
    verified: "secondary",
    note: "Rapport sends no attachments, so this line is 0; listed for completeness.",
  },

  // --- EventBridge ----------------------------------------------------------------------------
  eventBridgeCustomEvents: {
    usd: 1.0,
    per: 1_000_000,
    unit: "custom event published (64 KB chunks)",
    source: "https://aws.amazon.com/eventbridge/pricing/",
    checked: CHECKED,
    verified: "secondary",
    note: 'cloudburn.io/blog/amazon-eventbridge-pricing (March 2026), blog.awsfundamentals.com. Events from AWS services (SES to the default bus) and scheduled rules are free (CloudWatch pricing page: "All events except custom events are included").',
  },

  eventBridgeSchedulerInvocations: {
    usd: 1.0,
    per: 1_000_000,
    unit: "EventBridge Scheduler invocation (a schedule's run; 14 million a month free)",
    source: "https://aws.amazon.com/eventbridge/pricing/#Scheduler",
    checked: "2026-12-01",
    verified: "secondary",
    note: "$1.00 per million scheduled invocations after 14 million free each month (cloudburn.io/blog/amazon-eventbridge-pricing, March 2026; the project's own check, Dec 2026). The hourly sweep is 720 runs a month: inside the free tier, and a fraction of a cent without it.",
  },

  // --- SQS ------------------------------------------------------------------------------------
  sqsStandardRequests: {
    usd: 0.4,
    per: 1_000_000,
    unit: "standard queue request (each 64 KB chunk of a payload; a batch call of up to 10 messages is one request)",
    source: "https://aws.amazon.com/sqs/pricing/",
    checked: CHECKED,
    verified: "secondary",
    note: "cloudburn.io/blog/amazon-sqs-pricing (March 2026), unanswered.io SQS guide: $0.40 per million after the first million (free every month).",
  },

  // --- Secrets Manager ------------------------------------------------------------------------
  secretsManagerSecret: {
    usd: 0.4,
    per: 1,
    unit: "secret-month",
    source: "https://aws.amazon.com/secrets-manager/pricing/",
    checked: CHECKED,
    verified: "secondary",
    note: 'hivebook.wiki AWS Secrets Manager overview: "$0.40 per secret per month + $0.05 per 10k API calls".',
  },
  secretsManagerApiCalls: {
    usd: 0.05,
    per: 10_000,
    unit: "API call (GetSecretValue)",
    source: "https://aws.amazon.com/secrets-manager/pricing/",
    checked: CHECKED,
    verified: "secondary",
    note: "Same source as the secret-month price.",
  },

  // --- CloudWatch -----------------------------------------------------------------------------
  cloudWatchLogsIngestion: {
    usd: 0.5,
    per: 1,
    unit: "GB of log data ingested (standard class)",
    source: "https://aws.amazon.com/cloudwatch/pricing/",
    checked: CHECKED,
    verified: "secondary",
    note: "factualminds.com CloudWatch pricing (2026-06-13), cloudburn.io (February 2026). Lambda logs above 10 TB a month are tiered lower; irrelevant here.",
  },
  cloudWatchLogsStorage: {
    usd: 0.03,
    per: 1,
    unit: "GB-month of log storage (archived, compressed)",
    source: "https://aws.amazon.com/cloudwatch/pricing/",
    checked: CHECKED,
    verified: "secondary",
    note: "Same sources. The model stores logs uncompressed for the retention period: an upper bound.",
  },
  cloudWatchAlarm: {
    usd: 0.1,
    per: 1,
    unit: "standard-resolution alarm-month",
    source: "https://aws.amazon.com/cloudwatch/pricing/",
    checked: CHECKED,
    verified: "secondary",
    note: "$0.10 per alarm metric-month: factualminds.com, signoz.io CloudWatch pricing guides (2026).",
  },
} as const satisfies Record<string, Price>;

export type PriceId = keyof typeof PRICES;

/** USD for `quantity` units of a price in a month (SES Essentials by its volume tiers). */
export function priceOf(id: PriceId, quantity: number): number {
  if (id === "sesOutboundEmail") return sesEssentialsUsd(quantity);
  const p: Price = PRICES[id];
  return (quantity / p.per) * p.usd;
}

/**
 * SES Essentials: USD per 1,000 emails by monthly volume, each tier up to `upTo` emails a month
 * (the AWS page's "up to 10 million", "next 90 million", "over 100 million").
 */
export const SES_ESSENTIALS_TIERS = [
  { upTo: 10_000_000, usdPer1000: PRICES.sesOutboundEmail.usd },
  { upTo: 100_000_000, usdPer1000: 0.14 },
  { upTo: Number.POSITIVE_INFINITY, usdPer1000: 0.11 },
] as const;

/** USD for `emails` in a month on SES Essentials, tier by tier. */
export function sesEssentialsUsd(emails: number): number {
  let usd = 0;
  let from = 0;
  for (const tier of SES_ESSENTIALS_TIERS) {
    const inTier = Math.max(0, Math.min(emails, tier.upTo) - from);
    usd += (inTier / 1000) * tier.usdPer1000;
    from = tier.upTo;
    if (emails <= from) break;
  }
  return usd;
}

/**
 * How long a cold start's INIT takes does not depend on the memory size: Lambda runs INIT with
 * the full CPU of the host whatever the configured memory (published lambda-perf measurements,
 * maxday/lambda-perf, Aug 2026: Node.js 24 on arm64, hello-world INIT ≈ 116–121 ms mean, flat from
 * 128 MB to 1,024 MB). So INIT is billed as measured, not stretched like the handler's CPU time.
 */
export const INIT_SOURCE = "https://maxday.github.io/lambda-perf/ (Node.js 24 arm64, Aug 2026: INIT flat from 128 MB to 1,024 MB)";

export interface FreeTier {
  /** Units per month free, in the unit of the price it reduces. */
  quantity: number;
  price: PriceId;
  expires: "never" | "12 months";
  source: string;
}

/**
 * Monthly free tiers, per account and region, shared with every other workload. Documented,
 * not applied to `cost.month.*`; `cost.month.*.withFreeTier` applies the `never` ones.
 */
export const FREE_TIERS: FreeTier[] = [
  { price: "lambdaRequests", quantity: 1_000_000, expires: "never", source: "https://aws.amazon.com/lambda/pricing/ (1M requests and 400,000 GB-s a month)" },
  { price: "lambdaArmGbSecond", quantity: 400_000, expires: "never", source: "https://aws.amazon.com/lambda/pricing/" },
  {
    price: "dynamodbStorage",
    quantity: 25,
    expires: "never",
    source: "https://aws.amazon.com/dynamodb/pricing/ (25 GB; the 25 WCU/RCU free tier is for provisioned capacity only)",
  },
  { price: "sqsStandardRequests", quantity: 1_000_000, expires: "never", source: "https://aws.amazon.com/sqs/pricing/" },
  { price: "cloudWatchAlarm", quantity: 10, expires: "never", source: "https://aws.amazon.com/cloudwatch/pricing/ (10 standard alarms)" },
  {
    price: "cloudWatchLogsIngestion",
    quantity: 5,
    expires: "never",
    source: "https://aws.amazon.com/cloudwatch/pricing/ (5 GB ingestion, archive and Insights scans together)",
  },
  {
    price: "dataTransferOut",
    quantity: 100,
    expires: "never",
    source: "https://aws.amazon.com/ec2/pricing/on-demand/ (100 GB a month out to the internet, all services together)",
  },
  {
    price: "eventBridgeSchedulerInvocations",
    quantity: 14_000_000,
    expires: "never",
    source: "https://aws.amazon.com/eventbridge/pricing/#Scheduler (14 million invocations a month)",
  },
  {
    price: "apiGatewayHttpRequests",
    quantity: 1_000_000,
    expires: "12 months",
    source: "https://aws.amazon.com/api-gateway/pricing/ (new accounts, first 12 months)",
  },
];
