import type { Server } from "node:http";
import sesLocalModule from "aws-ses-v2-local";
import { freePort } from "./dynamo.ts";

/** SES local (aws-ses-v2-local): a real SES v2 endpoint with a mail viewer and `GET /store`. */
export async function startSesLocal(port?: number): Promise<{ url: string; close(): Promise<void> }> {
  // A CommonJS module: Node's ESM interop hands over `module.exports` (the function sits on
  // `.default`); bundlers and vitest hand over the function itself.
  type Start = (config: { host: string; port: number }) => Promise<Server>;
  const mod = sesLocalModule as unknown as Start | { default: Start };
  const start = typeof mod === "function" ? mod : mod.default;
  const chosen = port ?? (await freePort());
  const server = await start({ host: "127.0.0.1", port: chosen });
  return {
    url: `http://127.0.0.1:${chosen}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
