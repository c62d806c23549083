/**
 * Text as it may be stored: NUL characters dropped (C strings and many tools end text at one) and
 * unpaired UTF-16 surrogates (`"\ud800"` in JSON, which no UTF-8 encoder can write out) replaced
 * by U+FFFD. Applied where text enters: every HTTP body field and key, and every imported CSV
 * cell, so nothing downstream (DynamoDB, CSV, email) ever sees them.
 */
export function cleanText(value: string): string {
  const text = value.includes("\0") ? value.replaceAll("\0", "") : value;
  return text.isWellFormed() ? text : text.toWellFormed();
}
