import { createHash } from "node:crypto";
import { MAIL_CATEGORIES, type MailCategory } from "../core/fields.ts";
import { escapeHtml } from "../http/http.ts";
import { page as shell } from "../http/pages.ts";

/**
 * The pages the links in emails open: unsubscribe (confirm, done, undone), double opt-in
 * confirmation, feedback thank-you with a comment box, and the page for a link that does not
 * work. The same look as shared/http/pages.ts; no scripts, no trackers, nothing loaded from elsewhere,
 * and no referrer sent on, since the address bar holds the link's token.
 *
 * Every action is a form POST: a GET never unsubscribes or records a score (mail scanners such as
 * Safe Links fetch every link in a message). The one script, on the score page, posts the score
 * the person clicked, so a click still feels like one click.
 */
const LINK_HEAD = `<meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer">
`;
const LINK_STYLE = `  button.secondary { background: #fff; color: #0b57d0; border: 1px solid #0b57d0; }
  .note { color: #555; font-size: .9rem; }
`;

function page(title: string, body: string): string {
  return shell(title, `<main>\n${body}\n</main>`, { head: LINK_HEAD, style: LINK_STYLE });
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

/** GET /v1/unsubscribe: asks for one click on a button that POSTs the token. */
export function unsubscribeConfirmPage(business: string, action: string, token: string, preferencesUrl?: string): string {
  const choose = preferencesUrl
    ? `\n<p class="note">Only some emails too many? <a href="${escapeHtml(preferencesUrl)}">Choose which emails you get</a> instead.</p>`
    : "";
  return page(
    "Unsubscribe",
    `<h1>Unsubscribe from ${escapeHtml(business)}?</h1>
<p>You will no longer get emails from ${escapeHtml(business)} at this address.</p>
<form method="post" action="${escapeHtml(action)}">
  ${hidden("t", token)}
  ${hidden("List-Unsubscribe", "One-Click")}
  <button type="submit">Unsubscribe</button>
</form>${choose}`,
  );
}

const CATEGORY_TEXT: Record<MailCategory, [string, string]> = {
  newsletters: ["Newsletters", "news from us now and then"],
  offers: ["Offers", "offers, and a note when we have not seen you for a while"],
  birthday: ["Birthday greetings", "a greeting on your birthday"],
};

/**
 * GET /v1/preferences: each kind of marketing email on or off, instead of all or nothing. Mail
 * about your orders (thank-yous, feedback requests) is not marketing and is not listed.
 */
export function preferencesPage(business: string, action: string, token: string, preferences: Record<MailCategory, boolean>, saved = false): string {
  const boxes = MAIL_CATEGORIES.map((c) => {
    const [label, what] = CATEGORY_TEXT[c];
    return `  <p><input type="checkbox" id="pref-${c}" name="${c}" value="on"${preferences[c] ? " checked" : ""}> <label for="pref-${c}"><strong>${label}</strong>: ${escapeHtml(what)}</label></p>`;
  }).join("\n");
  const status = saved ? `<p role="status"><strong>Saved.</strong> ${escapeHtml(business)} will send you only what is ticked.</p>\n` : "";
  return page(
    "Your email preferences",
    `<h1>Which emails would you like from ${escapeHtml(business)}?</h1>
${status}<form method="post" action="${escapeHtml(action)}">
  ${hidden("t", token)}
  ${hidden("form", "preferences")}
${boxes}
  <button type="submit">Save preferences</button>
</form>
<p class="note">Emails about your own orders still come. To get nothing at all, use Unsubscribe in any of our emails.</p>`,
  );
}

/** After an unsubscribe, with a way back for a click made by mistake. */
export function unsubscribedPage(business: string, resubscribeAction: string, token: string): string {
  return page(
    "You are unsubscribed",
    `<h1>You are unsubscribed</h1>
<p>You will no longer get emails from ${escapeHtml(business)}. It can take a moment for an email already on its way to arrive.</p>
<form method="post" action="${escapeHtml(resubscribeAction)}">
  <p class="note">Unsubscribed by mistake?</p>
  ${hidden("t", token)}
  <button type="submit" class="secondary">Resubscribe</button>
</form>`,
  );
}

/** After a resubscribe: says plainly that news and offers need consent again. */
export function resubscribedPage(business: string, marketingConsent: boolean): string {
  const consent = marketingConsent
    ? ""
    : `<p>Your earlier permission to send you news and offers was withdrawn when you unsubscribed, and it is not restored automatically. To get them again, tick the consent box the next time you fill in one of our forms.</p>`;
  return page(
    "You are subscribed again",
    `<h1>You are subscribed again</h1>
<p>${escapeHtml(business)} can email you at this address again, for example about your orders.</p>
${consent}`,
  );
}

/** GET /v1/confirm: the double opt-in link asks for one click, so a mail scanner's prefetch confirms nothing. */
export function confirmConsentPage(business: string, action: string, token: string): string {
  return page(
    "Confirm your subscription",
    `<h1>Confirm your subscription</h1>
<p>Press the button to get news and offers from ${escapeHtml(business)} at this address. You can unsubscribe at any time with the link in every email.</p>
<form method="post" action="${escapeHtml(action)}">
  ${hidden("t", token)}
  <button type="submit">Confirm</button>
</form>`,
  );
}

/** POST /v1/confirm: the result. */
export function consentConfirmedPage(business: string, confirmed: boolean): string {
  return confirmed
    ? page(
        "Subscription confirmed",
        `<h1>Thank you, you are subscribed</h1><p>You will get news and offers from ${escapeHtml(business)}. Every email has a link to unsubscribe.</p>`,
      )
    : page(
        "Nothing to confirm",
        `<h1>Nothing to confirm</h1><p>There is no subscription waiting for confirmation at this address: it may have been withdrawn since this email was sent. To subscribe, fill in one of our forms again and tick the consent box.</p>`,
      );
}

/** GET /v1/keep: the re-permission email's link asks for one click, as the confirmation link does (mail scanners prefetch). */
export function keepPage(business: string, action: string, token: string): string {
  return page(
    "Keep getting our emails",
    `<h1>Do you still want to hear from us?</h1>
<p>Press the button to keep getting news and offers from ${escapeHtml(business)} at this address. If you do nothing, we will stop sending them soon.</p>
<form method="post" action="${escapeHtml(action)}">
  ${hidden("t", token)}
  <button type="submit">Yes, keep me subscribed</button>
</form>`,
  );
}

/** POST /v1/keep: the result. */
export function keptPage(business: string, subscribed: boolean): string {
  return subscribed
    ? page(
        "Still subscribed",
        `<h1>Thank you, you stay subscribed</h1><p>You will keep getting news and offers from ${escapeHtml(business)}. Every email has a link to unsubscribe.</p>`,
      )
    : page(
        "Not subscribed",
        `<h1>You are not subscribed</h1><p>This address does not get our news and offers (it was unsubscribed, or consent was withdrawn). To subscribe again, fill in one of our forms and tick the consent box.</p>`,
      );
}

/** After a score: thanks, a promoter's referral link, and a comment box that POSTs the same token and score. */
export function feedbackThanksPage(business: string, action: string, token: string, score: number, referralLink?: string): string {
  return page(
    "Thank you for your feedback",
    `<h1>Thank you!</h1>\n<p>Your score for ${escapeHtml(business)}: ${score} out of 10. It helps us a lot.</p>\n${referralBlock(business, referralLink)}${scoreForm(action, token, score, "Send comment")}`,
  );
}

/**
 * A promoter's personal referral link, to copy and share: a read-only field (selectable with the
 * keyboard, no script needed) with its label.
 */
function referralBlock(business: string, link: string | undefined): string {
  if (!link) return "";
  return `<section aria-labelledby="share-title">
<h2 id="share-title">Know someone who would like ${escapeHtml(business)}?</h2>
<p>Share your personal link with friends. When they get in touch through it, we'll know you sent them.</p>
<label for="referral-link">Your referral link</label>
<input id="referral-link" type="text" readonly value="${escapeHtml(link)}">
<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>
</section>
`;
}

/**
 * GET /v1/feedback: the page a score link opens. It records nothing by itself; its script posts the
 * score as soon as a person's browser shows it (a prefetching scanner runs no script, or never
 * the page at all), and without script the Send button records score and comment together.
 */
export function feedbackScorePage(business: string, action: string, token: string, score: number): string {
  return page(
    "Your feedback",
    `<h1>You chose ${score} out of 10</h1>
<p id="feedback-status" role="status">Press Send to give ${escapeHtml(business)} your score.</p>
${scoreForm(action, token, score, "Send")}
<script>${FEEDBACK_SCRIPT}</script>`,
  );
}

function scoreForm(action: string, token: string, score: number, button: string): string {
  return `<form method="post" action="${escapeHtml(action)}">
  ${hidden("t", token)}
  ${hidden("score", String(score))}
  <label for="comment">Anything you would like to add? (optional)</label>
  <textarea id="comment" name="comment" rows="5" maxlength="2000"></textarea>
  <button type="submit">${escapeHtml(button)}</button>
</form>`;
}

/** Posts the score (not the comment, which the person may still be writing) and says so; a promoter also sees their referral link. */
const FEEDBACK_SCRIPT = `(function(){var f=document.querySelector("form"),s=document.getElementById("feedback-status"),d=new URLSearchParams();d.set("t",f.elements.t.value);d.set("score",f.elements.score.value);fetch(f.action,{method:"POST",headers:{accept:"application/json"},body:d}).then(function(r){return r.ok?r.json():null}).then(function(b){if(!b)return;s.textContent="Thank you! Your score is recorded.";f.querySelector("button").textContent="Send comment";if(b.referralLink){var p=document.createElement("p"),a=document.createElement("a");p.textContent="Know someone who would like us? Share your personal link: ";a.href=b.referralLink;a.textContent=b.referralLink;p.appendChild(a);s.after(p);}}).catch(function(){});})();`;

/** The Content-Security-Policy of the score page: its one inline script, by hash, and a post to this API. */
export const FEEDBACK_PAGE_CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${createHash("sha256").update(FEEDBACK_SCRIPT).digest("base64")}'; connect-src 'self'; form-action *; frame-ancestors 'none'`;

/** After a comment was posted (a promoter's referral link again, for whoever skipped it). */
export function feedbackCommentedPage(business: string, referralLink?: string): string {
  return page(
    "Thank you for your feedback",
    `<h1>Thank you!</h1><p>${escapeHtml(business)} has your score and your comment.</p>\n${referralBlock(business, referralLink)}`,
  );
}

/** A link that does not work: missing or broken token (400), forged, altered or expired (403), gone (404). */
export function linkProblemPage(status: number, message: string): string {
  const [title, advice] =
    status === 403
      ? ["This link does not work", "If it came in an older email, use the link in a more recent one, or reply to any of our emails and we will sort it out."]
      : status === 404
        ? ["This link no longer works", "We no longer hold the details this link refers to."]
        : status === 409
          ? ["We can't do that", "Reply to any of our emails if you think this is a mistake."]
          : status === 400
            ? [
                "This link is incomplete",
                "Open the link from the email again; if your email program split it over two lines, copy the whole link into the address bar.",
              ]
            : ["Something went wrong", "Please try again in a moment."];
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(capitalize(message))}.</p><p>${escapeHtml(advice)}</p>`);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
