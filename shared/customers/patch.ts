import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type * as z from "zod/mini";
import { cancellationCodes, Update } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { Conflict, NotFound } from "../core/errors.ts";
import { customerUpdate } from "../entities/customer.ts";
import { setDue } from "../entities/due.ts";
import { emailKey } from "../entities/email.ts";
import { getCustomerItem, timelineItem } from "./repository.ts";
import type { By, Customer360, CustomerPatch } from "./schema.ts";
import { getCustomer360 } from "./view.ts";

/**
 * Applies an admin's edit. Fields set to null are removed; tags replace the set; a new email moves
 * the lookup item in the same transaction (409 when another customer holds it). The change is
 * written to the timeline with the names of the fields changed.
 */
export async function patchCustomer(deps: Deps, customerId: string, patch: CustomerPatch, by: By): Promise<z.output<typeof Customer360>> {
  const current = await getCustomerItem(deps, customerId, true);
  if (!current) throw new NotFound(`no customer ${customerId}`);
  const now = deps.clock.now().toISOString();
  const update = new Update().set("updatedAt", now).when("attribute_exists(PK)");
  const changed: string[] = [];
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined || field === "email") continue;
    changed.push(field);
    if (value === null || (field === "tags" && (value as string[]).length === 0)) update.remove(field);
    else update.set(field, field === "tags" ? new Set(value as string[]) : value);
  }
  const emailChange = patch.email !== undefined && patch.email !== current.email ? patch.email : undefined;
  if (emailChange) {
    update.set("email", emailChange);
    changed.push("email");
  }
  if (changed.length === 0) return getCustomer360(deps, customerId);
  // An owner, a birthday or tags can make a campaign due (or no longer due): look again now.
  if (changed.some((f) => f === "owner" || f === "birthday" || f === "tags" || f === "timezone"))
    setDue(update, customerId, now, deps.config.retention.dueShards);
  const updateItem = { Update: customerUpdate(deps.table, customerId, update) };
  const entry = {
    Put: {
      TableName: deps.table,
      Item: timelineItem(deps, customerId, { at: now, type: "profile_updated", summary: `Changed ${changed.join(", ")}`, data: { changed }, by }),
    },
  };
  const moves = emailChange
    ? [
        { Put: { TableName: deps.table, Item: { ...emailKey(emailChange), type: "email", customerId }, ConditionExpression: "attribute_not_exists(PK)" } },
        {
          Delete: {
            TableName: deps.table,
            Key: emailKey(current.email),
            ConditionExpression: "customerId = :id",
            ExpressionAttributeValues: { ":id": customerId },
          },
        },
      ]
    : [];
  try {
    await deps.db.send(new TransactWriteCommand({ TransactItems: [...moves, updateItem, entry] }));
  } catch (err) {
    const codes = cancellationCodes(err);
    if (codes && emailChange && codes[0] === "ConditionalCheckFailed") throw new Conflict("email_taken", "another customer already has this email");
    if (codes && codes[emailChange ? 2 : 0] === "ConditionalCheckFailed") throw new NotFound(`no customer ${customerId}`);
    throw err;
  }
  return getCustomer360(deps, customerId);
}
