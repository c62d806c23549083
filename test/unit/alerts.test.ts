import { describe, expect, it } from "vitest";
import type { PersonInfo } from "../../shared/auth/people.ts";
import { TASK_ID_PATTERN, taskCustomerId, UNASSIGNED } from "../../shared/entities/task.ts";
import { alertAssignee, alertTaskId, dashboardCustomerUrl, isValuable } from "../../shared/retention/alerts.ts";

const lifecycle = { loyalOrders: 3, loyalSpend: 500 };
const person = (id: string, email: string, role: "owner" | "staff", createdAt: string): PersonInfo => ({ id, email, role, createdAt });

describe("alerts (pure)", () => {
  it("calls a customer valuable from the loyal thresholds: three orders, or 500 spent", () => {
    expect(isValuable({ orders: 3, spendMinor: 3000, currency: "USD" }, lifecycle)).toBe(true);
    expect(isValuable({ orders: 1, spendMinor: 50_000, currency: "USD" }, lifecycle)).toBe(true);
    expect(isValuable({ orders: 2, spendMinor: 49_999, currency: "USD" }, lifecycle)).toBe(false);
    expect(isValuable({ orders: 1, spendMinor: 500, currency: "JPY" }, lifecycle)).toBe(true);
  });

  it("gives the task to the owner's person, else the first owner, else nobody", () => {
    const team = [person("p-staff", "sam@shop.example", "staff", "2026-01-01"), person("p-olive", "olive@shop.example", "owner", "2026-01-02")];
    expect(alertAssignee("Sam@Shop.example", team)).toBe("p-staff");
    expect(alertAssignee("rep@elsewhere.example", team)).toBe("p-olive");
    expect(alertAssignee(undefined, team)).toBe("p-olive");
    expect(alertAssignee(undefined, [team[0]!])).toBe(UNASSIGNED);
    expect(alertAssignee("sam@shop.example", [])).toBe(UNASSIGNED);
  });

  it("derives one task id per customer, alert and occurrence, a valid task id of that customer", () => {
    const c = { id: "cus_01JD0000000000000000000000", createdAt: "2026-11-01T10:00:00.000Z" };
    const id = alertTaskId(c, "detractor-alert", "2026-11-05T09:00:00.000Z");
    expect(id).toMatch(TASK_ID_PATTERN);
    expect(taskCustomerId(id)).toBe(c.id);
    expect(alertTaskId(c, "detractor-alert", "2026-11-05T09:00:00.000Z")).toBe(id);
    expect(alertTaskId(c, "detractor-alert", "2026-12-05T09:00:00.000Z")).not.toBe(id);
    expect(alertTaskId(c, "lead-follow-up", "2026-11-05T09:00:00.000Z")).not.toBe(id);
  });

  it("links to the customer's page in the dashboard", () => {
    expect(dashboardCustomerUrl("https://crm.shop.example", "cus_1")).toBe("https://crm.shop.example/app/#/customers/cus_1");
  });
});
