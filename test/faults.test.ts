import { SESv2Client } from "@aws-sdk/client-sesv2";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createDocumentClient } from "../shared/aws/db.ts";
import { SesMailer } from "../shared/aws/ses-mailer.ts";
import type { Mailer } from "../shared/core/ports.ts";
import { normalizeEmail } from "../shared/customers/email.ts";
import { deriveStage } from "../shared/customers/lifecycle.ts";
import { runSweep } from "../shared/retention/sweep.ts";
import {
  awsError,
  FailureCountingLogger,
  injectErrors,
  injectThrottling,
  lagIndex,
  seededRandom,
  shortenBackoff,
  splitBatchGets,
  THROTTLING_ERRORS,
  transactionConflict,
} from "./support/faults.ts";
import { type StoredMail, type TestStack, useStack } from "./support/stack.ts";

/**
 * DynamoDB and SES throttling injected into the stack's real clients (test/support/faults.ts):
 * the attempts that are let through reach DynamoDB Local and SES local, the throttled ones fail
 * before they are sent, as a throttling AWS service answers. Everything a client was told was
 * accepted must be stored exactly once, and every due email must go out exactly once.
 */

/** The SES client is made once SES local's URL is known (useStack starts it). */
let mailer: SesMailer | undefined;
const lazyMailer: Mailer = { send: (mail) => mailer!.send(mail) };
/** Two stacks, so the two scenarios run side by side, each with its own clients (and SDK retry quota). */
const leadsLog = new FailureCountingLogger();
const leadsStack = useStack({ logger: leadsLog });
const stack = useStack({ mailer: lazyMailer, retryDelayMs: 200 });

