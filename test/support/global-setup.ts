import type { TestProject } from "vitest/node";
import { startDynamo } from "../../local/dynamo.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

/** One in-memory DynamoDB Local for the whole run; every test file creates its own table in it. */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamo();
  project.provide("dynamodbEndpoint", dynamo.endpoint);
  return async () => {
    await dynamo.stop();
  };
}
