/**
 * Engagement (`npm run bench -- --only engagement`): DynamoDB write units and round trips of one SES
 * open or click event (shared/mail-feedback/outcomes.ts), as the ses-events function applies it,
 * for a customer who has a due entry later than now (the usual case):
 *
 *  - `engagement.open.first.wru`: the first open of a marketing message, the streak's first
 *    (counted into the open streak in the customer write the open already makes);
 *  - `engagement.open.streak.wru`: the first open of another marketing message, the streak's
 *    second: from there on a counted open also moves the customer's due entry to now;
 *  - `engagement.open.repeat.wru`: the same message opened again (counts nothing);
 *  - `engagement.open.transactional.wru`: the first open of a transactional message;
 *  - `engagement.click.wru`: a click (ends the streak);
 *  - `engagement.open.redelivered.wru`: EventBridge delivering an open a second time.
 *
 * `*.indexWru` is the part written to the due index (GSI2). Write units are what AWS bills
 * (`billedUnits`). On DynamoDB Local without a stream.
 */
import { randomUUID } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { startDynamo } from "../local/dynamo.ts";
import { ensureTable } from "../local/table.ts";
import type { Clock } from "../shared/core/clock.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { customerKey } from "../shared/entities/customer.ts";
import { dueAttributes } from "../shared/entities/due.ts";
import { sendKey } from "../shared/entities/send.ts";
import { applySesEvent, type SesEvent } from "../shared/mail-feedback/outcomes.ts";
import { billedUnits, type CallRecord, DATA_COMMANDS, instrument } from "./meter.ts";
import type { Report } from "./sweep.ts";

export const ENGAGEMENT_BUDGETS: Record<string, number> = { "engagement.open.first.wru": 3, "engagement.open.streak.wru": 5, "engagement.click.wru": 3 };

export interface EngagementResources {
  dynamo?: { stop(): Promise<void> };
}

const SAMPLES = 20;

/** Write units a call's index writes consumed, from the INDEXES split of ConsumedCapacity. */
function indexUnits(r: CallRecord): number {
  let units = 0;
  for (const c of [r.raw].flat() as { GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }> }[])
    for (const index of Object.values(c?.GlobalSecondaryIndexes ?? {})) units += index.CapacityUnits ?? 0;
  return units;
}

