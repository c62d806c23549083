import { resolve } from "node:path";

/**
 * Where the local stack lives, from the same variables for `npm start`, the CLI and the bench:
 * PORT (API, 3000), DYNAMODB_PORT (8000), SES_PORT (8005), RAPPORT_DATA_DIR (.rapport/).
 */
export interface LocalEnv {
  apiPort: number;
  dynamodbPort: number;
  sesPort: number;
  dataDir: string;
  tableName: string;
  dynamodbEndpoint: string;
  sesEndpoint: string;
  apiUrl: string;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  return n;
}

export function localEnv(env: NodeJS.ProcessEnv = process.env): LocalEnv {
  const apiPort = port(env, "PORT", 3000);
  const dynamodbPort = port(env, "DYNAMODB_PORT", 8000);
  const sesPort = port(env, "SES_PORT", 8005);
  return {
    apiPort,
    dynamodbPort,
    sesPort,
    dataDir: resolve(env.RAPPORT_DATA_DIR || ".rapport"),
    tableName: "rapport",
    dynamodbEndpoint: `http://127.0.0.1:${dynamodbPort}`,
    sesEndpoint: `http://127.0.0.1:${sesPort}`,
    apiUrl: `http://localhost:${apiPort}`,
  };
}
