import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { ConfigStore } from './config-store.ts';
import { parseAuthConfigs } from './parse-config.ts';

/**
 * Serves the configs of a file (one stunnerd config, or a CDS list `{"items":[...]}`) and reloads it
 * when it changes, for authd beside a stunnerd that reads the same file. A file that cannot be read or
 * parsed leaves the last good configs in force.
 */
export class FileConfigSource {
  readonly #path: string;
  readonly #store: ConfigStore;
  readonly #onError: (message: string) => void;
  #loaded = false;

  constructor(path: string, store: ConfigStore, onError: (message: string) => void) {
    this.#path = path;
    this.#store = store;
    this.#onError = onError;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  /** Loads once (throws if that fails) and watches for changes. */
  start(intervalMs = 1000): void {
    this.#store.replace(parseAuthConfigs(readFileSync(this.#path, 'utf8')));
    this.#loaded = true;
    watchFile(this.#path, { interval: intervalMs }, (cur) => {
      if (cur.size === 0) return;
      try {
        this.#store.replace(parseAuthConfigs(readFileSync(this.#path, 'utf8')));
      } catch (err) {
        this.#onError(`keeping the last configs: cannot reload ${this.#path}: ${(err as Error).message}`);
      }
    });
  }

  close(): void {
    unwatchFile(this.#path);
  }
}
