import type { Server } from "node:http";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Deps } from "../shared/deps.ts";
import { depsFromEnv } from "../shared/deps.ts";
import { freePort } from "./dynamo.ts";
import { createApiServer } from "./server.ts";
import { ensureTable } from "./table.ts";

export interface LocalApiOptions {
  /** DynamoDB Local's endpoint. */
  dynamodbEndpoint: string;
  tableName: string;
  /** 0 or absent: any free port. */
  port?: number;
  host?: string;
  /** Extra origins besides the API's own. */
  allowedOrigins?: string[];
  /** Environment overrides (thresholds, consent version, ...), as the CDK stack would set them. */
  env?: Record<string, string>;
  deps?: Partial<Deps>;
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT";
}

export interface LocalApi {
  url: string;
  port: number;
  deps: Deps;
  server: Server;
  close(): Promise<void>;
}

/**
 * Creates the table if needed and serves the API on a port: what `npm start`, the tests and the
 * benchmark all run. The handlers get the same environment variables Lambda would give them.
 */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  await ensureTable(options.dynamodbEndpoint, options.tableName);
  const port = options.port || (await freePort());
  const host = options.host ?? "127.0.0.1";
  const url = `http://${host === "0.0.0.0" ? "localhost" : host}:${port}`;
  const ownOrigins = [url, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
  const env: NodeJS.ProcessEnv = {
    TABLE_NAME: options.tableName,
    DYNAMODB_ENDPOINT: options.dynamodbEndpoint,
    AWS_REGION: "us-east-1",
    ALLOWED_ORIGINS: [...new Set([...ownOrigins, ...(options.allowedOrigins ?? [])])].join(","),
    PUBLIC_BASE_URL: url,
    ...options.env,
  };
  const logger = new Logger({ serviceName: "rapport", logLevel: options.logLevel ?? "WARN" });
  const deps = depsFromEnv(env, { logger, ...options.deps });
  const server = createApiServer(deps);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    url,
    port,
    deps,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        deps.db.destroy();
      }),
  };
}
