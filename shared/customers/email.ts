import { domainToASCII } from "node:url";

const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The one spelling of an address under which a person is stored: trimmed, Unicode-normalized,
 * lower-cased, the domain without trailing dots and in its ASCII (punycode) form. Returns null
 * when the text is not a plausible address.
 *
 * @example normalizeEmail("  Ada.Lovelace@Example.COM. ") === "ada.lovelace@example.com"
 */
export function normalizeEmail(raw: string): string | null {
  const text = raw.normalize("NFC").trim().toLowerCase();
  const at = text.lastIndexOf("@");
  if (at <= 0 || at === text.length - 1) return null;
  const local = text.slice(0, at);
  const domain = domainToASCII(text.slice(at + 1).replace(/\.+$/, ""));
  if (local.length > 64 || !LOCAL_PART.test(local)) return null;
  if (!domain || domain.length > 253) return null;
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  const tld = labels[labels.length - 1] ?? "";
  if (!/^([a-z]{2,63}|xn--[a-z0-9-]+)$/.test(tld)) return null;
  const email = `${local}@${domain}`;
  return email.length <= 254 ? email : null;
}
