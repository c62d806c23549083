/**
 * Keys of shop connections (Stripe, Shopify, WooCommerce webhooks) and of the problems seen on
 * their deliveries. The signing secrets are not here: they live in Secrets Manager (or, locally,
 * a file in the data directory).
 *
 * Access pattern 9: everything about every connection in one Query `PK = CONNECTION` (the
 * connections page, `GET /v1/connections`): there are at most a handful of connections, each with
 * a few problem items (one per kind, counted, so the partition stays small however many orders
 * hit the same problem). One connection's item: GetItem / UpdateItem `SK = <platform>`; its
 * problems sort right after it: `SK = <platform>#PROBLEM#<kind>`.
 */
export const CONNECTION_PARTITION = "CONNECTION";
const PROBLEM_INFIX = "#PROBLEM#";

export function connectionKey(platform: string): { PK: string; SK: string } {
  return { PK: CONNECTION_PARTITION, SK: platform };
}

export function connectionProblemKey(platform: string, kind: string): { PK: string; SK: string } {
  return { PK: CONNECTION_PARTITION, SK: `${platform}${PROBLEM_INFIX}${kind}` };
}

/** Which item of the partition a sort key names: a connection, or one of its problems. */
export function parseConnectionSk(sk: string): { platform: string; problem?: string } {
  const at = sk.indexOf(PROBLEM_INFIX);
  return at < 0 ? { platform: sk } : { platform: sk.slice(0, at), problem: sk.slice(at + PROBLEM_INFIX.length) };
}

/** Every sort key of one connection's items (the connection and its problems): `begins_with(SK, <platform>)`. */
export function connectionSkPrefix(platform: string): string {
  return platform;
}
