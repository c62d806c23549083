import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { LogItem } from "@aws-lambda-powertools/logger";
import { Logger } from "@aws-lambda-powertools/logger";
import { beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../local/cognito.ts";
import { cognitoCall } from "../shared/aws/cognito.ts";
import { useStack } from "./support/stack.ts";

/**
 * People sign in as themselves: tokens from the user pool (cognito-local, a real process) are
 * accepted wherever an API key is, with the person's role deciding what they may do; every
 * change made through the API records who made it.
 */
/** Every log line the handlers write, to show no token, password, name or email of a person is among them. */
class CapturingLogger extends Logger {
  readonly lines: string[] = [];
  protected override printLog(_level: number, log: LogItem): void {
    this.lines.push(JSON.stringify(log.getAttributes()));
  }
}
const logger = new CapturingLogger({ serviceName: "rapport", logLevel: "DEBUG" });
const stack = useStack({ cognito: true, logger });
/** What must never reach a log line. */
const secrets: string[] = [];

interface Tokens {
  idToken: string;
  accessToken: string;
}
let owner: { id: string; tokens: Tokens };
let staff: { id: string; tokens: Tokens };

async function addAndSignIn(email: string, role: "owner" | "staff", name?: string) {
  const added = await stack.api("/v1/people", { key: stack.adminKey, body: { email, role, ...(name ? { name } : {}) } });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  const tokens = await signIn(stack.cognito!, email, added.body.password);
  secrets.push(email, added.body.password, tokens.idToken, tokens.accessToken, ...(name ? [name] : []));
  return { id: added.body.person.id as string, tokens, password: added.body.password as string };
}

async function newCustomer(email: string): Promise<string> {
  const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email } });
  return res.body.customerId;
}

/** Decodes a JWT's parts (no verification: the test only rewrites them). */
function parts(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string } {
  const [h, p, sig] = token.split(".");
  return { header: JSON.parse(Buffer.from(h!, "base64url").toString()), payload: JSON.parse(Buffer.from(p!, "base64url").toString()), signature: sig! };
}

/**
 * Signs claims with cognito-local's own private key (it ships in the package): a token only the
 * claims make invalid, since its signature verifies against the pool's JWKS.
 */
