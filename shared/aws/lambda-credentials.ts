import { fromEnv } from "@aws-sdk/credential-provider-env";

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles only (esbuild `alias`,
 * infra/bundling.ts). Lambda always hands a function its role's credentials in environment
 * variables, so the SDK's full provider chain (SSO, INI files, STS web identity, IMDS, with their
 * own nested clients: about 70 KB minified) is dead weight there. Local runs are not bundled and
 * keep the real chain.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