/** SES local, throttled: the SES client the sender gets, configured as the real one (no SDK retries). */
let sesThrottle: ReturnType<typeof injectThrottling>;
/** Addresses whose first five send attempts are throttled: past the sender's own retries, into the queue's. */
const stubborn = new Map<string, number>();
beforeAll(() => {
  const client = new SESv2Client({
    region: "aws-ses-v2-local",
    endpoint: stack.sesUrl,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  sesThrottle = injectThrottling(client, {
    seed: 7,
    rate: 0.3,
    maxConsecutive: 1,
    errorName: () => "TooManyRequestsException",
    forced: (_command, body) => {
      for (const [address, left] of stubborn) {
        if (left > 0 && body.includes(`"${address}"`)) {
          stubborn.set(address, left - 1);
          return 1;
        }
      }
      return undefined;
    },
  });
  sesThrottle.enabled = false;
  mailer = new SesMailer({ region: "us-east-1", client });
});

const DYNAMO_ERRORS = ["ProvisionedThroughputExceededException", "ThrottlingException"];
const dynamoError = (_command: string, random: () => number) => DYNAMO_ERRORS[Math.floor(random() * DYNAMO_ERRORS.length)]!;

interface Answer {
  status: number;
  body: any;
}

/** Posts until the answer is not a 5xx (a client retrying a failed request), counting the 5xx. */
async function untilAnswered(send: () => Promise<Answer>, serverErrors: { count: number }): Promise<Answer> {
  for (let attempt = 1; ; attempt++) {
    const res = await send();
    if (res.status < 500) return res;
    serverErrors.count++;
    if (attempt >= 30) throw new Error(`still ${res.status} after ${attempt} attempts: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 20 * attempt));
  }
}

/** Runs `work` over `items`, `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Every item of the test's table (a Scan is fine for a check; the product never scans). */
async function scanAll(s: TestStack): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await s.deps.db.send(new ScanCommand({ TableName: s.deps.table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Ways people type their own address: all of them must land on one customer. */
function spelling(email: string, n: number): string {
  const [local, domain] = email.split("@") as [string, string];
  switch (n % 4) {
    case 0:
      return email;
    case 1:
      return email.toUpperCase();
    case 2:
      return `  ${local}@${domain.toUpperCase()}. `;
    default:
      return `\t${local[0]!.toUpperCase()}${local.slice(1)}@${domain}`;
  }
}

const minor = (amount: number) => Math.round(amount * 100);

describe.concurrent("DynamoDB throttling on lead capture and purchases", () => {
  it("every accepted lead and purchase is stored exactly once, with the SDK's retries and with throttling past them", async () => {
    shortenBackoff(leadsStack.deps.db);
    const dynamo = injectThrottling(leadsStack.deps.db, { seed: 1, rate: 0.25, maxConsecutive: 2, errorName: dynamoError });
    const serverErrors = { count: 0 };
    const acceptedLeads = new Map<string, number>();
    const idsByEmail = new Map<string, Set<string>>();
    const orders = new Map<string, Map<string, number>>();
    const rand = seededRandom(99);

    const postLead = async (raw: string, n: number) => {
      const email = normalizeEmail(raw)!;
      const res = await untilAnswered(
        () => leadsStack.api("/v1/leads", { key: leadsStack.leadsKey, body: { email: raw, firstName: `F${n}`, source: "faults" } }),
        serverErrors,
      );
      expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
      acceptedLeads.set(email, (acceptedLeads.get(email) ?? 0) + 1);
      if (!idsByEmail.has(email)) idsByEmail.set(email, new Set());
      idsByEmail.get(email)!.add(res.body.customerId);
    };
    const postPurchase = async (raw: string, externalId: string, amount: number) => {
      const email = normalizeEmail(raw)!;
      const res = await untilAnswered(
        () =>
          leadsStack.api("/v1/events", { key: leadsStack.adminKey, body: { type: "purchase", email: raw, externalId, amount, at: "2027-05-01T10:00:00Z" } }),
        serverErrors,
      );
      expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
      if (!idsByEmail.has(email)) idsByEmail.set(email, new Set());
      idsByEmail.get(email)!.add(res.body.customerId);
      if (!orders.has(email)) orders.set(email, new Map());
      orders.get(email)!.set(externalId, amount);
    };

    /** One round of traffic: leads in several spellings, purchases by email, some webhooks delivered twice at once. */
    const round = async (tag: string) => {
      const work: (() => Promise<void>)[] = [];
      for (let i = 0; i < 30; i++) {
        const email = `p${i}@faults.example.com`;
        for (let n = 0; n < 1 + (i % 3); n++) work.push(() => postLead(spelling(email, n + i), i));
        for (let j = 0; j < i % 4; j++) {
          const amount = 10 + i + j * 7.25;
          const id = `${tag}-${i}-${j}`;
          work.push(() => postPurchase(spelling(email, j), id, amount));
          // A shop's webhook retried while the first delivery is still in flight.
          if (j === 0 && i % 2 === 0) work.push(() => postPurchase(email, id, amount));
        }
      }
      // Someone who orders without ever filling a form: the order makes the contact.
      for (let i = 0; i < 5; i++) work.push(() => postPurchase(`buyer${i}@faults.example.com`, `${tag}-b${i}`, 99.99));
      // Shuffled (seeded) so repeats of one email from different requests overlap in time.
      for (let k = work.length - 1; k > 0; k--) {
        const m = Math.floor(rand() * (k + 1));
        [work[k], work[m]] = [work[m]!, work[k]!];
      }
      await pool(work, 16, (w) => w());
    };

    // Phase 1: throttling the SDK's own retries absorb (at most 2 throttles in a row; it makes 5 attempts).
    await round("a");
    // A 5xx can have another cause on a busy machine (the local server gives a request 10 s, as
    // Lambda would); a throttle must never be one.
    const surfaced = (log: FailureCountingLogger) => THROTTLING_ERRORS.reduce((n, name) => n + (log.failures[name] ?? 0), 0);
    expect(surfaced(leadsLog), `throttling the SDK retries must never reach the client (failures: ${JSON.stringify(leadsLog.failures)})`).toBe(0);
    const phase1 = { attempts: dynamo.attempts, throttled: dynamo.throttled };
    expect(phase1.throttled / phase1.attempts).toBeGreaterThan(0.15);
    expect(phase1.throttled / phase1.attempts).toBeLessThan(0.45);

    // Phase 2: 1% of DynamoDB commands are throttled on every attempt: the error reaches the
    // handler, the client gets a 5xx and retries, as a form or webhook sender does.
    dynamo.options.exhaustRate = 0.01;
    await round("b");
    expect(dynamo.exhausted).toBeGreaterThan(0);
    expect(surfaced(leadsLog), "throttles past the SDK's retries answered 5xx (and the clients retried)").toBeGreaterThan(0);
    dynamo.enabled = false;
    process.stderr.write(
      `faults: ${dynamo.attempts} DynamoDB attempts, ${dynamo.throttled} throttled (${Object.entries(dynamo.byCommand)
        .map(([c, n]) => `${c} ${n}`)
        .join(", ")}), ${dynamo.exhausted} past the SDK's retries, ${serverErrors.count} 5xx retried by the client\n`,
    );

    const items = await scanAll(leadsStack);
    const customers = items.filter((i) => i.type === "customer");
    const emails = new Set([...acceptedLeads.keys(), ...orders.keys()]);
    expect(customers.length).toBe(emails.size);
    const byEmail = new Map(customers.map((c) => [c.email as string, c]));
    for (const email of emails) {
      const customer = byEmail.get(email);
      expect(customer, email).toBeDefined();
      expect([...idsByEmail.get(email)!], email).toEqual([customer!.id]);
      const timeline = items.filter((i) => i.PK === `CUST#${customer!.id}` && i.type === "timeline");
      expect(timeline.filter((t) => t.kind === "form_submitted").length, `${email} form submissions`).toBe(acceptedLeads.get(email) ?? 0);
      const placed = orders.get(email) ?? new Map<string, number>();
      const purchases = timeline.filter((t) => t.kind === "purchase");
      expect(purchases.map((t) => t.data.externalId).sort(), `${email} purchases`).toEqual([...placed.keys()].sort());
      expect(customer!.orders, `${email} orders`).toBe(placed.size);
      expect(customer!.spendMinor, `${email} lifetime spend`).toBe([...placed.values()].reduce((sum, a) => sum + minor(a), 0));
      const spend = [...placed.values()].reduce((sum, a) => sum + a, 0);
      expect(customer!.stage, `${email} stage`).toBe(deriveStage({ orders: placed.size, lifetimeSpend: spend }, leadsStack.deps.config.lifecycle));
    }
    const markers = items.filter((i) => i.type === "external");
    expect(markers.length).toBe([...orders.values()].reduce((n, m) => n + m.size, 0));
    expect(items.filter((i) => i.PK.startsWith("EMAIL#")).length).toBe(emails.size);
  }, 240_000);
});

describe.concurrent("a retention sweep and the sender under DynamoDB and SES throttling", () => {
  it("every due email goes out exactly once and the ledger, the record and the timeline agree", async () => {
    const T0 = "2027-06-07T09:00:00Z";
    const people = Array.from({ length: 16 }, (_, i) => ({ email: `s${i}@sweep.example.com`, amount: i % 4 === 0 ? 300 : 40 }));
    const ids = new Map<string, string>();
    for (const p of people) {
      const lead = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: p.email, firstName: "Sweep" } });
      expect(lead.status).toBe(201);
      ids.set(p.email, lead.body.customerId);
      const purchase = await stack.api("/v1/events", {
        key: stack.adminKey,
        body: { type: "purchase", customerId: lead.body.customerId, amount: p.amount, externalId: `sw-${p.email}`, at: T0 },
      });
      expect(purchase.status).toBe(201);
    }

    const forced = { recorded: 0, released: 0, sweeps: 0 };
    shortenBackoff(stack.deps.db);
    const dynamo = injectThrottling(stack.deps.db, {
      seed: 2,
      rate: 0.25,
      maxConsecutive: 2,
      errorName: dynamoError,
      // Throttled past the SDK's retries: the writes after SES took the mail, the ones that release
      // a claim whose send failed, and the first sweep's read of the due index (the sweep fails
      // and is run again, as the next scheduled one would). Nothing may be lost or sent twice.
      forced: (command, body) => {
        if (command === "QueryCommand" && body.includes('"GSI2"') && forced.sweeps < 1) return (forced.sweeps++, Number.POSITIVE_INFINITY);
        if (command === "TransactWriteItemsCommand" && body.includes('"SEND#') && forced.recorded < 3) return (forced.recorded++, Number.POSITIVE_INFINITY);
        if (command === "UpdateItemCommand" && body.includes('"SEND#') && body.includes('"failed"') && forced.released < 2)
          return (forced.released++, Number.POSITIVE_INFINITY);
        return undefined;
      },
    });
    const batches = splitBatchGets(stack.deps.db);
    sesThrottle.enabled = true;
    for (const p of people.slice(0, 3)) stubborn.set(p.email, 5);

    const serverErrors = { count: 0 };
    const sweep = (at: string) => untilAnswered(() => stack.api("/v1/sweeps", { key: stack.adminKey, body: { at } }), serverErrors);
    const thanks = await sweep("2027-06-07T12:00:00Z");
    expect(thanks.status).toBe(200);
    const feedback = await sweep("2027-06-14T12:00:00Z");
    expect(feedback.status).toBe(200);
    // Whatever a failed attempt left in the queue goes out with a later drain; then everything again.
    await stack.queue.drain();
    expect((await sweep("2027-06-07T12:00:00Z")).status).toBe(200);
    expect((await sweep("2027-06-14T12:00:00Z")).status).toBe(200);
    await stack.queue.drain();
    dynamo.enabled = false;
    batches.enabled = false;
    sesThrottle.enabled = false;
    process.stderr.write(
      `faults: sweep+sender ${dynamo.attempts} DynamoDB attempts, ${dynamo.throttled} throttled, ${dynamo.exhausted} past the SDK's retries; ${batches.split} BatchGetItem answered in part; SES ${sesThrottle.throttled} of ${sesThrottle.attempts} sends throttled; ${serverErrors.count} sweep 5xx retried\n`,
    );
    expect(dynamo.throttled).toBeGreaterThan(0);
    expect(sesThrottle.throttled).toBeGreaterThan(0);
    expect(batches.split).toBeGreaterThan(0);
    expect(forced, "writes after SES took the mail, and releases of failed claims, throttled past the SDK").toEqual({ recorded: 3, released: 2, sweeps: 1 });
    // At least the sweep whose due-index read failed; locally a sweep also answers 500 when it
    // and its inline delivery outlast the 10 s the local server gives a function (the work goes on).
    expect(serverErrors.count).toBeGreaterThanOrEqual(1);
    expect(
      [...stubborn.values()].every((left) => left === 0),
      "the stubborn addresses went through the queue's retry",
    ).toBe(true);

    const store = (await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: StoredMail[] };
    const items = await scanAll(stack);
    // A dead letter may only be a second copy of a send that went out: one that kept finding the
    // first copy's claim in progress (a sweep that timed out locally and was run again enqueues twice).
    for (const dead of stack.queue.deadLetters) {
      const claim = items.find((i) => i.PK === `CUST#${dead.customerId}` && i.SK === `SEND#${dead.campaignId}#${dead.occurrence}`);
      expect(claim?.status, `dead letter ${JSON.stringify(dead)}`).toBe("sent");
    }
    for (const p of people) {
      const id = ids.get(p.email)!;
      // One order each: a first order over 250 is thanked for by the thank-you alone.
      const expected = ["feedback-request", "thank-you"];
      const ledger = items.filter((i) => i.PK === `CUST#${id}` && i.type === "send");
      expect(ledger.map((l) => l.campaignId).sort(), p.email).toEqual(expected);
      expect(
        ledger.map((l) => l.status),
        p.email,
      ).toEqual(ledger.map(() => "sent"));
      const mails = store.emails.filter((m) => m.destination.to.includes(p.email));
      expect(mails.length, `${p.email}: mails in SES`).toBe(expected.length);
      expect(mails.map((m) => m.messageId).sort(), `${p.email}: SES messages are the ledger's`).toEqual(ledger.map((l) => l.messageId).sort());
      const timeline = items.filter((i) => i.PK === `CUST#${id}` && i.type === "timeline" && i.kind === "email_sent");
      expect(timeline.map((t) => t.data.campaignId).sort(), `${p.email}: timeline`).toEqual(expected);
      const customer = items.find((i) => i.PK === `CUST#${id}` && i.SK === "PROFILE")!;
      for (const l of ledger) expect(customer[`sent#${l.campaignId}`]?.occurrence, `${p.email} ${l.campaignId}`).toBe(l.occurrence);
    }
    expect(store.emails.filter((m) => m.destination.to.some((to) => to.endsWith("@sweep.example.com"))).length).toBe(people.length * 2);
  }, 240_000);
});

/**
 * Faults DynamoDB Local and SES local never produce: transaction conflicts, SES refusing one
 * message or the whole account, and a GSI that lags its table. Injected below the SDK's retry
 * middleware (test/support/faults.ts), so the SDK and Rapport react as they would on AWS.
 */

/** The SES client of the stacks below, made once SES local's URL is known; its faults are switched per test. */
const sesFault = { rejected: new Set<string>(), accountError: undefined as string | undefined, attempts: new Map<string, number>() };
let faultMailer: SesMailer | undefined;
const lazyFaultMailer: Mailer = { send: (mail) => faultMailer!.send(mail) };
/** Conflicts on the stream consumer's own client: made here so the injector can be attached to it. */
const reportsDb = createDocumentClient({ region: "us-east-1", endpoint: inject("dynamodbEndpoint") });
const conflictStack = useStack({ mailer: lazyFaultMailer, retryDelayMs: 50, pauseSeconds: 1, reportsDeps: { db: reportsDb } });

beforeAll(() => {
  const client = new SESv2Client({
    region: "aws-ses-v2-local",
    endpoint: conflictStack.sesUrl,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  injectErrors(client, "sesFaults", (_command, body) => {
    const to = /"ToAddresses":\["([^"]+)"/.exec(body)?.[1] ?? "";
    sesFault.attempts.set(to, (sesFault.attempts.get(to) ?? 0) + 1);
    if (sesFault.rejected.has(to))
      return {
        error: () => awsError("MessageRejected", `Email address is not verified. The following identities failed the check in region US-EAST-1: ${to}`),
        times: 1,
      };
    const account = sesFault.accountError;
    if (account === "LimitExceededException") return { error: () => awsError(account, "Daily message quota exceeded."), times: 1 };
    if (account) return { error: () => awsError(account, "Sending paused for this account."), times: 1 };
    return undefined;
  });
  faultMailer = new SesMailer({ region: "us-east-1", client });
});

async function buyers(s: TestStack, prefix: string, n: number, at: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const email = `${prefix}${i}@faults.example.com`;
    const res = await s.api("/v1/events", { key: s.adminKey, body: { type: "purchase", email, amount: 40, externalId: `${prefix}-${i}`, at } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids.set(email, res.body.customerId);
  }
  return ids;
}

async function ledgerOf(s: TestStack, customerId: string) {
  return (await scanAll(s)).filter((i) => i.PK === `CUST#${customerId}` && i.type === "send");
}

describe("transaction conflicts DynamoDB Local never raises", () => {
  it("conflicts on the lead path, the sender and the stream consumer lose nothing and double nothing", async () => {
    const rand = seededRandom(5);
    const writes = new Set(["TransactWriteItemsCommand", "PutItemCommand", "UpdateItemCommand"]);
    const where: Record<string, number> = {};
    // A third of the writes meet a transaction in flight once or twice (the SDK makes five attempts).
    const decide = (label: string) => (command: string, body: string) => {
      if (!writes.has(command) || rand() >= 0.33) return undefined;
      const kind = body.includes('"SEND#') ? "send" : body.includes('"EMAIL#') ? "email" : command === "TransactWriteItemsCommand" ? "transaction" : "item";
      where[`${label}:${kind}`] = (where[`${label}:${kind}`] ?? 0) + 1;
      return { error: () => transactionConflict(command, body), times: 1 + Math.floor(rand() * 2) };
    };
    const api = injectErrors(conflictStack.deps.db, "conflicts", decide("api"));
    // The consumer writes one transaction per batch, so few: its first two always meet a conflict.
    const streamDecide = decide("stream");
    let streamWrites = 0;
    const consumer = injectErrors(reportsDb, "conflicts", (command, body) => {
      if (command !== "TransactWriteItemsCommand" || ++streamWrites > 2) return streamDecide(command, body);
      where["stream:transaction"] = (where["stream:transaction"] ?? 0) + 1;
      return { error: () => transactionConflict(command, body), times: streamWrites };
    });

    const emails = Array.from({ length: 12 }, (_, i) => `tc${i}@faults.example.com`);
    const answers = await Promise.all(
      emails.flatMap((email) => [1, 2].map(() => conflictStack.api("/v1/leads", { key: conflictStack.leadsKey, body: { email, firstName: "Tess" } }))),
    );
    expect(
      answers.map((a) => a.status).filter((st) => st >= 300),
      "every post answered 2xx at once",
    ).toEqual([]);
    for (const [i, email] of emails.entries()) {
      const res = await conflictStack.api("/v1/events", {
        key: conflictStack.adminKey,
        body: { type: "purchase", email, amount: 30 + i, externalId: `tc-${i}`, at: "2027-06-01T09:00:00Z" },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const sweep = await conflictStack.api("/v1/sweeps", { key: conflictStack.adminKey, body: { at: "2027-06-01T12:00:00Z" } });
    expect(sweep.status).toBe(200);
    await conflictStack.queue.drain();
    await conflictStack.settleReports();
    api.enabled = false;
    consumer.enabled = false;
    process.stderr.write(`faults: transaction conflicts injected ${JSON.stringify(where)}\n`);
    expect(
      Object.keys(where).some((k) => k.startsWith("api:email") || k.startsWith("api:item")),
      "on the lead path",
    ).toBe(true);
    expect(where["api:send"] ?? 0, "on the sender's ledger").toBeGreaterThan(0);
    expect(
      Object.keys(where).some((k) => k.startsWith("stream:")),
      "on the stream consumer",
    ).toBe(true);

    const items = await scanAll(conflictStack);
    const customers = items.filter((i) => i.type === "customer" && emails.includes(i.email));
    expect(customers.length).toBe(emails.length);
    for (const c of customers) {
      const timeline = items.filter((i) => i.PK === `CUST#${c.id}` && i.type === "timeline");
      expect(timeline.filter((t) => t.kind === "form_submitted").length, c.email).toBe(2);
      expect(timeline.filter((t) => t.kind === "purchase").length, c.email).toBe(1);
      expect(c.orders, c.email).toBe(1);
      const ledger = items.filter((i) => i.PK === `CUST#${c.id}` && i.type === "send");
      expect(
        ledger.map((l) => [l.campaignId, l.status]),
        c.email,
      ).toEqual([["thank-you", "sent"]]);
      expect((await conflictStack.mailsTo(c.email)).length, c.email).toBe(1);
    }
    expect(conflictStack.queue.deadLetters).toEqual([]);
    // The report counters, kept by the stream consumer through its conflicts, count each once.
    const day = new Date().toISOString().slice(0, 10);
    const funnel = await conflictStack.api(`/v1/reports/funnel?from=${day}&to=${day}`, { key: conflictStack.adminKey });
    expect(funnel.body.newContacts).toBe(emails.length);
    const revenue = await conflictStack.api("/v1/reports/revenue?from=2027-06-01&to=2027-06-01&interval=day", { key: conflictStack.adminKey });
    expect(revenue.body.totals.purchases).toBe(emails.length);
  }, 240_000);
});

describe("SES refusing a message or the whole account", () => {
  it("a message SES rejects is tried once, recorded as rejected and never dead-lettered; the others go out", async () => {
    const ids = await buyers(conflictStack, "rej", 3, "2027-07-01T09:00:00Z");
    const [refused] = [...ids.keys()];
    sesFault.rejected.add(refused!);
    const sweep = await conflictStack.api("/v1/sweeps", { key: conflictStack.adminKey, body: { at: "2027-07-01T12:00:00Z" } });
    expect(sweep.status).toBe(200);
    await conflictStack.queue.drain();
    expect(sesFault.attempts.get(refused!), "no retry of a rejected message").toBe(1);
    expect((await ledgerOf(conflictStack, ids.get(refused!)!)).map((l) => [l.campaignId, l.status, l.lastError])).toEqual([
      ["thank-you", "rejected", "MessageRejected"],
    ]);
    for (const [email, id] of ids) {
      if (email === refused) continue;
      expect(
        (await ledgerOf(conflictStack, id)).map((l) => l.status),
        email,
      ).toEqual(["sent"]);
    }
    expect(conflictStack.queue.deadLetters).toEqual([]);
    // The next sweep finds it settled: still one attempt.
    await conflictStack.api("/v1/sweeps", { key: conflictStack.adminKey, body: { at: "2027-07-01T13:00:00Z" } });
    await conflictStack.queue.drain();
    expect(sesFault.attempts.get(refused!)).toBe(1);
  }, 120_000);

  for (const [n, error] of (["SendingPausedException", "AccountSuspendedException", "LimitExceededException"] as const).entries()) {
    it(`${error}: the sender stops taking work instead of burning the queue into the DLQ, and every mail goes out once when SES sends again`, async () => {
      const ids = await buyers(conflictStack, `pause${n}-`, 12, `2027-08-0${n + 1}T09:00:00Z`);
      sesFault.accountError = error;
      const before = [...ids.keys()].reduce((sum, e) => sum + (sesFault.attempts.get(e) ?? 0), 0);
      await runSweep(conflictStack.deps, conflictStack.queue, new Date(`2027-08-0${n + 1}T12:00:00Z`));
      const drained = conflictStack.queue.drain();
      // Paused for much longer than five receives with the queue's retry delay take (5 × 50 ms).
      await new Promise((r) => setTimeout(r, 2500));
      expect(conflictStack.queue.deadLetters, "nothing dead-lettered while paused").toEqual([]);
      const whilePaused = [...ids.keys()].reduce((sum, e) => sum + (sesFault.attempts.get(e) ?? 0), 0) - before;
      sesFault.accountError = undefined;
      await drained;
      expect(conflictStack.queue.deadLetters).toEqual([]);
      // At most a batch of ten probes SES per one-second pause; five receives of each would be 60 calls.
      expect(whilePaused, "SES calls while paused").toBeLessThan(12 * 5);
      for (const [email, id] of ids) {
        expect(
          (await ledgerOf(conflictStack, id)).map((l) => [l.campaignId, l.status]),
          email,
        ).toEqual([["thank-you", "sent"]]);
        expect((await conflictStack.mailsTo(email)).length, email).toBe(1);
      }
    }, 120_000);
  }
});

describe("a GSI that lags its table", () => {
  it("a sweep reading a stale due index neither sends twice nor skips anyone for good", async () => {
    const lag = lagIndex(conflictStack.deps.db, "GSI2");
    const first = await buyers(conflictStack, "lag-a", 4, "2027-09-01T09:00:00Z");
    // A live sweep queues the thank-yous and moves the due entries; the index snapshot still lists them.
    const live = await runSweep(conflictStack.deps, conflictStack.queue, new Date("2027-09-01T12:00:00Z"));
    expect(live.enqueued).toBeGreaterThanOrEqual(4);
    // More buyers arrive; the index has not caught up with them yet.
    const late = await buyers(conflictStack, "lag-b", 3, "2027-09-01T12:30:00Z");
    lag.stale = true;
    // Before the sender ran: the stale index lists the first buyers again, and misses the late ones.
    const stale = await runSweep(conflictStack.deps, conflictStack.queue, new Date("2027-09-01T13:00:00Z"));
    expect(lag.staleAnswers).toBeGreaterThan(0);
    await conflictStack.queue.drain();
    lag.stale = false;
    const caughtUp = await runSweep(conflictStack.deps, conflictStack.queue, new Date("2027-09-01T14:00:00Z"));
    await conflictStack.queue.drain();
    process.stderr.write(`faults: lagging GSI: live sweep ${live.enqueued} sends, stale ${stale.enqueued}, caught up ${caughtUp.enqueued}\n`);
    for (const [email, id] of [...first, ...late]) {
      expect(
        (await ledgerOf(conflictStack, id)).map((l) => [l.campaignId, l.status]),
        email,
      ).toEqual([["thank-you", "sent"]]);
      expect((await conflictStack.mailsTo(email)).length, `${email}: one mail`).toBe(1);
    }
    expect(conflictStack.queue.deadLetters).toEqual([]);
  }, 120_000);
});
