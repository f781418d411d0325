import type { ClientEndpoint } from './endpoint.ts';

interface Entry {
  readonly response: Buffer;
  readonly expires: number;
}

/**
 * Responses to authenticated requests, keyed by client and transaction ID, so that a retransmitted
 * request gets the identical response instead of being executed twice (RFC 8489 §6.3.1; an Allocate
 * retransmit must not hit 437, RFC 8656 §7.2). Bounded in count and age; insertion order is age order
 * because every entry lives the same time.
 */
export class TransactionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;

  constructor(maxEntries: number, ttlMs: number) {
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  static key(client: ClientEndpoint, transactionId: Buffer): string {
    return `${client.listener}/${client.address}/${client.port}/${transactionId.toString('hex')}`;
  }

  get(key: string, now: number): Buffer | undefined {
    const e = this.#entries.get(key);
    return e !== undefined && e.expires > now ? e.response : undefined;
  }

  set(key: string, response: Buffer, now: number): void {
    if (this.#maxEntries <= 0) return;
    this.#entries.delete(key);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    // A copy in memory of its own: `response` may be a slice of Node's shared 8 KiB Buffer pool, and a
    // slice kept for the TTL keeps its whole slab; under a flood of 401s every slab is a fresh one.
    const own = Buffer.allocUnsafeSlow(response.length);
    response.copy(own);
    this.#entries.set(key, { response: own, expires: now + this.#ttlMs });
  }

  /** Drops expired entries; returns when the oldest remaining one expires (Infinity if none). */
  sweep(now: number): number {
    for (const [key, e] of this.#entries) {
      if (e.expires > now) return e.expires;
      this.#entries.delete(key);
    }
    return Number.POSITIVE_INFINITY;
  }
}
