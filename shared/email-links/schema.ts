import * as z from "zod/mini";

/** A signed link token from an email (shared/email-links/tokens.ts checks signature, purpose and expiry). */
const Token = z.string().check(z.minLength(10, { error: "is missing or too short" }), z.maxLength(1000, { error: "is too long" }));
const Score = z.pipe(
  z.union([z.number(), z.string().check(z.regex(/^\d{1,2}$/, { error: "must be a whole number from 0 to 10" }))]),
  z.pipe(z.transform((v: number | string) => Number(v)), z.int().check(z.minimum(0, { error: "must be 0 to 10" }), z.maximum(10, { error: "must be 0 to 10" }))),
);

export const TokenQuery = z.object({ t: Token });
export const UnsubscribeBody = z.object({ t: z.optional(Token), "List-Unsubscribe": z.optional(z.string()) });
export const FeedbackQuery = z.object({ t: Token, score: Score });
export const FeedbackBody = z.object({ t: Token, score: Score, comment: z.optional(z.string().check(z.trim(), z.maxLength(2000, { error: "at most 2000 characters" }))) });

export const OptionalTokenQuery = z.object({ t: z.optional(Token) });
