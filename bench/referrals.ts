/**
 * The advocate programme for `npm run bench` (`npm run bench -- --only referrals`): what a
 * referred lead costs on the request path (`referrals.lead.wru`: write units of `POST /v1/leads`
 * with a known `ref`, beside a plain lead's `referrals.plainLead.wru`), and what a converted
 * referral costs (`referrals.conversion.streamWru`: the stream consumer's transaction crediting
 * the referrer when a referred person's first purchase lands; the purchase itself is unchanged).
 * On DynamoDB Local without a stream: the consumer is called with the record the stream would carry.
 */
import { randomUUID } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { startDynamo } from "../local/dynamo.ts";
import { ensureTable } from "../local/table.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { customerKey } from "../shared/entities/customer.ts";
import { recordEvent } from "../shared/interactions/record.ts";
import { captureLead } from "../shared/leads/capture.ts";
import type { LeadInput } from "../shared/leads/schema.ts";
import { applyReferralRecords, ensureReferralCode } from "../shared/referrals/referrals.ts";
import { billedUnits, instrument } from "./meter.ts";
import type { Report } from "./sweep.ts";

/** A referred lead: a plain lead's 4 write units, plus the crediting transaction of 4 items (2 each). */
export const REFERRAL_BUDGETS: Record<string, number> = { "referrals.lead.wru": 12, "referrals.conversion.streamWru": 8 };

export interface ReferralResources {
  dynamo?: { stop(): Promise<void> };
}

const LEADS = 20;

export async function referralFigures(report: Report, resources: ReferralResources): Promise<void> {
  const { results, notes, log } = report;
  log("starting DynamoDB Local (in memory) for referrals ...");
  const dynamo = await startDynamo();
  resources.dynamo = dynamo;
  const table = `rapport-bench-referrals-${randomUUID().slice(0, 8)}`;
  await ensureTable(dynamo.endpoint, table, { stream: false });
  const deps = depsFromEnv({ TABLE_NAME: table, DYNAMODB_ENDPOINT: dynamo.endpoint, AWS_REGION: "us-east-1", AMBASSADOR_REFERRALS: "1000" });
  const meter = instrument(deps.db);
  const wruSince = (from: number) => meter.calls.slice(from).reduce((sum, call) => sum + billedUnits(call).wru, 0);
  const lead = (email: string, ref?: string) => captureLead(deps, { email, firstName: "Bench", ...(ref ? { ref } : {}) } as LeadInput, {});

  const referrer = await lead("bench.referrer@example.com");
  const code = (await ensureReferralCode(deps, referrer.customerId))!;

  const plain: number[] = [];
  const referred: { id: string; wru: number }[] = [];
  for (let i = 0; i < LEADS; i++) {
    let from = meter.calls.length;
    await lead(`bench.plain.${i}@example.com`);
    plain.push(wruSince(from));
    from = meter.calls.length;
    const { customerId } = await lead(`bench.friend.${i}@example.com`, code);
    referred.push({ id: customerId, wru: wruSince(from) });
  }
  const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100;
  results["referrals.plainLead.wru"] = mean(plain);
  results["referrals.lead.wru"] = mean(referred.map((r) => r.wru));
  notes["referrals.lead.wru"] =
    "POST /v1/leads with a known ref, request path: the lead's own writes plus one transaction (referredBy on the lead, the referrer's count, an entry on each timeline)";

  // A converted referral: each friend's first purchase, then the stream record of that profile change.
  const purchase: number[] = [];
  const stream: number[] = [];
  for (const [i, { id }] of referred.entries()) {
    const before = (await deps.db.send(new GetCommand({ TableName: table, Key: customerKey(id), ConsistentRead: true }))).Item!;
    let from = meter.calls.length;
    await recordEvent(deps, { type: "purchase", customerId: id, amount: 40, externalId: `bench-order-${i}` });
    purchase.push(wruSince(from));
    const after = (await deps.db.send(new GetCommand({ TableName: table, Key: customerKey(id), ConsistentRead: true }))).Item!;
    from = meter.calls.length;
    const { converted } = await applyReferralRecords(deps, [
      {
        eventName: "MODIFY",
        dynamodb: {
          Keys: marshall(customerKey(id)) as never,
          OldImage: marshall(before, { removeUndefinedValues: true }) as never,
          NewImage: marshall(after, { removeUndefinedValues: true }) as never,
        },
      },
    ]);
    if (converted !== 1) throw new Error(`the conversion of ${id} was not credited`);
    stream.push(wruSince(from));
  }
  results["referrals.conversion.purchaseWru"] = mean(purchase);
  results["referrals.conversion.streamWru"] = mean(stream);
  notes["referrals.conversion.streamWru"] =
    "off the request path: the stream consumer's one transaction per converted referral (the marker, the referrer's count, a timeline entry)";
  deps.db.destroy();
}
