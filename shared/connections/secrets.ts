import { FileSecretMap, putSecret, removeSecret, type SecretMapStore, SecretsManagerSecretMap } from "../aws/secret-map.ts";
import type { AwsCredentials } from "../aws/secrets.ts";
import type { Clock } from "../core/clock.ts";
import type { RuntimeConfig } from "../core/config.ts";
import type { Platform } from "./platforms.ts";

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

/** How often a signature mismatch may read the secrets again (shared/aws/secret-map.ts caches them). */
const REFRESH_MS = 30_000;

/** The connection secrets as a map of platform → secret in a `SecretMapStore` (a file, or Secrets Manager). */
class MapConnectionSecrets implements ConnectionSecrets {
  private readonly store: SecretMapStore;

  constructor(store: SecretMapStore) {
    this.store = store;
  }

  async secretsFor(platform: Platform): Promise<string[]> {
    const secret = (await this.store.read())[platform];
    return secret ? [secret] : [];
  }

  async refresh(): Promise<boolean> {
    // A file is read on every request already; a cached secret is read again at most every 30 s.
    if (!this.store.caches) return false;
    const age = this.store.cachedAgeMs();
    if (age !== undefined && age < REFRESH_MS) return false;
    await this.store.read(true);
    return true;
  }

  put(platform: Platform, secret: string): Promise<void> {
    return putSecret(this.store, platform, secret);
  }

  remove(platform: Platform): Promise<boolean> {
    return removeSecret(this.store, platform);
  }
}

/** The local stack's store: a JSON file in the data directory, readable by its owner only. */
export class FileConnectionSecrets extends MapConnectionSecrets {
  constructor(file: string) {
    super(new FileSecretMap(file));
  }
}

/**
 * On AWS: one Secrets Manager secret holding a JSON object, a key per platform. The CLI writes it
 * with the operator's credentials; the hooks function can only read it.
 */
export class SecretsManagerConnectionSecrets extends MapConnectionSecrets {
  constructor(secretArn: string, region: string, clock: Clock, credentials?: AwsCredentials) {
    super(new SecretsManagerSecretMap(secretArn, region, clock, "the shop connection secrets", credentials));
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
