import type { LifecycleThresholds } from "../core/config.ts";
import type { Stage } from "../core/schema.ts";

/** The facts a stage is derived from. */
export interface LifecycleFacts {
  orders: number;
  /** Lifetime spend in major units of the configured currency. */
  lifetimeSpend: number;
  /** The stage the customer has now; stages set from feedback or inactivity are kept unless purchases move them. */
  current?: Stage;
}

/**
 * The stage that purchase facts call for: `lead` (no purchase) → `customer` (≥1 purchase) →
 * `loyal` (≥ loyalOrders purchases or lifetime spend ≥ loyalSpend). An `advocate` stays one while
 * the facts would make them at least a customer; a purchase brings an `at_risk` or `churned`
 * customer back.
 *
 * @example deriveStage({ orders: 3, lifetimeSpend: 90 }, { loyalOrders: 3, loyalSpend: 500 }) === "loyal"
 */
export function deriveStage(facts: LifecycleFacts, thresholds: LifecycleThresholds): Stage {
  const byPurchases: Stage =
    facts.orders >= thresholds.loyalOrders || (facts.orders > 0 && facts.lifetimeSpend >= thresholds.loyalSpend)
      ? "loyal"
      : facts.orders > 0
        ? "customer"
        : "lead";
  if (facts.current === "advocate" && byPurchases !== "lead") return "advocate";
  return byPurchases;
}
