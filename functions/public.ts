import { appConfig } from "../shared/auth/app-config.ts";
import type { Deps } from "../shared/core/deps.ts";
import { depsFromEnv } from "../shared/core/deps.ts";
import { httpFunction, lazyHandler } from "../shared/http/handler.ts";
import { html, json } from "../shared/http/http.ts";
import { openApiDocument } from "../shared/http/openapi.ts";
import { thankYouPage } from "../shared/http/pages.ts";

/** Public pages and metadata: health, the OpenAPI document, the thank-you page, the sign-in settings. */
export function makeHandler(deps: Deps) {
  let document: unknown;
  return httpFunction(
    "public",
    {
      health: async () => json(200, { status: "ok" }),
      openapi: async () => json(200, (document ??= openApiDocument(deps.config.publicBaseUrl)), { "cache-control": "public, max-age=300" }),
      thankYouPage: async () => html(200, thankYouPage()),
      appConfig: async () => json(200, appConfig(deps), { "cache-control": "public, max-age=300" }),
    },
    deps,
  );
}

export const handler = lazyHandler(() => makeHandler(depsFromEnv()));
