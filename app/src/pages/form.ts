import { h, replace } from "../dom.ts";
import type { PageContext } from "../ui.ts";
import { announce, pageHeading, section } from "../ui.ts";

/**
 * The form to paste into the website, for this deployment: the real endpoint (this dashboard's
 * own API), the fields Rapport knows, the honeypot, and a copy button. Posted from a site that is
 * not on the allowed list yet, submissions are held (see Held submissions), never lost.
 */
export async function formPage(ctx: PageContext): Promise<void> {
  ctx.title("Website form");
  const endpoint = `${location.origin}/v1/leads`;
  const snippet = [
    `<form method="post" action="${endpoint}">`,
    `  <label>Email <input type="email" name="email" required></label>`,
    `  <label>First name <input name="firstName"></label>`,
    `  <label>Message <textarea name="message"></textarea></label>`,
    `  <label><input type="checkbox" name="consent" value="yes"> Send me news and offers</label>`,
    `  <input type="text" name="_gotcha" tabindex="-1" autocomplete="off" hidden>`,
    `  <button type="submit">Send</button>`,
    `</form>`,
  ].join("\n");
  const code = h("pre", { class: "snippet", tabindex: "0", "aria-label": "The form's HTML" }, h("code", null, snippet));
  const copy = h(
    "button",
    {
      type: "button",
      class: "button button-primary",
      onclick: () => {
        navigator.clipboard
          .writeText(snippet)
          .then(() => announce("The form's HTML is copied."))
          .catch(() => announce("Copying is not allowed here: select the HTML and copy it."));
      },
    },
    "Copy the HTML",
  );
  replace(
    ctx.main,
    pageHeading(
      "Website form",
      h("p", { class: "subtitle" }, "Paste this form into any page of your website. Each post becomes a contact (or is added to the existing one)."),
    ),
    section(
      "The form",
      {},
      code,
      h("p", null, copy),
      h(
        "p",
        null,
        "It posts to ",
        h("code", null, endpoint),
        ". After sending, visitors see a thank-you page; add ",
        h("code", null, '<input type="hidden" name="_next" value="https://your-site/thanks">'),
        " to send them to a page of your own on an allowed site.",
      ),
    ),
    section(
      "Allowed websites",
      {},
      h(
        "p",
        null,
        "Browsers say which site a form was posted from. Posts from a site that is not on the allowed list are held under ",
        h("a", { href: "#/quarantine" }, "Held submissions"),
        " for you to release, so no lead is lost while you set it up. The list is the deploy setting ",
        h("code", null, "rapport:allowedOrigins"),
        " (locally, the ",
        h("code", null, "ALLOWED_ORIGINS"),
        " environment variable).",
      ),
    ),
  );
  return Promise.resolve();
}
