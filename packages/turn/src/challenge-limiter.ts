/**
 * Per-source limit on 401/438 challenges (turn.md §5.4: coturn 4.14 rate-limits 401s per source), in
 * constant memory: source IPs hash into a fixed table of one-second windows, so a flood from many
 * spoofed sources allocates nothing. Colliding sources share a slot; the table is sized so that
 * legitimate clients rarely do.
 */
export class ChallengeLimiter {
  readonly #perSecond: number;
  readonly #window: Uint32Array;
  readonly #count: Uint32Array;
  readonly #mask: number;

  /** `perSecond` 0 disables the limit. `slots` is rounded up to a power of two. */
  constructor(perSecond: number, slots = 4096) {
    this.#perSecond = perSecond;
    let size = 1;
    while (size < slots) size <<= 1;
    this.#window = new Uint32Array(perSecond > 0 ? size : 0);
    this.#count = new Uint32Array(perSecond > 0 ? size : 0);
    this.#mask = size - 1;
  }

  /** Counts one challenge to `address`; false when its source is over the limit this second. */
  allow(address: string, nowMs: number): boolean {
    if (this.#perSecond <= 0) return true;
    // FNV-1a over the address characters: no allocation.
    let h = 0x811c9dc5;
    for (let i = 0; i < address.length; i++) h = Math.imul(h ^ address.charCodeAt(i), 0x01000193);
    const slot = (h >>> 0) & this.#mask;
    const second = Math.floor(nowMs / 1000) >>> 0;
    if (this.#window[slot] !== second) {
      this.#window[slot] = second;
      this.#count[slot] = 0;
    }
    if (this.#count[slot]! >= this.#perSecond) return false;
    this.#count[slot]!++;
    return true;
  }
}
