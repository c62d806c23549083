import { escapeHtml } from "../http/http.ts";
import { PLACEHOLDER_PATTERN } from "./placeholders.ts";
import type { Campaign, Template } from "./schema.ts";

/**
 * What the sender knows about one email: placeholder name → value (see `PLACEHOLDERS` in
 * ./schema.ts). `scoreLinks` is the one list: 11 URLs, for scores 0 to 10.
 */
export type RenderContext = Record<string, string | string[] | undefined>;

export interface RenderedEmail {
  subject: string;
  text: string;
  /** A complete HTML document whose `lang` is the template's language. */
  html: string;
}

/** A template with the language it was written in, as `pickTemplate` returns it. */
export type PickedTemplate = Template & { language: string };

/**
 * The template for a customer's locale: the exact tag (`pt-BR`), then each shorter prefix
 * (`zh-Hans-CN` → `zh-Hans` → `zh`), then `en`. Tags compare case-insensitively and `_` counts
 * as `-`, so `pt_br` finds `pt-BR`. The result carries the tag it was stored under (`language`).
 *
 * @example pickTemplate(campaign, customer.locale) // customer.locale "nb-NO" → the `nb` template
 */
export function pickTemplate(campaign: Pick<Campaign, "templates">, locale: string | null | undefined): PickedTemplate {
  const byLower = new Map(Object.keys(campaign.templates).map((tag) => [tag.toLowerCase(), tag]));
  const parts = (locale ?? "").trim().replace(/_/g, "-").toLowerCase().split("-").filter(Boolean);
  for (let n = parts.length; n > 0; n--) {
    const tag = byLower.get(parts.slice(0, n).join("-"));
    if (tag) return { ...campaign.templates[tag]!, language: tag };
  }
  const fallback = "en" in campaign.templates ? "en" : Object.keys(campaign.templates)[0];
  if (fallback === undefined) throw new Error("campaign has no templates");
  return { ...campaign.templates[fallback]!, language: fallback };
}

/**
 * Renders a template for one recipient. `{{name}}` becomes the context's value, `{{name|fallback}}`
 * the fallback when the value is missing or blank (spaces around name and fallback are ignored); an unknown name renders as its fallback or
 * nothing, never as raw braces. Substitution is a single pass: a value containing `{{…}}` stays
 * literal text.
 *
 * - HTML: every value is HTML-escaped (also inside attributes, so URLs can sit in `href="…"`), and
 *   the template's HTML is wrapped in a complete document with `<html lang>`.
 * - Text: values as they are.
 * - Subject: values as they are, but CR, LF and other control characters become spaces, so no
 *   value can add a mail header.
 * - Values of `…Url` placeholders count only when they are http(s) URLs (no `javascript:` links).
 * - `{{scoreLinks}}`: a row of 11 links 0-10 in HTML, a line `7 — <url>` per score in text.
 * - Links in HTML open in a new tab (`<base target="_blank">`), unless a link names its own target.
 *
 * `locale` is the template's language (what `pickTemplate` chose); a template from `pickTemplate`
 * carries its own `language`, which wins, so passing the customer's locale is safe too.
 *
 * @example
 * const template = pickTemplate(campaign, customer.locale);
 * const { subject, text, html } = renderTemplate(template, { firstName: "Ana", unsubscribeUrl }, template.language);
 */
export function renderTemplate(template: Template, context: RenderContext, locale: string): RenderedEmail {
  const language = languageOf((template as Partial<PickedTemplate>).language ?? locale);
  const subject = substitute(template.subject, context, "subject", language)
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ")
    .replace(/ {2,}/g, " ")
    .trim();
  return {
    subject,
    text: substitute(template.text, context, "text", language),
    html: htmlDocument(substitute(template.html, context, "html", language), subject, language),
  };
}

type Mode = "subject" | "text" | "html";

