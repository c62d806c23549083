import type { TestProject } from "vitest/node";
import { JavaMissingError, startDynamo } from "../../local/dynamo.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

/** One in-memory DynamoDB Local for the whole run; every test file creates its own table in it. */
export default async function setup(project: TestProject) {
  // A busy machine (parallel test runs, other JVMs) can take well over the default 30 s to start one.
  const dynamo = await startDynamo({ startTimeoutMs: 120_000 }).catch((err: unknown) => {
    if (!(err instanceof JavaMissingError)) throw err;
    // Say it plainly, without a stack trace: this is a missing install, not a failing test.
    process.stderr.write(`\n${err.message}\n\n`);
    process.exit(1);
  });
  project.provide("dynamodbEndpoint", dynamo.endpoint);
  return async () => {
    await dynamo.stop();
  };
}
