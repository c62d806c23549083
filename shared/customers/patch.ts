import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { publishEvents } from "../core/deps.ts";
import { cancellationCodes } from "../aws/db.ts";
import { Conflict, NotFound } from "../core/errors.ts";
import { customerKey } from "../entities/customer.ts";
import { dueIndexKey } from "../entities/due.ts";
import { emailKey } from "../entities/email.ts";
import type { CustomerPatch } from "./schema.ts";
import { getCustomerItem, timelineItem } from "./repository.ts";
import { getCustomer360 } from "./view.ts";

/**
 * Applies an admin's edit. Fields set to null are removed; tags replace the set; a new email moves
 * the lookup item in the same transaction (409 when another customer holds it). The change is
 * written to the timeline with the names of the fields changed.
 */
export async function patchCustomer(deps: Deps, customerId: string, patch: CustomerPatch, actor: string) {
  const current = await getCustomerItem(deps, customerId, true);
  if (!current) throw new NotFound(`no customer ${customerId}`);
  const now = deps.clock.now().toISOString();
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ":now": now };
  const sets = ["updatedAt = :now"];
  const removes: string[] = [];
  const changed: string[] = [];
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined || field === "email") continue;
    names[`#${field}`] = field;
    changed.push(field);
    if (value === null || (field === "tags" && (value as string[]).length === 0)) {
      removes.push(`#${field}`);
    } else {
      values[`:${field}`] = field === "tags" ? new Set(value as string[]) : value;
      sets.push(`#${field} = :${field}`);
    }
  }
  const emailChange = patch.email !== undefined && patch.email !== current.email ? patch.email : undefined;
  if (emailChange) {
    values[":email"] = emailChange;
    sets.push("email = :email");
    changed.push("email");
  }
  if (changed.length === 0) return getCustomer360(deps, customerId);
  // An owner, a birthday or tags can make a campaign due (or no longer due): look again now.
  if (changed.some((f) => f === "owner" || f === "birthday" || f === "tags" || f === "timezone")) {
    const due = dueIndexKey(customerId, now, deps.config.retention.dueShards);
    Object.assign(values, { ":due": now, ":duePk": due.GSI2PK, ":dueSk": due.GSI2SK });
    sets.push("nextDueAt = :due", "GSI2PK = :duePk", "GSI2SK = :dueSk");
  }
  const update = {
    Update: {
      TableName: deps.table,
      Key: customerKey(customerId),
      UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
      ConditionExpression: "attribute_exists(PK)",
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    },
  };
  const entry = { Put: { TableName: deps.table, Item: timelineItem(deps, customerId, { at: now, type: "profile_updated", summary: `Changed ${changed.join(", ")}`, data: { changed, by: actor } }) } };
  const moves = emailChange
    ? [
        { Put: { TableName: deps.table, Item: { ...emailKey(emailChange), type: "email", customerId }, ConditionExpression: "attribute_not_exists(PK)" } },
        { Delete: { TableName: deps.table, Key: emailKey(current.email), ConditionExpression: "customerId = :id", ExpressionAttributeValues: { ":id": customerId } } },
      ]
    : [];
  try {
    await deps.db.send(new TransactWriteCommand({ TransactItems: [...moves, update, entry] }));
  } catch (err) {
    const codes = cancellationCodes(err);
    if (codes && emailChange && codes[0] === "ConditionalCheckFailed") throw new Conflict("email_taken", "another customer already has this email");
    if (codes && codes[emailChange ? 2 : 0] === "ConditionalCheckFailed") throw new NotFound(`no customer ${customerId}`);
    throw err;
  }
  await publishEvents(deps, [{ type: "CustomerUpdated", customerId, at: now, data: { fields: changed.join(",") } }]);
  return getCustomer360(deps, customerId);
}
