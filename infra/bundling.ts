import path from "node:path";
import type { BuildOptions } from "esbuild";

/**
 * esbuild emits ESM, but some bundled CommonJS dependencies still call `require` for Node
 * built-ins; this gives them one.
 */
export const REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * How every Lambda function is bundled: minified ESM for Node 24, `module` before `main` (smaller
 * and faster to import than esbuild's default main fields), an external source map, and the AWS
 * SDK bundled rather than taken from the runtime (no externals). The CDK stack
 * (NodejsFunction `bundling`) and `npm run bench` both read this, so the benchmark measures the
 * bundles that get deployed.
 */
/** Lambda-only replacements for dependencies (see shared/aws/lambda-credentials.ts for why). */
export const ALIASES: Record<string, string> = {
  "@aws-sdk/credential-provider-node": path.join(path.resolve(import.meta.dirname, ".."), "shared", "aws", "lambda-credentials.ts"),
  // No API Rapport calls streams events; see the file for what this saves.
  "@smithy/core/event-streams": path.join(path.resolve(import.meta.dirname, ".."), "shared", "aws", "no-event-streams.ts"),
};

export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  minify: true,
  /** `true`: an external .map file next to the output (what CDK's `sourceMap: true` does). */
  sourcemap: true,
  mainFields: ["module", "main"],
  external: [],
  banner: { js: REQUIRE_BANNER },
  alias: ALIASES,
} satisfies BuildOptions;
