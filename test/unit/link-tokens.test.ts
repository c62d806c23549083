import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { fixedClock } from "../../shared/core/clock.ts";
import { configFromEnv } from "../../shared/core/config.ts";
import type { TokenPurpose } from "../../shared/email-links/tokens.ts";
import { issueToken, linkAttribution, parseAttribution, signToken, tokenSecret, verifyToken } from "../../shared/email-links/tokens.ts";

const SECRET = "test-secret-links-6f1c0e9a2b7d4e35";
const NOW = new Date("2027-01-15T09:00:00Z");
const DAY = 86_400_000;

describe("link tokens (shared/email-links/tokens.ts)", () => {
  const payload = { c: "cus_01HZZZZZZZZZZZZZZZZZZZZZZZ", p: "unsubscribe" as const, k: linkAttribution("win-back", "2027-01-10") };
  const token = signToken(SECRET, payload, new Date(NOW.getTime() + 30 * DAY));

  it("a signed token verifies for its purpose before it expires and gives the payload back", () => {
    const result = verifyToken(SECRET, token, "unsubscribe", NOW);
    expect(result).toEqual({ ok: true, payload: { ...payload, e: Math.floor((NOW.getTime() + 30 * DAY) / 1000) } });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  it("a changed signature is forged, whichever character changed", () => {
    const [body, signature] = token.split(".") as [string, string];
    for (let i = 0; i < signature.length; i++) {
      const swapped = signature[i] === "A" ? "B" : "A";
      const forged = `${body}.${signature.slice(0, i)}${swapped}${signature.slice(i + 1)}`;
      expect(verifyToken(SECRET, forged, "unsubscribe", NOW), `position ${i}`).toEqual({ ok: false, error: "forged" });
    }
    expect(verifyToken(SECRET, `${body}.${signature.slice(0, -1)}`, "unsubscribe", NOW)).toEqual({ ok: false, error: "forged" });
    expect(verifyToken("another-secret-of-enough-length", token, "unsubscribe", NOW)).toEqual({ ok: false, error: "forged" });
  });

  it("an altered payload with the original signature is forged (another customer, a later expiry, another purpose)", () => {
    const signature = token.split(".")[1];
    for (const altered of [
      { ...payload, c: "cus_01HYYYYYYYYYYYYYYYYYYYYYYY", e: Math.floor((NOW.getTime() + 30 * DAY) / 1000) },
      { ...payload, e: Math.floor((NOW.getTime() + 3650 * DAY) / 1000) },
      { ...payload, p: "feedback", e: Math.floor((NOW.getTime() + 30 * DAY) / 1000) },
    ]) {
      const body = Buffer.from(JSON.stringify(altered)).toString("base64url");
      expect(verifyToken(SECRET, `${body}.${signature}`, altered.p as TokenPurpose, NOW)).toEqual({ ok: false, error: "forged" });
    }
  });

  it("a token past its expiry is expired, from the very second it expires", () => {
    const expiresAt = new Date(NOW.getTime() + 1000);
    const short = signToken(SECRET, payload, expiresAt);
    expect(verifyToken(SECRET, short, "unsubscribe", NOW).ok).toBe(true);
    expect(verifyToken(SECRET, short, "unsubscribe", expiresAt)).toEqual({ ok: false, error: "expired" });
    expect(verifyToken(SECRET, short, "unsubscribe", new Date(NOW.getTime() + DAY))).toEqual({ ok: false, error: "expired" });
  });

  it("a token for one purpose is refused by the others", () => {
    expect(verifyToken(SECRET, token, "feedback", NOW)).toEqual({ ok: false, error: "wrong_purpose" });
    expect(verifyToken(SECRET, token, "confirm", NOW)).toEqual({ ok: false, error: "wrong_purpose" });
  });

  it("anything that is not a token is malformed, including a correctly signed non-payload", () => {
    for (const bad of ["", "abc", "a.b.c", "!!!.???", `${token}.x`, ".", "abc."]) {
      expect(verifyToken(SECRET, bad, "unsubscribe", NOW), bad).toEqual({ ok: false, error: "malformed" });
    }
    const garbage = Buffer.from("not json").toString("base64url");
    const signedGarbage = `${garbage}.${createHmac("sha256", SECRET).update(garbage).digest("base64url")}`;
    expect(verifyToken(SECRET, signedGarbage, "unsubscribe", NOW)).toEqual({ ok: false, error: "malformed" });
    const noCustomer = Buffer.from(JSON.stringify({ p: "unsubscribe", e: 9999999999 })).toString("base64url");
    expect(verifyToken(SECRET, `${noCustomer}.${createHmac("sha256", SECRET).update(noCustomer).digest("base64url")}`, "unsubscribe", NOW)).toEqual({
      ok: false,
      error: "malformed",
    });
  });

  it("attribution reads back campaign and occurrence, the occurrence may contain colons", () => {
    expect(parseAttribution(linkAttribution("low-feedback", "2027-01-15T09:00:00.000Z"))).toEqual({
      campaignId: "low-feedback",
      occurrence: "2027-01-15T09:00:00.000Z",
    });
    expect(parseAttribution("birthday")).toEqual({ campaignId: "birthday" });
    expect(parseAttribution(undefined)).toEqual({});
  });

  it("the key comes from TOKEN_SECRET; none configured, or too short, is a clear configuration error", async () => {
    const config = configFromEnv({ TABLE_NAME: "t", TOKEN_SECRET: SECRET });
    expect(await tokenSecret({ config })).toBe(SECRET);
    await expect(tokenSecret({ config: configFromEnv({ TABLE_NAME: "t" }) })).rejects.toThrow(/TOKEN_SECRET.*TOKEN_SECRET_ARN/);
    await expect(tokenSecret({ config: configFromEnv({ TABLE_NAME: "t", TOKEN_SECRET: "short" }) })).rejects.toThrow(/at least 16/);
    const issued = await issueToken({ config, clock: fixedClock(NOW) }, { c: "cus_x", p: "feedback" });
    const result = verifyToken(SECRET, issued, "feedback", NOW);
    expect(result.ok && result.payload.e).toBe(Math.floor(NOW.getTime() / 1000) + config.retention.tokenTtlDays * 86_400);
  });

  it("on AWS the key comes from the Secrets Manager secret TOKEN_SECRET_ARN, fetched once per cold start with a signed request; a failed fetch is retried", async () => {
    // A stand-in Secrets Manager endpoint on loopback that checks what a real one would look at.
    const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rapport-links-AbCdEf";
    const seen: { target?: string; authorization?: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        seen.push({ target: req.headers["x-amz-target"] as string, authorization: req.headers.authorization, body });
        if (seen.length === 1) {
          res.writeHead(400, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify({ __type: "AccessDeniedException", message: "no" }));
          return;
        }
        res
          .writeHead(200, { "content-type": "application/x-amz-json-1.1" })
          .end(JSON.stringify({ ARN: arn, SecretString: "from-secrets-manager-0123456789abcdef" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const env = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_SESSION_TOKEN: "session",
    });
    try {
      const config = configFromEnv({ TABLE_NAME: "t", TOKEN_SECRET_ARN: arn, AWS_REGION: "eu-west-1" });
      await expect(tokenSecret({ config })).rejects.toThrow("AccessDeniedException");
      expect(await tokenSecret({ config })).toBe("from-secrets-manager-0123456789abcdef");
      expect(await tokenSecret({ config })).toBe("from-secrets-manager-0123456789abcdef");
      expect(seen).toHaveLength(2);
      expect(seen[1]!.target).toBe("secretsmanager.GetSecretValue");
      expect(JSON.parse(seen[1]!.body)).toEqual({ SecretId: arn });
      expect(seen[1]!.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-target[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
      );
    } finally {
      process.env = env;
      server.close();
    }
  });
});
