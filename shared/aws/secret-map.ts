import { chmod, readFile, rename, writeFile } from "node:fs/promises";
import type { Clock } from "../core/clock.ts";
import type { AwsCredentials } from "./secrets.ts";
import { getSecretString, putSecretString } from "./secrets.ts";

/**
 * A JSON object of named secrets (shop connection secrets by platform, webhook signing secrets by
 * endpoint), kept in one place: a file in the local data directory, or one Secrets Manager secret
 * on AWS. The stores built on it (shared/connections/secrets.ts, shared/webhooks/secrets.ts) say
 * what the names mean.
 */
export interface SecretMapStore {
  /** The map; `fresh` skips the cached copy (a store that does not cache always reads). */
  read(fresh?: boolean): Promise<Record<string, string>>;
  write(map: Record<string, string>): Promise<void>;
  /** Milliseconds since the cached copy was read; undefined when none is cached. */
  cachedAgeMs(): number | undefined;
  /** Whether reads are cached (Secrets Manager) or cost nothing worth caching (a file). */
  readonly caches: boolean;
}

/** Sets one name, keeping the others. */
export async function putSecret(store: SecretMapStore, name: string, secret: string): Promise<void> {
  await store.write({ ...(await store.read(true)), [name]: secret });
}

/** Removes one name; false when it was not there. */
export async function removeSecret(store: SecretMapStore, name: string): Promise<boolean> {
  const map = { ...(await store.read(true)) };
  if (!map[name]) return false;
  delete map[name];
  await store.write(map);
  return true;
}

function parseSecretMap(text: string, where: string): Record<string, string> {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not JSON`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`${where} must hold a JSON object`);
  const map: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string" && v !== "") map[k] = v;
  return map;
}

/** The local stack's store: a JSON file in the data directory, readable by its owner only. */
export class FileSecretMap implements SecretMapStore {
  readonly caches = false;
  private readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  async read(): Promise<Record<string, string>> {
    try {
      return parseSecretMap(await readFile(this.file, "utf8"), this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw err;
    }
  }

  async write(map: Record<string, string>): Promise<void> {
    // Written whole then renamed over the old one, so a reader never sees half a file.
    const temporary = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, `${JSON.stringify(map, null, 2)}\n`, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.file);
  }

  cachedAgeMs(): undefined {
    return undefined;
  }
}

/** How long a function keeps the secrets it read. */
const CACHE_MS = 5 * 60_000;

/**
 * On AWS: one Secrets Manager secret holding the JSON object, read with one signed request per cold
 * start (then cached for a few minutes). The CLI writes it with the operator's credentials; the
 * functions can only read it.
 */
export class SecretsManagerSecretMap implements SecretMapStore {
  readonly caches = true;
  private cached?: { map: Record<string, string>; at: number };
  private readonly secretArn: string;
  private readonly region: string;
  private readonly clock: Clock;
  /** What the secret holds, for errors ("the webhook signing secrets"). */
  private readonly what: string;
  /** The CLI's credentials (the default chain); the function's come from its environment. */
  private readonly credentials?: AwsCredentials;

  constructor(secretArn: string, region: string, clock: Clock, what: string, credentials?: AwsCredentials) {
    this.secretArn = secretArn;
    this.region = region;
    this.clock = clock;
    this.what = what;
    this.credentials = credentials;
  }

  async read(fresh = false): Promise<Record<string, string>> {
    const now = this.clock.now().getTime();
    if (!fresh && this.cached && now - this.cached.at < CACHE_MS) return this.cached.map;
    const text = await getSecretString(this.secretArn, this.region, process.env, this.what, this.credentials);
    this.cached = { map: parseSecretMap(text, this.what), at: now };
    return this.cached.map;
  }

  async write(map: Record<string, string>): Promise<void> {
    await putSecretString(this.secretArn, JSON.stringify(map), this.region, this.writeCredentials(), this.what);
    this.cached = undefined;
  }

  cachedAgeMs(): number | undefined {
    return this.cached ? this.clock.now().getTime() - this.cached.at : undefined;
  }

  private writeCredentials(): AwsCredentials {
    if (this.credentials) return this.credentials;
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = process.env;
    if (!accessKeyId || !secretAccessKey) throw new Error(`no AWS credentials to write ${this.what} with`);
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
}
