import { resolvePrincipal } from "../shared/auth/principal.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { ValidationError } from "../shared/core/errors.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import type { HttpEvent } from "../shared/http/http.ts";
import { header, html, json, redirect, wantsJson } from "../shared/http/http.ts";
import { withIdempotency } from "../shared/http/idempotency.ts";
import { formErrorPage } from "../shared/http/pages.ts";
import { scopeAllows } from "../shared/http/routes.ts";
import { submitLead } from "../shared/leads/bot-protection.ts";
import type { SubmissionContext } from "../shared/leads/capture.ts";
import { disallowedOrigin, type NextTarget, safeNext } from "../shared/leads/origins.ts";
import { captchaVerifierFromConfig } from "../shared/leads/siteverify.ts";

/**
 * POST /v1/leads: web forms and scripts post leads here. A mistake in the form's configuration
 * (an unusable `_next`, a page on an origin nobody allowed yet) never loses the lead: the browser
 * gets the thank-you page, and a post from an unknown origin waits in the quarantine.
 */
export function makeHandler(deps: Deps) {
  return httpFunction(
    "capture",
    {
      captureLead: async ({ event, body: lead }) => {
        const browser = !wantsJson(event);
        const next: NextTarget = browser ? safeNext(lead._next, deps.config.allowedOrigins) : {};
        if (next.problem) deps.logger.warn("_next ignored; redirecting to the thank-you page", { problem: next.problem });
        // Whether an address was already known is the business's to know, not a stranger's: only
        // a caller with a key (or a signed-in person) learns it and the id; a ULID's time would tell
        // too. Asked before the write: a lookup failing after it would make a retry store it twice.
        const insider = !browser && (await mayPostLeads(deps, event));
        const run = async () => {
          const result = await submitLead(deps, lead, submissionContext(event, deps.config.allowedOrigins));
          if (browser) return redirect(next.url ?? `${deps.config.publicBaseUrl}/v1/thanks`);
          if (result.heldForOrigin) {
            return json(202, {
              held: true,
              reason: "origin_not_allowed",
              message: "this page's origin is not allowed to post here yet; the submission is kept for an admin to release",
            });
          }
          if (!insider) return json(202, { accepted: true });
          return json(result.created ? 201 : 200, { customerId: result.customerId, created: result.created });
        };
        const key = header(event, "idempotency-key");
        return key === undefined ? run() : withIdempotency(deps, { key, scope: event.routeKey, request: lead }, run);
      },
    },
    deps,
    {
      // A person whose form post has bad fields gets a page naming them, with a way back.
      errorAnswer: (err, event) => (!wantsJson(event) && err instanceof ValidationError ? html(400, formErrorPage(err.fields, referer(event))) : undefined),
    },
  );
}

/** True for a request carrying a credential that may post leads (a key, a person). */
async function mayPostLeads(deps: Deps, event: HttpEvent): Promise<boolean> {
  const authorization = header(event, "authorization");
  if (!authorization) return false;
  const principal = await resolvePrincipal(deps, authorization);
  return principal !== null && scopeAllows(principal.scopes.split(" "), "leads:write");
}

function referer(event: HttpEvent): string | undefined {
  const value = header(event, "referer");
  return value && /^https?:\/\//.test(value) ? value : undefined;
}

function submissionContext(event: HttpEvent, allowedOrigins: string[]): SubmissionContext {
  const page = referer(event)?.split(/[?#]/)[0];
  const origin = disallowedOrigin(event, allowedOrigins);
  return { ip: event.requestContext.http.sourceIp, userAgent: header(event, "user-agent"), ...(page ? { page } : {}), ...(origin ? { origin } : {}) };
}

export const handler = lazyHandler(() => {
  const deps = depsFromEnv();
  return makeHandler({ ...deps, captcha: captchaVerifierFromConfig(deps.config) });
});
