import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, describe, expect, inject, it } from "vitest";
import { ensureTable } from "../local/table.ts";
import { fixedClock } from "../shared/core/clock.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { findCustomerIdByEmail } from "../shared/customers/repository.ts";
import { getCustomer360 } from "../shared/customers/view.ts";
import { customerKey } from "../shared/entities/customer.ts";
import { parseCsv, restoreCell } from "../shared/import-export/csv-read.ts";
import { importCsv } from "../shared/import-export/run.ts";
import { captureLead } from "../shared/leads/capture.ts";
import { LeadInput } from "../shared/leads/schema.ts";
import { suppress } from "../shared/mail-feedback/suppression.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixtures = join(root, "test", "fixtures");
const endpoint = inject("dynamodbEndpoint");
const work = mkdtempSync(join(tmpdir(), "rapport-import-"));
const opened: Deps[] = [];

afterAll(() => {
  for (const d of opened) d.db.destroy();
  rmSync(work, { recursive: true, force: true });
});

/** A fresh table of its own, and domain deps on it to look at what the CLI did. */
async function freshTable(): Promise<Deps> {
  const table = `test-import-${randomBytes(6).toString("hex")}`;
  await ensureTable(endpoint, table);
  const deps = depsFromEnv({ TABLE_NAME: table, DYNAMODB_ENDPOINT: endpoint, AWS_REGION: "us-east-1" }, { logger: new Logger({ logLevel: "SILENT" }) });
  opened.push(deps);
  return deps;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process against the given table. */
function rapport(deps: Pick<Deps, "table"> | undefined, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/rapport.ts", ...args], {
      cwd: root,
      env: { ...process.env, DYNAMODB_ENDPOINT: endpoint, RAPPORT_TABLE: deps?.table ?? "no-such-table", ...env },
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

/** A fixture copied to its own directory (the error report is written next to it). */
function fixture(name: string): string {
  const dir = mkdtempSync(join(work, "f-"));
  const path = join(dir, name);
  copyFileSync(join(fixtures, name), path);
  return path;
}

async function allItems(deps: Deps): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(new ScanCommand({ TableName: deps.table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function counts(deps: Deps) {
  const items = await allItems(deps);
  return { customers: items.filter((i) => i.type === "customer").length, timeline: items.filter((i) => i.type === "timeline").length };
}

async function customer(deps: Deps, email: string) {
  const id = await findCustomerIdByEmail(deps, email);
  expect(id, `a customer for ${email}`).toBeDefined();
  return getCustomer360(deps, id!);
}

/** JSON with sorted keys and sets as sorted arrays, to compare stored items. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v instanceof Set
      ? [...v].sort()
      : v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
        : v,
  );
}

function reportRows(path: string) {
  const [header, ...rows] = parseCsv(readFileSync(path, "utf8")).map((r) => r.cells);
  expect(header).toEqual(["row", "line", "email", "field", "value", "message", "action"]);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]])));
}

describe("rapport import", () => {
  it("maps a HubSpot contacts export without --map: fields, lifecycle tags, a duplicate in another case merged, bad rows reported", async () => {
    const deps = await freshTable();
    const file = fixture("hubspot-contacts.csv");
    const run = await rapport(deps, ["import", file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("a HubSpot contacts export, 14 columns, 6 rows");
    expect(run.stderr).toMatch(/Company Name\s+→ company/);
    expect(run.stderr).toMatch(/Lifecycle Stage\s+→ tag lifecycle:<value>/);
    expect(run.stderr).toContain("Record ID (HubSpot's own id)");
    expect(run.stderr).toMatch(/Imported hubspot-contacts\.csv: 6 rows, 4 created, 1 merged, 0 unchanged, 1 failed, in [\d.]+ s \(\d+ rows\/s\)\./);
    expect(run.stderr).toContain("1 row not imported, 1 value left out: see");

    const zoe = await customer(deps, "zoe.lukasiewicz@example.com");
    expect(zoe.profile).toEqual({
      firstName: "Zoë",
      lastName: "Łukasiewicz-Ørsted",
      phone: "+47 22 33 44 55",
      company: "Crumb, Co & Sons",
      street: "Storgata 1\nOppgang B",
      city: "Oslo",
      region: "Oslo",
      postalCode: "0155",
      country: "Norway",
    });
    expect(zoe.tags).toEqual(["lifecycle:customer", "lifecycle:opportunity"]);
    expect(zoe.consent.marketing).toBe(false);
    expect(zoe.stage).toBe("lead");
    expect(zoe.recentTimeline.map((e) => e.type)).toEqual(["imported", "imported"]);
    const first = zoe.recentTimeline.find((e) => e.summary === "Imported from hubspot-contacts.csv")!;
    expect(first.data).toMatchObject({ file: "hubspot-contacts.csv", row: 2, sourceCreatedAt: "2023-04-01 10:15" });

    expect((await customer(deps, "misaki.sato@example.jp")).profile).toMatchObject({
      firstName: "美咲",
      lastName: "佐藤",
      company: "株式会社サンプル",
      region: "東京都",
    });
    const ahmed = await customer(deps, "ahmed.obrien@example.org");
    expect(ahmed.profile).toMatchObject({ lastName: "O'Brien, Jr.", phone: "+1 (555) 010-2000" });
    expect(ahmed.tags).toEqual(["lifecycle:marketing qualified lead"]);
    const olga = await customer(deps, "olga.ivanova@example.ru");
    expect(olga.profile.phone).toBeUndefined();
    expect(olga.profile.city).toBe("Москва");

    const report = reportRows(file.replace(/\.csv$/, ".errors.csv"));
    expect(report).toEqual([
      { row: "4", line: "5", email: "not-an-email", field: "email", value: "not-an-email", message: "is not a valid email address", action: "row skipped" },
      {
        row: "7",
        line: "8",
        email: "olga.ivanova@example.ru",
        field: "phone",
        value: "call me maybe",
        message: "is not a phone number",
        action: "field skipped",
      },
    ]);
    expect(await counts(deps)).toEqual({ customers: 4, timeline: 5 });
  });

  it("imports Mailchimp consent only where the subscribed export records the opt-in, with the evidence on the timeline", async () => {
    const deps = await freshTable();
    const file = fixture("mailchimp-subscribed.csv");
    const run = await rapport(deps, ["import", file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("a Mailchimp audience export");
    expect(run.stderr).toContain("MEMBER_RATING (Mailchimp's engagement stars)");
    expect(run.stderr).toContain("5 rows, 3 created, 1 merged, 0 unchanged, 1 failed");

    const anna = await customer(deps, "anna.mueller@example.de");
    expect(anna.profile).toEqual({
      firstName: "Anna",
      lastName: "Müller",
      phone: "+49 30 1234567",
      street: "Hauptstraße 5",
      city: "Berlin",
      region: "BE",
      postalCode: "10115",
      country: "DE",
      timezone: "Europe/Berlin",
    });
    expect(anna.tags).toEqual(["newsletter", "vip", "wholesale"]);
    expect(anna.consent).toMatchObject({ marketing: true, source: "import:mailchimp-subscribed.csv" });
    const imported = anna.recentTimeline.find((e) => e.summary === "Imported from mailchimp-subscribed.csv")!;
    expect(imported.data).toMatchObject({
      message: "Met at the fair, asked about\nwholesale prices",
      consent: {
        granted: true,
        source: "import:mailchimp-subscribed.csv",
        ip: "203.0.113.5",
        evidence: { optinTime: "2023-05-01 09:00:00", confirmTime: "2023-05-01 09:05:00", optinIp: "203.0.113.5" },
      },
    });
    // Recorded as given at the import, not back-dated to the export's opt-in time.
    expect(anna.consent.updatedAt! > "2025-01-01").toBe(true);

    expect((await customer(deps, "jose.pena@example.es")).consent.marketing).toBe(true);
    const kenji = await customer(deps, "kenji@example.jp");
    expect(kenji.consent.marketing).toBe(false);
    expect(kenji.tags).toEqual(["early adopter"]);
    expect(kenji.profile).toMatchObject({ firstName: "健二", lastName: "山田", timezone: "Asia/Tokyo", country: "JP" });

    const report = reportRows(file.replace(/\.csv$/, ".errors.csv"));
    expect(report.map((r) => [r.row, r.field, r.value, r.action])).toEqual([
      ["2", "birthday", "03/14", "field skipped"],
      ["4", "tags", "VIP!", "tag skipped"],
      ["5", "email", "anna(at)example.de", "row skipped"],
    ]);
    expect(report[0]!.message).toContain("has no year");
    expect(await counts(deps)).toEqual({ customers: 3, timeline: 4 });
  });

  it("imports an unsubscribed Mailchimp export's people without consent", async () => {
    const deps = await freshTable();
    const run = await rapport(deps, ["import", fixture("mailchimp-unsubscribed.csv")]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/UNSUB_TIME\s+→ a list of opted-out people/);
    const lars = await customer(deps, "lars.berg@example.se");
    expect(lars.consent.marketing).toBe(false);
    expect(lars.consent.updatedAt).toBeUndefined();
  });

  it("maps a Google Contacts export: first of several addresses, E-mail 2 when 1 is empty, labels as tags, multi-line notes", async () => {
    const deps = await freshTable();
    const file = fixture("google-contacts.csv");
    const run = await rapport(deps, ["import", file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("a Google Contacts export, 32 columns, 5 rows");
    expect(run.stderr).toMatch(/E-mail 1 - Value\s+→ email/);
    expect(run.stderr).toMatch(/E-mail 2 - Value\s+→ email \(when the columns before give none\)/);
    expect(run.stderr).toContain("Middle Name (Rapport has no middle-name field)");

    const ngozi = await customer(deps, "ngozi@example.ng");
    expect(ngozi.profile).toEqual({
      firstName: "Ngozi",
      lastName: "Okafor",
      phone: "+234 1 234 5678",
      company: "Okafor & Daughters, Ltd",
      street: "12 Marina Road",
      city: "Lagos",
      region: "Lagos",
      postalCode: "101001",
      country: "Nigeria",
      birthday: "1988-07-21",
    });
    expect(ngozi.tags).toEqual(["lagos", "starred", "vip", "wholesale"]);
    expect(ngozi.consent.marketing).toBe(false);
    expect(ngozi.recentTimeline.some((e) => e.data?.message === "Prefers calls\nafter 5pm, not weekends")).toBe(true);
    expect((await customer(deps, "li.wei@example.cn")).profile).toMatchObject({ firstName: "Wei", city: "上海" });
    const soren = await customer(deps, "soren@example.dk");
    expect(soren.profile).toMatchObject({ firstName: "Søren", lastName: "Kierkegård", city: "København" });
    expect(soren.profile.birthday).toBeUndefined();
    expect(soren.tags).toEqual(["friends"]);

    const report = reportRows(file.replace(/\.csv$/, ".errors.csv"));
    expect(report.map((r) => [r.row, r.field, r.value, r.action])).toEqual([
      ["3", "birthday", "--05-05", "field skipped"],
      ["5", "email", "wei li at example dot cn", "row skipped"],
    ]);
    expect(await counts(deps)).toEqual({ customers: 3, timeline: 4 });
  });

  it("the error report is safe to open: a rejected value that looks like a formula is written as text", async () => {
    const deps = await freshTable();
    const dir = mkdtempSync(join(work, "formula-"));
    const file = join(dir, "contacts.csv");
    writeFileSync(file, 'email,birthday\r\nada@example.com,"=HYPERLINK(""https://evil.example"",""x"")"\r\n');
    const run = await rapport(deps, ["import", file]);
    expect(run.code, run.stderr).toBe(0);
    const written = readFileSync(join(dir, "contacts.errors.csv"), "utf8");
    expect(written).not.toMatch(/(^|,)"?=/m);
    const [row] = reportRows(join(dir, "contacts.errors.csv"));
    expect(row).toMatchObject({ field: "birthday", value: `'=HYPERLINK("https://evil.example","x")`, action: "field skipped" });
    expect(restoreCell(row!.value!)).toBe('=HYPERLINK("https://evil.example","x")');
  });

  it("re-running an import adds no customers and no timeline entries, and changes no customer", async () => {
    const deps = await freshTable();
    for (const name of ["hubspot-contacts.csv", "mailchimp-subscribed.csv", "google-contacts.csv"]) {
      const file = fixture(name);
      expect((await rapport(deps, ["import", file])).code).toBe(0);
      const before = await allItems(deps);
      const again = await rapport(deps, ["import", file]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/ 0 created, 0 merged, \d+ unchanged, 1 failed/);
      const after = await allItems(deps);
      const byKey = (items: Record<string, any>[]) => new Map(items.map((i) => [`${i.PK}|${i.SK}`, stable(i)]));
      expect(byKey(after)).toEqual(byKey(before));
    }
  });

  it("never records consent over a later withdrawal in Rapport or for a suppressed address", async () => {
    const deps = await freshTable();
    const anna = { ...deps, clock: fixedClock("2024-06-01T10:00:00Z") };
    await captureLead(anna, LeadInput.parse({ email: "anna.mueller@example.de", firstName: "Anna", consent: "no" }), {});
    await suppress(deps, "jose.pena@example.es", "unsubscribed", "2024-02-01T00:00:00Z");
    const run = await rapport(deps, ["import", fixture("mailchimp-subscribed.csv")]);
    expect(run.code, run.stderr).toBe(0);
    expect((await customer(deps, "anna.mueller@example.de")).consent).toMatchObject({ marketing: false, source: "api" });
    expect((await customer(deps, "jose.pena@example.es")).consent.marketing).toBe(false);
    const notes = reportRows(run.stderr.match(/see (.+\.errors\.csv)/)![1]!).filter((r) => r.action === "consent not imported");
    expect([...new Set(notes.map((n) => n.email))].sort()).toEqual(["anna.mueller@example.de", "jose.pena@example.es"]);
    expect(notes.find((n) => n.email === "jose.pena@example.es")!.message).toContain("suppression list");
  });

  it("merges into an existing customer without wiping fields or moving last activity", async () => {
    const deps = await freshTable();
    const at = "2024-01-10T08:00:00.000Z";
    const lead = await captureLead(
      { ...deps, clock: fixedClock(at) },
      LeadInput.parse({ email: "ahmed.obrien@example.org", firstName: "Ahmed", company: "Obrien Analytics", tags: "webinar" }),
      {},
    );
    const run = await rapport(deps, ["import", fixture("hubspot-contacts.csv")]);
    expect(run.code, run.stderr).toBe(0);
    const ahmed = await getCustomer360(deps, lead.customerId);
    expect(ahmed.profile).toMatchObject({ firstName: "Ahmed", lastName: "O'Brien, Jr.", company: "Obrien Analytics", city: "Boston" });
    expect(ahmed.tags).toEqual(["lifecycle:marketing qualified lead", "webinar"]);
    expect(ahmed.metrics.lastActivityAt).toBe(at);
    expect(ahmed.recentTimeline[0]!.summary).toMatch(/^Updated by an import of hubspot-contacts\.csv: /);
  });

  it("--map overrides the mapping and --dry-run writes nothing", async () => {
    const deps = await freshTable();
    const dir = mkdtempSync(join(work, "map-"));
    const file = join(dir, "sheet.csv");
    writeFileSync(file, "Kontakt;Vorname;Firma;Notiz\r\nfrida@example.se;Frida;Nordljus AB;VIP-Kundin\r\n");
    const dry = await rapport(undefined, ["import", file, "--map", "Kontakt=email", "--map", "Vorname=firstName", "--map", "Firma=company", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/Kontakt\s+→ email {2}\[--map\]/);
    expect(dry.stderr).toContain("Not recognised, ignored: Notiz");
    expect(dry.stderr).toContain("Dry run of sheet.csv: 1 rows, 1 would be imported, 0 failed");
    expect(await counts(deps)).toEqual({ customers: 0, timeline: 0 });
    const run = await rapport(deps, [
      "import",
      file,
      "--map",
      "Kontakt=email",
      "--map",
      "vorname=firstName",
      "--map",
      "Firma=company",
      "--map",
      "Notiz=tags",
      "--source",
      "fair-2024",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const frida = await customer(deps, "frida@example.se");
    expect(frida).toMatchObject({ profile: { firstName: "Frida", company: "Nordljus AB" }, tags: ["vip-kundin"], attribution: { source: "fair-2024" } });
    expect(existsSync(join(dir, "sheet.errors.csv"))).toBe(false);
  });

  it("usage mistakes exit 2, an unreadable file exits 1, each with one line", async () => {
    const deps = await freshTable();
    const dir = mkdtempSync(join(work, "bad-"));
    const noEmail = join(dir, "no-email.csv");
    writeFileSync(noEmail, "Name,Phone\nAda,+44 20 7946 0000\n");
    const latin1 = join(dir, "latin1.csv");
    writeFileSync(latin1, Buffer.from("email,firstName\nb@example.com,Bj\xf6rn\n", "latin1"));
    const cases: [string[], number, RegExp][] = [
      [["import"], 2, /missing FILE\.csv/],
      [["import", noEmail], 2, /no column holds the email address/],
      [["import", noEmail, "--map", "Nope=email"], 2, /--map names no column of the file: "Nope"/],
      [["import", noEmail, "--map", "Name=shoeSize"], 2, /"shoeSize" is not a field/],
      [["import", noEmail, "--concurrency", "0"], 2, /--concurrency must be a whole number from 1 to 256/],
      [["import", noEmail, "--errors", join(dir, "nope", "report.csv")], 2, /--errors .*: no such directory/],
      [["import", join(dir, "missing.csv")], 1, /missing\.csv: no such file/],
      [["import", latin1], 1, /is not UTF-8 text: save the file as "CSV UTF-8"/],
      [["export", "--format", "xml"], 2, /--format must be csv or jsonl/],
    ];
    for (const [args, code, message] of cases) {
      const run = await rapport(deps, args);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(code);
      expect(run.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    }
    expect(await counts(deps)).toEqual({ customers: 0, timeline: 0 });
  });

  it("--help documents the consent rules and the exit codes", async () => {
    const run = await rapport(undefined, ["import", "--help"]);
    expect(run.code).toBe(0);
    for (const text of ["--map", "--dry-run", "--errors FILE", "--concurrency N", "import:<file name>", "never", "OPTIN_TIME or CONFIRM_TIME", "Exit codes"])
      expect(run.stdout).toContain(text);
  });
});

describe("rapport export", () => {
  it("CSV imported into a fresh table gives the same customers, fields, tags and consent", async () => {
    const source = await freshTable();
    for (const name of ["hubspot-contacts.csv", "mailchimp-subscribed.csv", "google-contacts.csv"])
      expect((await rapport(source, ["import", fixture(name)])).code).toBe(0);
    await captureLead(
      source,
      LeadInput.parse({
        email: "formula@example.com",
        firstName: '=HYPERLINK("http://evil.test")',
        twitter: "@rapport_crm",
        consent: "yes",
        source: "contact-form",
      }),
      {},
    );
    const dir = mkdtempSync(join(work, "export-"));
    const out = join(dir, "customers.csv");
    const exported = await rapport(source, ["export", "--out", out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain("Exported 11 customers as CSV");
    const csv = readFileSync(out, "utf8");
    expect(csv.split("\r\n")[0]).toBe(
      "id,email,firstName,lastName,phone,company,street,city,region,postalCode,country,birthday,locale,timezone,linkedin,twitter,tags,consentMarketing,consentAt,consentSource,source,utm_source,utm_medium,utm_campaign,stage,orders,lifetimeSpend,currency,createdAt,lastActivityAt",
    );
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.test"")"`);
    expect(csv).toContain("'@rapport_crm");

    const target = await freshTable();
    const imported = await rapport(target, ["import", out]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain("a Rapport export");
    expect(imported.stderr).toContain("11 created, 0 merged, 0 unchanged, 0 failed");

    const view = async (deps: Deps) => {
      const items = (await allItems(deps)).filter((i) => i.type === "customer");
      const all = await Promise.all(items.map((i) => getCustomer360(deps, i.id)));
      return Object.fromEntries(
        all.map((c) => [c.email, { profile: c.profile, tags: c.tags, consent: c.consent.marketing, stage: c.stage, source: c.attribution?.source }]),
      );
    };
    const before = await view(source);
    expect(Object.keys(before)).toHaveLength(11);
    expect(await view(target)).toEqual(before);
    expect(before["formula@example.com"]!.profile).toMatchObject({ firstName: '=HYPERLINK("http://evil.test")', twitter: "@rapport_crm" });
  });

  it("JSON lines to stdout: one full record per customer, erased customers left out", async () => {
    const deps = await freshTable();
    expect((await rapport(deps, ["import", fixture("google-contacts.csv")])).code).toBe(0);
    const erasedId = await findCustomerIdByEmail(deps, "soren@example.dk");
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: customerKey(erasedId!),
        UpdateExpression: "SET erasedAt = :at",
        ExpressionAttributeValues: { ":at": "2025-01-01T00:00:00Z" },
      }),
    );
    await deps.db.send(
      new PutCommand({
        TableName: deps.table,
        Item: { PK: `CUST#${erasedId}`, SK: "ERASED", type: "customer", GSI1PK: "STAGE#lead", GSI1SK: "x", erasedAt: "2025-01-01T00:00:00Z" },
      }),
    );
    const run = await rapport(deps, ["export", "--format", "jsonl"]);
    expect(run.code, run.stderr).toBe(0);
    const records = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(records.map((r) => r.email).sort()).toEqual(["li.wei@example.cn", "ngozi@example.ng"]);
    const ngozi = records.find((r) => r.email === "ngozi@example.ng");
    expect(ngozi).toMatchObject({
      id: expect.stringMatching(/^cus_/),
      stage: "lead",
      orders: 0,
      lifetimeSpend: 0,
      currency: "USD",
      tags: ["lagos", "starred", "vip", "wholesale"],
      birthday: "1988-07-21",
    });
    expect(ngozi.PK).toBeUndefined();
    expect(run.stderr).toContain("Exported 2 customers as JSONL");
  });
});

describe("importCsv", () => {
  it("puts a row throttled beyond the SDK's retries back in the queue: every row imported once, none failed", async () => {
    const deps = await freshTable();
    const dir = mkdtempSync(join(work, "throttle-"));
    const file = join(dir, "many.csv");
    writeFileSync(file, ["email,firstName", ...Array.from({ length: 40 }, (_, i) => `person${i}@example.com,Person ${i}`)].join("\n"));
    let throttled = 0;
    const send = deps.db.send.bind(deps.db);
    const flaky = {
      ...deps,
      db: {
        send: (command: { constructor: { name: string } }) => {
          // The first write and every fifth after it fail as if DynamoDB kept throttling through
          // all of the SDK's attempts (the first: new addresses go in a few group transactions).
          if (/^(Update|TransactWrite)Command$/.test(command.constructor.name) && (throttled === 0 || Math.random() < 0.2)) {
            throttled++;
            return Promise.reject(
              Object.assign(new Error("Rate of requests exceeds the allowed throughput."), { name: "ProvisionedThroughputExceededException" }),
            );
          }
          return send(command as never);
        },
      } as unknown as Deps["db"],
    };
    const summary = await importCsv(flaky, { file, concurrency: 8, throttleBackoffMs: 5, maxRequeues: 50 });
    expect(throttled).toBeGreaterThan(0);
    expect(summary).toMatchObject({ rows: 40, created: 40, merged: 0, failed: 0, requeued: throttled });
    expect(await counts(deps)).toEqual({ customers: 40, timeline: 40 });
  });

  it("applies rows with the same email one after another, whatever the concurrency", async () => {
    const deps = await freshTable();
    const dir = mkdtempSync(join(work, "same-"));
    const file = join(dir, "same.csv");
    writeFileSync(file, ["email,tags", ...Array.from({ length: 30 }, (_, i) => `${i % 2 ? "SAME" : "same"}@example.com,t${i}`)].join("\n"));
    const summary = await importCsv(deps, { file, concurrency: 16 });
    expect(summary).toMatchObject({ rows: 30, created: 1, merged: 29, failed: 0 });
    expect((await customer(deps, "same@example.com")).tags).toHaveLength(30);
    expect(await counts(deps)).toEqual({ customers: 1, timeline: 30 });
  });

  it("creates new addresses in groups, storing item for item what a row-by-row import stores", async () => {
    const dir = mkdtempSync(join(work, "groups-"));
    const file = join(dir, "new.csv");
    const rows = Array.from({ length: 40 }, (_, i) => `new${i}@example.com,New ${i},${i % 3 ? "" : "1990-05-17"},vip;t${i % 4},Row ${i}`);
    writeFileSync(file, ["email,firstName,birthday,tags,message", ...rows, "NEW7@example.com,Again,,late,"].join("\n"));
    const clock = fixedClock("2026-03-02T08:00:00Z");
    // Given one table imported as usual (new addresses in groups) ...
    const grouped = { ...(await freshTable()), clock };
    const calls: string[] = [];
    const send = grouped.db.send.bind(grouped.db);
    grouped.db = {
      send: (command: { constructor: { name: string } }) => (calls.push(command.constructor.name), send(command as never)),
    } as unknown as Deps["db"];
    // ... and one where the batched read always fails, so every row takes the row-by-row path.
    const rowByRow = { ...(await freshTable()), clock };
    const sendRow = rowByRow.db.send.bind(rowByRow.db);
    rowByRow.db = {
      send: (command: { constructor: { name: string } }) =>
        command.constructor.name === "BatchGetCommand"
          ? Promise.reject(Object.assign(new Error("throttled"), { name: "ProvisionedThroughputExceededException" }))
          : sendRow(command as never),
    } as unknown as Deps["db"];
    // When the same file is imported into both,
    const a = await importCsv(grouped, { file, concurrency: 8 });
    const b = await importCsv(rowByRow, { file, concurrency: 8 });
    // then both count the same, the grouped one wrote its new customers in a few transactions,
    expect(a).toMatchObject({ rows: 41, created: 40, merged: 1, failed: 0 });
    expect(b).toMatchObject({ rows: 41, created: 40, merged: 1, failed: 0 });
    expect(calls.filter((c) => c === "TransactWriteCommand").length).toBeLessThan(5);
    // and the tables hold the same items, customer ids aside.
    const normalized = async (deps: Deps) => {
      const items = await allItems(deps);
      const ids = new Map(items.filter((i) => i.type === "customer").map((i) => [String(i.id), `<${i.email}>`]));
      // The due index's shard is a hash of the customer id, so it differs with the id.
      const text = (item: Record<string, any>) => stable(item).replace(/"GSI2PK":"DUE#\d+"/, '"GSI2PK":"DUE#<shard>"');
      return items.map((item) => [...ids].reduce((t, [id, name]) => t.replaceAll(id, name), text(item))).sort();
    };
    const [left, right] = [await normalized(grouped), await normalized(rowByRow)];
    expect(left.map((i) => JSON.parse(i))).toEqual(right.map((i) => JSON.parse(i)));
  }, 90_000);
});
