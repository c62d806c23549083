/**
 * `import.stack.rowsPerSecond`: `rapport import` of new contacts into a running local stack,
 * started the way `npm start` starts it: DynamoDB Local persisted in a data directory (on disk,
 * not in memory), the API, and the stream poller feeding the report counters. The import runs as
 * the CLI in its own process, as a person at a terminal runs it next to `npm start`, and the rate
 * is the one the CLI prints (rows of the file per second of the import).
 *
 * Part of `npm run bench`; alone: `node bench/import-stack.ts [--rows 3000]`.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { type RunningDynamo, startDynamo } from "../local/dynamo.ts";
import { type LocalApi, startLocalApi } from "../local/stack.ts";
import { csvLine } from "../shared/import-export/csv-read.ts";
import type { Report } from "./sweep.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const TABLE = "rapport";
const DEFAULT_ROWS = 3000;

/** Lower bounds: the figure must come out at least this high. */
export const IMPORT_STACK_MIN_BUDGETS: Record<string, number> = { "import.stack.rowsPerSecond": 200 };

/** What the section started, so the caller can stop it on a signal. */
export interface ImportStackResources {
  dynamo?: RunningDynamo;
  api?: LocalApi;
  dir?: string;
}

/** A HubSpot-style export of `rows` contacts, every address new. */
function contactsFile(file: string, rows: number): void {
  const lines = [csvLine(["Record ID", "First Name", "Last Name", "Email", "Phone Number", "City", "Country/Region", "Lifecycle Stage", "Create Date"])];
  for (let i = 1; i <= rows; i++) {
    lines.push(
      csvLine([
        String(1000 + i),
        `Person ${i}`,
        "Lovelace",
        `stack.import.${i}@example.com`,
        i % 2 ? `+47 2${String(i).padStart(7, "0")}` : "",
        "Oslo",
        "Norway",
        "lead",
        "2024-01-15 10:23",
      ]),
    );
  }
  writeFileSync(file, lines.join(""));
}

/** Runs `rapport import FILE` against the stack's DynamoDB Local; answers the rate it printed. */
function importCli(file: string, endpoint: string): Promise<{ rate: number; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/rapport.ts", "import", file], {
      cwd: ROOT,
      env: { ...process.env, DYNAMODB_ENDPOINT: endpoint, RAPPORT_TABLE: TABLE },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = err.split("\n").find((l) => l.startsWith("Imported ")) ?? "";
      const rate = Number(/\(([\d,]+) rows\/s\)/.exec(line)?.[1]?.replace(/,/g, ""));
      if (code !== 0 || !Number.isFinite(rate)) reject(new Error(`rapport import exited ${code}: ${err.trim().split("\n").at(-1)}`));
      else resolve({ rate, line });
    });
  });
}

/** Stops what the section started (idempotent). */
export async function stopImportStackResources(resources: ImportStackResources): Promise<void> {
  await resources.api?.close().catch(() => {});
  await resources.dynamo?.stop().catch(() => {});
  if (resources.dir) rmSync(resources.dir, { recursive: true, force: true });
  delete resources.api;
  delete resources.dynamo;
  delete resources.dir;
}

/** Measures `import.stack.rowsPerSecond` into `report`. */
export async function importStackFigures(report: Report, resources: ImportStackResources, rows = DEFAULT_ROWS): Promise<void> {
  resources.dir = mkdtempSync(path.join(tmpdir(), "rapport-bench-import-stack-"));
  const dataDir = path.join(resources.dir, "dynamodb");
  mkdirSync(dataDir);
  report.log(`import into a running stack: ${rows.toLocaleString("en-US")} new contacts, DynamoDB Local on disk, stream poller on ...`);
  resources.dynamo = await startDynamo({ dbPath: dataDir, startTimeoutMs: 120_000 });
  // As `npm start` does (local/start.ts), minus SES local, which an import never reaches.
  resources.api = await startLocalApi({ dynamodbEndpoint: resources.dynamo.endpoint, tableName: TABLE, sesEndpoint: "http://127.0.0.1:9", logLevel: "ERROR" });
  const file = path.join(resources.dir, "contacts.csv");
  contactsFile(file, rows);
  const load = loadavg()[0]!;
  const { rate, line } = await importCli(file, resources.dynamo.endpoint);
  // The counters catch up after the import; how long that takes is part of the picture.
  const settleStart = performance.now();
  await resources.api.settleReports({ timeoutMs: 600_000 });
  const settleMs = performance.now() - settleStart;
  await stopImportStackResources(resources);
  report.results["import.stack.rowsPerSecond"] = rate;
  report.notes["import.stack.rowsPerSecond"] =
    `rapport import (CLI) of ${rows.toLocaleString("en-US")} new contacts next to a running stack (DynamoDB Local on disk, stream poller on); report counters caught up ${(settleMs / 1000).toFixed(1)} s later; load average ${load.toFixed(1)} at the start`;
  report.breakdown.push(`import into a running stack: ${line}`);
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { rows: { type: "string", default: String(DEFAULT_ROWS) } } });
  const resources: ImportStackResources = {};
  const report: Report = { results: {}, notes: {}, breakdown: [], log: (l) => process.stderr.write(`${l}\n`) };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void stopImportStackResources(resources).then(() => process.exit(1)));
  try {
    await importStackFigures(report, resources, Number(values.rows));
    for (const [figure, value] of Object.entries(report.results)) {
      const min = IMPORT_STACK_MIN_BUDGETS[figure];
      console.log(`${figure}  ${value}${min === undefined ? "" : `  (budget ≥ ${min}: ${value >= min ? "PASS" : "FAIL"})`}  ${report.notes[figure] ?? ""}`);
    }
    for (const line of report.breakdown) console.log(line);
  } finally {
    await stopImportStackResources(resources);
  }
}
