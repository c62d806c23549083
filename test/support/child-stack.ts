import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { join } from "node:path";
import { freePort } from "../../local/dynamo.ts";

/**
 * `npm start` (local/start.ts) as a child process, for tests that kill it and start it again. It
 * runs in a process group of its own, so `kill()` takes DynamoDB Local's JVM (its child) with it.
 */
export interface ChildStack {
  child: ChildProcess;
  apiUrl: string;
  adminKey: string;
  /** stdout and stderr so far (for failure messages). */
  output(): string;
  /** SIGKILLs the whole process group (node and java) and waits until both are gone. */
  kill(): Promise<void>;
}

const ROOT = new URL("../..", import.meta.url).pathname;

export interface ChildStackOptions {
  apiPort: number;
  dynamodbPort: number;
  dataDir: string;
  env?: Record<string, string>;
  /** How long to wait for "Rapport is running." */
  timeoutMs?: number;
}

export async function startChildStack(options: ChildStackOptions): Promise<ChildStack> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(options.apiPort),
    DYNAMODB_PORT: String(options.dynamodbPort),
    // cognito-local's default port would clash with any other stack running at the same time.
    COGNITO_PORT: String(await freePort()),
    RAPPORT_DATA_DIR: options.dataDir,
    ...options.env,
  };
  // Settings of the shell running the tests must not change what the child does.
  for (const name of ["SALES_EMAIL", "DOUBLE_OPT_IN", "SEND_WINDOW", "FREQUENCY_CAP_DAYS", "ALLOWED_ORIGINS"]) if (!options.env?.[name]) delete env[name];
  const child = spawn(process.execPath, [join(ROOT, "local/start.ts")], { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stack: ChildStack = {
    child,
    apiUrl: `http://127.0.0.1:${options.apiPort}`,
    adminKey: "",
    output: () => output,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
        await exited;
      } else {
        // The node process is gone; make sure nothing of its group (java) is left either.
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // nothing left
        }
      }
      await portClosed(options.dynamodbPort, 15_000);
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (!output.includes("Rapport is running.")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stack.kill();
      throw new Error(`local/start.ts did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  stack.adminKey = (await readFile(join(options.dataDir, "admin-key"), "utf8")).trim();
  return stack;
}

/** Resolves once nothing accepts connections on the port (the JVM is really gone). */
async function portClosed(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (!open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} still open ${timeoutMs} ms after the kill`);
}
