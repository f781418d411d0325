/**
 * A token bucket of bytes (the per-allocation bandwidth limit, turn.md §5.4): it holds up to `burst`
 * bytes and refills at the configured rate; a packet passes whole or not at all. Rate and burst are
 * passed on each call so that a config change applies to every allocation at once. Allocates nothing.
 */
export class TokenBucket {
  #tokens = Number.POSITIVE_INFINITY;
  #stamp = Number.NEGATIVE_INFINITY;

  /** Takes `bytes` tokens at engine time `now` (ms); false, taking nothing, when there are too few. */
  take(bytes: number, now: number, perMs: number, burst: number): boolean {
    const elapsed = now - this.#stamp;
    let tokens = this.#tokens;
    // A clock that steps back refills nothing; a new bucket starts full.
    if (elapsed > 0) {
      tokens += elapsed * perMs;
      this.#stamp = now;
    }
    if (tokens > burst) tokens = burst;
    if (tokens < bytes) {
      this.#tokens = tokens;
      return false;
    }
    this.#tokens = tokens - bytes;
    return true;
  }
}
