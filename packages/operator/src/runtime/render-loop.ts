// The operator's event loop (reference/stunner-v1.md §2.2): the first watch event arms a timer of
// `throttleMs`, events inside the window ride along, and the timer's render sees the whole world.
// A render that lands while the previous one is still being written waits and coalesces, so a slow
// apiserver never queues more than one pending render.
export interface RenderLoopOptions {
  throttleMs: number;
  /** One render + write; resolves when the write is done. */
  run: () => Promise<void>;
  onCoalesced?: () => void;
  onError?: (err: unknown) => void;
}

export class RenderLoop {
  readonly #opts: RenderLoopOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(opts: RenderLoopOptions) {
    this.#opts = opts;
  }

  /** Asks for a render within throttleMs. */
  trigger(): void {
    if (this.#stopped) return;
    if (this.#timer) {
      this.#opts.onCoalesced?.();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#fire();
    }, this.#opts.throttleMs);
  }

  /** Resolves when no render is running or armed. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.idle();
  }

  #fire(): void {
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
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
