import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { ValidationError } from "../shared/core/errors.ts";
import { MAIL_CATEGORIES } from "../shared/core/fields.ts";
import {
  ADVOCATE_MIN_SCORE,
  changeSubscription,
  confirmConsent,
  getPreferences,
  keepSubscribed,
  recordFeedback,
  resubscribe,
  setPreferences,
  unsubscribe,
  verifyLink,
} from "../shared/email-links/actions.ts";
import * as pages from "../shared/email-links/pages.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import type { HttpEvent, HttpResult } from "../shared/http/http.ts";
import { byOf, errorResponse, html, json, wantsJson } from "../shared/http/http.ts";
import { referralLink } from "../shared/referrals/program.ts";
import { ensureReferralCode } from "../shared/referrals/referrals.ts";

/**
 * The links in emails: unsubscribe (GET page, POST one-click per RFC 8058), resubscribe, double
 * opt-in confirmation and feedback scores. Browsers get small pages; scripts sending
 * `Accept: application/json` get JSON. Only POSTs and the confirm/score links change anything.
 * Also the team's side of the same changes: `POST /v1/customers/{id}/subscription`.
 */
export function makeHandler(deps: Deps) {
  const business = deps.config.retention.businessName;
  const url = (path: string) => `${deps.config.publicBaseUrl}${path}`;
  return httpFunction(
    "links",
    {
      unsubscribePage: async ({ event, query: { t } }) => {
        await verifyLink(deps, t, "unsubscribe");
        return wantsJson(event)
          ? json(200, { valid: true, unsubscribeWith: "POST /v1/unsubscribe" })
          : html(200, pages.unsubscribeConfirmPage(business, url("/v1/unsubscribe"), t, `${url("/v1/preferences")}?t=${encodeURIComponent(t)}`));
      },
      unsubscribe: async ({ event, query, body }) => {
        const t = query.t ?? body.t;
        if (!t) throw ValidationError.field("t", "is required: the token from the link in the email");
        const result = await unsubscribe(deps, t);
        return wantsJson(event)
          ? json(200, { unsubscribed: true, changed: result.changed })
          : html(200, pages.unsubscribedPage(business, url("/v1/resubscribe"), t));
      },
      resubscribe: async ({ event, body: { t } }) => {
        const result = await resubscribe(deps, t);
        return wantsJson(event) ? json(200, { resubscribed: true, ...result }) : html(200, pages.resubscribedPage(business, result.marketingConsent));
      },
      // Admin (staff): a change the customer asked a person for, with the same transactions as the links.
      changeSubscription: async ({ params, body }, { principal }) => {
        const { changed } = await changeSubscription(deps, params.id, {
          marketing: body.marketing,
          ...(body.reason ? { reason: body.reason } : {}),
          by: byOf(principal),
        });
        return json(200, { customerId: params.id, changed, marketing: body.marketing });
      },
      preferencesPage: async ({ event, query: { t } }) => {
        const current = await getPreferences(deps, t);
        return wantsJson(event) ? json(200, current) : html(200, pages.preferencesPage(business, url("/v1/preferences"), t, current.preferences));
      },
      savePreferences: async ({ event, body }) => {
        const { t, form, ...given } = body;
        const wanted = Object.fromEntries(
          MAIL_CATEGORIES.flatMap((c) => {
            const value = given[c];
            // A browser form sends only ticked boxes: there, absent means off.
            if (value === undefined) return form === "preferences" ? [[c, false]] : [];
            return [[c, value === true || value === "on" || value === "true"]];
          }),
        );
        const result = await setPreferences(deps, t, wanted);
        return wantsJson(event) ? json(200, result) : html(200, pages.preferencesPage(business, url("/v1/preferences"), t, result.preferences, true));
      },
      confirmPage: async ({ event, query: { t } }) => {
        await verifyLink(deps, t, "confirm");
        return wantsJson(event)
          ? json(200, { valid: true, confirmWith: "POST /v1/confirm" })
          : html(200, pages.confirmConsentPage(business, url("/v1/confirm"), t));
      },
      confirmConsent: async ({ event, body: { t } }) => {
        const result = await confirmConsent(deps, t);
        return wantsJson(event) ? json(200, result) : html(200, pages.consentConfirmedPage(business, result.confirmed));
      },
      keepPage: async ({ event, query: { t } }) => {
        await verifyLink(deps, t, "keep");
        return wantsJson(event) ? json(200, { valid: true, keepWith: "POST /v1/keep" }) : html(200, pages.keepPage(business, url("/v1/keep"), t));
      },
      keepSubscribed: async ({ event, body: { t } }) => {
        const result = await keepSubscribed(deps, t);
        return wantsJson(event) ? json(200, result) : html(200, pages.keptPage(business, result.subscribed));
      },
      feedbackFromLink: async ({ event, query: { t, score } }) => {
        // Records nothing: a scanner's prefetch must not put a score on a customer.
        await verifyLink(deps, t, "feedback");
        return wantsJson(event)
          ? json(200, { valid: true, score, recordWith: "POST /v1/feedback" })
          : html(200, pages.feedbackScorePage(business, url("/v1/feedback"), t, score), { "content-security-policy": pages.FEEDBACK_PAGE_CSP });
      },
      feedback: async ({ event, body: { t, score, comment } }) => {
        const { customerId, ...result } = await recordFeedback(deps, t, score, comment);
        // A promoter's thank-you carries their personal referral link (created on first use).
        const code = result.score >= ADVOCATE_MIN_SCORE ? await ensureReferralCode(deps, customerId) : undefined;
        const link = code ? referralLink(deps.config.publicBaseUrl, code) : undefined;
        if (wantsJson(event)) return json(200, { recorded: true, ...result, ...(link ? { referralLink: link } : {}) });
        return html(200, comment ? pages.feedbackCommentedPage(business, link) : pages.feedbackThanksPage(business, url("/v1/feedback"), t, score, link));
      },
    },
    deps,
    { errorAnswer: linkProblemAnswer },
  );
}

/** Scripts get typed errors mapped to JSON by httpFunction; a person in a browser gets a page with the same status. */
function linkProblemAnswer(err: unknown, event: HttpEvent): HttpResult | undefined {
  const mapped = wantsJson(event) ? null : errorResponse(err);
  if (!mapped) return undefined;
  const message =
    err instanceof ValidationError
      ? err.fields.map((f) => `${f.field === "t" ? "the link's token (t)" : f.field} ${f.message}`).join("; ")
      : String(mapped.body.message ?? "something is wrong with this link");
  return html(mapped.status, pages.linkProblemPage(mapped.status, message));
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
