/**
 * The clock and timers a runtime part schedules with, injected so tests drive time by hand (the
 * `FakeTimers` of `@stunner/testing` fits this shape); the running operator passes `systemTimers`.
 */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds on a monotonic clock. */
  readonly now: number;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  get now() {
    return performance.now();
  },
};
