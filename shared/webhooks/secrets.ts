import { chmod, readFile, rename, writeFile } from "node:fs/promises";
import type { AwsCredentials } from "../aws/secrets.ts";
import { getSecretString, putSecretString } from "../aws/secrets.ts";
import type { Clock } from "../core/clock.ts";
import type { RuntimeConfig } from "../core/config.ts";

/**
 * Where each outbound webhook endpoint's signing secret (`whsec_…`) is kept: one JSON object, a key
 * per endpoint id, in a Secrets Manager secret on AWS or a file in the data directory locally. A
 * secret is shown once, when the endpoint is added, and never goes to the table, a log or a list.
 */
export interface WebhookSecrets {
  get(id: string): Promise<string | undefined>;
  put(id: string, secret: string): Promise<void>;
  remove(id: string): Promise<boolean>;
}

type SecretMap = Record<string, string>;

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
  for (const [k, v] of Object.entries(value)) if (typeof v === "string" && v !== "") map[k] = v;
  return map;
}

/** The local stack's store: a JSON file in the data directory, readable by its owner only. */
export class FileWebhookSecrets implements WebhookSecrets {
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
    const temporary = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, `${JSON.stringify(map, null, 2)}\n`, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.file);
  }

  async get(id: string): Promise<string | undefined> {
    return (await this.read())[id];
  }

  async put(id: string, secret: string): Promise<void> {
    await this.write({ ...(await this.read()), [id]: secret });
  }

  async remove(id: string): Promise<boolean> {
    const map = await this.read();
    if (!map[id]) return false;
    delete map[id];
    await this.write(map);
    return true;
  }
}

/** How long a function keeps the secrets it read; an unknown id reads them again at once. */
const CACHE_MS = 5 * 60_000;

/**
 * On AWS: one Secrets Manager secret holding the JSON object. The hooks function (which adds and
 * removes endpoints through the API) and the CLI write it; the webhook sender only reads it.
 */
export class SecretsManagerWebhookSecrets implements WebhookSecrets {
  private cached?: { map: SecretMap; at: number };
  private readonly secretArn: string;
  private readonly region: string;
  private readonly clock: Clock;
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
    const text = await getSecretString(this.secretArn, this.region, process.env, "the webhook signing secrets", this.credentials);
    this.cached = { map: parseMap(text, "the webhook signing secrets"), at: now };
    return this.cached.map;
  }

  async get(id: string): Promise<string | undefined> {
    // An endpoint added after the cache was filled: read again rather than fail its deliveries.
    return (await this.read())[id] ?? (await this.read(true))[id];
  }

  async put(id: string, secret: string): Promise<void> {
    const map = { ...(await this.read(true)), [id]: secret };
    await putSecretString(this.secretArn, JSON.stringify(map), this.region, this.writeCredentials(), "the webhook signing secrets");
    this.cached = undefined;
  }

  async remove(id: string): Promise<boolean> {
    const map = { ...(await this.read(true)) };
    if (!map[id]) return false;
    delete map[id];
    await putSecretString(this.secretArn, JSON.stringify(map), this.region, this.writeCredentials(), "the webhook signing secrets");
    this.cached = undefined;
    return true;
  }

  private writeCredentials(): AwsCredentials {
    if (this.credentials) return this.credentials;
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = process.env;
    if (!accessKeyId || !secretAccessKey) throw new Error("no AWS credentials to write the webhook signing secrets with");
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
}

/** A store that holds nothing: neither a secret ARN nor a file is configured. */
class NoWebhookSecrets implements WebhookSecrets {
  async get(): Promise<string | undefined> {
    return undefined;
  }
  async put(): Promise<void> {
    throw new Error("no place to keep webhook secrets: set WEBHOOKS_SECRET_ARN (AWS) or WEBHOOKS_FILE (local)");
  }
  async remove(): Promise<boolean> {
    return false;
  }
}

/** The store the configuration names: Secrets Manager on AWS, the data directory's file locally. */
export function webhookSecretsFromConfig(config: RuntimeConfig, clock: Clock, credentials?: AwsCredentials): WebhookSecrets {
  if (config.webhooks.secretArn) return new SecretsManagerWebhookSecrets(config.webhooks.secretArn, config.region, clock, credentials);
  if (config.webhooks.file) return new FileWebhookSecrets(config.webhooks.file);
  return new NoWebhookSecrets();
}
