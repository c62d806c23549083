import { type DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";

/**
 * The stream poller's own two items (local/streams.ts), with fixed keys in a partition no report
 * or handler reads, which the deployed stream filter drops before any handler sees them:
 * - `CHECKPOINT`: per shard, the sequence number of the last record handled, so a restarted
 *   `npm start` resumes after it instead of replaying up to a day of records;
 * - `SETTLE`: the marker `settle()` writes; its stream record tells the poller that every write
 *   acknowledged before it has been read.
 */
const POLLER_PARTITION = "LOCAL#STREAMS";
const CHECKPOINT_KEY = { PK: { S: POLLER_PARTITION }, SK: { S: "CHECKPOINT" } };
const SETTLE_KEY = { PK: { S: POLLER_PARTITION }, SK: { S: "SETTLE" } };

/** The saved checkpoints, shard id → sequence number of the last record handled. */
export async function readCheckpoints(db: DynamoDBClient, tableName: string): Promise<Map<string, string>> {
  const { Item } = await db.send(new GetItemCommand({ TableName: tableName, Key: CHECKPOINT_KEY, ConsistentRead: true }));
  const saved = new Map<string, string>();
  for (const [name, value] of Object.entries(Item ?? {})) if (name.startsWith("shardId-") && value.S) saved.set(name, value.S);
  return saved;
}

/** Saves one shard's progress (one attribute per shard on the checkpoint item). */
export async function saveCheckpoint(db: DynamoDBClient, tableName: string, shardId: string, sequence: string): Promise<void> {
  await db.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: CHECKPOINT_KEY,
      UpdateExpression: "SET #shard = :sequence",
      ExpressionAttributeNames: { "#shard": shardId },
      ExpressionAttributeValues: { ":sequence": { S: sequence } },
    }),
  );
}

/** Writes the settle marker carrying `token`; its stream record comes back through {@link settleToken}. */
export async function writeSettleMarker(db: DynamoDBClient, tableName: string, token: string): Promise<void> {
  await db.send(new PutItemCommand({ TableName: tableName, Item: { ...SETTLE_KEY, token: { S: token } } }));
}

/** The token of a settle marker's record, if it is one (a write of the marker, not its removal). */
export function settleToken(record: DynamoDBRecord): string | undefined {
  const keys = record.dynamodb?.Keys;
  if (keys?.PK?.S !== SETTLE_KEY.PK.S || keys?.SK?.S !== SETTLE_KEY.SK.S) return undefined;
  return record.dynamodb?.NewImage?.token?.S;
}
