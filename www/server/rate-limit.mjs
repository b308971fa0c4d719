// A token bucket per key (per user) for the credential endpoints: `capacity` requests at once,
// refilled at `refillPerSecond`. Buckets that have filled up again are dropped, so memory
// follows the users active in the last minutes, not every user ever seen.

/**
 * Returns take(key, count = 1): 0 when the request (worth `count` tokens, all or none) may go
 * ahead, else the seconds to wait (Retry-After).
 */
export function createRateLimiter({ capacity = 30, refillPerSecond = 0.5, now = Date.now } = {}) {
  if (!(capacity >= 1 && refillPerSecond > 0)) throw new TypeError('rate limit: capacity ≥ 1 and refillPerSecond > 0');
  const buckets = new Map(); // key → { tokens, at }
  let sweptAt = now();
  const refilled = (bucket, t) => Math.min(capacity, bucket.tokens + ((t - bucket.at) / 1000) * refillPerSecond);
  return function take(key, count = 1) {
    const t = now();
    if (t - sweptAt > 60_000) {
      for (const [name, bucket] of buckets) if (refilled(bucket, t) >= capacity) buckets.delete(name);
      sweptAt = t;
    }
    const bucket = buckets.get(key) ?? { tokens: capacity, at: t };
    bucket.tokens = refilled(bucket, t);
    bucket.at = t;
    buckets.set(key, bucket);
    if (bucket.tokens < count) return Math.ceil((count - bucket.tokens) / refillPerSecond);
    bucket.tokens -= count;
    return 0;
  };
}
