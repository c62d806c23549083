import type { PersonInfo } from "../auth/people.ts";
import type { LifecycleThresholds } from "../core/config.ts";
import { stableUlid } from "../core/ids.ts";
import { fromMinor } from "../core/money.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { taskId, UNASSIGNED } from "../entities/task.ts";
import type { ScoreState } from "../lead-score/score.ts";

/**
 * Alerts about a customer that someone in the team should act on become tasks, never only
 * emails: a task is on somebody's Today whether or not any mail is configured, and it stays there
 * until it is done. Five alerts:
 *
 * - `lead-follow-up`: a lead with no recorded follow-up the lead follow-up campaign's `afterHours`
 *   after capture (48 by default), raised by the sweep;
 * - `detractor-alert`: a feedback score of 0-6, with the customer's comment, raised when the
 *   feedback is recorded (and again, as a no-op, by the sweep);
 * - `valuable-at-risk`: a customer who becomes at risk while in a valuable segment (`isValuable`);
 * - `hot-lead`: a lead score that crossed the hot threshold upwards, raised by the table's stream
 *   consumer (shared/lead-score/stream.ts), once per crossing.
 * - `perk-pool-empty`: an ambassador's reward mail waits for a perk code because the pool is empty
 *   (shared/referrals/perks.ts), raised by the sweep while it waits.
 *
 * Each goes to the customer's owner when the owner's email is a person of the team, else to the
 * first owner of the team (the person in the owner group who was added first), else to nobody
 * (`UNASSIGNED`: shown to everyone on Today). Its task id is derived from the customer, the alert
 * and the alert's occurrence, so the same alert never makes two tasks. The optional alert email
 * (to the owner or SALES_EMAIL) is the lead and detractor campaigns' own, sent as before.
 */
export type AlertReason = "lead-follow-up" | "detractor-alert" | "valuable-at-risk" | "hot-lead" | "perk-pool-empty";

/** One alert the sweep (or the feedback link) raises about one customer. */
export interface Alert {
  customerId: string;
  reason: AlertReason;
  /** The fact's occurrence: "first" for a lead, the feedback's time, the day they became at risk. */
  occurrence: string;
  /** When the alert became due: the task's due time. */
  dueAt: string;
}

/**
 * "Valuable", in one place: a customer whose order count or lifetime spend would make them
 * `loyal` (the lifecycle thresholds, `rapport:loyalOrders` 3 and `rapport:loyalSpend` 500). These
 * are the customers the RFM segments call champions and loyal while they buy, and "at risk"
 * (bought often, not lately) once they stop; one-time buyers who drift away get the win-back email
 * but no one's time.
 */
export function isValuable(c: Pick<CustomerItem, "orders" | "spendMinor" | "currency">, lifecycle: LifecycleThresholds): boolean {
  return (c.orders ?? 0) >= lifecycle.loyalOrders || fromMinor(c.spendMinor ?? 0, c.currency) >= lifecycle.loyalSpend;
}

/** The task an alert makes: always the same id for the same customer, alert and occurrence. */
export function alertTaskId(customer: Pick<CustomerItem, "id" | "createdAt">, reason: AlertReason, occurrence: string): string {
  return taskId(customer.id, stableUlid(Date.parse(customer.createdAt) || 0, `${reason}\u0000${occurrence}`));
}

/**
 * Who an alert's task goes to: the owner's person, else the first owner of the team, else
 * `UNASSIGNED`. `people` is the team, oldest first (as `listPeople` returns it).
 */
export function alertAssignee(owner: string | undefined, people: PersonInfo[]): string {
  const wanted = owner?.toLowerCase();
  const person = wanted ? people.find((p) => p.email.toLowerCase() === wanted) : undefined;
  return (person ?? people.find((p) => p.role === "owner"))?.id ?? UNASSIGNED;
}

/** The task's words: a title that says what to do and about whom, notes with the facts. */
export function alertText(
  alert: Alert,
  c: CustomerItem & Pick<ScoreState, "leadScoreParts">,
  extra: { afterHours?: number },
): { title: string; notes?: string } {
  const who = [c.firstName, c.lastName].filter(Boolean).join(" ") || c.company || c.email;
  switch (alert.reason) {
    case "lead-follow-up":
      return {
        title: `Follow up with ${who}`,
        notes: `No call, meeting, note or reply recorded ${extra.afterHours ?? 48} hours after they got in touch${c.attribution?.source ? ` (from ${c.attribution.source})` : ""}. Record the follow-up on their page.`,
      };
    case "detractor-alert": {
      const score = c.latestFeedbackScore === undefined ? "a low score" : `${c.latestFeedbackScore}/10`;
      const comment = c.lowFeedbackComment ? `Their comment: “${c.lowFeedbackComment}”` : "No comment given.";
      return { title: `Low feedback score ${score} from ${who}`, notes: `${comment}\nA personal reply in the next day or two can turn this around.` };
    }
    case "perk-pool-empty":
      return {
        title: `Perk pool empty: ${who}'s ambassador reward is waiting`,
        notes: "No perk code is left to send. Import codes (rapport perks import FILE.csv): the mail goes out within the hour.",
      };
    case "valuable-at-risk":
      return {
        title: `Win back ${who}: a valuable customer at risk`,
        notes: `${c.orders} orders, ${fromMinor(c.spendMinor ?? 0, c.currency)} ${c.currency} spent, no activity since ${c.lastActivityAt.slice(0, 10)}.`,
      };
    case "hot-lead": {
      const parts = Object.entries(c.leadScoreParts ?? {})
        .filter(([, n]) => n >= 0.5)
        .sort((a, b) => b[1] - a[1])
        .map(([source, n]) => `${SOURCE_WORDS[source] ?? source} ${Math.round(n)}`);
      return {
        title: `Hot lead: reach out to ${who}`,
        notes: `Lead score ${Math.round(c.leadScore ?? 0)}${parts.length ? ` (${parts.join(", ")})` : ""}. They are active now: a call or a personal email today has the best odds.`,
      };
    }
  }
}

/** How the hot lead task names each source of points. */
const SOURCE_WORDS: Record<string, string> = { form: "forms", page: "key pages", click: "email clicks", reply: "replies", purchase: "purchases" };

/** The dashboard page of a customer, for links in alert emails (the API's URL would ask a browser for a key). */
export function dashboardCustomerUrl(publicBaseUrl: string, customerId: string): string {
  return `${publicBaseUrl}/app/#/customers/${encodeURIComponent(customerId)}`;
}
