import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { ValidationError } from "../shared/core/errors.ts";
import type { HttpEvent } from "../shared/http/http.ts";
import { header, html, json, rawBody, redirect, wantsJson } from "../shared/http/http.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import { withIdempotency } from "../shared/http/idempotency.ts";
import { submitLead } from "../shared/leads/bot-protection.ts";
import { assertOriginAllowed, safeNext } from "../shared/leads/origins.ts";
import { formErrorPage } from "../shared/http/pages.ts";

/** POST /v1/leads: web forms and scripts post leads here. */
export function makeHandler(deps: Deps) {
  return httpFunction(
    "capture",
    {
      captureLead: async ({ event, body: lead }) => {
        const next = safeNext(lead._next, deps.config.allowedOrigins);
        const run = async () => {
          const result = await submitLead(deps, lead, submissionContext(event));
          if (!wantsJson(event)) return redirect(next ?? `${deps.config.publicBaseUrl}/v1/thanks`);
          return json(result.created ? 201 : 200, { customerId: result.customerId, created: result.created });
        };
        const key = header(event, "idempotency-key");
        return key === undefined ? run() : withIdempotency(deps, { key, scope: event.routeKey, body: rawBody(event) }, run);
      },
    },
    deps,
    {
      // A foreign Origin is refused whatever it posted.
      before: (event) => assertOriginAllowed(event, deps.config.allowedOrigins),
      // A person whose form post has bad fields gets a page naming them, with a way back.
      errorAnswer: (err, event) => (!wantsJson(event) && err instanceof ValidationError ? html(400, formErrorPage(err.fields, referer(event))) : undefined),
    },
  );
}

function referer(event: HttpEvent): string | undefined {
  const value = header(event, "referer");
  return value && /^https?:\/\//.test(value) ? value : undefined;
}

function submissionContext(event: HttpEvent) {
  const page = referer(event)?.split(/[?#]/)[0];
  return { ip: event.requestContext.http.sourceIp, userAgent: header(event, "user-agent"), ...(page ? { page } : {}) };
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
