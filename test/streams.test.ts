import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningDynamo } from "../local/dynamo.ts";
import { startDynamo } from "../local/dynamo.ts";
import type { StreamPoller, StreamPollerOptions } from "../local/streams.ts";
import { startStreamPoller } from "../local/streams.ts";
import { ensureTable } from "../local/table.ts";
import { CUSTOMER_PREFIX } from "../shared/entities/customer.ts";
import { GLOBAL_INDEXES } from "../shared/entities/table.ts";
import { useStack } from "./support/stack.ts";

/**
 * The local stream poller (local/streams.ts) is the unit here: it stands in for Lambda's event
 * source mapping, so these tests give it a recording handler and check what Lambda promises:
 * every record once, in order per shard, in batches of at most 100, failed batches redelivered
 * whole, filtered like the deployed mapping. Then the local stack's wiring, end to end.
 */

const LOCAL = { region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } };

/** A handler that records every batch it is given (and can be told to fail or wait). */
function recorder(behaviour: (batch: DynamoDBRecord[], call: number) => Promise<void> | void = () => undefined) {
  const batches: DynamoDBRecord[][] = [];
  let calls = 0;
  return {
    batches,
    /** Every record handed over in a call that succeeded. */
    records: () => batches.flat(),
    handler: async (event: DynamoDBStreamEvent) => {
      calls++;
      await behaviour(event.Records, calls);
      batches.push(event.Records);
    },
    calls: () => calls,
  };
}

const pk = (r: DynamoDBRecord) => r.dynamodb!.Keys!.PK!.S!;
const seq = (r: DynamoDBRecord) => BigInt(r.dynamodb!.SequenceNumber!);