function signAsCognitoLocal(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const file = createRequire(import.meta.url).resolve("cognito-local/lib/keys/cognitoLocal.private.json");
  const { jwk } = JSON.parse(readFileSync(file, "utf8")) as { jwk: Record<string, string> };
  const key = createPrivateKey({ key: jwk, format: "jwk" });
  const unsigned = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${unsigned}.${sign("RSA-SHA256", Buffer.from(unsigned), key).toString("base64url")}`;
}

beforeAll(async () => {
  owner = await addAndSignIn("olive.owner@shop.example", "owner", "Olive Owner");
  staff = await addAndSignIn("sam.staff@shop.example", "staff", "Sam Staff");
});

describe("signing in", () => {
  it("tells a browser which pool, client and endpoint to sign in with, without credentials and without secrets", async () => {
    const res = await stack.api("/v1/app-config");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      signIn: {
        provider: "cognito",
        region: "us-east-1",
        userPoolId: stack.cognito!.userPoolId,
        clientId: stack.cognito!.clientId,
        endpoint: `${stack.cognito!.endpoint}/`,
        authFlows: ["USER_PASSWORD_AUTH"],
      },
    });
    // What a browser does with it: InitiateAuth straight to the pool.
    const { signIn: config } = res.body;
    const auth = await fetch(config.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth" },
      body: JSON.stringify({
        ClientId: config.clientId,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: "browser.person@shop.example", PASSWORD: "wrong-Passw0rd!" },
      }),
    });
    expect(auth.status).toBe(400);
  });

  it("accepts an owner's id token and access token wherever an admin key works, and says who they are", async () => {
    for (const token of [owner.tokens.idToken, owner.tokens.accessToken]) {
      expect((await stack.api("/v1/customers", { key: token })).status).toBe(200);
      const me = await stack.api("/v1/me", { key: token });
      expect(me.status).toBe(200);
      expect(me.body).toEqual({ type: "person", id: owner.id, name: "Olive Owner", role: "owner", scopes: ["admin"] });
    }
  });

  it("tells an API key who it is too: its id and scopes", async () => {
    const me = await stack.api("/v1/me", { key: stack.leadsKey });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ type: "key", id: expect.stringMatching(/^[0-9a-f]{12}$/), scopes: ["leads:write"] });
  });

  it("never stores a password: the directory holds the person's id, email, name and role only", async () => {
    const people = await stack.api("/v1/people", { key: owner.tokens.idToken });
    expect(people.status).toBe(200);
    const olive = people.body.items.find((p: { email: string }) => p.email === "olive.owner@shop.example");
    expect(olive).toEqual({ id: owner.id, email: "olive.owner@shop.example", name: "Olive Owner", role: "owner", createdAt: expect.any(String) });
    const raw = JSON.stringify(people.body);
    expect(raw).not.toMatch(/password/i);
  });
});

describe("roles", () => {
  it("lets staff do the day-to-day work: read and edit customers, log interactions, read reports", async () => {
    const id = await newCustomer("staff.work@example.com");
    const token = staff.tokens.accessToken;
    expect((await stack.api(`/v1/customers/${id}`, { key: token })).status).toBe(200);
    expect((await stack.api(`/v1/customers/${id}`, { key: token, method: "PATCH", body: { firstName: "Wren" } })).status).toBe(200);
    expect((await stack.api("/v1/events", { key: token, body: { type: "call", customerId: id, text: "Asked about delivery times." } })).status).toBe(201);
    expect((await stack.api("/v1/reports/funnel", { key: token })).status).toBe(200);
    expect((await stack.api("/v1/campaigns", { key: token })).status).toBe(200);
  });

  it("refuses staff erasure, people, API keys and campaign edits with 403, and changes nothing", async () => {
    const id = await newCustomer("staff.forbidden@example.com");
    const token = staff.tokens.idToken;
    const attempts = [
      { path: `/v1/customers/${id}`, method: "DELETE" },
      { path: "/v1/keys", method: "GET" },
      { path: "/v1/keys", method: "POST", body: { scopes: ["admin"] } },
      { path: "/v1/keys/0123456789ab", method: "DELETE" },
      { path: "/v1/people", method: "GET" },
      { path: "/v1/people", method: "POST", body: { email: "friend@shop.example", role: "owner" } },
      { path: `/v1/people/${owner.id}`, method: "DELETE" },
      { path: "/v1/campaigns/thank-you", method: "PUT", body: { name: "x" } },
    ];
    for (const attempt of attempts) {
      const res = await stack.api(attempt.path, { key: token, method: attempt.method, ...(attempt.body ? { body: attempt.body } : {}) });
      expect(res.status, `${attempt.method} ${attempt.path}`).toBe(403);
      expect(res.body, `${attempt.method} ${attempt.path}`).toEqual({ error: "forbidden", message: "staff cannot do this; it takes an owner" });
    }
    expect((await stack.api(`/v1/customers/${id}`, { key: stack.adminKey })).status).toBe(200);
    expect((await stack.api("/v1/people", { key: stack.adminKey })).body.items.map((p: { email: string }) => p.email)).not.toContain("friend@shop.example");
  });

  it("lets an owner erase a customer, manage keys and people", async () => {
    const id = await newCustomer("owner.erases@example.com");
    const token = owner.tokens.accessToken;
    expect((await stack.api(`/v1/customers/${id}`, { key: token, method: "DELETE" })).status).toBe(200);
    const created = await stack.api("/v1/keys", { key: token, body: { scopes: ["leads:write"], name: "shop webhook" } });
    expect(created.status).toBe(201);
    expect((await stack.api("/v1/leads", { key: created.body.key, body: { email: "via.new.key@example.com" } })).status).toBe(201);
    expect((await stack.api(`/v1/keys/${created.body.info.id}`, { key: token, method: "DELETE" })).body.revokedAt).toEqual(expect.any(String));
    expect((await stack.api("/v1/me", { key: created.body.key })).status).toBe(401);
  });
});

describe("tokens that are not good enough", () => {
  it("refuses an expired token, a tampered one, one from another pool, one for another app client, and garbage, with 401", async () => {
    const { header, payload, signature } = parts(owner.tokens.idToken);
    const expired = signAsCognitoLocal(header, { ...payload, iat: (payload.iat as number) - 7200, exp: Math.floor(Date.now() / 1000) - 60 });
    // Staff promoting themselves: the claims change, the signature does not.
    const staffParts = parts(staff.tokens.idToken);
    const tampered = [
      Buffer.from(JSON.stringify(staffParts.header)).toString("base64url"),
      Buffer.from(JSON.stringify({ ...staffParts.payload, sub: owner.id, "cognito:groups": ["owner"] })).toString("base64url"),
      staffParts.signature,
    ].join(".");

    // Another pool in the same cognito-local: same signing key, another issuer.
    const target = { region: "us-east-1", endpoint: stack.cognito!.endpoint };
    const other = (await cognitoCall<{ UserPool: { Id: string } }>(target, "CreateUserPool", { PoolName: "elsewhere", UsernameAttributes: ["email"] })).UserPool
      .Id;
    const otherClient = (
      await cognitoCall<{ UserPoolClient: { ClientId: string } }>(target, "CreateUserPoolClient", {
        UserPoolId: other,
        ClientName: "x",
        ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH"],
      })
    ).UserPoolClient.ClientId;
    await cognitoCall(target, "AdminCreateUser", {
      UserPoolId: other,
      Username: "olive.owner@shop.example",
      MessageAction: "SUPPRESS",
      UserAttributes: [{ Name: "email", Value: "olive.owner@shop.example" }],
    });
    await cognitoCall(target, "AdminSetUserPassword", {
      UserPoolId: other,
      Username: "olive.owner@shop.example",
      Password: "An0ther-pool-pass!",
      Permanent: true,
    });
    const otherPool = await signIn({ endpoint: target.endpoint, userPoolId: other, clientId: otherClient }, "olive.owner@shop.example", "An0ther-pool-pass!");
    // A token of the right pool with the person's real sub, forged to claim the other pool: issuer mismatch.
    const reIssued = signAsCognitoLocal(header, { ...payload, iss: `${stack.cognito!.endpoint}/${other}` });

    // Another app client of the right pool: a token not issued to the dashboard.
    const stranger = (
      await cognitoCall<{ UserPoolClient: { ClientId: string } }>(target, "CreateUserPoolClient", {
        UserPoolId: stack.cognito!.userPoolId,
        ClientName: "stranger",
        ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH"],
      })
    ).UserPoolClient.ClientId;
    const password = (await stack.api("/v1/people", { key: stack.adminKey, body: { email: "client.check@shop.example", role: "owner" } })).body.password;
    const otherClientTokens = await signIn({ ...stack.cognito!, clientId: stranger }, "client.check@shop.example", password);

    const refused: Record<string, string> = {
      expired,
      tampered,
      "another pool": otherPool.idToken,
      "another pool's access token": otherPool.accessToken,
      "another issuer": reIssued,
      "another app client (id token)": otherClientTokens.idToken,
      "another app client (access token)": otherClientTokens.accessToken,
      "signature cut off": `${owner.tokens.idToken.split(".").slice(0, 2).join(".")}.`,
      "no signature algorithm": `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.`,
      "a refresh token": "not.a.jwt",
      "random words": "hello",
    };
    expect(signature).not.toBe("");
    for (const [what, token] of Object.entries(refused)) {
      const res = await stack.api("/v1/customers", { key: token });
      expect(res.status, what).toBe(401);
      expect(res.body.error, what).toBe("unauthorized");
    }
    // The genuine article still works.
    expect((await stack.api("/v1/customers", { key: owner.tokens.idToken })).status).toBe(200);
  });

  it("ends a removed person's access at once, even with an unexpired token", async () => {
    const leaving = await addAndSignIn("leaving.soon@shop.example", "staff", "Lee Leaving");
    expect((await stack.api("/v1/customers", { key: leaving.tokens.accessToken })).status).toBe(200);
    const removed = await stack.api(`/v1/people/${leaving.id}`, { key: owner.tokens.idToken, method: "DELETE" });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ id: leaving.id, email: "leaving.soon@shop.example", role: "staff" });
    for (const token of [leaving.tokens.accessToken, leaving.tokens.idToken]) expect((await stack.api("/v1/customers", { key: token })).status).toBe(401);
    // And Cognito no longer signs them in.
    await expect(signIn(stack.cognito!, "leaving.soon@shop.example", leaving.password)).rejects.toThrow();
    expect((await stack.api(`/v1/people/${leaving.id}`, { key: owner.tokens.idToken, method: "DELETE" })).status).toBe(404);
  });

  it("refuses to add someone twice, and names a bad email or role", async () => {
    const again = await stack.api("/v1/people", { key: owner.tokens.idToken, body: { email: "SAM.staff@shop.example", role: "owner" } });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe("person_exists");
    const bad = await stack.api("/v1/people", { key: owner.tokens.idToken, body: { email: "not-an-email", role: "boss", password: "hunter2" } });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(["email", "password", "role"]);
  });
});

describe("who made each change", () => {
  it("records the key on an interaction logged with an API key, and the person on one logged with their token", async () => {
    const id = await newCustomer("who.logged@example.com");
    const byKey = await stack.api("/v1/events", { key: stack.adminKey, body: { type: "note", customerId: id, text: "Prefers email to calls." } });
    expect(byKey.status).toBe(201);
    const byPerson = await stack.api("/v1/events", {
      key: staff.tokens.idToken,
      body: { type: "meeting", customerId: id, text: "Met at the market stall;\nwants the spring catalogue." },
    });
    expect(byPerson.status).toBe(201);
    const keyId = (await stack.api("/v1/me", { key: stack.adminKey })).body.id;

    const timeline = await stack.api(`/v1/customers/${id}/timeline`, { key: stack.adminKey });
    const note = timeline.body.items.find((e: { type: string }) => e.type === "note");
    const meeting = timeline.body.items.find((e: { type: string }) => e.type === "meeting");
    expect(note).toMatchObject({ text: "Prefers email to calls.", by: { type: "key", id: keyId } });
    expect(meeting).toMatchObject({ text: "Met at the market stall;\nwants the spring catalogue.", by: { type: "person", id: staff.id, name: "Sam Staff" } });
    // The 360° view's recent timeline shows the same.
    const view = await stack.api(`/v1/customers/${id}`, { key: owner.tokens.idToken });
    expect(view.body.recentTimeline.find((e: { type: string }) => e.type === "meeting").by).toEqual({ type: "person", id: staff.id, name: "Sam Staff" });
    // The customer's own copy (GDPR access) carries the words about them, not who on the team wrote them.
    const exported = await stack.api(`/v1/customers/${id}/export`, { key: stack.adminKey });
    const text = JSON.stringify(exported.body);
    expect(text).toContain("wants the spring catalogue.");
    expect(text).toContain("Prefers email to calls.");
    expect(text).not.toContain("Sam Staff");
  });

  it("records the person on a profile edit", async () => {
    const id = await newCustomer("who.edited@example.com");
    expect((await stack.api(`/v1/customers/${id}`, { key: owner.tokens.accessToken, method: "PATCH", body: { company: "Bakery" } })).status).toBe(200);
    const timeline = await stack.api(`/v1/customers/${id}/timeline`, { key: stack.adminKey });
    const edit = timeline.body.items.find((e: { type: string }) => e.type === "profile_updated");
    expect(edit.by).toEqual({ type: "person", id: owner.id, name: "Olive Owner" });
    expect(edit.data).toEqual({ changed: ["company"] });
  });

  it("refuses a note whose words are in an unknown field, naming the field, and stores nothing", async () => {
    const id = await newCustomer("lost.note@example.com");
    for (const field of ["note", "summary"]) {
      const res = await stack.api("/v1/events", { key: stack.adminKey, body: { type: "note", customerId: id, [field]: "These words must not vanish." } });
      expect(res.status, field).toBe(400);
      expect(res.body).toEqual({ error: "validation", fields: [{ field, message: "is not a known field" }] });
    }
    const timeline = await stack.api(`/v1/customers/${id}/timeline`, { key: stack.adminKey });
    expect(timeline.body.items.map((e: { type: string }) => e.type)).not.toContain("note");
  });

  it("refuses a text longer than 10,000 characters, naming it", async () => {
    const id = await newCustomer("long.note@example.com");
    const res = await stack.api("/v1/events", { key: stack.adminKey, body: { type: "note", customerId: id, text: "x".repeat(10_001) } });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([{ field: "text", message: "at most 10000 characters" }]);
  });
});

describe("logs", () => {
  it("carry no token, password, name or email of a person, only ids and outcomes, after everything above", () => {
    const log = logger.lines.join("\n");
    expect(log).toContain("sign-in token rejected");
    expect(log).toContain(owner.id);
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(log.toLowerCase(), "a person's secret or identity in the log").not.toContain(secret.toLowerCase());
    // Not even a part of a token: its signature alone would do.
    for (const secret of secrets.filter((s) => s.split(".").length === 3)) expect(log).not.toContain(secret.split(".")[2]);
  });
});
