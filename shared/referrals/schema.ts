import * as z from "zod/mini";

/**
 * Shapes of the advocate programme's routes (shared/http/routes.ts): the referral link's code and
 * the perk pool's summary.
 */

/** `/r/{code}`: anything up to 100 characters; a code that is not one lands without `ref`, never an error. */
export const ReferralCodeParam = z.string().check(z.maxLength(100, { error: "at most 100 characters" }));

export const PerkSummary = z.object({ available: z.number(), used: z.number(), ambassadorAfter: z.number() });
