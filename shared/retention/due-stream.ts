import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { isConditionFailed, Update } from "../aws/db.ts";
import type { Deps } from "../core/deps.ts";
import { customerUpdate } from "../entities/customer.ts";
import { DUE_INDEX, indexDueFromStream } from "../entities/due.ts";

/**
 * The change stream's part of scheduling: a new lead is written with its due time but without its
 * due-index entry (`dueSoonIfNew` in shared/customers/contact.ts), and this writes the entry a
 * moment later, off the request path. Conditional on the record still holding that time and no
 * entry: a redelivered batch, or a purchase that indexed the customer meanwhile, changes nothing.
 */
export async function applyDueRecords(deps: Deps, records: readonly DynamoDBRecord[]): Promise<{ indexed: number }> {
  let indexed = 0;
  for (const record of records) {
    const image = record.dynamodb?.NewImage as Record<string, AttributeValue> | undefined;
    if (record.eventName !== "INSERT" || !image) continue;
    if (image.SK?.S !== "PROFILE" || image.type?.S !== "customer") continue;
    const id = image.id?.S;
    const dueAt = image.nextDueAt?.S;
    if (!id || !dueAt || image[DUE_INDEX.partitionKey]) continue;
    try {
      await deps.db.send(new UpdateCommand(customerUpdate(deps.table, id, indexDueFromStream(new Update(), id, dueAt, deps.config.retention.dueShards))));
      indexed++;
    } catch (err) {
      // Indexed meanwhile, moved, or erased: nothing to do.
      if (!isConditionFailed(err)) throw err;
    }
  }
  return { indexed };
}
