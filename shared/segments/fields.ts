import { STAGES } from "../core/fields.ts";
import { SEGMENTS } from "../reports/types.ts";

/**
 * What a segment condition may ask, field by field: which operators make sense for it, what kind
 * of value it compares with, and which customer attributes it reads (the evaluation projects
 * exactly those, so a query pays for no more data than the conditions need). Free of zod, so the
 * matcher and the dashboard's builder can share it.
 */

export const OPS = ["eq", "neq", "contains", "gte", "lte", "before", "after", "within_days"] as const;
export type Op = (typeof OPS)[number];

/** How a condition's `value` must look: one of a list, any text, a number, true/false, or a date (a whole number of days for `within_days`). */
export type ValueKind = { kind: "choice"; choices: readonly string[] } | { kind: "text" } | { kind: "number" } | { kind: "boolean" } | { kind: "date" };

export interface FieldSpec {
  ops: readonly Op[];
  value: ValueKind;
  /** Customer item attributes the field reads. */
  attributes: readonly string[];
}

const DATE_OPS = ["before", "after", "within_days"] as const;
const NUMBER_OPS = ["eq", "neq", "gte", "lte"] as const;

export const EMAIL_STATUSES = ["ok", "unsubscribed", "bounced", "complained"] as const;

export const FIELDS = {
  stage: { ops: ["eq", "neq"], value: { kind: "choice", choices: STAGES }, attributes: ["stage"] },
  tags: { ops: ["contains"], value: { kind: "text" }, attributes: ["tags"] },
  rfmSegment: {
    ops: ["eq", "neq"],
    value: { kind: "choice", choices: SEGMENTS },
    attributes: ["orders", "lastPurchaseAt"],
  },
  lifetimeSpend: { ops: NUMBER_OPS, value: { kind: "number" }, attributes: ["spendMinor", "currency"] },
  orders: { ops: NUMBER_OPS, value: { kind: "number" }, attributes: ["orders"] },
  firstPurchaseAt: { ops: DATE_OPS, value: { kind: "date" }, attributes: ["firstPurchaseAt"] },
  lastPurchaseAt: { ops: DATE_OPS, value: { kind: "date" }, attributes: ["lastPurchaseAt"] },
  locale: { ops: ["eq", "neq"], value: { kind: "text" }, attributes: ["locale"] },
  country: { ops: ["eq", "neq"], value: { kind: "text" }, attributes: ["country"] },
  consent: { ops: ["eq"], value: { kind: "boolean" }, attributes: ["consentMarketing"] },
  emailStatus: { ops: ["eq", "neq"], value: { kind: "choice", choices: EMAIL_STATUSES }, attributes: ["emailStatus"] },
  lastOpenedAt: { ops: DATE_OPS, value: { kind: "date" }, attributes: ["lastOpenedAt"] },
  lastClickedAt: { ops: DATE_OPS, value: { kind: "date" }, attributes: ["lastClickedAt"] },
  interests: { ops: ["contains"], value: { kind: "text" }, attributes: ["interests"] },
  leadScore: { ops: NUMBER_OPS, value: { kind: "number" }, attributes: ["leadScore", "leadScoreAt"] },
} as const satisfies Record<string, FieldSpec>;

export type Field = keyof typeof FIELDS;
export const FIELD_NAMES = Object.keys(FIELDS) as Field[];

/** The longest look-back `within_days` accepts: ten years. */
export const MAX_WITHIN_DAYS = 3660;

/**
 * Why `value` cannot go with `field` and `op`, or undefined when it can. `within_days` takes a
 * whole number of days (1 to 3660); `before`/`after` a date (`YYYY-MM-DD`) or an instant.
 */
export function valueProblem(field: Field, op: Op, value: unknown): string | undefined {
  const spec: FieldSpec = FIELDS[field];
  if (op === "within_days") {
    return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_WITHIN_DAYS
      ? undefined
      : `must be a whole number of days from 1 to ${MAX_WITHIN_DAYS}`;
  }
  switch (spec.value.kind) {
    case "choice":
      return typeof value === "string" && spec.value.choices.includes(value) ? undefined : `must be one of ${spec.value.choices.join(", ")}`;
    case "text":
      return typeof value === "string" && value.trim().length > 0 && value.length <= 200 ? undefined : "must be text of 1 to 200 characters";
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "must be a number";
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be true or false";
    case "date":
      return typeof value === "string" && /^\d{4}-\d{2}-\d{2}(T.+)?$/.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : "must be a date (YYYY-MM-DD) or an ISO 8601 instant";
  }
}
