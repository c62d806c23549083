import type { Deps } from "../core/deps.ts";
import { PayloadTooLarge, Unauthorized } from "../core/errors.ts";
import type { Platform } from "./platforms.ts";
import type { ConnectionSecrets } from "./secrets.ts";
import type { SignatureCheck, SignatureFailure } from "./signatures.ts";

/** Webhook bodies are larger than forms (an order with many lines); API Gateway allows 10 MB. */
export const MAX_HOOK_BYTES = 1024 * 1024;

const REFUSALS: Record<SignatureFailure, string> = {
  missing: "no signature header",
  malformed: "the signature header is not in the platform's format",
  stale: "the signature's timestamp is outside the 5-minute tolerance",
  mismatch: "the signature does not match the body with this connection's secret",
};

/**
 * Checks a delivery's signature against the connection's secret(s) before anything is read from
 * it. No connection, or a missing, malformed, stale or forged signature: `Unauthorized` (401),
 * and nothing is written. A mismatch re-reads the secrets once (the operator may have just
 * replaced one), no more often than the store allows.
 */
export async function verifyDelivery(
  deps: Deps,
  secrets: ConnectionSecrets,
  platform: Platform,
  size: number,
  check: (secrets: string[]) => SignatureCheck,
): Promise<SignatureCheck & { ok: true }> {
  if (size > MAX_HOOK_BYTES) throw new PayloadTooLarge(`body is larger than ${MAX_HOOK_BYTES} bytes`);
  let known = await secrets.secretsFor(platform);
  let result = known.length ? check(known) : undefined;
  if ((!result || (!result.ok && result.reason === "mismatch")) && (await secrets.refresh())) {
    known = await secrets.secretsFor(platform);
    result = known.length ? check(known) : undefined;
  }
  if (!result) throw new Unauthorized(`no ${platform} connection: add one with npx rapport connections add ${platform} --secret …`);
  if (!result.ok) {
    deps.logger.warn("webhook signature refused", { platform, reason: result.reason });
    throw new Unauthorized(REFUSALS[result.reason]);
  }
  return result;
}
