import type { CaptchaProvider } from "../core/config.ts";
import type { Deps } from "../core/deps.ts";
import { newCustomerId } from "../core/ids.ts";
import type { LeadResult, SubmissionContext } from "./capture.ts";
import { captureLead } from "./capture.ts";
import { holdLead } from "./quarantine.ts";
import type { HoldReason, LeadInput } from "./schema.ts";

/**
 * Bot protection for forms posted to `POST /v1/leads`, on top of the honeypot: an optional
 * captcha (Cloudflare Turnstile or hCaptcha) verified server-side, and an optional minimum time
 * between rendering the form and posting it. A submission that fails either is held in the
 * quarantine (shared/leads/quarantine.ts) for an admin to release or drop, and the caller gets the very
 * answer a real lead gets, so a bot never learns it was caught.
 */

/** What the provider said about a token. */
export interface CaptchaOutcome {
  /** The token is a solved challenge for this site, not used before. */
  success: boolean;
  /** The provider's reasons when not, e.g. `invalid-input-response`, `timeout-or-duplicate`. */
  errorCodes: string[];
}

/** A captcha provider's server-side check (shared/leads/siteverify.ts; tests pass fakes). */
export interface CaptchaVerifier {
  /** Throws when the provider cannot be asked; the submission is then held, never lost. */
  verify(token: string, remoteIp?: string): Promise<CaptchaOutcome>;
}

/** The form field each provider's widget puts its token in. */
export const CAPTCHA_FIELDS = { turnstile: "cf-turnstile-response", hcaptcha: "h-captcha-response" } as const satisfies Record<
  CaptchaProvider,
  keyof LeadInput
>;

export interface Suspicion {
  reason: HoldReason;
  /** For the admin deciding: the provider's error codes, how fast it was. Never PII. */
  detail?: string;
}

/**
 * Why a submission looks like a bot, or null when it passes every check configured. The cheap
 * time check runs first, so an obvious bot costs no call to the captcha provider.
 */
export async function screenLead(
  deps: Pick<Deps, "config" | "clock" | "captcha" | "logger">,
  lead: LeadInput,
  context: SubmissionContext,
): Promise<Suspicion | null> {
  const { minSubmitSeconds, captchaProvider } = deps.config.botProtection;
  if (minSubmitSeconds > 0) {
    if (lead._ts === undefined) return { reason: "no_timestamp" };
    const elapsedMs = deps.clock.now().getTime() - lead._ts;
    if (elapsedMs < 0) return { reason: "future_timestamp", detail: `_ts is ${Math.ceil(-elapsedMs / 1000)} s ahead of the server's clock` };
    if (elapsedMs < minSubmitSeconds * 1000)
      return { reason: "too_fast", detail: `posted ${(elapsedMs / 1000).toFixed(1)} s after the form rendered (minimum ${minSubmitSeconds} s)` };
  }
  if (captchaProvider) {
    const token = lead[CAPTCHA_FIELDS[captchaProvider]];
    if (!token) return { reason: "captcha_missing", detail: `no ${CAPTCHA_FIELDS[captchaProvider]} field` };
    if (!deps.captcha) return { reason: "captcha_unavailable", detail: "no captcha verifier configured" };
    try {
      const outcome = await deps.captcha.verify(token, context.ip);
      if (!outcome.success) return { reason: "captcha_failed", ...(outcome.errorCodes.length ? { detail: outcome.errorCodes.join(", ") } : {}) };
    } catch (err) {
      // Name only: the message of a failed fetch can quote the request.
      deps.logger.warn("captcha verification unavailable; holding the submission", { provider: captchaProvider, error: (err as Error).name });
      return { reason: "captcha_unavailable", detail: `${captchaProvider} could not be asked (${(err as Error).name})` };
    }
  }
  return null;
}

/**
 * What `POST /v1/leads` does with a valid submission: the honeypot discards it; one posted from a
 * page whose origin is not allowed, or a suspect one, is held in the quarantine; anything else is
 * captured (`captureLead`). The first two answer with a made-up customer id, exactly like a new lead.
 *
 * An origin that is not allowed is most often a site nobody added to `rapport:allowedOrigins` yet
 * (a new domain, `www.` or not): its leads wait for an admin, who adds the origin and releases
 * them. The captcha is not asked then: the admin decides, and a token proves nothing later.
 */
export async function submitLead(deps: Deps, lead: LeadInput, context: SubmissionContext): Promise<LeadResult> {
  if (lead._gotcha) return captureLead(deps, lead, context);
  const suspicion: Suspicion | null = context.origin
    ? { reason: "origin_not_allowed", detail: `posted from ${context.origin}, which is not in rapport:allowedOrigins` }
    : await screenLead(deps, lead, context);
  if (!suspicion) return captureLead(deps, lead, context);
  const held = await holdLead(deps, lead, context, suspicion);
  if (suspicion.reason === "origin_not_allowed") {
    // An origin is no PII, and the admin needs it to fix the configuration.
    deps.logger.warn("lead held: origin not allowed", { quarantineId: held.id, origin: context.origin });
  } else deps.logger.info("lead held for review", { quarantineId: held.id, reason: held.reason });
  return {
    customerId: newCustomerId(deps.clock),
    created: true,
    discarded: true,
    heldAs: held.id,
    ...(suspicion.reason === "origin_not_allowed" ? { heldForOrigin: true } : {}),
  };
}
