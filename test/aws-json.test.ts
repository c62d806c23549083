import { createServer, type IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsApiError, awsJsonCall } from "../shared/aws/json-api.ts";
import { SqsQueue } from "../shared/aws/sqs-queue.ts";

/**
 * The signed JSON requests that stand in for the SQS, Secrets Manager and Cognito SDK clients,
 * against a local stand-in that answers as the services document: the target header, the
 * protocol's media type, a SigV4 signature for the service, and what happens on a partial failure.
 */
const seen: { headers: IncomingMessage["headers"]; body: any }[] = [];
let answers: ((body: any) => { status: number; body: unknown })[] = [];
let base = "";
const server = createServer((req, res) => {
  let raw = "";
  req.on("data", (d) => (raw += d));
  req.on("end", () => {
    const body = JSON.parse(raw);
    seen.push({ headers: req.headers, body });
    const answer = (answers.shift() ?? (() => ({ status: 200, body: {} })))(body);
    res.writeHead(answer.status, { "content-type": "application/x-amz-json-1.0" }).end(JSON.stringify(answer.body));
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

describe("SQS SendMessageBatch as one signed JSON request", () => {
  it("sends the batch with SQS's JSON protocol, signed for sqs, and sends again only the entries SQS failed", async () => {
    seen.length = 0;
    answers = [
      (_b) => ({ status: 200, body: { Successful: [{ Id: "0" }], Failed: [{ Id: "1", Code: "InternalError", SenderFault: false }] } }),
      () => ({ status: 200, body: { Successful: [{ Id: "1" }] } }),
    ];
    const queue = new SqsQueue(`${base}/123456789012/rapport-send`, "eu-north-1", { credentials });
    await queue.enqueue([{ customerId: "c1" } as never, { customerId: "c2" } as never], { delaySeconds: 1200 });
    expect(seen).toHaveLength(2);
    const [first, second] = seen;
    expect(first!.headers["x-amz-target"]).toBe("AmazonSQS.SendMessageBatch");
    expect(first!.headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(String(first!.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-north-1\/sqs\/aws4_request, SignedHeaders=[^,]*x-amz-target/,
    );
    expect(first!.body.QueueUrl).toBe(`${base}/123456789012/rapport-send`);
    // SQS's longest delay is 15 minutes.
    expect(first!.body.Entries.map((e: any) => [e.Id, JSON.parse(e.MessageBody).customerId, e.DelaySeconds])).toEqual([
      ["0", "c1", 900],
      ["1", "c2", 900],
    ]);
    expect(second!.body.Entries.map((e: any) => e.Id)).toEqual(["1"]);
  });

  it("names the service's exception on an error answer, and tries throttling again", async () => {
    seen.length = 0;
    answers = [
      () => ({ status: 400, body: { __type: "com.amazonaws.sqs#ThrottlingException", message: "slow down" } }),
      () => ({ status: 400, body: { __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "no queue" } }),
    ];
    const call = awsJsonCall({
      service: "sqs",
      region: "eu-north-1",
      endpoint: base,
      target: "AmazonSQS.GetQueueUrl",
      contentType: "application/x-amz-json-1.0",
      input: { QueueName: "x" },
      credentials,
      what: "a test",
    });
    await expect(call).rejects.toBeInstanceOf(AwsApiError);
    await expect(call).rejects.toMatchObject({ type: "QueueDoesNotExist", status: 400, message: "no queue" });
    expect(seen).toHaveLength(2);
  });
});
