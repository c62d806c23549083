import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningCognito } from "../local/cognito.ts";
import { signIn, startCognitoLocal } from "../local/cognito.ts";
import { ensureTable } from "../local/table.ts";
import { resolvePrincipal } from "../shared/auth/principal.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";

/** `rapport people add|list|remove` against a local stack: this file's table and its own cognito-local. */
const root = fileURLToPath(new URL("..", import.meta.url));
const endpoint = inject("dynamodbEndpoint");
const tableName = `test-people-cli-${randomBytes(6).toString("hex")}`;
let cognito: RunningCognito;
let cognitoDir: string;
let emptyDataDir: string;
let deps: Deps;

beforeAll(async () => {
  await ensureTable(endpoint, tableName);
  cognitoDir = await mkdtemp(join(tmpdir(), "rapport-people-cli-"));
  emptyDataDir = await mkdtemp(join(tmpdir(), "rapport-people-cli-empty-"));
  cognito = await startCognitoLocal({ dir: cognitoDir });
  deps = depsFromEnv(
    { TABLE_NAME: tableName, DYNAMODB_ENDPOINT: endpoint, AWS_REGION: "us-east-1", ...cognito.env },
    { logger: new Logger({ logLevel: "SILENT" }) },
  );
});

afterAll(async () => {
  deps?.db.destroy();
  await cognito?.stop();
  await rm(cognitoDir, { recursive: true, force: true });
  await rm(emptyDataDir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process against this file's table and user pool. */
function rapport(args: string[], env: Record<string, string> = cognito.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/rapport.ts", ...args], {
      cwd: root,
      env: { ...process.env, DYNAMODB_ENDPOINT: endpoint, RAPPORT_TABLE: tableName, RAPPORT_DATA_DIR: emptyDataDir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

// Each test runs the CLI several times, a node start of a few seconds each on a busy machine.
describe("rapport people", { timeout: 120_000 }, () => {
  it("add prints the password alone on the last stdout line; the person signs in with it at the pool and the API knows their role", async () => {
    const added = await rapport(["people", "add", "Robin.Staff@Shop.example", "--role", "staff", "--name", "Robin Staff"]);
    expect(added.code, added.stderr).toBe(0);
    expect(lines(added.stdout)).toHaveLength(1);
    const password = lines(added.stdout).at(-1)!;
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(added.stderr).not.toContain(password);
    expect(added.stderr).toContain("Added robin.staff@shop.example as staff");

    const tokens = await signIn(cognito, "robin.staff@shop.example", password);
    const principal = await resolvePrincipal(deps, `Bearer ${tokens.accessToken}`);
    expect(principal).toEqual({ type: "person", id: expect.any(String), scopes: "staff", role: "staff", name: "Robin Staff" });

    const listed = await rapport(["people", "list"]);
    expect(listed.code).toBe(0);
    expect(lines(listed.stdout)[0]).toMatch(/^EMAIL\s+NAME\s+ROLE\s+ID\s+ADDED$/);
    expect(lines(listed.stdout).find((l) => l.startsWith("robin.staff@shop.example"))).toMatch(
      new RegExp(`Robin Staff\\s+staff\\s+${principal!.id}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ`),
    );
    expect(listed.stdout).not.toContain(password);
  });

  it("remove ends the person's access at once and deletes them from the pool; removing again fails with exit 1", async () => {
    const added = await rapport(["people", "add", "leaving@shop.example", "--role", "owner"]);
    const password = lines(added.stdout).at(-1)!;
    const tokens = await signIn(cognito, "leaving@shop.example", password);
    expect(await resolvePrincipal(deps, `Bearer ${tokens.idToken}`)).toMatchObject({ role: "owner", scopes: "admin", name: "leaving@shop.example" });

    const removed = await rapport(["people", "remove", "leaving@shop.example"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe("");
    expect(removed.stderr).toContain("Removed leaving@shop.example (owner)");
    expect(await resolvePrincipal(deps, `Bearer ${tokens.idToken}`)).toBeNull();
    await expect(signIn(cognito, "leaving@shop.example", password)).rejects.toThrow();
    expect(lines((await rapport(["people", "list"])).stdout).some((l) => l.startsWith("leaving@"))).toBe(false);

    const again = await rapport(["people", "remove", "leaving@shop.example"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("rapport people remove: nobody in the team has the email leaving@shop.example\n");
  });

  it("refuses a second add of the same email with exit 1, and changes nothing", async () => {
    const first = await rapport(["people", "add", "twice@shop.example", "--role", "staff"]);
    expect(first.code).toBe(0);
    const second = await rapport(["people", "add", "twice@shop.example", "--role", "owner"]);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe("");
    expect(second.stderr).toContain("already in the team (as staff)");
    const password = lines(first.stdout).at(-1)!;
    expect(await resolvePrincipal(deps, `Bearer ${(await signIn(cognito, "twice@shop.example", password)).accessToken}`)).toMatchObject({ role: "staff" });
  });

  it("answers a missing or unknown role and a bad email with a one-line usage error and exit 2", async () => {
    const cases: [string[], string][] = [
      [["people", "add", "someone@shop.example"], "rapport people add: --role is required: owner or staff (see rapport people add --help)\n"],
      [
        ["people", "add", "someone@shop.example", "--role", "admin"],
        'rapport people add: unknown role "admin": use owner or staff (see rapport people add --help)\n',
      ],
      [["people", "add", "not-an-email", "--role", "staff"], 'rapport people add: "not-an-email" is not an email address (see rapport people add --help)\n'],
      [["people", "remove"], "rapport people remove: missing EMAIL (see rapport people remove --help)\n"],
    ];
    for (const [args, stderr] of cases) {
      const run = await rapport(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toBe(stderr);
      expect(run.stdout).toBe("");
    }
  });

  it("says to run npm start first when there is no local user pool yet", async () => {
    const run = await rapport(["people", "list"], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("rapport people list: no local user pool yet: run `npm start` first (it creates one)\n");
  });

  it("is in the help", async () => {
    const help = await rapport(["--help"]);
    for (const text of ["people add EMAIL --role ROLE", "[--name NAME]", "people list", "people remove EMAIL", "COGNITO_PORT"])
      expect(help.stdout).toContain(text);
  });
});