describe("the local stream poller on DynamoDB Local", () => {
  const endpoint = inject("dynamodbEndpoint");
  const db = new DynamoDBClient({ endpoint, ...LOCAL });
  const pollers: StreamPoller[] = [];

  async function freshTable(): Promise<string> {
    const name = `streams-${randomBytes(6).toString("hex")}`;
    await ensureTable(endpoint, name);
    return name;
  }

  function poll(tableName: string, handler: StreamPollerOptions["handler"], options: Partial<StreamPollerOptions> = {}): StreamPoller {
    const poller = startStreamPoller({ endpoint, tableName, handler, pollIntervalMs: 50, retryDelayMs: 20, ...options });
    pollers.push(poller);
    return poller;
  }

  const put = (table: string, PK: string, SK: string, attrs: Record<string, { S: string } | { N: string }> = {}) =>
    db.send(new PutItemCommand({ TableName: table, Item: { PK: { S: PK }, SK: { S: SK }, ...attrs } }));

  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
  });
  afterAll(() => db.destroy());

  it("hands over 500 writes to 100 items exactly once each, in order per item, in batches of at most 100", async () => {
    const table = await freshTable();
    const seen = recorder();
    const poller = poll(table, seen.handler);
    // Five rounds; in each, all 100 items are written concurrently, so writes to different items
    // interleave while each item's writes stay in order (round r sets v = r).
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          db.send(
            new UpdateItemCommand({
              TableName: table,
              Key: { PK: { S: `${CUSTOMER_PREFIX}c${i}` }, SK: { S: "PROFILE" } },
              UpdateExpression: "SET v = :v",
              ExpressionAttributeValues: { ":v": { N: String(round) } },
            }),
          ),
        ),
      );
    }
    await poller.settle();

    const records = seen.records();
    expect(records).toHaveLength(500);
    expect(new Set(records.map((r) => r.eventID)).size).toBe(500);
    for (const batch of seen.batches) {
      expect(batch.length).toBeGreaterThan(0);
      expect(batch.length).toBeLessThanOrEqual(100);
    }
    // One shard: sequence numbers strictly increase across every batch.
    for (let i = 1; i < records.length; i++) expect(seq(records[i]!) > seq(records[i - 1]!)).toBe(true);
    const byItem = new Map<string, DynamoDBRecord[]>();
    for (const r of records) byItem.set(pk(r), [...(byItem.get(pk(r)) ?? []), r]);
    expect(byItem.size).toBe(100);
    for (const [item, changes] of byItem) {
      expect(
        changes.map((c) => c.dynamodb!.NewImage!.v!.N),
        item,
      ).toEqual(["0", "1", "2", "3", "4"]);
      expect(
        changes.map((c) => c.eventName),
        item,
      ).toEqual(["INSERT", "MODIFY", "MODIFY", "MODIFY", "MODIFY"]);
      // Both images, as the deployed stream has them.
      expect(
        changes.slice(1).map((c) => c.dynamodb!.OldImage!.v!.N),
        item,
      ).toEqual(["0", "1", "2", "3"]);
    }
    // Lambda's record shape: the stream's ARN, creation time in epoch seconds.
    const streamArn = (await db.send(new DescribeTableCommand({ TableName: table }))).Table!.LatestStreamArn;
    expect(records[0]).toMatchObject({ eventSource: "aws:dynamodb", eventSourceARN: streamArn, dynamodb: { StreamViewType: "NEW_AND_OLD_IMAGES" } });
    expect(records[0]!.dynamodb!.ApproximateCreationDateTime).toBeTypeOf("number");
    expect(poller.deadLetters).toEqual([]);
    // 500 writes through DynamoDB Local's stream: slow on a busy machine.
  }, 120_000);

  it("hands over only customer partitions, as the deployed mapping's filter does", async () => {
    const table = await freshTable();
    const seen = recorder();
    const poller = poll(table, seen.handler);
    await put(table, `${CUSTOMER_PREFIX}a`, "PROFILE");
    await put(table, "REPORT#STAGES", "NOW"); // the consumer's own counters
    await put(table, "EMAIL#a@example.com", "EMAIL");
    await put(table, "APIKEY", "0123abcd");
    await put(table, "CAMPAIGN", "thank-you");
    await put(table, `${CUSTOMER_PREFIX}a`, "TL#2027-01-01T00:00:00.000Z#01");
    await put(table, "XCUST#b", "PROFILE"); // a prefix, not a substring
    await poller.settle();
    expect(seen.records().map((r) => `${pk(r)} ${r.dynamodb!.Keys!.SK!.S}`)).toEqual([
      `${CUSTOMER_PREFIX}a PROFILE`,
      `${CUSTOMER_PREFIX}a TL#2027-01-01T00:00:00.000Z#01`,
    ]);
  });

  it("hands over values as Lambda would: empty maps (which DynamoDB Local drops) as maps, binary as base64", async () => {
    const table = await freshTable();
    const seen = recorder();
    const poller = poll(table, seen.handler);
    await db.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          PK: { S: `${CUSTOMER_PREFIX}v` },
          SK: { S: "TL#1" },
          data: { M: { fields: { M: {} }, tags: { L: [] }, list: { L: [{ M: {} }] } } },
          bin: { B: new Uint8Array([1, 2, 255]) },
          flag: { BOOL: false },
          none: { NULL: true },
        },
      }),
    );
    await poller.settle();
    const [record] = seen.records();
    expect(record!.dynamodb!.NewImage).toEqual({
      PK: { S: `${CUSTOMER_PREFIX}v` },
      SK: { S: "TL#1" },
      data: { M: { fields: { M: {} }, tags: { L: [] }, list: { L: [{ M: {} }] } } },
      bin: { B: "AQL/" },
      flag: { BOOL: false },
      none: { NULL: true },
    });
  });

  it("hands over the first record of a table that stayed empty while other tables wrote, without claiming anything expired", async () => {
    const table = await freshTable();
    const other = await freshTable();
    const warnings: string[] = [];
    const seen = recorder();
    const poller = poll(table, seen.handler, {
      logger: { warn: (message: string) => warnings.push(message), error: (message: string) => warnings.push(message) } as never,
    });
    // Give the poller time to make its iterator on the empty shard (its first read comes at once;
    // if it came later, the test would pass without making the case), then write elsewhere.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (let i = 0; i < 10; i++) await put(other, `${CUSTOMER_PREFIX}elsewhere${i}`, "PROFILE");
    await put(table, `${CUSTOMER_PREFIX}first`, "PROFILE");
    await poller.settle();
    expect(seen.records().map(pk)).toEqual([`${CUSTOMER_PREFIX}first`]);
    expect(warnings).toEqual([]);
  });

  it("redelivers a failing batch whole, with the same records, until the handler takes it", async () => {
    const table = await freshTable();
    let failures = 0;
    const seen = recorder((_batch, call) => {
      if (call <= 2) {
        failures++;
        throw new Error("counters unavailable");
      }
    });
    const attempts: string[][] = [];
    const poller = poll(table, async (event) => {
      attempts.push(event.Records.map((r) => r.dynamodb!.SequenceNumber!));
      await seen.handler(event);
    });
    await Promise.all(Array.from({ length: 5 }, (_, i) => put(table, `${CUSTOMER_PREFIX}r${i}`, "PROFILE")));
    await poller.settle();
    expect(failures).toBe(2);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    // The first three calls were the same batch: Lambda retries a stream batch as it was.
    expect(attempts[1]).toEqual(attempts[0]);
    expect(attempts[2]).toEqual(attempts[0]);
    expect(seen.records()).toHaveLength(5);
    expect(new Set(seen.records().map((r) => r.eventID)).size).toBe(5);
    expect(poller.deadLetters).toEqual([]);
  });

  it("dead-letters a batch that fails every attempt, says so from settle(), and goes on with the next", async () => {
    const table = await freshTable();
    const seen = recorder((batch) => {
      if (batch.some((r) => r.dynamodb!.NewImage?.poison)) throw new TypeError("cannot count this");
    });
    const poller = poll(table, seen.handler, { maxAttempts: 3 });
    await put(table, `${CUSTOMER_PREFIX}bad`, "PROFILE", { poison: { S: "yes" } });
    await expect(poller.settle()).rejects.toThrow(/1 stream batch\(es\) failed every attempt and were dead-lettered: shardId-\S+ \d+\.\.\d+ \(TypeError\)/);
    expect(seen.calls()).toBe(3);
    expect(poller.deadLetters).toEqual([
      expect.objectContaining({
        batchSize: 1,
        attempts: 3,
        errorName: "TypeError",
        shardId: expect.stringMatching(/^shardId-/),
        startSequenceNumber: expect.any(String),
      }),
    ]);
    // The shard moved on: later changes are handed over, and settle() is clean again.
    await put(table, `${CUSTOMER_PREFIX}good`, "PROFILE");
    await poller.settle();
    expect(seen.records().map(pk)).toEqual([`${CUSTOMER_PREFIX}good`]);
  });

  it("settle() waits for the handler to finish with everything written before it was called", async () => {
    const table = await freshTable();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const seen = recorder(async () => {
      entered();
      await gate;
    });
    const poller = poll(table, seen.handler);
    await Promise.all(Array.from({ length: 20 }, (_, i) => put(table, `${CUSTOMER_PREFIX}s${i}`, "PROFILE")));
    let settled = false;
    const settling = poller.settle().then(() => (settled = true));
    await inHandler;
    // The handler holds its first batch: nothing can have been handled, so settle() must wait.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    expect(seen.records()).toHaveLength(0);
    open();
    await settling;
    expect(seen.records()).toHaveLength(20);
  });

  it("settle() rejects at once for a table without a stream, and when the poller stops", async () => {
    const name = `nostream-${randomBytes(6).toString("hex")}`;
    await db.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "PK", AttributeType: "S" },
          { AttributeName: "SK", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "PK", KeyType: "HASH" },
          { AttributeName: "SK", KeyType: "RANGE" },
        ],
      }),
    );
    const poller = poll(name, recorder().handler);
    await expect(poller.settle({ timeoutMs: 10_000 })).rejects.toThrow(`table ${name} has no stream`);
    await poller.stop();
    await expect(poller.settle()).rejects.toThrow(/stopped/);
  });

  it("resumes after its checkpoint when started again, instead of replaying the stream", async () => {
    const table = await freshTable();
    const first = recorder();
    const before = poll(table, first.handler);
    await Promise.all(Array.from({ length: 30 }, (_, i) => put(table, `${CUSTOMER_PREFIX}k${i}`, "PROFILE")));
    await before.settle();
    await before.stop();
    expect(first.records()).toHaveLength(30);

    await Promise.all(Array.from({ length: 7 }, (_, i) => put(table, `${CUSTOMER_PREFIX}later${i}`, "PROFILE")));
    const second = recorder();
    const after = poll(table, second.handler);
    await after.settle();
    expect(second.records().map(pk).sort()).toEqual(Array.from({ length: 7 }, (_, i) => `${CUSTOMER_PREFIX}later${i}`).sort());
  });

  it("gives a table from an older version its stream, and replaces a stream without both images", async () => {
    // As versions before report counters made it: keys and indexes, no stream; and one whose stream has keys only.
    const older = async (stream?: "KEYS_ONLY") => {
      const name = `old-${randomBytes(6).toString("hex")}`;
      await db.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: ["PK", "SK", ...GLOBAL_INDEXES.flatMap((g) => [g.partitionKey, g.sortKey])].map((a) => ({
            AttributeName: a,
            AttributeType: "S",
          })),
          KeySchema: [
            { AttributeName: "PK", KeyType: "HASH" },
            { AttributeName: "SK", KeyType: "RANGE" },
          ],
          GlobalSecondaryIndexes: GLOBAL_INDEXES.map((g) => ({
            IndexName: g.name,
            KeySchema: [
              { AttributeName: g.partitionKey, KeyType: "HASH" },
              { AttributeName: g.sortKey, KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: g.projection },
          })),
          ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream } } : {}),
        }),
      );
      return name;
    };
    for (const name of [await older(), await older("KEYS_ONLY")]) {
      expect(await ensureTable(endpoint, name), name).toEqual({ created: false, streamAdded: true });
      const { Table } = await db.send(new DescribeTableCommand({ TableName: name }));
      expect(Table!.StreamSpecification, name).toEqual({ StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
      expect(await ensureTable(endpoint, name), name).toEqual({ created: false, streamAdded: false });
      // And the poller reads the new stream.
      const seen = recorder();
      const poller = poll(name, seen.handler);
      await put(name, `${CUSTOMER_PREFIX}x`, "PROFILE");
      await poller.settle();
      expect(seen.records().map(pk), name).toEqual([`${CUSTOMER_PREFIX}x`]);
    }
  });
});

