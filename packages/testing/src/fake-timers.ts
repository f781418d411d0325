interface Scheduled {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * A manual clock with `setTimeout`/`clearTimeout`, for code that takes injected timers: `advance(ms)`
 * runs every callback that falls due, in time order, including ones scheduled while advancing.
 */
export class FakeTimers {
  #now = 0;
  #nextId = 1;
  #queue: Scheduled[] = [];

  get now(): number {
    return this.#now;
  }

  /** Callbacks still scheduled. */
  get pending(): number {
    return this.#queue.length;
  }

  setTimeout = (callback: () => void, ms: number): number => {
    const id = this.#nextId++;
    this.#queue.push({ id, at: this.#now + Math.max(0, ms), callback });
    this.#queue.sort((a, b) => a.at - b.at || a.id - b.id);
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.#queue = this.#queue.filter((s) => s.id !== handle);
  };

  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = this.#queue[0];
      if (!next || next.at > end) break;
      this.#queue.shift();
      this.#now = next.at;
      next.callback();
    }
    this.#now = end;
  }
}
