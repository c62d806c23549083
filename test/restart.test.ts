import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../local/dynamo.ts";
import { startSesLocal } from "../local/ses.ts";
import { createDocumentClient } from "../shared/aws/db.ts";
import { type ChildStack, startChildStack } from "./support/child-stack.ts";
import { type SesGate, startSesGate } from "./support/ses-gate.ts";
import type { StoredMail } from "./support/stack.ts";

/**
 * `npm start` killed (SIGKILL, no goodbye) in the middle of a sweep's sends and started again on
 * the same data folder: every due email goes out, and none twice. SES local runs here in the
 * test, so the mails sent by both lives of the stack are counted in one place.
 */
const CUSTOMERS = 60;
/** The sender works in batches of ten: two batches go out, the third is caught in flight. */
const ANSWERED_BEFORE_KILL = 20;

let ses: { url: string; close(): Promise<void> } | undefined;
let gate: SesGate | undefined;
let stack: ChildStack | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  await stack?.kill();
  await gate?.close();
  await ses?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function call(s: ChildStack, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.apiUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${s.adminKey}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function mails(): Promise<StoredMail[]> {
  const store = (await (await fetch(`${ses!.url}/store`)).json()) as { emails: StoredMail[] };
  return store.emails.filter((m) => m.destination.to.some((to) => to.endsWith("@restart.example.com")));
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${stack ? `\n${stack.output().slice(-3000)}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("the local stack killed mid-sweep", () => {
  it("finishes the sweep after a restart, with every due email sent exactly once", async () => {
    ses = await startSesLocal();
    gate = await startSesGate(ses.url);
    dataDir = await mkdtemp(join(tmpdir(), "rapport-restart-"));
    const ports = { apiPort: await freePort(), dynamodbPort: await freePort() };
    const env = { RAPPORT_SES_ENDPOINT: gate.url, SWEEP_INTERVAL_MINUTES: "0", LOG_LEVEL: "WARN" };
    stack = await startChildStack({ ...ports, dataDir, env });

    // Sixty customers who bought an hour ago: each is due a thank-you now.
    const boughtAt = new Date(Date.now() - 3600_000).toISOString();
    const emails = Array.from({ length: CUSTOMERS }, (_, i) => `r${i}@restart.example.com`);
    const ids = new Map<string, string>();
    for (let i = 0; i < emails.length; i += 10) {
      await Promise.all(
        emails.slice(i, i + 10).map(async (email) => {
          const lead = await call(stack!, "/v1/leads", { email, firstName: "Restart" });
          expect(lead.status, JSON.stringify(lead.body)).toBe(201);
          ids.set(email, lead.body.customerId);
          const purchase = await call(stack!, "/v1/events", {
            type: "purchase",
            customerId: lead.body.customerId,
            amount: 25,
            at: boughtAt,
            externalId: `restart-${email}`,
          });
          expect(purchase.status, JSON.stringify(purchase.body)).toBe(201);
        }),
      );
    }

    // The sweep runs; SES answers two batches of the sender, then goes quiet: the third batch's
    // mails reach SES but the sender never hears back. That is when the process dies.
    gate.answerLimit = ANSWERED_BEFORE_KILL;
    const firstSweep = call(stack, "/v1/sweeps", {}).catch(() => undefined);
    let last = -1;
    let stableSince = Date.now();
    await until(
      "the sender to be caught in flight",
      () => {
        const now = gate!.held.length;
        if (now !== last) [last, stableSince] = [now, Date.now()];
        return gate!.answered === ANSWERED_BEFORE_KILL && now > 0 && Date.now() - stableSince > 1500;
      },
      60_000,
    );
    const inFlight = [...gate.held];
    await stack.kill();
    void firstSweep;
    const beforeRestart = await mails();
    expect(beforeRestart.length, "sent before the kill: the answered ones and the ones in flight").toBe(ANSWERED_BEFORE_KILL + inFlight.length);
    expect(beforeRestart.length).toBeLessThan(CUSTOMERS);
    // What the dead process had queued or in flight is in the queue's journal.
    const journal = (await readFile(join(dataDir, "send-queue.jsonl"), "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { op: string; id: string });
    const handled = new Set(journal.filter((l) => l.op === "done").map((l) => l.id));
    const waiting = journal.filter((l) => l.op === "add" && !handled.has(l.id));
    expect(waiting.length, "sends journalled and not yet handled").toBe(CUSTOMERS - ANSWERED_BEFORE_KILL);

    // Started again on the same data: it delivers what the dead process had queued or in flight.
    gate.answerLimit = Number.POSITIVE_INFINITY;
    stack = await startChildStack({ ...ports, dataDir, env });
    await until("every customer to have a mail", async () => new Set((await mails()).flatMap((m) => m.destination.to)).size === CUSTOMERS, 60_000);
    // A sweep now finds nothing more to send, and nothing arrives twice in the meantime.
    const again = await call(stack, "/v1/sweeps", {});
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.enqueued).toBe(0);
    await new Promise((r) => setTimeout(r, 2000));

    const sent = await mails();
    const perAddress = new Map<string, number>();
    for (const m of sent) for (const to of m.destination.to) perAddress.set(to, (perAddress.get(to) ?? 0) + 1);
    expect(
      [...perAddress.entries()].filter(([, n]) => n !== 1),
      "addresses that got other than one mail",
    ).toEqual([]);
    expect(sent.length).toBe(CUSTOMERS);

    // The ledger: one thank-you claim per customer. Those whose send was in flight at the kill
    // stay "sending" (the mail went out but the dead process never recorded it; a claim like that
    // is never sent again), every other one is "sent" with the message SES holds.
    const db = createDocumentClient({ region: "us-east-1", endpoint: `http://127.0.0.1:${ports.dynamodbPort}` });
    const ledger: Record<string, any>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({
          TableName: "rapport",
          ConsistentRead: true,
          ExclusiveStartKey: start,
          FilterExpression: "#type = :send",
          ExpressionAttributeNames: { "#type": "type" },
          ExpressionAttributeValues: { ":send": "send" },
        }),
      );
      ledger.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    db.destroy();
    expect(ledger.length).toBe(CUSTOMERS);
    const byCustomer = new Map(ledger.map((l) => [l.PK as string, l]));
    const messageIds = new Map(sent.map((m) => [m.destination.to[0]!, m.messageId]));
    for (const email of emails) {
      const entry = byCustomer.get(`CUST#${ids.get(email)}`);
      expect(entry?.campaignId, email).toBe("thank-you");
      if (inFlight.includes(email)) expect(entry?.status, email).toBe("sending");
      else {
        expect(entry?.status, email).toBe("sent");
        expect(entry?.messageId, email).toBe(messageIds.get(email));
      }
    }
    process.stderr.write(
      `restart: ${ANSWERED_BEFORE_KILL} mails answered and ${inFlight.length} in flight when killed; ${CUSTOMERS - beforeRestart.length} delivered after the restart; every address got exactly one\n`,
    );
  }, 180_000);
});
