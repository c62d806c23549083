import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../local/dynamo.ts";
import { ensureTable } from "../local/table.ts";
import { listApiKeys, verifyAuthorization } from "../shared/auth/api-keys.ts";
import { fixedClock } from "../shared/core/clock.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { listCustomers } from "../shared/customers/list.ts";
import { getCustomerItem } from "../shared/customers/repository.ts";
import { planDemo, seedDemo } from "../shared/demo/seed.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const endpoint = inject("dynamodbEndpoint");
const tableName = `test-cli-${randomBytes(6).toString("hex")}`;
let deps: Deps;

beforeAll(async () => {
  await ensureTable(endpoint, tableName);
  deps = depsFromEnv({ TABLE_NAME: tableName, DYNAMODB_ENDPOINT: endpoint, AWS_REGION: "us-east-1" }, { logger: new Logger({ logLevel: "SILENT" }) });
});

afterAll(() => deps?.db.destroy());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process against this file's table. */
function rapport(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/rapport.ts", ...args], {
      cwd: root,
      env: { ...process.env, DYNAMODB_ENDPOINT: endpoint, RAPPORT_TABLE: tableName, ...env },
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

describe("rapport keys", () => {
  it("create prints the key alone on stdout, and the key works until it is revoked", async () => {
    const created = await rapport(["keys", "create", "--scope", "admin", "--name", "ops laptop"]);
    expect(created.code).toBe(0);
    expect(lines(created.stdout)).toHaveLength(1);
    const key = lines(created.stdout)[0]!;
    expect(key).toMatch(/^rk_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).not.toContain(key);
    const id = /\b([0-9a-f]{12})\b/.exec(created.stderr)?.[1];
    expect(id).toBeDefined();

    expect(await verifyAuthorization(deps, `Bearer ${key}`)).toEqual({ keyId: id, scopes: "admin" });

    const revoked = await rapport(["keys", "revoke", id!]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe("");
    expect(revoked.stderr).toContain(`Revoked API key ${id}`);
    expect(await verifyAuthorization(deps, `Bearer ${key}`)).toBeNull();

    const again = await rapport(["keys", "revoke", key]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("already revoked");

    const listed = await rapport(["keys", "list"]);
    expect(listed.code).toBe(0);
    const row = lines(listed.stdout).find((l) => l.startsWith(id!));
    expect(row).toMatch(/ops laptop\s+admin\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+\d{4}-\d\d-\d\d/);
    expect(listed.stdout).not.toContain("rk_");
  });

  it("create accepts several scopes, repeated or comma-separated", async () => {
    for (const args of [
      ["--scope", "admin", "--scope", "leads:write"],
      ["--scope", "leads:write,admin"],
    ]) {
      const run = await rapport(["keys", "create", ...args]);
      expect(run.code).toBe(0);
      const principal = await verifyAuthorization(deps, `Bearer ${lines(run.stdout).at(-1)}`);
      expect(principal?.scopes.split(" ").sort()).toEqual(["admin", "leads:write"]);
    }
  });

  it("a bad or missing scope is a usage error (exit 2) naming the scope, and creates nothing", async () => {
    const before = (await listApiKeys(deps)).length;
    const bad = await rapport(["keys", "create", "--scope", "superuser"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(lines(bad.stderr)).toHaveLength(1);
    expect(bad.stderr).toContain('"superuser"');
    const missing = await rapport(["keys", "create", "--name", "x"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--scope");
    expect((await listApiKeys(deps)).length).toBe(before);
  });

  it("revoking an unknown id fails with one line and exit 1", async () => {
    const run = await rapport(["keys", "revoke", "0123456789ab"]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual(["rapport keys revoke: no API key 0123456789ab"]);
  });
});

describe("rapport, the command line", () => {
  it("--help lists every command, the global --stack option and the environment variables", async () => {
    const run = await rapport(["--help"]);
    expect(run.code).toBe(0);
    for (const text of [
      "keys create",
      "keys revoke",
      "keys list",
      "seed --demo",
      "--count",
      "--seed",
      "--name",
      "--stack NAME",
      "--region",
      "PORT",
      "DYNAMODB_PORT",
      "SES_PORT",
      "RAPPORT_DATA_DIR",
      "RAPPORT_TABLE",
      "DYNAMODB_ENDPOINT",
    ]) {
      expect(run.stdout).toContain(text);
    }
    expect((await rapport([])).stdout).toBe(run.stdout);
  });

  it("an unknown command or option is a usage error", async () => {
    const unknown = await rapport(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const option = await rapport(["keys", "list", "--verbose"]);
    expect(option.code).toBe(2);
    expect(lines(option.stderr)).toEqual(["rapport keys list: unknown option --verbose (see rapport keys list --help)"]);
  });

  it("says to run `npm start` when nothing listens, without a stack trace", async () => {
    const run = await rapport(["keys", "list"], { DYNAMODB_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain("npm start");
    expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it("seed --demo seeds customers and ends with a summary on stderr", async () => {
    const run = await rapport(["seed", "--demo", "--count", "5", "--seed", "7"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(lines(run.stderr).at(-1)).toMatch(/^Seeded 5 demo customers \(5 new\) and \d+ purchases in [\d.]+ s; stages: /);
  });
});

describe("seedDemo", () => {
  const SCRIPTS = ["Han", "Hiragana", "Katakana", "Hangul", "Arabic", "Hebrew", "Devanagari", "Cyrillic", "Greek", "Thai"];
  // A fixed "now" so the purchase history, and so the stages, are the same on every run.
  const clock = fixedClock("2026-06-15T12:00:00Z");

  async function allCustomers(table: Deps) {
    const items = [];
    let cursor: string | undefined;
    do {
      const page = await listCustomers(table, { limit: 100, ...(cursor ? { cursor } : {}) });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }

  async function totalOrders(table: Deps, ids: string[]) {
    const items = await Promise.all(ids.map((id) => getCustomerItem(table, id, true)));
    return items.reduce((sum, item) => sum + (item?.orders ?? 0), 0);
  }

  it("creates varied customers in several scripts and every stage, and a second run changes nothing", async () => {
    const own = { ...deps, table: `test-seed-${randomBytes(6).toString("hex")}`, clock };
    await ensureTable(endpoint, own.table);

    const first = await seedDemo(own, { count: 40 });
    const customers = await allCustomers(own);
    expect(customers).toHaveLength(40);
    expect(first).toMatchObject({ customers: 40, created: 40, duplicatePurchases: 0 });

    const scripts = SCRIPTS.filter((script) => customers.some((c) => new RegExp(`\\p{Script=${script}}`, "u").test(c.firstName ?? "")));
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const stage of ["lead", "customer", "loyal"]) expect(customers.some((c) => c.stage === stage)).toBe(true);
    for (const c of customers) expect(c.email).toMatch(/^[a-z0-9._]+@example\.(com|org|net)$/);
    const orders = await totalOrders(
      own,
      customers.map((c) => c.id),
    );
    expect(orders).toBe(first.purchases);

    const second = await seedDemo(own, { count: 40 });
    expect(second).toMatchObject({ customers: 40, created: 0, purchases: 0, duplicatePurchases: first.purchases, stages: first.stages });
    const after = await allCustomers(own);
    expect(after).toHaveLength(40);
    expect(
      await totalOrders(
        own,
        after.map((c) => c.id),
      ),
    ).toBe(orders);
  });

  it("plans the same people and orders for the same seed, and different ones for another", () => {
    const now = new Date("2026-06-15T12:00:00Z");
    const a = planDemo({ count: 30, seed: 42, now });
    expect(planDemo({ count: 30, seed: 42, now })).toEqual(a);
    expect(planDemo({ count: 10, seed: 42, now })).toEqual(a.slice(0, 10));
    expect(planDemo({ count: 30, seed: 43, now }).map((c) => c.lead.email)).not.toEqual(a.map((c) => c.lead.email));
    for (const c of a) {
      expect(c.createdAt < now.toISOString()).toBe(true);
      for (const o of c.orders) {
        expect(o.at > c.createdAt && o.at < now.toISOString()).toBe(true);
        expect(o.amount).toBeGreaterThanOrEqual(15);
        expect(o.amount).toBeLessThanOrEqual(400);
      }
    }
  });
});

describe("rapport sweep and campaigns list", () => {
  it("sweep --at finds who is due as of that instant and delivers to SES local; a second run sends nothing", async () => {
    const { startSesLocal } = await import("../local/ses.ts");
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { recordEvent } = await import("../shared/interactions/record.ts");
    const ses = await startSesLocal();
    const dataDir = mkdtempSync(join(tmpdir(), "rapport-cli-"));
    writeFileSync(join(dataDir, "token-secret"), "cli-test-token-secret-0123456789abcdef\n");
    try {
      const buyer = await recordEvent(
        { ...deps, clock: fixedClock("2027-03-01T09:00:00Z") },
        { type: "purchase", email: "cli-buyer@example.com", amount: 42, at: "2027-03-01T09:00:00Z" },
      );
      const env = { SES_PORT: ses.url.split(":").pop()!, RAPPORT_DATA_DIR: dataDir };
      const first = await rapport(["sweep", "--at", "2027-03-01T10:00:00Z"], env);
      expect(first.code, first.stderr).toBe(0);
      const result = JSON.parse(lines(first.stdout).pop()!);
      expect(result).toMatchObject({ at: "2027-03-01T10:00:00.000Z", enqueued: 1 });
      expect(first.stderr).toContain("1 sent or queued");
      const store = (await (await fetch(`${ses.url}/store`)).json()) as { emails: { destination: { to: string[] }; subject: string }[] };
      expect(store.emails.filter((m) => m.destination.to.includes("cli-buyer@example.com"))).toHaveLength(1);
      const again = await rapport(["sweep", "--at", "2027-03-01T10:00:00Z"], env);
      expect(JSON.parse(lines(again.stdout).pop()!).enqueued).toBe(0);
      const customer = await getCustomerItem(deps, buyer.customerId, true);
      expect(customer?.["sent#thank-you"]).toMatchObject({ occurrence: "first" });
    } finally {
      await ses.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("sends that an interrupted sweep had queued are delivered by the next one", async () => {
    const { startSesLocal } = await import("../local/ses.ts");
    const { mkdtempSync, writeFileSync, readFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { recordEvent } = await import("../shared/interactions/record.ts");
    const ses = await startSesLocal();
    const dataDir = mkdtempSync(join(tmpdir(), "rapport-cli-"));
    writeFileSync(join(dataDir, "token-secret"), "cli-test-token-secret-0123456789abcdef\n");
    try {
      const buyer = await recordEvent(
        { ...deps, clock: fixedClock("2027-04-01T09:00:00Z") },
        { type: "purchase", email: "cli-interrupted@example.com", amount: 42, at: "2027-04-01T09:00:00Z" },
      );
      // What a sweep killed during its drain leaves: a queued send for the buyer's thank-you.
      const request = { customerId: buyer.customerId, campaignId: "thank-you", occurrence: "first", dueAt: "2027-04-01T09:00:00.000Z" };
      writeFileSync(join(dataDir, "cli-send-queue.jsonl"), `${JSON.stringify({ op: "add", id: "left-1", request })}\n`);
      const env = { SES_PORT: ses.url.split(":").pop()!, RAPPORT_DATA_DIR: dataDir };
      const run = await rapport(["sweep", "--at", "2027-04-01T08:00:00Z"], env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain("Delivered 1 sends an interrupted sweep had queued");
      const store = (await (await fetch(`${ses.url}/store`)).json()) as { emails: { destination: { to: string[] } }[] };
      expect(store.emails.filter((m) => m.destination.to.includes("cli-interrupted@example.com"))).toHaveLength(1);
      expect(readFileSync(join(dataDir, "cli-send-queue.jsonl"), "utf8")).toBe("");
    } finally {
      await ses.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("--at is refused when it is not an instant", async () => {
    const bad = await rapport(["sweep", "--at", "next tuesday"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--at");
  });

  it("a date that is not on the calendar is refused by sweep and by reports alike, and nothing runs", async () => {
    for (const args of [
      ["sweep", "--at", "2027-02-30T10:00:00Z"],
      ["sweep", "--dry-run", "--at", "2027-02-30T10:00:00Z"],
      ["reports", "segments", "--at", "2027-02-30T10:00:00Z"],
    ]) {
      const run = await rapport(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toContain("--at");
      expect(run.stdout, args.join(" ")).toBe("");
    }
    const sweep = await rapport(["sweep", "--at", "2027-02-30T10:00:00Z"]);
    expect(sweep.stderr).toContain("2027-02-30 is not a real date");
    for (const at of ["2027-02-29T10:00:00Z", "2027-04-31T10:00:00Z", "2027-01-15T24:00:00Z", "2027-01-15T09:00:00"]) {
      expect((await rapport(["sweep", "--dry-run", "--at", at])).code, at).toBe(2);
    }
    const reports = await rapport(["reports", "funnel", "--from", "2027-02-30"]);
    expect(reports.code).toBe(2);
    expect(reports.stderr).toContain("not a real date");
  });

  it("sweep --dry-run shows who would get which email in which language and the stage changes, and sends or changes nothing", async () => {
    const z = await import("zod/mini");
    const { LeadInput } = await import("../shared/leads/schema.ts");
    const { captureLead } = await import("../shared/leads/capture.ts");
    const { recordEvent } = await import("../shared/interactions/record.ts");
    const clock = fixedClock("2027-05-03T09:00:00Z");
    const lead = await captureLead({ ...deps, clock }, z.parse(LeadInput, { email: "dry-nb@example.com", firstName: "Kari", locale: "nb-NO" }), {});
    await recordEvent({ ...deps, clock }, { type: "purchase", customerId: lead.customerId, amount: 42, at: "2027-05-03T09:00:00Z" });
    // Bought once a year ago and never again: the sweep would move them out of the active stages.
    const idle = await recordEvent(
      { ...deps, clock: fixedClock("2026-05-01T09:00:00Z") },
      { type: "purchase", email: "dry-idle@example.com", amount: 20, at: "2026-05-01T09:00:00Z" },
    );
    const before = await Promise.all([getCustomerItem(deps, lead.customerId, true), getCustomerItem(deps, idle.customerId, true)]);

    const run = await rapport(["sweep", "--dry-run", "--json", "--at", "2027-05-03T10:00:00Z"]);
    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(lines(run.stdout).pop()!);
    expect(plan.at).toBe("2027-05-03T10:00:00.000Z");
    expect(plan.sends).toContainEqual({
      customerId: lead.customerId,
      campaignId: "thank-you",
      occurrence: "first",
      dueAt: "2027-05-03T09:00:00.000Z",
      recipient: "customer",
      to: "dry-nb@example.com",
      language: "nb",
    });
    expect(plan.stageChanges).toContainEqual({ customerId: idle.customerId, from: "customer", to: expect.stringMatching(/^(at_risk|churned)$/) });
    expect(run.stderr).toContain("Nothing was sent or changed");

    const readable = await rapport(["sweep", "--dry-run", "--at", "2027-05-03T10:00:00Z"]);
    expect(readable.code, readable.stderr).toBe(0);
    expect(readable.stdout).toMatch(new RegExp(`${lead.customerId}\\s+dry-nb@example.com\\s+thank-you\\s+first\\s+nb\\s+customer`));
    expect(readable.stdout).toMatch(new RegExp(`${idle.customerId}\\s+customer\\s+(at_risk|churned)`));

    // Nothing moved: the same records, no send recorded, no stage changed, the due entries where they were.
    const after = await Promise.all([getCustomerItem(deps, lead.customerId, true), getCustomerItem(deps, idle.customerId, true)]);
    expect(after).toEqual(before);
  });

  it("campaigns list shows the eight defaults", async () => {
    const listed = await rapport(["campaigns", "list"]);
    expect(listed.code, listed.stderr).toBe(0);
    for (const id of ["thank-you", "feedback-request", "spend-milestone", "birthday", "win-back", "lead-follow-up", "detractor-alert", "consent-confirmation"])
      expect(listed.stdout).toContain(id);
  });
});
