import { EventEmitter } from 'node:events';

export interface LogBufferEvents {
  line: [line: string];
}

/**
 * The recent log lines of a program, for the dashboard: pass `write` as a logger's output (it takes
 * the formatted, already redacted lines of `@stunner/log`) and pipe them on with `forward`.
 */
export class LogBuffer extends EventEmitter<LogBufferEvents> {
  readonly #capacity: number;
  readonly #lines: string[] = [];
  #forward: ((line: string) => void) | undefined;
  #held: string[] | undefined;

  constructor(capacity = 200, forward?: (line: string) => void) {
    super();
    this.#capacity = capacity;
    this.#forward = forward;
  }

  get lines(): readonly string[] {
    return this.#lines;
  }

  readonly write = (text: string): void => {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      this.#lines.push(line);
      if (this.#lines.length > this.#capacity) this.#lines.shift();
      this.emit('line', line);
    }
    if (this.#held) this.#held.push(text);
    else this.#forward?.(text);
  };

  /** Keeps lines from the forward output until `release` (a program that may yet fail with one line). */
  hold(): void {
    this.#held ??= [];
  }

  /** Forwards what was held, or drops it with `drop`. */
  release(drop = false): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    if (!drop) for (const text of held) this.#forward?.(text);
  }
}
