import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { type CoPurchaseItem, coPurchasePartition, coPurchaseQuery, interestPurchasePartition } from "../entities/co-purchase.ts";
import { type CustomerItem, customerKey } from "../entities/customer.ts";
import { interestCounts, type VisitorItem, visitorKey } from "../entities/visitor.ts";

/** What recommendations are made from: no personal data, only product keys and interests. */
export interface RecommendationBasis {
  /** Interest → views, most viewed counts most. */
  interests: Record<string, number>;
  bought: ReadonlySet<string>;
  boughtInterests: ReadonlySet<string>;
}

export interface Recommendation {
  id: string;
  name: string;
  score: number;
}

/** Bought products and interests read per recommendation: a handful of Queries at most. */
const MAX_BOUGHT = 5;
const MAX_INTERESTS = 3;

/**
 * Products to recommend (access pattern 24): those bought together with what was bought, and
 * those bought by people who looked at the same interests, scored by how many customers did; never
 * one already bought.
 */
export async function recommendProducts(deps: Deps, basis: RecommendationBasis, limit: number): Promise<Recommendation[]> {
  const interests = Object.entries(basis.interests)
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_INTERESTS)
    .map(([name]) => interestPurchasePartition(name));
  const partitions = [...[...basis.bought].slice(0, MAX_BOUGHT).map(coPurchasePartition), ...interests];
  const pages = await Promise.all(
    partitions.map((partition) => deps.db.send(new QueryCommand({ TableName: deps.table, ...coPurchaseQuery(partition), Limit: 200 }))),
  );
  const scores = new Map<string, Recommendation>();
  for (const page of pages) {
    for (const item of (page.Items ?? []) as CoPurchaseItem[]) {
      if (basis.bought.has(item.SK)) continue;
      const current = scores.get(item.SK) ?? { id: item.SK, name: item.name ?? item.SK, score: 0 };
      current.score += item.count ?? 0;
      if (item.name) current.name = item.name;
      scores.set(item.SK, current);
    }
  }
  return [...scores.values()].sort((a, b) => b.score - a.score || a.name.localeCompare(b.name)).slice(0, limit);
}

/** The basis of a customer's recommendations, from their record. */
export function customerBasis(customer: Pick<CustomerItem, "interests" | "bought" | "boughtInterests">): RecommendationBasis {
  return {
    interests: Object.fromEntries(Object.entries(customer.interests ?? {}).map(([name, i]) => [name, i.n])),
    bought: customer.bought ?? new Set(),
    boughtInterests: customer.boughtInterests ?? new Set(),
  };
}

/**
 * GET /v1/public/recommendations: what a visitor cares about (their interests, most viewed first,
 * without those they bought in) and products for them. A visitor tied to a customer is read
 * through the customer's record; the answer carries no personal data either way.
 */
export async function recommendationsForVisitor(deps: Deps, visitorId: string, limit: number): Promise<{ interests: string[]; products: Recommendation[] }> {
  const visitor = (await deps.db.send(new GetCommand({ TableName: deps.table, Key: visitorKey(visitorId) }))).Item as VisitorItem | undefined;
  let basis: RecommendationBasis = { interests: interestCounts(visitor), bought: new Set(), boughtInterests: new Set() };
  if (visitor?.customerId) {
    const customer = (await deps.db.send(new GetCommand({ TableName: deps.table, Key: customerKey(visitor.customerId) }))).Item as CustomerItem | undefined;
    if (customer) basis = customerBasis(customer);
  }
  const interests = Object.entries(basis.interests)
    .filter(([name]) => !basis.boughtInterests.has(name))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([name]) => name);
  return { interests, products: await recommendProducts(deps, basis, limit) };
}
