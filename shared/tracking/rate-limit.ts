/**
 * A token bucket per client IP, kept in the function instance's memory.
 *
 * Why not a counter item in DynamoDB: that is a write per request (doubling a page view's cost)
 * and a hot key under attack. In memory it costs nothing; a sender spread over many instances gets
 * at most the limit per instance, and API Gateway's stage throttle bounds the total. The map is
 * bounded, the oldest entries dropped first.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #perMinute: number;
  readonly #maxKeys: number;

  constructor(perMinute: number, maxKeys = 10_000) {
    this.#perMinute = perMinute;
    this.#maxKeys = maxKeys;
  }

  /** Takes one token for `key` at `nowMs`; false when its bucket is empty. */
  take(key: string, nowMs: number): boolean {
    const bucket = this.#buckets.get(key);
    const tokens = bucket ? Math.min(this.#perMinute, bucket.tokens + ((nowMs - bucket.at) / 60_000) * this.#perMinute) : this.#perMinute;
    if (bucket) this.#buckets.delete(key);
    else if (this.#buckets.size >= this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!);
    const allowed = tokens >= 1;
    // Re-inserted, so the map's order is least recently seen first.
    this.#buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: nowMs });
    return allowed;
  }
}