/**
 * DynamoDB Local never rolls a shard over in server mode (module comment of local/streams.ts), so
 * this test does to a persisted instance what its own rollover job does (SQLiteDBAccessJob
 * `rolloverShard`): with the instance stopped, it seals the open shard at its last record and
 * opens a child shard, then starts the instance again. DynamoDB Local then serves a rolled-over
 * stream: the parent lists an ending sequence number, new writes go to the child.
 */
describe("a shard rollover, on a persisted DynamoDB Local that restarts", () => {
  let dataDir: string;
  let dynamo: RunningDynamo | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), "rapport-streams-"));
  });
  afterAll(async () => {
    await dynamo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function rollOver(tableName: string): Promise<{ parent: string; child: string }> {
    const { DatabaseSync } = await import("node:sqlite");
    const sqlite = new DatabaseSync(path.join(dataDir, "shared-local-instance.db"));
    try {
      const open = sqlite
        .prepare("SELECT StreamID, ShardID FROM ss WHERE StreamID LIKE ? AND SequenceNumberEnd IS NULL")
        .all(`%:table/${tableName}/stream/%`) as { StreamID: string; ShardID: string }[];
      expect(open).toHaveLength(1);
      const { StreamID, ShardID } = open[0]!;
      const { last } = sqlite.prepare("SELECT MAX(SequenceNumber) AS last FROM us").get() as { last: number };
      const now = Date.now();
      sqlite.prepare("UPDATE ss SET SequenceNumberEnd = ?, DeletionDateTime = ? WHERE ShardID = ?").run(last, now + 24 * 3600_000, ShardID);
      const child = `shardId-${String(now).padStart(20, "0")}-${randomBytes(4).toString("hex")}`;
      sqlite
        .prepare(
          "INSERT INTO ss (StreamID, ShardID, CreationDateTime, DeletionDateTime, InitialSequenceNumberStart, SequenceNumberEnd, ParentShardID) VALUES (?, ?, ?, NULL, ?, NULL, ?)",
        )
        .run(StreamID, child, now, last + 1, ShardID);
      return { parent: ShardID, child };
    } finally {
      sqlite.close();
    }
  }

  it("reads the parent to its end, then the child from its start, each record once, across the restart", { timeout: 90_000 }, async () => {
    dynamo = await startDynamo({ dbPath: dataDir });
    const port = dynamo.port;
    const tableName = "rapport";
    await ensureTable(dynamo.endpoint, tableName);
    const client = () => new DynamoDBClient({ endpoint: dynamo!.endpoint, ...LOCAL, maxAttempts: 1 });
    const write = async (ids: string[]) => {
      const db = client();
      for (const id of ids) await db.send(new PutItemCommand({ TableName: tableName, Item: { PK: { S: `${CUSTOMER_PREFIX}${id}` }, SK: { S: "PROFILE" } } }));
      db.destroy();
    };
    const seen = recorder();
    const poller = startStreamPoller({ endpoint: dynamo.endpoint, tableName, handler: seen.handler, pollIntervalMs: 50 });
    try {
      const before = Array.from({ length: 12 }, (_, i) => `before${i}`);
      await write(before);
      await poller.settle();
      expect(seen.records().map(pk)).toEqual(before.map((id) => `${CUSTOMER_PREFIX}${id}`));

      // DynamoDB Local goes away under the running poller, rolls over, and comes back.
      await dynamo.stop();
      const { parent, child } = await rollOver(tableName);
      dynamo = await startDynamo({ dbPath: dataDir, port });
      const after = Array.from({ length: 12 }, (_, i) => `after${i}`);
      await write(after);
      await poller.settle({ timeoutMs: 60_000 });

      const streams = new DynamoDBStreamsClient({ endpoint: dynamo.endpoint, ...LOCAL });
      const arn = (await client().send(new DescribeTableCommand({ TableName: tableName }))).Table!.LatestStreamArn!;
      const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!.Shards!;
      streams.destroy();
      expect(shards.map((s) => [s.ShardId, s.ParentShardId])).toEqual([
        [parent, undefined],
        [child, parent],
      ]);
      const childStart = BigInt(shards[1]!.SequenceNumberRange!.StartingSequenceNumber!);
      const records = seen.records();
      expect(records.map(pk)).toEqual([...before, ...after].map((id) => `${CUSTOMER_PREFIX}${id}`));
      expect(records.slice(before.length).every((r) => seq(r) >= childStart)).toBe(true);
      expect(poller.deadLetters).toEqual([]);
    } finally {
      await poller.stop();
    }
  });
});

describe("the local stack keeps the report counters from the stream", () => {
  const stack = useStack();

  it("counts a lead posted over HTTP once settleReports() resolves", async () => {
    const before = (await stack.api("/v1/reports/funnel", { key: stack.adminKey })).body as { total: number };
    const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: `streams-${randomBytes(4).toString("hex")}@example.com` } });
    expect(res.status).toBe(201);
    await stack.settleReports();
    const after = (await stack.api("/v1/reports/funnel", { key: stack.adminKey })).body as { total: number; stages: { stage: string; count: number }[] };
    expect(after.total).toBe(before.total + 1);
    expect(after.stages.find((s) => s.stage === "lead")!.count).toBe(1);
    expect(stack.streams!.deadLetters).toEqual([]);
  });
});
