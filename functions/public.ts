import { appConfig } from "../shared/auth/app-config.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { PayloadTooLarge, TooManyRequests } from "../shared/core/errors.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import { header, html, json, rawBody, redirect } from "../shared/http/http.ts";
import { openApiDocument } from "../shared/http/openapi.ts";
import { thankYouPage } from "../shared/http/pages.ts";
import { normalizeReferralCode, referralLanding } from "../shared/referrals/program.ts";
import { findReferrer } from "../shared/referrals/referrals.ts";
import { RateLimiter } from "../shared/tracking/rate-limit.ts";
import { recommendationsForVisitor } from "../shared/tracking/recommendations.ts";
import { MAX_TRACK_BYTES, parseTrackBody, recordHit, TRACK_RATE_PER_MINUTE } from "../shared/tracking/track.ts";

/**
 * Public pages and metadata (health, the OpenAPI document, the thank-you page, the sign-in
 * settings), the website tracking endpoints (the snippet's beacon and recommendations) and the
 * referral link `/r/{code}`.
 */
export function makeHandler(deps: Deps) {
  let document: unknown;
  const limiter = new RateLimiter(TRACK_RATE_PER_MINUTE);
  return httpFunction(
    "public",
    {
      health: async () => json(200, { status: "ok" }),
      openapi: async () => json(200, (document ??= openApiDocument(deps.config.publicBaseUrl)), { "cache-control": "public, max-age=300" }),
      thankYouPage: async () => html(200, thankYouPage()),
      appConfig: async () => json(200, appConfig(deps), { "cache-control": "public, max-age=300" }),
      track: async ({ event }) => {
        if (!limiter.take(event.requestContext.http.sourceIp, deps.clock.now().getTime()))
          throw new TooManyRequests("too many requests from this address; slow down");
        const body = rawBody(event);
        if (body.length > MAX_TRACK_BYTES) throw new PayloadTooLarge(`body is larger than ${MAX_TRACK_BYTES} bytes`);
        return json(202, await recordHit(deps, parseTrackBody(body.toString("utf8")), header(event, "user-agent")));
      },
      // Records nothing about the visitor: the code travels on in the landing page's address, and
      // only a form posted with it (`ref`) credits anybody.
      referralLink: async ({ params }) => {
        const code = normalizeReferralCode(params.code);
        const known = code !== undefined && (await findReferrer(deps, code)) !== undefined;
        const landing = deps.config.referrals.landingUrl ?? deps.config.allowedOrigins[0] ?? deps.config.publicBaseUrl;
        return { ...redirect(referralLanding(landing, known ? code : undefined)), statusCode: 302 };
      },
      recommendations: async ({ query }) => json(200, await recommendationsForVisitor(deps, query.visitor, query.limit ?? 5)),
    },
    deps,
  );
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
