// The operator's event loop (reference/stunner-v1.md §2.2): renders start at least `throttleMs` apart
// (--throttle-timeout, "min interval between renders"), events in between ride along with the next one,
// and every render sees the whole world. Unlike STUNner, whose first event arms a full window, an event
// after a quiet spell renders at once: an isolated change is not delayed by the throttle.
// A render that lands while the previous one is still being written waits and coalesces, so a slow
// apiserver never queues more than one pending render.
import type { Timers } from './timers.ts';

export interface RenderLoopOptions {
  throttleMs: number;
  /** The clock and timers the throttle runs on (`systemTimers` in the operator). */
  timers: Timers;
  /** One render + write; resolves when the write is done. */
  run: () => Promise<void>;
  onCoalesced?: () => void;
  onError?: (err: unknown) => void;
}

export class RenderLoop {
  readonly #opts: RenderLoopOptions;
  #timer: unknown;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #lastStart = Number.NEGATIVE_INFINITY;

  constructor(opts: RenderLoopOptions) {
    this.#opts = opts;
  }

  /** Asks for a render: now if the last one started throttleMs ago, else when that much time has passed. */
  trigger(): void {
    if (this.#stopped) return;
    if (this.#timer) {
      this.#opts.onCoalesced?.();
      return;
    }
    const { timers } = this.#opts;
    const wait = Math.max(0, this.#lastStart + this.#opts.throttleMs - timers.now);
    this.#timer = timers.setTimeout(() => {
      this.#timer = undefined;
      this.#fire();
    }, wait);
  }

  /** Resolves when no render is running or armed. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#opts.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.idle();
  }

  #fire(): void {
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#lastStart = this.#opts.timers.now;
    this.#running = this.#opts
      .run()
      .catch((err: unknown) => this.#opts.onError?.(err))
      .finally(() => {
        this.#running = undefined;
        if (this.#again && !this.#stopped) {
          this.#again = false;
          this.#fire();
        }
      });
  }
}
