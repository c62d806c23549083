import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { tieVisitorUpdate } from "../entities/visitor.ts";

/**
 * Ties a website visitor to the customer they turned out to be (a Rapport form posted from a
 * page with the snippet carried the visitor id): from then on their visits show on the customer.
 * One UpdateItem; the stream consumer carries the visitor's interests over to the customer.
 * Its own module, so the lead form's bundle carries nothing else of tracking.
 */
export async function tieVisitor(deps: Deps, visitorId: string, customerId: string): Promise<void> {
  await deps.db.send(new UpdateCommand({ TableName: deps.table, ...tieVisitorUpdate(visitorId, customerId, deps.clock.now().toISOString()) }));
}
