import { FileSecretMap, putSecret, removeSecret, type SecretMapStore, SecretsManagerSecretMap } from "../aws/secret-map.ts";
import type { AwsCredentials } from "../aws/secrets.ts";
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

/** The signing secrets as a map of endpoint id → secret in a `SecretMapStore`. */
class MapWebhookSecrets implements WebhookSecrets {
  private readonly store: SecretMapStore;

  constructor(store: SecretMapStore) {
    this.store = store;
  }

  async get(id: string): Promise<string | undefined> {
    // An endpoint added after the cache was filled: read again rather than fail its deliveries.
    return (await this.store.read())[id] ?? (this.store.caches ? (await this.store.read(true))[id] : undefined);
  }

  put(id: string, secret: string): Promise<void> {
    return putSecret(this.store, id, secret);
  }

  remove(id: string): Promise<boolean> {
    return removeSecret(this.store, id);
  }
}

/** The local stack's store: a JSON file in the data directory, readable by its owner only. */
export class FileWebhookSecrets extends MapWebhookSecrets {
  constructor(file: string) {
    super(new FileSecretMap(file));
  }
}

/**
 * On AWS: one Secrets Manager secret holding the JSON object. The function that adds and removes
 * endpoints through the API and the CLI write it; the webhook sender only reads it.
 */
export class SecretsManagerWebhookSecrets extends MapWebhookSecrets {
  constructor(secretArn: string, region: string, clock: Clock, credentials?: AwsCredentials) {
    super(new SecretsManagerSecretMap(secretArn, region, clock, "the webhook signing secrets", credentials));
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
