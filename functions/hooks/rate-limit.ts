/**
 * Token buckets per hook, in this process: a burst of up to a minute's
 * allowance, refilled evenly. A deployed function has one bucket per warm
 * instance, so its reserved concurrency (sst.config.ts) bounds the total.
 */
export function createRateLimiter(now: () => number = Date.now) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Takes one token; answers 0, or how many ms until one is available. */
    take(key: string, perMinute: number): number {
      const time = now();
      const perMs = perMinute / 60_000;
      const bucket = buckets.get(key) ?? { tokens: perMinute, at: time };
      bucket.tokens = Math.min(perMinute, bucket.tokens + (time - bucket.at) * perMs);
      bucket.at = time;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - bucket.tokens) / perMs);
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
