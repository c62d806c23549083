import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTableCommand, UpdateTimeToLiveCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { GLOBAL_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from "../shared/table.ts";

/** Creates the single table in DynamoDB Local with the same keys and indexes as the CDK stack. */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  try {
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    // A table made by an older version (kept in .rapport/) gets the indexes added since.
    const have = new Set((described.Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    for (const gsi of GLOBAL_INDEXES.filter((g) => !have.has(g.name))) {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [gsi.partitionKey, gsi.sortKey].map((name) => ({ AttributeName: name, AttributeType: "S" })),
          GlobalSecondaryIndexUpdates: [{ Create: { IndexName: gsi.name, KeySchema: [{ AttributeName: gsi.partitionKey, KeyType: "HASH" }, { AttributeName: gsi.sortKey, KeyType: "RANGE" }], Projection: { ProjectionType: gsi.projection } } }],
        }),
      );
    }
    client.destroy();
    return;
  } catch (err) {
    if ((err as Error).name !== "ResourceNotFoundException") {
      client.destroy();
      throw err;
    }
  }
  const attributes = new Set<string>([TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey]);
  for (const gsi of GLOBAL_INDEXES) attributes.add(gsi.partitionKey).add(gsi.sortKey);
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: "S" })),
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: "HASH" },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: GLOBAL_INDEXES.map((gsi) => ({
        IndexName: gsi.name,
        KeySchema: [
          { AttributeName: gsi.partitionKey, KeyType: "HASH" },
          { AttributeName: gsi.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: gsi.projection },
      })),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
  client.destroy();
}
