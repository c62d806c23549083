import { join, resolve } from "node:path";

/**
 * Where the local stack lives, from the same variables for `npm start`, the CLI and the bench:
 * PORT (API, 3000), DYNAMODB_PORT (8000), SES_PORT (8005), COGNITO_PORT (9229), RAPPORT_DATA_DIR
 * (.rapport/).
 */
export interface LocalEnv {
  apiPort: number;
  dynamodbPort: number;
  sesPort: number;
  /** cognito-local, the user pool people sign in to. */
  cognitoPort: number;
  dataDir: string;
  tableName: string;
  dynamodbEndpoint: string;
  sesEndpoint: string;
  cognitoEndpoint: string;
  /** Where cognito-local keeps its data (its `.cognito/` folder). */
  cognitoDir: string;
  /** The local user pool's ids (`{ userPoolId, clientId }`), written by `npm start`, read by the CLI. */
  cognitoPoolFile: string;
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
  const cognitoPort = port(env, "COGNITO_PORT", 9229);
  const dataDir = resolve(env.RAPPORT_DATA_DIR || ".rapport");
  return {
    apiPort,
    dynamodbPort,
    sesPort,
    cognitoPort,
    dataDir,
    tableName: "rapport",
    dynamodbEndpoint: `http://127.0.0.1:${dynamodbPort}`,
    sesEndpoint: `http://127.0.0.1:${sesPort}`,
    cognitoEndpoint: `http://127.0.0.1:${cognitoPort}`,
    cognitoDir: join(dataDir, "cognito"),
    cognitoPoolFile: join(dataDir, "cognito", "pool.json"),
    apiUrl: `http://localhost:${apiPort}`,
  };
}
