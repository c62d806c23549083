import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { PROJECT_ROOT } from "../../infra/functions.ts";

/** Debian's chromium; elsewhere point CHROMIUM_PATH at a Chromium or Chrome. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const HAVE_BROWSER = existsSync(CHROMIUM);
export const VIEWPORTS = { laptop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
/** Screenshots for a person to look at (git-ignored). */
export const SHOTS = path.join(PROJECT_ROOT, "screenshots", "dashboard");
const AXE_SOURCE = readFileSync(path.join(PROJECT_ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");

/** Headless Chromium as this machine runs it (no sandbox as root, no background networking). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
}

export interface Watched {
  page: Page;
  context: BrowserContext;
  /** Console errors and CSP violations seen so far (HTTP error answers the app handles are not errors). */
  problems: string[];
}

/** A fresh context (en-US, UTC) whose console errors, page errors and CSP violations are collected. */
export async function openWatched(browser: Browser, viewport: keyof typeof VIEWPORTS = "laptop"): Promise<Watched> {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport], locale: "en-US", timezoneId: "UTC" });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  // Registered by the browser (DevTools protocol), not as a page script: the CSP does not apply.
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  return { page, context, problems };
}

/** Every part of the page has its answer: nothing busy, no loading line. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector("[aria-busy='true'], main .loading"));
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe.run(),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
