import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { GLOBAL_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from "../shared/entities/table.ts";

/**
 * The item-level DynamoDB actions a function may be granted. Deliberately no Scan, no
 * BatchWriteItem and no wildcard: access patterns are keyed reads and writes. TransactWriteItems
 * has no IAM action of its own; it is authorized per item (PutItem, UpdateItem, DeleteItem,
 * ConditionCheckItem). BatchGetItem is keyed reads too (the sweep reads the customers the due
 * index named, a hundred at a time).
 */
export type TableAction =
  | "dynamodb:GetItem"
  | "dynamodb:BatchGetItem"
  | "dynamodb:BatchWriteItem"
  | "dynamodb:Query"
  | "dynamodb:PutItem"
  | "dynamodb:UpdateItem"
  | "dynamodb:DeleteItem"
  | "dynamodb:ConditionCheckItem";

export type IndexName = (typeof GLOBAL_INDEXES)[number]["name"];

export interface TableAccess {
  actions: readonly TableAction[];
  /**
   * Only items whose partition key matches one of these (`StringLike`: `*` is any run of
   * characters) may be touched: a `dynamodb:LeadingKeys` condition on the table statement. For
   * functions that work on a few partitions of their own, so they cannot read customer data.
   */
  partitions?: readonly string[];
  /**
   * The global indexes the function queries: `actions` are granted on `<table>/index/<name>` too
   * (never `index/*`). Only the read actions matter there; the index ARN only ever authorizes Query.
   */
  indexes?: readonly IndexName[];
}

const PROJECTIONS: Record<(typeof GLOBAL_INDEXES)[number]["projection"], dynamodb.ProjectionType> = {
  ALL: dynamodb.ProjectionType.ALL,
  KEYS_ONLY: dynamodb.ProjectionType.KEYS_ONLY,
};

/**
 * The one table that holds everything (customers, timelines, API keys, idempotency records),
 * with the physical shape shared with the local stack (shared/entities/table.ts). It holds the business's
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
      // Both images: the report counters' consumer (infra/reports-stream.ts) counts the change
      // from the old item to the new one. Local: local/table.ts enables the same.
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    });
    for (const index of GLOBAL_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: PROJECTIONS[index.projection],
      });
    }
  }

  get tableName(): string {
    return this.table.tableName;
  }

  get tableStreamArn(): string {
    return this.table.tableStreamArn!;
  }

  /**
   * Grants exactly `access.actions` on the table, and Query on each index in `access.indexes`;
   * nothing when both are empty.
   */
  grant(grantee: iam.IGrantable, access: TableAccess): void {
    // A function that only reads an index (the CSV exports) gets nothing on the table itself.
    if (access.actions.length > 0)
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...access.actions],
          resources: [this.table.tableArn],
          ...(access.partitions ? { conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [...access.partitions] } } } : {}),
        }),
      );
    const indexes = access.indexes ?? [];
    if (indexes.length === 0) return;
    // `actions: []` with indexes: Query on those indexes and nothing on the table.
    if (access.actions.length > 0 && !access.actions.includes("dynamodb:Query"))
      throw new Error("an index grant needs dynamodb:Query: an index serves nothing else");
    if (access.partitions) throw new Error("an index's partition keys are not the table's: a partition-restricted grant cannot include indexes");
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["dynamodb:Query"], resources: indexes.map((name) => `${this.table.tableArn}/index/${name}`) }),
    );
  }

  /**
   * What a Lambda event source mapping needs to read the table's stream, on this stream's ARN
   * only (CDK's `grantStreamRead` also grants `ListStreams` on `*`). `ListStreams` is granted on
   * the stream ARN as the DynamoDB guide's Lambda example does.
   */
  grantStreamRead(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"],
        resources: [this.tableStreamArn],
      }),
    );
  }
}
