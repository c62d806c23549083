import path from "node:path";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { ESBUILD_OPTIONS } from "./bundling.ts";

/** The repository root: entries, package-lock.json and node_modules live there. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, "..");

export interface RapportFunctionProps {
  /** The module under functions/ that exports `handler`, e.g. `capture`. */
  name: string;
  description: string;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  /** @default 256 */
  memorySize?: number;
  /** @default 10 seconds */
  timeout?: Duration;
  /**
   * Static files shipped in the bundle next to the handler, never inlined into it (the handler
   * stays small): after esbuild, `node <script> <bundle>/<dir>` builds them there. The dashboard:
   * scripts/build-app.ts into `app/`, which functions/app.ts serves.
   */
  staticFiles?: { script: string; dir: string };
}

/** A path as one shell word (bundling hooks run in a shell). */
const shellWord = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/**
 * One Lambda function of the app: Node.js 24 on arm64, bundled by the local esbuild (minified
 * ESM, `module` before `main`, the AWS SDK bundled rather than taken from the runtime, which
 * imports faster on a cold start), with its own log group and its own role. The role starts with
 * nothing but writing to that log group (no AWSLambdaBasicExecutionRole, which would grant
 * every log group in the account); table access is granted per function by the stack.
 */
export class RapportFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RapportFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetention,
      // Logs carry ids and outcomes only (never PII), so they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Runs the Rapport ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new nodejs.NodejsFunction(this, "Function", {
      entry: path.join(PROJECT_ROOT, "functions", `${props.name}.ts`),
      handler: "handler",
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, "package-lock.json"),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment, NODE_OPTIONS: "--enable-source-maps" },
      // The same options `npm run bench` builds with (infra/bundling.ts), so it measures these bundles.
      bundling: {
        minify: ESBUILD_OPTIONS.minify,
        sourceMap: ESBUILD_OPTIONS.sourcemap,
        format: nodejs.OutputFormat.ESM,
        target: ESBUILD_OPTIONS.target,
        mainFields: [...ESBUILD_OPTIONS.mainFields],
        externalModules: [...ESBUILD_OPTIONS.external],
        banner: ESBUILD_OPTIONS.banner.js,
        esbuildArgs: Object.fromEntries(Object.entries(ESBUILD_OPTIONS.alias).map(([from, to]) => [`--alias:${from}`, to])),
        forceDockerBundling: false,
        ...(props.staticFiles ? { commandHooks: staticFilesHooks(props.staticFiles) } : {}),
      },
    });
  }
}

/**
 * Builds the static files straight into the bundle's folder, so it holds exactly this build (no
 * earlier build's leftovers, which would also change the asset hash). Runs with the Node running
 * the synth (Node 24, which runs the TypeScript script as it is), not whatever `node` is on PATH.
 */
function staticFilesHooks(files: { script: string; dir: string }): nodejs.ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) => [
      `${shellWord(process.execPath)} ${shellWord(path.join(inputDir, files.script))} ${shellWord(path.join(outputDir, files.dir))}`,
    ],
  };
}
