/**
 * Per-source token buckets in constant memory (turn.md §5.4: rate-limit 401s per source, keep no
 * state per unauthenticated request). Source IPs hash into a fixed table of buckets, so a flood from
 * many spoofed sources allocates nothing; colliding sources share a bucket (the table is sized so
 * that legitimate sources rarely do). A bucket holds up to `burst` tokens and refills at `perSecond`.
 */
export class SourceRateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #tokens: Float64Array;
  readonly #stamp: Float64Array;
  readonly #mask: number;

  /** `perSecond` 0 disables the limit. `burst` defaults to one second's worth. `slots` is rounded up to a power of two. */
  constructor(perSecond: number, burst = perSecond, slots = 4096) {
    this.#perMs = perSecond / 1000;
    this.#burst = Math.max(1, burst);
    let size = 1;
    while (size < slots) size <<= 1;
    this.#tokens = new Float64Array(perSecond > 0 ? size : 0);
    this.#stamp = new Float64Array(perSecond > 0 ? size : 0).fill(Number.NEGATIVE_INFINITY);
    this.#mask = size - 1;
  }

  /** Takes one token from `address`'s bucket; false (and nothing taken) when it is empty. Allocates nothing. */
  allow(address: string, nowMs: number): boolean {
    if (this.#perMs <= 0) return true;
    // FNV-1a over the address characters.
    let h = 0x811c9dc5;
    for (let i = 0; i < address.length; i++) h = Math.imul(h ^ address.charCodeAt(i), 0x01000193);
    const slot = (h >>> 0) & this.#mask;
    const elapsed = nowMs - this.#stamp[slot]!;
    // A clock that steps back refills nothing; an unseen slot starts full.
    let tokens = elapsed > 0 ? this.#tokens[slot]! + elapsed * this.#perMs : this.#tokens[slot]!;
    if (tokens > this.#burst) tokens = this.#burst;
    if (elapsed > 0) this.#stamp[slot] = nowMs;
    if (tokens < 1) {
      this.#tokens[slot] = tokens;
      return false;
    }
    this.#tokens[slot] = tokens - 1;
    return true;
  }
}
