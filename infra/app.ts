import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { RapportConfig } from "./config.ts";
import { ConfigError, readConfig } from "./config.ts";
import { RapportStack } from "./stack.ts";

/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy`): reads and validates the configuration from
 * context, builds the stack, and runs the cdk-nag AWS Solutions checks on it; synthesis fails
 * on any finding that is not acknowledged in code with a reason.
 */
const app = new App();
let config: RapportConfig;
try {
  config = readConfig(app.node);
} catch (err) {
  // A configuration mistake is the operator's to fix: one line saying what, no stack trace.
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
new RapportStack(app, config.stackName, {
  config,
  description: "Rapport: a serverless CRM that keeps the relationship two-way",
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
