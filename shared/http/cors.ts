/**
 * The CORS policy for browser forms, one definition read by the CDK stack (API Gateway's CORS
 * configuration) and by the local server, which answers preflights the same way.
 */
export interface CorsPolicy {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  maxAgeSeconds: number;
}

export function corsPolicy(allowedOrigins: string[]): CorsPolicy {
  return {
    allowOrigins: allowedOrigins,
    allowMethods: ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
    allowHeaders: ["content-type", "authorization", "idempotency-key"],
    maxAgeSeconds: 600,
  };
}
