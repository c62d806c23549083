import type { FieldIssue } from "../core/errors.ts";
import { escapeHtml } from "./http.ts";

/**
 * Small server-rendered pages for people who post a plain HTML form. No trackers, and no scripts
 * but the lead form's one line that stamps when it was rendered (`_ts`, for bot protection).
 */
export interface PageOptions {
  /** Extra `<head>` lines, e.g. noindex for pages a link with a token opens. */
  head?: string;
  /** Extra CSS rules. */
  style?: string;
}

/** The one page shell of every server-rendered page (forms, thank-you, links in emails). */
export function page(title: string, body: string, options: PageOptions = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.head ?? ""}<title>${escapeHtml(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a1a; }
  h1 { font-size: 1.5rem; }
  li { margin: .25rem 0; }
  a { color: #0b57d0; }
  label { display: block; margin-top: .75rem; font-weight: 600; }
  input, textarea { width: 100%; padding: .5rem; font: inherit; box-sizing: border-box; border: 1px solid #767676; border-radius: 4px; }
  .check { display: flex; gap: .5rem; align-items: flex-start; font-weight: normal; }
  .check input { width: auto; margin-top: .35rem; }
  button { margin-top: 1rem; padding: .6rem 1.2rem; font: inherit; background: #0b57d0; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  .hp { position: absolute; left: -10000px; }
${options.style ?? ""}</style>
</head>
<body>
${body}
</body>
</html>`;
}

export function thankYouPage(): string {
  return page("Thank you", `<main><h1>Thank you!</h1><p>We have your message and will be in touch soon.</p></main>`);
}

export function formErrorPage(fields: FieldIssue[], back?: string): string {
  const items = fields.map((f) => `<li><strong>${escapeHtml(f.field)}</strong> ${escapeHtml(f.message)}</li>`).join("\n");
  const link = back
    ? `<p><a href="${escapeHtml(back)}">Go back to the form</a> and fix ${fields.length === 1 ? "it" : "them"}.</p>`
    : `<p>Go back to the form and fix ${fields.length === 1 ? "it" : "them"}.</p>`;
  return page("Please check the form", `<main><h1>Please check the form</h1><ul>${items}</ul>${link}</main>`);
}

/**
 * The embeddable lead form: the same markup the README offers for copy and paste, served by the
 * local stack at `/` so a person can try Rapport in a browser.
 */
export function leadFormHtml(action: string): string {
  return `<form action="${escapeHtml(action)}" method="post">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" required autocomplete="email">
  <label for="firstName">First name</label>
  <input id="firstName" name="firstName" autocomplete="given-name">
  <label for="lastName">Last name</label>
  <input id="lastName" name="lastName" autocomplete="family-name">
  <label for="company">Company</label>
  <input id="company" name="company" autocomplete="organization">
  <label for="message">Message</label>
  <textarea id="message" name="message" rows="4"></textarea>
  <label class="check"><input type="checkbox" name="consent" value="yes"> Send me news and offers. I can unsubscribe at any time.</label>
  <input type="hidden" name="source" value="website-contact-form">
  <div class="hp" aria-hidden="true"><label for="_gotcha">Leave this empty</label><input id="_gotcha" name="_gotcha" tabindex="-1" autocomplete="off"></div>
  <input type="hidden" name="_ts"><script>document.currentScript.previousElementSibling.value = Date.now()</script>
  <input type="hidden" name="ref"><script>document.currentScript.previousElementSibling.value = new URLSearchParams(location.search).get("ref") || ""</script>
  <!-- Optional captcha (CAPTCHA_PROVIDER): Cloudflare Turnstile
  <div class="cf-turnstile" data-sitekey="YOUR-SITE-KEY"></div><script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script>
  or hCaptcha
  <div class="h-captcha" data-sitekey="YOUR-SITE-KEY"></div><script src="https://js.hcaptcha.com/1/api.js" async defer></script>
  -->
  <button type="submit">Send</button>
</form>`;
}

export function demoFormPage(action: string): string {
  return page(
    "Rapport — try the lead form",
    `<main><h1>Contact us</h1><p>This is Rapport's embeddable lead form, posting to <code>${escapeHtml(action)}</code>.</p>\n${leadFormHtml(action)}</main>`,
  );
}
