/**
 * Token buckets keyed by a string (the pixel endpoint keys them by shop), held in this process's memory. Each key
 * starts full with `capacity` tokens and regains `refillPerSecond`; a request takes one. With several app processes
 * each keeps its own buckets, so the effective limit is per process (docs/decisions/007-purchase-reconciliation.md).
 * The number of keys is capped; when full, the least recently used bucket is forgotten (a forgotten key starts full
 * again, which is what a key nobody used for a while would have anyway).
 */
export interface RateLimitOptions {
  capacity: number;
  refillPerSecond: number;
  maxKeys?: number;
}

export type RateLimitDecision = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class TokenBuckets {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    if (options.capacity < 1 || options.refillPerSecond <= 0) throw new Error("TokenBuckets: capacity >= 1 and refillPerSecond > 0");
    this.#capacity = options.capacity;
    this.#refillPerMs = options.refillPerSecond / 1000;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  take(key: string, nowMs = Date.now()): RateLimitDecision {
    const existing = this.#buckets.get(key);
    const bucket = existing ?? { tokens: this.#capacity, updatedAt: nowMs };
    const elapsed = Math.max(0, nowMs - bucket.updatedAt);
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + elapsed * this.#refillPerMs);
    bucket.updatedAt = nowMs;
    // Re-inserted on every use: the Map's insertion order is then least recently used first.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (!existing && this.#buckets.size > this.#maxKeys) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens) };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#refillPerMs / 1000)) };
  }

  /** For tests and diagnostics. */
  get size(): number {
    return this.#buckets.size;
  }
}
