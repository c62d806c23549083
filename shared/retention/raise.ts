import { listPeople, type PersonInfo } from "../auth/people.ts";
import type { Deps } from "../core/deps.ts";
import type { CustomerItem } from "../entities/customer.ts";
import type { ScoreState } from "../lead-score/score.ts";
import { createSystemTask } from "../tasks/tasks.ts";
import { type Alert, alertAssignee, alertTaskId, alertText } from "./alerts.ts";

/**
 * Turns alerts into tasks, each at most once. The team is read once per call (a sweep batch), and
 * only when there is an alert.
 *
 * @returns how many tasks were created (an alert whose task exists counts 0).
 */
export async function raiseAlerts(
  deps: Deps,
  alerts: { alert: Alert; customer: CustomerItem & Pick<ScoreState, "leadScoreParts"> }[],
  options: { at: string; afterHours?: number; refreshNotes?: boolean; people?: PersonInfo[] },
): Promise<number> {
  if (alerts.length === 0) return 0;
  const people = options.people ?? (await listPeople(deps));
  let created = 0;
  for (const { alert, customer } of alerts) {
    const text = alertText(alert, customer, { afterHours: options.afterHours });
    const outcome = await createSystemTask(
      deps,
      { id: alertTaskId(customer, alert.reason, alert.occurrence), ...text, dueAt: alert.dueAt, assignee: alertAssignee(customer.owner, people) },
      options.at,
      options.refreshNotes,
    );
    if (outcome === "created") created++;
  }
  if (created > 0) deps.logger.info("alert tasks", { created, alerts: alerts.length });
  return created;
}
