import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { GLOBAL_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from "../shared/table.ts";

/**
 * The item-level DynamoDB actions a function may be granted. Deliberately no Scan, no
 * BatchWriteItem and no wildcard: access patterns are keyed reads and writes. TransactWriteItems
 * has no IAM action of its own; it is authorized per item (PutItem, UpdateItem, DeleteItem,
 * ConditionCheckItem).
 */
export type TableAction =
  | "dynamodb:GetItem"
  | "dynamodb:Query"
  | "dynamodb:PutItem"
  | "dynamodb:UpdateItem"
  | "dynamodb:DeleteItem"
  | "dynamodb:ConditionCheckItem";

export interface TableAccess {
  actions: readonly TableAction[];
  /** Also on each global index (`<table>/index/<name>`, never `index/*`); only for functions that query one. */
  indexes?: boolean;
}

/**
 * The one table that holds everything (customers, timelines, API keys, idempotency records),
 * with the physical shape shared with the local stack (shared/table.ts). It holds the business's
 * customer data, so it is never deleted with the stack: point-in-time recovery, deletion
 * protection and RETAIN.
 */
export class CustomerTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });
    for (const index of GLOBAL_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /** Grants exactly `access.actions` on the table (and its indexes if asked); nothing when empty. */
  grant(grantee: iam.IGrantable, access: TableAccess): void {
    if (access.actions.length === 0) return;
    const indexArns = access.indexes ? GLOBAL_INDEXES.map((index) => `${this.table.tableArn}/index/${index.name}`) : [];
    const resources = [this.table.tableArn, ...indexArns];
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...access.actions], resources }));
  }
}
