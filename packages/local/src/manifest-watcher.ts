// Follows edits to the manifests: fs.watch on the directories that hold them (editors often replace a
// file rather than write it, which a watch on the file itself would miss), debounced so that a save
// that touches several files, or writes one in steps, re-renders once.
import { type FSWatcher, watch } from 'node:fs';
import { dirname } from 'node:path';

export class ManifestWatcher {
  readonly #onChange: () => void;
  readonly #debounceMs: number;
  readonly #watchers = new Map<string, FSWatcher>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(onChange: () => void, debounceMs = 200) {
    this.#onChange = onChange;
    this.#debounceMs = debounceMs;
  }

  /** Watches these files' directories and these directories (recursively); drops watches no longer named. */
  follow(files: readonly string[], dirs: readonly string[]): void {
    if (this.#closed) return;
    const wanted = new Set([...dirs, ...files.map((f) => dirname(f))]);
    for (const [dir, w] of this.#watchers) {
      if (wanted.has(dir)) continue;
      w.close();
      this.#watchers.delete(dir);
    }
    for (const dir of wanted) {
      if (this.#watchers.has(dir)) continue;
      try {
        const w = watch(dir, { recursive: dirs.includes(dir), persistent: false }, () => this.#changed());
        w.on('error', () => {
          w.close();
          this.#watchers.delete(dir);
          this.#changed();
        });
        this.#watchers.set(dir, w);
      } catch {
        // A directory that is gone: the next read reports the missing files.
      }
    }
  }

  #changed(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#onChange(), this.#debounceMs);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
  }
}
