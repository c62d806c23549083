import type { StackProps } from "aws-cdk-lib";
import { CfnOutput, Duration, Stack } from "aws-cdk-lib";
import type { Construct } from "constructs";
import type { FunctionName } from "../shared/routes.ts";
import { Alarms } from "./alarms.ts";
import { Api } from "./api.ts";
import type { RapportConfig } from "./config.ts";
import type { TableAccess } from "./customer-table.ts";
import { CustomerTable } from "./customer-table.ts";
import { RapportFunction } from "./functions.ts";

/** Every function of the stack: one per route table `fn`, plus the API key authorizer. */
type FunctionId = FunctionName | "authorizer";

interface FunctionSpec {
  description: string;
  /** Exactly the table actions the function's code performs, and nothing else. */
  access: TableAccess;
  memorySize?: number;
}

/**
 * Least privilege, per function. Written out by hand (rather than `table.grantReadWriteData`,
 * which also grants Scan and batch actions) so a review can compare it with the code.
 */
const FUNCTIONS: Record<FunctionId, FunctionSpec> = {
  capture: {
    description: "POST /v1/leads: web forms and scripts post leads here",
    // Claim the email, merge the profile, append the timeline entry; idempotency records are
    // put, completed, and deleted when the work failed.
    access: { actions: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"] },
  },
  public: {
    description: "Health, the OpenAPI document and the thank-you page",
    // Builds the same dependencies as every function (so it gets TABLE_NAME) but never touches the table.
    access: { actions: [] },
  },
  customers: {
    description: "Admin: list, read and edit customers",
    // Listing by stage queries GSI1; an email change moves the email claim in a transaction.
    access: {
      actions: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"],
      indexes: true,
    },
  },
  events: {
    description: "Admin: record purchases and other interactions",
    access: { actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"] },
  },
  authorizer: {
    description: "HTTP API authorizer: resolves a bearer API key to its id and scopes",
    // One consistent read of the key's hash.
    access: { actions: ["dynamodb:GetItem"] },
    memorySize: 128,
  },
};

export interface RapportStackProps extends StackProps {
  config: RapportConfig;
}

/** Rapport on AWS: the table, one function per concern, the HTTP API in front, alarms. */
export class RapportStack extends Stack {
  readonly table: CustomerTable;
  readonly api: Api;
  readonly functions: Record<FunctionId, RapportFunction>;

  constructor(scope: Construct, id: string, props: RapportStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.table = new CustomerTable(this, "Customers");

    const environment = {
      TABLE_NAME: this.table.tableName,
      ALLOWED_ORIGINS: config.allowedOrigins.join(","),
      CONSENT_VERSION: config.consentVersion,
      CURRENCY: config.currency,
      LOYAL_ORDERS: String(config.loyalOrders),
      LOYAL_SPEND: String(config.loyalSpend),
      LOG_LEVEL: config.logLevel,
      POWERTOOLS_SERVICE_NAME: "rapport",
    };
    const functions = {} as Record<FunctionId, RapportFunction>;
    for (const [name, spec] of Object.entries(FUNCTIONS) as [FunctionId, FunctionSpec][]) {
      const fn = new RapportFunction(this, `${pascal(name)}Function`, {
        name,
        description: spec.description,
        environment,
        logRetention: config.logRetentionDays,
        ...(spec.memorySize ? { memorySize: spec.memorySize } : {}),
      });
      this.table.grant(fn.role, spec.access);
      functions[name] = fn;
    }
    this.functions = functions;

    this.api = new Api(this, "Api", {
      functions: {
        capture: functions.capture.fn,
        public: functions.public.fn,
        customers: functions.customers.fn,
        events: functions.events.fn,
      },
      authorizer: functions.authorizer.fn,
      allowedOrigins: config.allowedOrigins,
      throttle: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
      authCacheTtl: Duration.seconds(config.authCacheTtlSeconds),
      logRetention: config.logRetentionDays,
    });
    // Absolute links (thank-you redirect, OpenAPI servers). No cycle: the API resource itself
    // does not depend on the functions, only its integrations do.
    for (const name of ["capture", "public", "customers", "events"] as const) {
      functions[name].fn.addEnvironment("PUBLIC_BASE_URL", this.api.url);
    }

    new Alarms(this, "Alarms", {
      functions: Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, f.fn])),
      stage: this.api.stage,
      ...(config.alarmEmail ? { email: config.alarmEmail } : {}),
    });

    new CfnOutput(this, "ApiUrl", { value: this.api.url, description: "Base URL of the HTTP API" });
    new CfnOutput(this, "TableName", { value: this.table.tableName, description: "The DynamoDB table holding all data" });
    new CfnOutput(this, "LeadsEndpoint", { value: `${this.api.url}/v1/leads`, description: "Point web forms' action here (POST)" });
  }
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
