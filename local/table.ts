import type { StreamSpecification } from "@aws-sdk/client-dynamodb";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { GLOBAL_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from "../shared/entities/table.ts";

/** The stream the CDK stack gives the table (infra/customer-table.ts): the report counters' consumer needs both images. */
export const STREAM_SPECIFICATION = { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } as const;

export interface EnsuredTable {
  /** The table did not exist and was made now. */
  created: boolean;
  /**
   * The table existed without the stream (made by a version before report counters) and has it
   * now. Only changes from now on reach the counters: the items already there are counted by
   * `npx rapport reports rebuild`.
   */
  streamAdded: boolean;
}

/**
 * Creates the single table in DynamoDB Local with the same keys, indexes and stream as the CDK
 * stack; a table kept from an older version (in .rapport/) gets what was added since.
 *
 * `stream: false` is for the bench's tables, which nothing consumes: DynamoDB Local keeps every
 * stream record of the instance in one store, and requests to a table with a stream slow down
 * as it grows (500 sends went from 4 s to 57 s after the sweep bench wrote 110,000 items, a report
 * read from 5 ms to 12 ms), which would measure the emulator rather than Rapport. DynamoDB's own
 * streams cost the table's requests nothing.
 */
export async function ensureTable(endpoint: string, tableName: string, options: { stream?: boolean } = {}): Promise<EnsuredTable> {
  const stream = options.stream ?? true;
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
          GlobalSecondaryIndexUpdates: [
            {
              Create: {
                IndexName: gsi.name,
                KeySchema: [
                  { AttributeName: gsi.partitionKey, KeyType: "HASH" },
                  { AttributeName: gsi.sortKey, KeyType: "RANGE" },
                ],
                Projection: { ProjectionType: gsi.projection },
              },
            },
          ],
        }),
      );
      // One index at a time: DynamoDB (Local too) refuses a second while the first is building.
      await waitUntilActive(client, tableName);
    }
    const streamAdded = stream ? await ensureStream(client, tableName, described.Table?.StreamSpecification) : false;
    client.destroy();
    return { created: false, streamAdded };
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
      ...(stream ? { StreamSpecification: STREAM_SPECIFICATION } : {}),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
  client.destroy();
  return { created: true, streamAdded: false };
}

/** Waits until the table and every index on it are ACTIVE (an index being built is CREATING). */
async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE" && (Table.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === "ACTIVE")) return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} is still updating after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Turns the table's stream on with both images. DynamoDB refuses to change the view type of an
 * enabled stream, so one of another type is disabled first (which starts a new stream, with a
 * new ARN: the poller follows `LatestStreamArn`).
 */
async function ensureStream(client: DynamoDBClient, tableName: string, current: StreamSpecification | undefined): Promise<boolean> {
  if (current?.StreamEnabled && current.StreamViewType === STREAM_SPECIFICATION.StreamViewType) return false;
  if (current?.StreamEnabled) await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }));
  await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: STREAM_SPECIFICATION }));
  return true;
}
