import { getSecretString } from "../aws/secrets.ts";
import type { CaptchaProvider, RuntimeConfig } from "../core/config.ts";
import type { CaptchaOutcome, CaptchaVerifier } from "./bot-protection.ts";

/** Where each provider verifies a widget's token (Cloudflare's and hCaptcha's documented endpoints). */
export const SITEVERIFY_URLS: Record<CaptchaProvider, string> = {
  turnstile: "https://challenges.cloudflare.com/turnstile/v0/siteverify",
  hcaptcha: "https://api.hcaptcha.com/siteverify",
};

export interface SiteverifyOptions {
  provider: CaptchaProvider;
  /** The provider's secret key; a function so a Secrets Manager secret is fetched on first use only. */
  secret: () => Promise<string>;
  /** Replaces the provider's endpoint (tests point it at a local stand-in). */
  url?: string;
  /** Give up after this long; the submission is then held rather than lost. @default 4000 */
  timeoutMs?: number;
}

/**
 * Verifies Turnstile and hCaptcha tokens with the provider's siteverify endpoint: both take the
 * same form-encoded POST (`secret`, `response`, `remoteip`) and answer JSON with `success` and
 * `error-codes`. Anything but such an answer (network error, timeout, 5xx, not JSON) throws, so
 * the caller can tell "refused" from "could not ask".
 *
 * @example
 * const verifier = new SiteverifyCaptchaVerifier({ provider: "turnstile", secret: async () => secretKey });
 * await verifier.verify(form["cf-turnstile-response"], clientIp); // { success: true, errorCodes: [] }
 */
export class SiteverifyCaptchaVerifier implements CaptchaVerifier {
  private readonly options: SiteverifyOptions;

  constructor(options: SiteverifyOptions) {
    this.options = options;
  }

  async verify(token: string, remoteIp?: string): Promise<CaptchaOutcome> {
    const body = new URLSearchParams({ secret: await this.options.secret(), response: token });
    if (remoteIp) body.set("remoteip", remoteIp);
    const res = await fetch(this.options.url ?? SITEVERIFY_URLS[this.options.provider], {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 4000),
    });
    const text = await res.text();
    if (!res.ok) throw new SiteverifyError(`${this.options.provider} siteverify answered ${res.status}`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new SiteverifyError(`${this.options.provider} siteverify answered something that is not JSON`);
    }
    const success = (value as { success?: unknown } | null)?.success;
    if (typeof success !== "boolean") throw new SiteverifyError(`${this.options.provider} siteverify answered without "success"`);
    const codes = (value as { "error-codes"?: unknown })["error-codes"];
    return { success, errorCodes: Array.isArray(codes) ? codes.filter((c): c is string => typeof c === "string").slice(0, 10) : [] };
  }
}

/** The provider could not be asked, or gave an answer that says nothing. */
export class SiteverifyError extends Error {
  override name = "SiteverifyError";
}

/**
 * The verifier the configuration asks for (`botProtection`), or undefined when no captcha is
 * configured. The secret is `CAPTCHA_SECRET`, or the Secrets Manager secret `CAPTCHA_SECRET_ARN`
 * names, fetched on first use and kept for the life of the function instance (a failed fetch is
 * not kept: the next submission tries again, and this one is held).
 */
export function captchaVerifierFromConfig(config: RuntimeConfig, env: NodeJS.ProcessEnv = process.env): CaptchaVerifier | undefined {
  const { captchaProvider: provider, captchaSecret, captchaSecretArn, captchaVerifyUrl } = config.botProtection;
  if (!provider) return undefined;
  let fetched: Promise<string> | undefined;
  const secret = async (): Promise<string> => {
    if (captchaSecret) return captchaSecret;
    if (!captchaSecretArn) throw new Error("configuration: CAPTCHA_PROVIDER needs CAPTCHA_SECRET or CAPTCHA_SECRET_ARN");
    if (!fetched) {
      const pending = getSecretString(captchaSecretArn, config.region, env, "the captcha secret");
      fetched = pending;
      pending.catch(() => {
        if (fetched === pending) fetched = undefined;
      });
    }
    return fetched;
  };
  return new SiteverifyCaptchaVerifier({ provider, secret, ...(captchaVerifyUrl ? { url: captchaVerifyUrl } : {}) });
}