export async function engagementFigures(report: Report, resources: EngagementResources): Promise<void> {
  const { results, notes, breakdown, log } = report;
  log("starting DynamoDB Local (in memory) for engagement events ...");
  const dynamo = await startDynamo();
  resources.dynamo = dynamo;
  const table = `rapport-bench-engage-${randomUUID().slice(0, 8)}`;
  await ensureTable(dynamo.endpoint, table, { stream: false });
  const deps = depsFromEnv({ TABLE_NAME: table, DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_REGION: "us-east-1", LOG_LEVEL: "ERROR" });
  let now = Date.parse("2027-03-01T10:00:00Z");
  const clock: Clock = { now: () => new Date(now) };
  deps.clock = clock;
  const meter = instrument(deps.db);
  meter.mode = "INDEXES";

  const costs: Record<string, { wru: number; indexWru: number; calls: number }[]> = {};
  const measure = async (name: string, event: SesEvent) => {
    const from = meter.calls.length;
    await applySesEvent(deps, event);
    const records = meter.calls.slice(from).filter((r) => DATA_COMMANDS.has(r.command));
    const index = records.reduce((n, r) => n + (r.command === "TransactWriteItemsCommand" || r.command.endsWith("ItemCommand") ? indexUnits(r) : 0), 0);
    const table = records.reduce((n, r) => n + billedUnits({ ...r, wcu: r.wcu - (r.command.endsWith("ItemCommand") ? indexUnits(r) : 0) }).wru, 0);
    (costs[name] ??= []).push({ wru: table + index, indexWru: index, calls: records.length });
  };

  log(`applying ${SAMPLES} customers' opens, repeats, redeliveries, transactional opens and clicks ...`);
  for (let i = 0; i < SAMPLES; i++) {
    const id = `cus_BENCHENGAGE${String(i).padStart(15, "0")}`;
    const email = `bench.engage.${i}@example.com`;
    const at = new Date(now).toISOString();
    // A customer as the sweep leaves one: profile, consent, a few campaigns sent, due in 30 days.
    await deps.db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...customerKey(id),
          type: "customer",
          id,
          email,
          firstName: "Maria",
          lastName: "Okafor-Lindqvist",
          company: "Crumb & Co Bakeries",
          stage: "customer",
          orders: 2,
          spendMinor: 6200,
          currency: "USD",
          consentMarketing: true,
          consentAt: at,
          consentSource: "form",
          consentVersion: "v1",
          lastActivityAt: at,
          createdAt: at,
          updatedAt: at,
          firstMarketingAt: at,
          lastMarketingAt: at,
          "sent#thank-you": { occurrence: "first", at },
          "sent#news": { occurrence: "evt1", at },
          ...dueAttributes(id, new Date(now + 30 * 86_400_000).toISOString(), deps.config.retention.dueShards),
        },
      }),
    );
    const messages = { news: `0100-news-${randomUUID()}`, more: `0100-more-${randomUUID()}`, receipt: `0100-receipt-${randomUUID()}` };
    for (const [campaignId, kind] of [
      ["news", "marketing"],
      ["more", "marketing"],
      ["receipt", "transactional"],
    ] as const)
      await deps.db.send(
        new PutCommand({
          TableName: table,
          Item: {
            ...sendKey(id, campaignId, "evt1"),
            type: "send",
            campaignId,
            occurrence: "evt1",
            kind,
            recipient: "customer",
            status: "sent",
            sentAt: at,
            messageId: messages[campaignId],
          },
        }),
      );
    const event = (type: "Open" | "Click", campaignId: keyof typeof messages, time: number): SesEvent => ({
      eventType: type,
      mail: {
        timestamp: at,
        messageId: messages[campaignId],
        destination: [email],
        tags: { campaign: [campaignId], customer: [id], occurrence: ["evt1"], recipient: ["customer"] },
      },
      ...(type === "Open"
        ? { open: { timestamp: new Date(time).toISOString() } }
        : { click: { timestamp: new Date(time).toISOString(), link: "https://shop.example/new" } }),
    });
    now += 60_000;
    const first = event("Open", "news", now);
    await measure("open.first", first);
    await measure("open.redelivered", first);
    now += 60_000;
    await measure("open.repeat", event("Open", "news", now));
    now += 60_000;
    await measure("open.streak", event("Open", "more", now));
    now += 60_000;
    await measure("open.transactional", event("Open", "receipt", now));
    now += 60_000;
    await measure("click", event("Click", "news", now));
  }
  const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100;
  for (const [name, list] of Object.entries(costs)) {
    results[`engagement.${name}.wru`] = mean(list.map((c) => c.wru));
    results[`engagement.${name}.indexWru`] = mean(list.map((c) => c.indexWru));
    results[`engagement.${name}.calls`] = mean(list.map((c) => c.calls));
  }
  notes["engagement.open.first.wru"] =
    "the send ledger's first-open mark, the timeline entry, and one customer UpdateItem carrying lastOpenedAt and the streak";
  notes["engagement.open.streak.wru"] =
    "as open.first, and the due entry (GSI2) moved to now so the sweep looks at the streak: the streak's only added write units";
  notes["engagement.click.wru"] = "the ledger's click mark, the timeline entry, lastClickedAt and the streak reset in one customer UpdateItem";
  breakdown.push(
    "SES engagement events, per event (WRU billed / of which due index / round trips):",
    ...Object.keys(costs).map(
      (name) =>
        `  ${name.padEnd(20)} ${results[`engagement.${name}.wru`]} / ${results[`engagement.${name}.indexWru`]} / ${results[`engagement.${name}.calls`]}`,
    ),
  );
  deps.db.destroy();
  await dynamo.stop();
  delete resources.dynamo;
}
