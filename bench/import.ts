/**
 * `node bench/import.ts [--rows 100000] [--concurrency 32]`: how long `rapport import` takes for a
 * large CSV on this machine. Generates a HubSpot-style contacts export (names in several scripts,
 * quoted fields, about 1% repeated addresses in another case and 0.5% bad addresses) in a temp
 * directory, starts an in-memory DynamoDB Local with the stack's table, and times the real CLI in a
 * child process: the first import, a second run of the same file (which must change nothing), and
 * `rapport export` of the result. Not part of `npm test` or `npm run bench`: it takes minutes.
 */
import { spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startDynamo } from "../local/dynamo.ts";
import { ensureTable } from "../local/table.ts";
import { csvLine } from "../shared/import-export/csv-read.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({ options: { rows: { type: "string", default: "100000" }, concurrency: { type: "string", default: "32" } } });
const ROWS = Number(values.rows);
const CONCURRENCY = values.concurrency!;

const FIRST = ["Ada", "Zoë", "José", "Ngozi", "Søren", "美咲", "健二", "Олга", "Αλέξης", "محمد", "Priya", "Wei", "Łukasz", "Chloé", "Mateus", "Aroha"];
const LAST = [
  "Lovelace",
  "Łukasiewicz",
  "Peña",
  "Okafor",
  "Kierkegård",
  "佐藤",
  "山田",
  "Иванова",
  "Παπαδόπουλος",
  "الحسن",
  "Sharma",
  "Li",
  "Nowak",
  "Dubois",
  "Silva",
  "Ngata",
];
const CITIES: [string, string, string, string][] = [
  ["Oslo", "Oslo", "0155", "Norway"],
  ["Lagos", "Lagos", "101001", "Nigeria"],
  ["東京", "東京都", "100-0001", "Japan"],
  ["Boston", "MA", "02110", "United States"],
  ["São Paulo", "SP", "01000-000", "Brazil"],
  ["Москва", "", "101000", "Russia"],
];
const STAGES = ["subscriber", "lead", "Marketing Qualified Lead", "customer", "opportunity"];

/** A small deterministic PRNG (mulberry32), so every run imports the same file. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function generate(file: string, rows: number): Promise<void> {
  const next = random(42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const out = createWriteStream(file);
  const write = (line: string) => (out.write(line) ? undefined : new Promise<void>((r) => out.once("drain", () => r())));
  await write(
    csvLine([
      "Record ID",
      "First Name",
      "Last Name",
      "Email",
      "Phone Number",
      "Company Name",
      "City",
      "State/Region",
      "Postal Code",
      "Country/Region",
      "Lifecycle Stage",
      "Create Date",
    ]),
  );
  for (let i = 1; i <= rows; i++) {
    const u = next();
    // 1% repeat an earlier address in capitals; 0.5% are not addresses at all.
    const email =
      u < 0.01 && i > 10 ? `person${Math.floor(next() * (i - 1)) + 1}@EXAMPLE.COM` : u < 0.015 ? `person${i} at example.com` : `person${i}@example.com`;
    const [city, region, postal, country] = pick(CITIES);
    const company = next() < 0.3 ? `${pick(LAST)}, ${pick(["Ltd", "AS", "GmbH", "Inc."])}` : "";
    const phone = next() < 0.5 ? `+47 ${String(20000000 + Math.floor(next() * 79999999))}` : "";
    const created = new Date(Date.UTC(2020, 0, 1) + Math.floor(next() * 5 * 365 * 86_400_000)).toISOString().slice(0, 16).replace("T", " ");
    await write(csvLine([String(1000 + i), pick(FIRST), pick(LAST), email, phone, company, city, region, postal, country, pick(STAGES), created]));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

interface Timed {
  ms: number;
  code: number | null;
  lastLine: string;
}

function cli(args: string[], env: Record<string, string>, stdout: "ignore" | "inherit" = "ignore"): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["bin/rapport.ts", ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", stdout, "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const lines = err
        .trim()
        .split("\n")
        .filter((l) => /^(Imported|Exported)/.test(l));
      resolve({ ms: performance.now() - started, code, lastLine: lines.at(-1) ?? "" });
    });
  });
}

const dir = mkdtempSync(path.join(tmpdir(), "rapport-bench-import-"));
const file = path.join(dir, "contacts.csv");
const dynamo = await startDynamo();
try {
  const table = "rapport-import-bench";
  await ensureTable(dynamo.endpoint, table);
  const genStart = performance.now();
  await generate(file, ROWS);
  process.stderr.write(
    `Generated ${ROWS.toLocaleString("en-US")} rows (${(statSync(file).size / 1e6).toFixed(1)} MB) in ${((performance.now() - genStart) / 1000).toFixed(1)} s\n`,
  );
  const env = { DYNAMODB_ENDPOINT: dynamo.endpoint, RAPPORT_TABLE: table };
  const first = await cli(["import", file, "--concurrency", CONCURRENCY], env);
  const again = await cli(["import", file, "--concurrency", CONCURRENCY], env);
  const exported = await cli(["export", "--out", path.join(dir, "export.csv")], env);
  // Rows of the file for the imports; customers written for the export.
  const rate = (t: Timed) => Math.round((Number(/^Exported (\d+)/.exec(t.lastLine)?.[1] ?? ROWS) * 1000) / t.ms);
  const rows = [
    ["first import", first],
    ["same file again", again],
    ["export (CSV)", exported],
  ] as const;
  process.stdout.write(
    `\nrapport import, ${ROWS.toLocaleString("en-US")} rows, --concurrency ${CONCURRENCY}, in-memory DynamoDB Local, wall clock of the CLI process:\n`,
  );
  for (const [name, t] of rows) {
    process.stdout.write(
      `  ${name.padEnd(16)} ${(t.ms / 1000).toFixed(1).padStart(7)} s  ${String(rate(t)).padStart(6)} per s  exit ${t.code}  ${t.lastLine}\n`,
    );
  }
  if (rows.some(([, t]) => t.code !== 0)) process.exitCode = 1;
} finally {
  await dynamo.stop();
  rmSync(dir, { recursive: true, force: true });
}
