/**
 * Builds the dashboard (app/) into static files: app/src/main.ts bundled and minified for
 * browsers, app/styles.css minified, both under content-hashed names (so they can be cached for
 * a year), and app/index.html pointing at them. functions/app.ts serves the result at /app.
 *
 *   node scripts/build-app.ts            # into app/dist/
 *   node scripts/build-app.ts OUTDIR     # elsewhere (the CDK bundling hook copies app/dist instead)
 *
 * The local stack calls `ensureAppBuilt()`, which rebuilds only when a source file changed since
 * the last build (content hashes in `build.json`), so `npm start` and the tests work from a fresh
 * clone with no build step.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";

const ROOT = path.resolve(import.meta.dirname, "..");
export const APP_SOURCE_DIR = path.join(ROOT, "app");
export const APP_DIST_DIR = path.join(APP_SOURCE_DIR, "dist");

/** Browsers of the last few years: ES2022 modules, no transpiling of classes or async. */
const BROWSER_TARGET = ["chrome111", "edge111", "firefox111", "safari16.4"];

/** The website tracking snippet's source (plain JavaScript) and its built name, served at GET /v1/t.js. */
export const SNIPPET_SOURCE = path.join(APP_SOURCE_DIR, "track", "t.js");
export const SNIPPET_FILE = "t.js";

/** Copied as they are (not hashed: their names are fixed by convention), with a short cache. */
const STATIC_FILES = ["favicon.svg"];

/** What a build produced and what it was made from: `build.json` in the output folder. */
export interface BuildManifest {
  /** Output file names (relative to the output folder) → what index.html calls them. */
  files: { script: string; styles: string; static: string[]; snippet: string };
  /** Every source file (relative to the repository root) → sha256 of its content. */
  inputs: Record<string, string>;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** Writes a file so that a reader (or a concurrent build) never sees it half written. */
function writeAtomically(file: string, data: string | Uint8Array): void {
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, file);
}

/** Builds the app into `outdir` (created if needed) and returns its manifest. */
export async function buildApp(outdir: string = APP_DIST_DIR): Promise<BuildManifest> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { main: path.join(APP_SOURCE_DIR, "src", "main.ts"), styles: path.join(APP_SOURCE_DIR, "styles.css") },
    entryNames: "[name]-[hash]",
    outdir,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: BROWSER_TARGET,
    // Chart.js's license comment goes at the end of the bundle, as its license asks.
    legalComments: "eof",
    metafile: true,
    write: false,
    logLevel: "error",
  });
  // The website snippet (GET /v1/t.js): a classic script for other sites' pages, under a fixed name.
  const snippet = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [SNIPPET_SOURCE],
    outfile: path.join(outdir, SNIPPET_FILE),
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: BROWSER_TARGET,
    metafile: true,
    write: false,
    logLevel: "error",
  });
  mkdirSync(outdir, { recursive: true });
  for (const file of snippet.outputFiles) writeAtomically(file.path, file.contents);
  const names: Record<string, string> = {};
  for (const file of result.outputFiles) {
    const name = path.basename(file.path);
    names[name.endsWith(".css") ? "styles" : "script"] = name;
    // Content-addressed names: an existing file already holds these bytes.
    if (!existsSync(file.path)) writeAtomically(file.path, file.contents);
  }
  if (!names.script || !names.styles) throw new Error("the app build produced no script or no stylesheet");

  const template = readFileSync(path.join(APP_SOURCE_DIR, "index.html"), "utf8");
  const html = template.replace('href="/app/styles.css"', `href="/app/${names.styles}"`).replace('src="/app/main.js"', `src="/app/${names.script}"`);
  if (!html.includes(names.styles) || !html.includes(names.script)) {
    throw new Error('app/index.html must load href="/app/styles.css" and src="/app/main.js" (the build rewrites them to the hashed names)');
  }
  for (const file of STATIC_FILES) writeAtomically(path.join(outdir, file), readFileSync(path.join(APP_SOURCE_DIR, file)));

  const sources = [
    ...Object.keys(result.metafile.inputs),
    ...Object.keys(snippet.metafile.inputs),
    ...["index.html", ...STATIC_FILES].map((f) => path.relative(ROOT, path.join(APP_SOURCE_DIR, f))),
  ];
  const manifest: BuildManifest = {
    files: { script: names.script, styles: names.styles, static: STATIC_FILES, snippet: SNIPPET_FILE },
    inputs: Object.fromEntries(sources.sort().map((file) => [file, sha256(readFileSync(path.join(ROOT, file)))])),
  };
  // index.html last but one and the manifest last: a reader sees either the old build or the new one.
  writeAtomically(path.join(outdir, "index.html"), html);
  writeAtomically(path.join(outdir, "build.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  removeOldAssets(outdir, manifest);
  return manifest;
}

/** Hashed files of earlier builds, once they are an hour old (a page loaded before may still ask). */
function removeOldAssets(outdir: string, manifest: BuildManifest): void {
  const keep = new Set([manifest.files.script, manifest.files.styles]);
  const hourAgo = Date.now() - 3_600_000;
  for (const name of readdirSync(outdir)) {
    if (!/^(main|styles)-[A-Z0-9]+\.(js|css)$/.test(name) || keep.has(name)) continue;
    const file = path.join(outdir, name);
    if (statSync(file).mtimeMs < hourAgo) rmSync(file, { force: true });
  }
}

/** The manifest of the build in `outdir`, or why there is no usable one. */
export function readManifest(outdir: string = APP_DIST_DIR): BuildManifest | undefined {
  try {
    return JSON.parse(readFileSync(path.join(outdir, "build.json"), "utf8")) as BuildManifest;
  } catch {
    return undefined;
  }
}

/**
 * Whether `outdir` holds a build of the current sources: every input unchanged, every output
 * there. A new source file only matters once an existing one imports it, which changes that one.
 */
export function isAppBuildCurrent(outdir: string = APP_DIST_DIR): boolean {
  const manifest = readManifest(outdir);
  if (!manifest) return false;
  const outputs = ["index.html", manifest.files.script, manifest.files.styles, ...manifest.files.static, manifest.files.snippet ?? SNIPPET_FILE];
  if (!outputs.every((f) => existsSync(path.join(outdir, f)))) return false;
  return Object.entries(manifest.inputs).every(([file, hash]) => {
    try {
      return sha256(readFileSync(path.join(ROOT, file))) === hash;
    } catch {
      return false;
    }
  });
}

const pending = new Map<string, Promise<boolean>>();

/** Builds into `outdir` when it is missing or stale; true when it built. One build per folder at a time. */
export function ensureAppBuilt(outdir: string = APP_DIST_DIR): Promise<boolean> {
  const running = pending.get(outdir);
  if (running) return running;
  const build = (async () => {
    if (isAppBuildCurrent(outdir)) return false;
    await buildApp(outdir);
    return true;
  })();
  pending.set(outdir, build);
  // Forgotten once settled (never before it is stored: a current build settles at once).
  const forget = () => pending.delete(outdir);
  build.then(forget, forget);
  return build;
}

if (import.meta.main) {
  const outdir = path.resolve(process.argv[2] ?? APP_DIST_DIR);
  const started = performance.now();
  const manifest = await buildApp(outdir);
  const size = (f: string) => statSync(path.join(outdir, f)).size;
  process.stderr.write(
    `app built in ${Math.round(performance.now() - started)} ms into ${path.relative(process.cwd(), outdir) || "."}: ` +
      `${manifest.files.script} ${size(manifest.files.script)} B, ${manifest.files.styles} ${size(manifest.files.styles)} B\n`,
  );
}
