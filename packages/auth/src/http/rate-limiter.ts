/** Per-client token buckets: `rate` requests a second on average, bursts up to `burst`. */
export interface RateLimitOptions {
  /** Sustained requests per second per client. */
  rate: number;
  /** Bucket size: requests a client may make at once. Default `max(1, ceil(rate))`. */
  burst?: number;
  /** Clients tracked at most; the least recently seen is forgotten first. Default 10000. */
  maxClients?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token-bucket limiter keyed by client (the remote IP). Memory is bounded: at most `maxClients`
 * buckets, kept in recency order so the one seen longest ago goes first; a forgotten client starts
 * again with a full bucket, which is what a full refill would have given it anyway after a while.
 */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxClients: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    if (!(options.rate > 0)) throw new RangeError(`rate ${options.rate}: give a positive number of requests a second`);
    this.#rate = options.rate;
    this.#burst = options.burst ?? Math.max(1, Math.ceil(options.rate));
    if (!(this.#burst >= 1)) throw new RangeError(`burst ${options.burst}: give at least 1`);
    this.#maxClients = options.maxClients ?? 10_000;
  }

  get clients(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `client` at time `nowMs`; returns 0 when allowed, else seconds until a token is due. */
  take(client: string, nowMs: number): number {
    let bucket = this.#buckets.get(client);
    if (bucket) {
      this.#buckets.delete(client);
      bucket.tokens = Math.min(this.#burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.#rate);
      bucket.at = nowMs;
    } else {
      bucket = { tokens: this.#burst, at: nowMs };
      if (this.#buckets.size >= this.#maxClients) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
    }
    this.#buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#rate));
  }
}
