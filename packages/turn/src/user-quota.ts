/**
 * Allocations per user (stunner-v1.md §1.9 `user_quota`; 486 Allocation Quota Reached beyond it,
 * RFC 8656 §7.2). The engine takes one unit before it asks for a relay and gives it back when the
 * allocation, pending or not, goes. One counter may serve several engines (every listener of a
 * daemon); engines in other threads reach it by message through their adapter instead (see
 * `RelayRequest.userId` and `TurnEngine.relayFailed(id, 486)`).
 */
export interface AllocationQuota {
  /** Takes one allocation for `userId`; false (nothing taken) when the user already holds the quota. */
  acquire(userId: string): boolean;
  /** Gives back one allocation taken by `acquire`. */
  release(userId: string): void;
}

/** An `AllocationQuota` counting in a map; `limit` 0 admits everyone (and still counts). */
export class UserQuotaCounter implements AllocationQuota {
  #limit: number;
  readonly #held = new Map<string, number>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Changes the quota in place (config reconcile); allocations over a lowered quota stay until they end. */
  setLimit(limit: number): void {
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Allocations `userId` holds now. */
  held(userId: string): number {
    return this.#held.get(userId) ?? 0;
  }

  acquire(userId: string): boolean {
    const n = this.#held.get(userId) ?? 0;
    if (this.#limit > 0 && n >= this.#limit) return false;
    this.#held.set(userId, n + 1);
    return true;
  }

  release(userId: string): void {
    const n = (this.#held.get(userId) ?? 1) - 1;
    if (n <= 0) this.#held.delete(userId);
    else this.#held.set(userId, n);
  }
}
