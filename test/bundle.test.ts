import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ESBUILD_OPTIONS } from "../infra/bundling.ts";
import { PROJECT_ROOT } from "../infra/functions.ts";
import { httpEvent } from "../local/lambda-events.ts";
import { ensureTable } from "../local/table.ts";
import { createDocumentClient } from "../shared/aws/db.ts";
import { emailKey } from "../shared/entities/email.ts";

/** The deployed artefacts, built exactly as the CDK stack builds them, must run on their own. */
const dir = mkdtempSync(path.join(tmpdir(), "rapport-bundle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundle(entry: string, name: string): Promise<string> {
  const outfile = path.join(dir, `${name}.mjs`);
  await build({ ...ESBUILD_OPTIONS, sourcemap: false, entryPoints: [entry], outfile, logLevel: "silent" });
  return outfile;
}

function runNode(script: string, env: Record<string, string>): string {
  const file = path.join(dir, `run-${randomBytes(4).toString("hex")}.mjs`);
  writeFileSync(file, script);
  return execFileSync(process.execPath, [file], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8", cwd: dir });
}

describe("the Lambda bundles", () => {
  let capture: string;
  beforeAll(async () => {
    capture = await bundle(path.join(PROJECT_ROOT, "functions/capture.ts"), "capture");
  });

  it("a bundled function takes Lambda's credentials from the environment (the provider chain is not bundled)", async () => {
    const entry = path.join(dir, "creds-entry.ts");
    writeFileSync(
      entry,
      `import { createDocumentClient } from ${JSON.stringify(path.join(PROJECT_ROOT, "shared/aws/db.ts"))};\nconst c = createDocumentClient({ region: "eu-north-1" });\nconst creds = await c.config.credentials();\nconsole.log(creds.accessKeyId);\n`,
    );
    const out = await bundle(entry, "creds");
    expect(readFileSync(out, "utf8")).not.toContain("credential-provider-ini");
    const printed = runNode(`await import(${JSON.stringify(out)});`, {
      AWS_ACCESS_KEY_ID: "AKIDLAMBDAROLE",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_SESSION_TOKEN: "token",
    });
    expect(printed.trim()).toBe("AKIDLAMBDAROLE");
  });

  it("the bundled capture function stores a lead when invoked with an API Gateway event", async () => {
    const endpoint = inject("dynamodbEndpoint");
    const table = `bundle-${randomBytes(4).toString("hex")}`;
    await ensureTable(endpoint, table);
    const event = httpEvent({
      route: { method: "POST", path: "/v1/leads" },
      headers: { "content-type": "application/json", accept: "application/json", "user-agent": "test" },
      body: JSON.stringify({ email: "bundled@example.com", firstName: "Bundle" }),
      sourceIp: "203.0.113.9",
      requestId: "r1",
    });
    const printed = runNode(
      `const { handler } = await import(${JSON.stringify(capture)});\nconst res = await handler(${JSON.stringify(event)}, {});\nconsole.log(JSON.stringify(res));`,
      { TABLE_NAME: table, DYNAMODB_ENDPOINT: endpoint, AWS_REGION: "us-east-1", LOG_LEVEL: "ERROR" },
    );
    const res = JSON.parse(printed.trim().split("\n").pop()!);
    // A post without a credential learns only that the lead was taken...
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body)).toEqual({ accepted: true });
    // ...and the bundle stored it: the address now names a customer.
    const lookup = await createDocumentClient({ region: "us-east-1", endpoint }).send(
      new GetCommand({ TableName: table, Key: emailKey("bundled@example.com") }),
    );
    expect(lookup.Item?.customerId).toMatch(/^cus_/);
  });
});
