import * as z from "zod/mini";

/** The error bodies every route may answer with, and the health check's. */
export const ValidationErrorBody = z.object({
  error: z.literal("validation"),
  fields: z.array(z.object({ field: z.string(), message: z.string() })),
});

export const ErrorBody = z.object({ error: z.string(), message: z.optional(z.string()) });
export const Health = z.object({ status: z.literal("ok") });
