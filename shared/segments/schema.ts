import * as z from "zod/mini";
import { limit } from "../core/schema.ts";
import { CustomerSummary } from "../customers/schema.ts";
import { SEGMENT_ID_PATTERN } from "../entities/segment.ts";
import { FIELD_NAMES, FIELDS, type FieldSpec, OPS, valueProblem } from "./fields.ts";

/** Request and response shapes of saved segments: a named set of conditions on customers, evaluated when read. */

export const SegmentIdParam = z.string().check(z.regex(SEGMENT_ID_PATTERN, { error: "is not a segment id" }));

/** One condition: a field, an operator that makes sense for it, and a value of the field's kind. */
export const Condition = z
  .strictObject({
    field: z.enum(FIELD_NAMES as [string, ...string[]], { error: `is not a known field (one of ${FIELD_NAMES.join(", ")})` }),
    op: z.enum(OPS, { error: `is not a known operator (one of ${OPS.join(", ")})` }),
    value: z.union([z.string().check(z.maxLength(200, { error: "at most 200 characters" })), z.number(), z.boolean()], {
      error: "must be text, a number or true/false",
    }),
  })
  .check(
    z.superRefine((c, ctx) => {
      const spec: FieldSpec = FIELDS[c.field as keyof typeof FIELDS];
      if (!spec.ops.includes(c.op)) {
        ctx.issues.push({ code: "custom", input: c.op, path: ["op"], message: `${c.op} does not apply to ${c.field} (use ${spec.ops.join(", ")})` });
        return;
      }
      const problem = valueProblem(c.field as keyof typeof FIELDS, c.op, c.value);
      if (problem) ctx.issues.push({ code: "custom", input: c.value, path: ["value"], message: problem });
    }),
  );

/** What defines a segment's members: `all` conditions or `any` of them. */
export const SegmentDefinition = z.strictObject({
  /** A name, so the definition can be previewed as it will be saved; ignored by the preview. */
  name: z.optional(z.string().check(z.maxLength(100, { error: "at most 100 characters" }))),
  match: z._default(z.enum(["all", "any"], { error: "must be all or any" }), "all"),
  conditions: z.array(Condition).check(z.maxLength(20, { error: "at most 20 conditions" })),
});

export const SegmentInput = z.strictObject({
  name: z
    .string({ error: "is required" })
    .check(z.trim(), z.minLength(1, { error: "must not be empty" }), z.maxLength(100, { error: "at most 100 characters" })),
  match: z._default(z.enum(["all", "any"], { error: "must be all or any" }), "all"),
  conditions: z.array(Condition).check(z.maxLength(20, { error: "at most 20 conditions" })),
});

export const Segment = z.object({
  id: z.string(),
  name: z.string(),
  match: z.enum(["all", "any"]),
  conditions: z.array(z.object({ field: z.string(), op: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) })),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Segment = z.output<typeof Segment>;

export const SegmentList = z.object({ items: z.array(Segment) });

export const MembersQuery = z.object({
  limit: limit(25),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
  /** `csv`: every member as one CSV file (paging does not apply); JSON pages by default. */
  format: z.optional(z.enum(["json", "csv"], { error: "must be json or csv" })),
});

/** A page of members, most recently active first, with the number of all members. */
export const SegmentMembers = z.object({
  count: z.number(),
  items: z.array(CustomerSummary),
  nextCursor: z.nullable(z.string()),
});
