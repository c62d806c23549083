import type { Template } from "./schema.ts";

/**
 * Each shipped email is written once per language as a short letter (paragraphs, links, a
 * sign-off) and turned into the text and HTML versions by `letter()`, so the two never drift
 * apart and every HTML version has the same simple, accessible, image-free markup. Placeholders
 * are listed in `PLACEHOLDERS` (./schema.ts); the renderer (./render.ts) escapes their values
 * and sets `<html lang>`.
 */

type UrlPlaceholder = "unsubscribeUrl" | "confirmUrl" | "customerUrl" | "preferencesUrl" | "keepUrl" | "referralLink";

type Block =
  /** A paragraph; `\n` is a line break. */
  | string
  /** The primary action, a button in HTML; in text the bare URL on its own line. */
  | { button: UrlPlaceholder; label: string }
  /** A labelled link: "label: URL" in text. */
  | { link: UrlPlaceholder; label: string }
  /** The 0-10 score links (the renderer expands them). */
  | { scoreLinks: true }
  /** Label/value rows: a table in HTML, "Label: value" lines in text. */
  | { fields: [label: string, value: string][] }
  /** A quoted passage, e.g. the customer's comment. */
  | { quote: string; label: string };

interface Letter {
  subject: string;
  blocks: Block[];
  /** The closing lines, e.g. ["Warm regards,", "{{businessName|The team}}"]. */
  signOff: string[];
  /** The small print under a line, with the unsubscribe link: ["Don't want these?", "Unsubscribe"]. */
  unsubscribe?: [string, string];
}

const LINK_STYLE = "color:#1d4ed8;text-decoration:underline";
const P = (html: string) => `<p style="margin:0 0 16px">${html}</p>`;

/** Escapes the static text of a letter for HTML; placeholders pass through (the renderer escapes values). */
function h(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\n/g, "<br>\n");
}

export type Language = "en" | "zh" | "nb" | "id";
/** Chinese takes a full-width colon without a space after it. */
const colon = (language: Language) => (language === "zh" ? "：" : ": ");

function blockText(block: Block, language: Language): string {
  if (typeof block === "string") return block;
  if ("button" in block) return `${block.label}${colon(language)}\n{{${block.button}}}`;
  if ("link" in block) return `${block.label}${colon(language)}{{${block.link}}}`;
  if ("scoreLinks" in block) return "{{scoreLinks}}";
  if ("fields" in block) return block.fields.map(([label, value]) => `${label}${colon(language)}${value}`).join("\n");
  return `${block.label}\n${block.quote}`;
}

function blockHtml(block: Block): string {
  if (typeof block === "string") return P(h(block));
  if ("button" in block)
    return `<p style="margin:24px 0"><a href="{{${block.button}}}" style="display:inline-block;padding:12px 24px;border-radius:6px;background:#1d4ed8;color:#ffffff;font-weight:600;text-decoration:none">${h(block.label)}</a></p>`;
  if ("link" in block) return P(`<a href="{{${block.link}}}" style="${LINK_STYLE}">${h(block.label)}</a>`);
  if ("scoreLinks" in block) return "{{scoreLinks}}";
  if ("fields" in block) {
    const rows = block.fields.map(
      ([label, value]) =>
        `<tr><th scope="row" style="padding:4px 16px 4px 0;text-align:start;vertical-align:top;font-weight:600;white-space:nowrap">${h(label)}</th><td style="padding:4px 0;vertical-align:top">${h(value)}</td></tr>`,
    );
    return `<table style="border-collapse:collapse;margin:0 0 16px">\n${rows.join("\n")}\n</table>`;
  }
  return `${P(h(block.label))}\n<blockquote style="margin:0 0 16px;padding:8px 16px;border-inline-start:4px solid #d1d5db;color:#374151;white-space:pre-line">${h(block.quote)}</blockquote>`;
}

/** One language's email: the subject, and text and HTML bodies made from the same blocks. */
export function letter(language: Language, { subject, blocks, signOff, unsubscribe }: Letter): Template {
  const text = [...blocks.map((block) => blockText(block, language)), signOff.join("\n")];
  const html = [...blocks.map(blockHtml), P(signOff.map(h).join("<br>\n"))];
  if (unsubscribe) {
    const space = language === "zh" ? "" : " ";
    text.push(`--\n${unsubscribe[0]}${space}${unsubscribe[1]}${colon(language)}{{unsubscribeUrl}}`);
    html.push(
      `<hr style="border:none;border-top:1px solid #e5e7eb;margin:32px 0 16px">\n<p style="margin:0;font-size:13px;color:#4b5563">${h(unsubscribe[0])}${space}<a href="{{unsubscribeUrl}}" style="color:#4b5563;text-decoration:underline">${h(unsubscribe[1])}</a></p>`,
    );
  }
  return { subject, text: text.join("\n\n"), html: html.join("\n") };
}
