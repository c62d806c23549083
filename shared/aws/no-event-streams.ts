/**
 * Stands in for `@smithy/core/event-streams` in the Lambda bundles (infra/bundling.ts ALIASES).
 *
 * The SDK's HTTP protocol loads its event-stream codec with a dynamic `import()` that esbuild
 * inlines into every bundle that uses an AWS client: about 15 KB of each function, for a capability
 * none of the APIs Rapport calls has (DynamoDB, SES v2, EventBridge, EventBridge Scheduler, SQS
 * and Secrets Manager send and answer plain JSON). Should one ever be asked for, this fails loudly
 * instead of misreading a stream.
 */
function unavailable(): never {
  throw new Error("AWS event streams are not bundled into Rapport's functions (infra/bundling.ts)");
}

export class EventStreamSerde {
  constructor() {
    unavailable();
  }
}

export const eventStreamSerdeProvider = (): never => unavailable();