function substitute(source: string, context: RenderContext, mode: Mode, language: string): string {
  return source.replace(PLACEHOLDER_PATTERN, (_match, rawName: string, rawFallback: string | undefined) => {
    const name = rawName.trim();
    // Spaces around the name and the fallback are layout: `{{ firstName | there }}` reads "there".
    const fallback = rawFallback?.trim();
    const value = Object.hasOwn(context, name) ? context[name] : undefined;
    if (name === "scoreLinks") {
      const links = Array.isArray(value) ? value.filter(isHttpUrl) : [];
      if (links.length === 0 || mode === "subject") return fallback ?? "";
      return mode === "html" ? scoreLinksHtml(links, language) : links.map((url, score) => `${score} — ${url}`).join("\n");
    }
    if (name === "recommendations") {
      const items = Array.isArray(value) ? value.filter(Boolean) : [];
      if (items.length === 0 || mode === "subject") return fallback ?? "";
      // Lines rather than a list: the placeholder usually stands inside a paragraph.
      return mode === "html" ? items.map((i) => `&bull; ${escapeHtml(i)}`).join("<br>") : items.map((i) => `- ${i}`).join("\n");
    }
    const text = Array.isArray(value) ? value.filter(Boolean).join(", ") : (value ?? "");
    const usable = text.trim() !== "" && (!name.endsWith("Url") || isHttpUrl(text));
    // The fallback is part of the template (its author wrote it in this field's format), so it is not escaped.
    if (!usable) return fallback ?? "";
    return mode === "html" ? escapeHtml(text) : text;
  });
}

function isHttpUrl(value: string): boolean {
  return /^https?:\/\/[^\s]+$/i.test(value.trim());
}

/** "Score 7 of 10" in the template's language, for screen readers. */
const SCORE_LABELS: Record<string, (score: number) => string> = {
  en: (n) => `Score ${n} of 10`,
  zh: (n) => `评分 ${n}（满分 10 分）`,
  nb: (n) => `${n} av 10 poeng`,
  no: (n) => `${n} av 10 poeng`,
  id: (n) => `Skor ${n} dari 10`,
};

function scoreLinksHtml(links: string[], language: string): string {
  const label = SCORE_LABELS[language.split("-")[0]!.toLowerCase()] ?? SCORE_LABELS.en!;
  const cells = links.map(
    (url, score) =>
      `<a href="${escapeHtml(url)}" aria-label="${escapeHtml(label(score))}" style="display:inline-block;min-width:36px;margin:0 4px 8px 0;padding:8px 0;border:1px solid #9ca3af;border-radius:6px;background:#ffffff;color:#111827;font-weight:600;text-align:center;text-decoration:none">${score}</a>`,
  );
  return `<p style="margin:0 0 16px;line-height:1">${cells.join(" ")}</p>`;
}

const RTL_LANGUAGES = new Set(["ar", "fa", "he", "ur", "ps", "sd", "yi", "dv", "ug", "ckb"]);

/** A well-formed language tag for the `lang` attribute, or `en`. */
function languageOf(locale: string): string {
  const tag = locale.trim().replace(/_/g, "-");
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag) ? tag : "en";
}

/**
 * Wraps the template's HTML in a complete, minimal document; no images, no tracking. Its links open
 * in a new tab or window (`<base target="_blank">`; a link with its own `target` keeps it): a mail
 * read inside a web page (a webmail, SES local's viewer) would otherwise open a link inside that
 * page's frame, where Rapport's pages refuse to be framed (`frame-ancestors 'none'`) and the reader
 * sees an error although the click counted.
 */
function htmlDocument(body: string, subject: string, language: string): string {
  const dir = RTL_LANGUAGES.has(language.split("-")[0]!.toLowerCase()) ? "rtl" : "ltr";
  const lang = escapeHtml(language);
  return [
    "<!doctype html>",
    `<html lang="${lang}" dir="${dir}">`,
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light">',
    `<title>${escapeHtml(subject)}</title>`,
    '<base target="_blank">',
    "</head>",
    '<body style="margin:0;padding:0;background:#f3f4f6">',
    `<div role="article" aria-label="${escapeHtml(subject)}" lang="${lang}" dir="${dir}" style="max-width:560px;margin:0 auto;padding:32px 24px;background:#ffffff;color:#1f2937;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,'PingFang SC','Microsoft YaHei',sans-serif;font-size:16px;line-height:1.6">`,
    body,
    "</div>",
    "</body>",
    "</html>",
  ].join("\n");
}

/**
 * An amount in the customer's language, for `{{milestone}}`: `formatAmount(500, "USD", "en")` →
 * "$500", `formatAmount(500, "NOK", "nb")` → "500 kr". Whole amounts show no decimals.
 */
export function formatAmount(amount: number, currency: string, locale: string): string {
  const options: Intl.NumberFormatOptions = {
    style: "currency",
    currency,
    ...(Number.isInteger(amount) ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {}),
  };
  try {
    return new Intl.NumberFormat(locale, options).format(amount);
  } catch {
    return new Intl.NumberFormat("en", options).format(amount);
  }
}
