import { chmod, readFile, rename, writeFile } from "node:fs/promises";
import type { AwsCredentials } from "../aws/secrets.ts";
import { getSecretString, putSecretString } from "../aws/secrets.ts";
import type { Clock } from "../core/clock.ts";
import type { RuntimeConfig } from "../core/config.ts";
import type { Platform } from "./platforms.ts";
import { isPlatform } from "./platforms.ts";

/**
 * Where each connection's webhook signing secret is kept. The secrets never go to the table, to
 * a log or to an API answer: a leaked secret lets anyone post orders.
 */
export interface ConnectionSecrets {
  /** The secrets a platform's deliveries may be signed with; empty: not connected. */
  secretsFor(platform: Platform): Promise<string[]>;
  /**
   * After a signature did not match: read the store again (a secret changed since it was
   * cached), at most every so often, so forged posts cannot make every request a read.
   */
  refresh(): Promise<boolean>;
  put(platform: Platform, secret: string): Promise<void>;
  remove(platform: Platform): Promise<boolean>;
}

type SecretMap = Partial<Record<Platform, string>>;

function parseMap(text: string, where: string): SecretMap {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not JSON`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`${where} must hold a JSON object`);
  const map: SecretMap = {};
  for (const [k, v] of Object.entries(value)) if (isPlatform(k) && typeof v === "string" && v !== "") map[k] = v;
  return map;
}

/** The local stack's store: a JSON file in the data directory, readable by its owner only. */
export class FileConnectionSecrets implements ConnectionSecrets {
  private readonly file: string;
  constructor(file: string) {
    this.file = file;
  }

  private async read(): Promise<SecretMap> {
    try {
      return parseMap(await readFile(this.file, "utf8"), this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw err;
    }
  }

  private async write(map: SecretMap): Promise<void> {
    // Written whole then renamed over the old one, so a reader never sees half a file.
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(map, null, 2)}\n`, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.file);
  }

  async secretsFor(platform: Platform): Promise<string[]> {
    const secret = (await this.read())[platform];
    return secret ? [secret] : [];
  }

  async refresh(): Promise<boolean> {
    // Read on every request already: a file read costs nothing worth caching.
    return false;
  }

  async put(platform: Platform, secret: string): Promise<void> {
    await this.write({ ...(await this.read()), [platform]: secret });
  }

  async remove(platform: Platform): Promise<boolean> {
    const map = await this.read();
    if (!map[platform]) return false;
    delete map[platform];
    await this.write(map);
    return true;
  }
}

/** How long a function keeps the secrets it read, and how often a mismatch may re-read them. */
const CACHE_MS = 5 * 60_000;
const REFRESH_MS = 30_000;

/**
 * On AWS: one Secrets Manager secret holding a JSON object, a key per platform, read with one
 * signed request per cold start (and after a change, see `refresh`). The CLI writes it with the
 * operator's credentials; the hooks function can only read it.
 */
export class SecretsManagerConnectionSecrets implements ConnectionSecrets {
  private cached?: { map: SecretMap; at: number };
  private readonly secretArn: string;
  private readonly region: string;
  private readonly clock: Clock;
  /** The CLI's credentials (the default chain); the function's come from its environment. */
  private readonly credentials?: AwsCredentials;

  constructor(secretArn: string, region: string, clock: Clock, credentials?: AwsCredentials) {
    this.secretArn = secretArn;
    this.region = region;
    this.clock = clock;
    this.credentials = credentials;
  }

  private async read(fresh = false): Promise<SecretMap> {
    const now = this.clock.now().getTime();
    if (!fresh && this.cached && now - this.cached.at < CACHE_MS) return this.cached.map;
    const text = await getSecretString(this.secretArn, this.region, process.env, "the shop connection secrets", this.credentials);
    this.cached = { map: parseMap(text, "the shop connection secrets"), at: now };
    return this.cached.map;
  }

  async secretsFor(platform: Platform): Promise<string[]> {
    const secret = (await this.read())[platform];
    return secret ? [secret] : [];
  }

  async refresh(): Promise<boolean> {
    if (this.cached && this.clock.now().getTime() - this.cached.at < REFRESH_MS) return false;
    await this.read(true);
    return true;
  }

  async put(platform: Platform, secret: string): Promise<void> {
    const map = { ...(await this.read(true)), [platform]: secret };
    await putSecretString(this.secretArn, JSON.stringify(map), this.region, this.requireCredentials(), "the shop connection secrets");
    this.cached = undefined;
  }

  async remove(platform: Platform): Promise<boolean> {
    const map = { ...(await this.read(true)) };
    if (!map[platform]) return false;
    delete map[platform];
    await putSecretString(this.secretArn, JSON.stringify(map), this.region, this.requireCredentials(), "the shop connection secrets");
    this.cached = undefined;
    return true;
  }

  private requireCredentials(): AwsCredentials {
    if (this.credentials) return this.credentials;
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = process.env;
    if (!accessKeyId || !secretAccessKey) throw new Error("no AWS credentials to write the shop connection secrets with");
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
}

/** A store that holds nothing: neither a secret ARN nor a file is configured. */
class NoConnectionSecrets implements ConnectionSecrets {
  async secretsFor(): Promise<string[]> {
    return [];
  }
  async refresh(): Promise<boolean> {
    return false;
  }
  async put(): Promise<void> {
    throw new Error("no place to keep connection secrets: set CONNECTIONS_SECRET_ARN (AWS) or CONNECTIONS_FILE (local)");
  }
  async remove(): Promise<boolean> {
    return false;
  }
}

/** The store the configuration names: Secrets Manager on AWS, the data directory's file locally. */
export function connectionSecretsFromConfig(config: RuntimeConfig, clock: Clock, credentials?: AwsCredentials): ConnectionSecrets {
  if (config.connections.secretArn) return new SecretsManagerConnectionSecrets(config.connections.secretArn, config.region, clock, credentials);
  if (config.connections.file) return new FileConnectionSecrets(config.connections.file);
  return new NoConnectionSecrets();
}
