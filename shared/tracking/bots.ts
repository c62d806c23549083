/**
 * User agents of crawlers, link previewers, monitors, headless browsers and HTTP libraries: their
 * page views are answered and dropped. A short list of word fragments rather than a package: it
 * only has to keep the common machines out of visitors' interests, and a missed bot costs one
 * anonymous item that expires by itself.
 */
const BOT_PATTERN =
  /bot\b|bot[/;)-]|crawl|spider|slurp|scrap|headless|lighthouse|pagespeed|pingdom|uptime|monitor|preview|facebookexternalhit|embedly|quora link|whatsapp|curl\/|wget|python|httpclient|okhttp|java\/|go-http-client|axios|node-fetch|undici|phantomjs|selenium|puppeteer|playwright|^mozilla\/5\.0$/i;

/** Whether a user agent is a machine's (or missing: every browser sends one). */
export function isBot(userAgent: string | undefined): boolean {
  const ua = userAgent?.trim() ?? "";
  return ua.length < 10 || BOT_PATTERN.test(ua);
}
