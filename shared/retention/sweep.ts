import { BatchGetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { cancellationCodes, isConditionFailed, queryAll, Update } from "../aws/db.ts";
import { DEFAULT_DEFINITIONS, DEFAULT_LANGUAGES } from "../campaigns/definitions.ts";
import { campaignsOver } from "../campaigns/listing.ts";
import type { Campaign } from "../campaigns/schema.ts";
import type { Deps } from "../core/deps.ts";
import type { SendQueue } from "../core/ports.ts";
import type { Stage } from "../core/schema.ts";
import { timelineItem } from "../customers/repository.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { customerKey, customerUpdate, setStage } from "../entities/customer.ts";
import { clearDue, dueCustomerId, dueQuery, setDue } from "../entities/due.ts";
import type { Alert } from "./alerts.ts";
import { evaluate, sendLanguage } from "./evaluate.ts";
import { raiseAlerts } from "./raise.ts";

export interface SweepResult {
  at: string;
  /** Customers whose due entry had come due. */
  due: number;
  /** Sends handed to the queue. */
  enqueued: number;
  stageChanges: number;
  /** Sends that are due but wait for a send window or the frequency cap. */
  deferred: number;
  /** Tasks created for alerts (a lead nobody followed up, a low score, a valuable customer at risk). */
  tasks: number;
}

/** BatchGetItem reads at most 100 keys a call. */
const BATCH_GET = 100;

/** One send a sweep would hand to the queue, as a dry run shows it. */
export interface PlannedSend {
  customerId: string;
  campaignId: string;
  occurrence: string;
  /** Who gets it: the customer, or their owner (an alert about the customer). */
  recipient: "customer" | "owner";
  /** The address it would go to (the owner's for an alert); absent when an alert has nobody to go to. */
  to?: string;
  /** The template language it would be written in (the customer's locale, or the campaign's fallback). */
  language: string;
}

/** What a sweep as of `at` would do, without doing it. */
export interface SweepPlan {
  at: string;
  due: number;
  sends: PlannedSend[];
  stageChanges: { customerId: string; from: Stage; to: Stage }[];
  /** Sends that are due but would wait for a send window or the frequency cap. */
  deferred: number;
  /** Alerts that would become tasks (unless their task exists already). */
  alerts: Alert[];
}

/**
 * The due customers as of `at`, a batch at a time, each with what `evaluate` (pure) says about
 * them. The one read path of a sweep and of its dry run, so the dry run shows what a sweep does.
 */
async function* dueEvaluations(deps: Deps, campaigns: Campaign[], at: Date, ids: string[]) {
  for (let i = 0; i < ids.length; i += BATCH_GET) {
    const customers = await readCustomers(deps, ids.slice(i, i + BATCH_GET));
    yield customers.map((customer) => ({ customer, evaluation: evaluate(customer, campaigns, at, deps.config.retention, deps.config.lifecycle) }));
  }
}

/**
 * One retention sweep as of `at`: reads only the due entries of the sparse, sharded due index
 * (never a Scan), evaluates each due customer against the campaigns, hands due sends to the queue,
 * applies inactivity stage changes with timeline entries, and moves each customer's entry to their
 * next due time (or out of the index).
 *
 * Sends are enqueued before the entry moves. A crash in between makes the next sweep enqueue them
 * again, and the sender's ledger claim turns the repeat into a no-op: a retry never sends twice.
 * An entry that changed while the sweep looked (a purchase just came in) is left for the next sweep.
 */
export async function runSweep(deps: Deps, queue: SendQueue, at: Date): Promise<SweepResult> {
  const now = at.toISOString();
  const campaigns = (await sweepCampaigns(deps)).filter((c) => c.enabled);
  const ids = await dueCustomerIds(deps, now);
  const result: SweepResult = { at: now, due: ids.length, enqueued: 0, stageChanges: 0, deferred: 0, tasks: 0 };
  const afterHours = followUpHours(campaigns);
  // For the log only: the campaigns report counts sunsets from their timeline entries.
  let sunsets = 0;
  for await (const plans of dueEvaluations(deps, campaigns, at, ids)) {
    // Tasks first: a crash before the due entries move makes the next sweep raise them again,
    // and a task's id fixed by its alert makes the repeat a no-op.
    const alerts = plans.flatMap(({ customer, evaluation }) => evaluation.alerts.map((alert) => ({ alert, customer })));
    result.tasks += await raiseAlerts(deps, alerts, { at: now, afterHours });
    const sends = plans.flatMap((p) => p.evaluation.sends);
    if (sends.length > 0) await queue.enqueue(sends);
    result.enqueued += sends.length;
    await Promise.all(
      plans.map(async ({ customer, evaluation }) => {
        result.deferred += evaluation.deferred;
        const changed = await applyEvaluation(deps, customer, evaluation, now);
        if (changed && evaluation.stageChange) result.stageChanges++;
        if (changed && evaluation.sunset) sunsets++;
      }),
    );
  }
  deps.logger.info("sweep", { ...result, sunsets, campaigns: campaigns.length });
  return result;
}

/**
 * A dry run of the sweep as of `at`: who would get which email, in which language, and which
 * stage changes would be made. Reads exactly what a sweep reads and writes nothing: no send is
 * queued, no due entry moves, no stage changes, no event is published.
 */
export async function planSweep(deps: Deps, at: Date): Promise<SweepPlan> {
  const now = at.toISOString();
  const campaigns = (await sweepCampaigns(deps)).filter((c) => c.enabled);
  const byId = new Map(campaigns.map((c) => [c.id, c]));
  const ids = await dueCustomerIds(deps, now);
  const plan: SweepPlan = { at: now, due: ids.length, sends: [], stageChanges: [], deferred: 0, alerts: [] };
  for await (const plans of dueEvaluations(deps, campaigns, at, ids)) {
    for (const { customer, evaluation } of plans) {
      plan.deferred += evaluation.deferred;
      plan.alerts.push(...evaluation.alerts);
      if (evaluation.stageChange) plan.stageChanges.push({ customerId: customer.id, from: evaluation.stageChange.from, to: evaluation.stageChange.to });
      for (const send of evaluation.sends) {
        const campaign = byId.get(send.campaignId)!;
        const to = campaign.recipient === "owner" ? (customer.owner ?? deps.config.retention.salesEmail) : customer.email;
        plan.sends.push({ ...send, recipient: campaign.recipient, ...(to ? { to } : {}), language: sendLanguage(campaign, customer) });
      }
    }
  }
  return plan;
}

/**
 * The campaigns as the sweep needs them: definitions only (it never renders an email). The
 * shipped defaults come without their text, each language standing in for its template so
 * `sendLanguage` still names the language a send will be written in.
 */
const NO_TEXT = { subject: "", text: "", html: "" };
const SHIPPED: Campaign[] = DEFAULT_DEFINITIONS.map((d) => ({
  ...d,
  templates: Object.fromEntries(DEFAULT_LANGUAGES.map((l) => [l, NO_TEXT])),
  isDefault: true,
}));
function sweepCampaigns(deps: Deps): Promise<Campaign[]> {
  return campaignsOver(deps, SHIPPED);
}

/** The lead follow-up campaign's hours, for the task's words. */
function followUpHours(campaigns: Campaign[]): number | undefined {
  for (const c of campaigns) if (c.trigger.type === "lead_no_follow_up") return c.trigger.afterHours;
  return undefined;
}

async function dueCustomerIds(deps: Deps, now: string): Promise<string[]> {
  const shards = Array.from({ length: deps.config.retention.dueShards }, (_, i) => i);
  const perShard = await Promise.all(
    shards.map(async (shard) => {
      const ids: string[] = [];
      for await (const entry of queryAll(deps.db, { TableName: deps.table, ...dueQuery(shard, now) })) ids.push(dueCustomerId(entry));
      return ids;
    }),
  );
  return perShard.flat();
}

/** Eventually consistent reads (half the cost): the sender re-reads with a consistent read before it sends. */
async function readCustomers(deps: Deps, ids: string[]): Promise<CustomerItem[]> {
  const out: CustomerItem[] = [];
  let keys: Record<string, unknown>[] = ids.map(customerKey);
  for (let attempt = 0; keys.length > 0; attempt++) {
    const result = await deps.db.send(new BatchGetCommand({ RequestItems: { [deps.table]: { Keys: keys } } }));
    out.push(...((result.Responses?.[deps.table] ?? []) as CustomerItem[]));
    keys = (result.UnprocessedKeys?.[deps.table]?.Keys ?? []) as Record<string, unknown>[];
    if (keys.length > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
  }
  return out;
}

/**
 * Moves the customer's due entry and applies an inactivity stage change and a sunset, only if
 * the entry is still the one the sweep evaluated. Returns whether it was applied.
 */
async function applyEvaluation(deps: Deps, customer: CustomerItem, evaluation: ReturnType<typeof evaluate>, now: string): Promise<boolean> {
  const update = new Update().when((name, value) => `${name("nextDueAt")} = ${value(customer.nextDueAt)}`);
  if (evaluation.nextDueAt) setDue(update, customer.id, evaluation.nextDueAt, deps.config.retention.dueShards);
  else clearDue(update);
  const change = evaluation.stageChange;
  const entries = [];
  if (change) {
    setStage(update, customer.id, change.to, customer.lastActivityAt).set("updatedAt", now);
    if (change.to === "at_risk") update.set("atRiskSince", change.since);
    entries.push(
      timelineItem(deps, customer.id, {
        at: now,
        type: "stage_changed",
        summary: `${change.from} → ${change.to}`,
        data: { from: change.from, to: change.to, reason: "inactivity", inactiveSince: customer.lastActivityAt },
      }),
    );
  }
  const sunset = evaluation.sunset;
  if (sunset) {
    update.set("sunsetAt", sunset.at).set("sunsetIdleSince", sunset.idleSince).set("updatedAt", now);
    entries.push(
      timelineItem(deps, customer.id, {
        at: now,
        type: "sunset",
        summary: `Marketing stopped: no opens or clicks since ${sunset.idleSince.slice(0, 10)}, none after the re-permission email`,
        data: { campaignId: sunset.campaignId, idleSince: sunset.idleSince, sunsetAt: sunset.at },
      }),
    );
  }
  const item = customerUpdate(deps.table, customer.id, update);
  try {
    if (entries.length === 0) {
      await deps.db.send(new UpdateCommand(item));
      return true;
    }
    await deps.db.send(
      new TransactWriteCommand({ TransactItems: [{ Update: item }, ...entries.map((entry) => ({ Put: { TableName: deps.table, Item: entry } }))] }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err) || cancellationCodes(err)?.[0] === "ConditionalCheckFailed") return false;
    throw err;
  }
}
