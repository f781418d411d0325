import { EventEmitter } from 'node:events';
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseStunnerConfig, type StunnerConfig } from '@stunner/api';

export interface ConfigSourceEvents {
  /** A new valid config, different from the last one emitted. */
  config: [config: StunnerConfig];
  /** Something the operator should know about; the last good config stays in force. */
  warning: [message: string];
}

export interface FileConfigWatcherOptions {
  /** How often the file is re-read when no change event arrives, ms (also finds a file that reappears). Default 1000. */
  pollInterval?: number;
  /** Environment used for `$VAR` expansion. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Follows a config file (stunner-v1.md §1.5). It watches the directory, not the file, because a
 * Kubernetes ConfigMap update swaps a symlink; it also re-reads on a timer so a missed event or a file
 * that disappears and comes back is noticed. Empty files (a truncate in progress) and configs equal to
 * the last one are ignored; an invalid config is a warning, never a new config.
 */
export class FileConfigWatcher extends EventEmitter<ConfigSourceEvents> {
  readonly #path: string;
  readonly #pollInterval: number;
  readonly #env: Readonly<Record<string, string | undefined>>;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastText: string | undefined;
  #lastConfig: string | undefined;
  #lastWarning = 0;
  #reading = false;
  #again = false;
  #closed = false;

  constructor(path: string, options: FileConfigWatcherOptions = {}) {
    super();
    this.#path = path;
    this.#pollInterval = options.pollInterval ?? 1000;
    this.#env = options.env ?? process.env;
  }

  /** Reads the file once and keeps following it. */
  start(): void {
    this.#watchDirectory();
    this.#timer = setInterval(() => this.#check(), this.#pollInterval);
    this.#check();
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    clearInterval(this.#timer);
  }

  #watchDirectory(): void {
    try {
      this.#watcher = watch(dirname(this.#path), (_event, file) => {
        if (file === null || file === basename(this.#path) || file.startsWith('..')) this.#check();
      });
      this.#watcher.on('error', () => {
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch {
      // The directory may not exist yet: the timer keeps looking.
      this.#watcher = undefined;
    }
  }

  #check(): void {
    if (this.#closed) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    readFile(this.#path, 'utf8')
      .then(
        (text) => this.#onText(text),
        (err: NodeJS.ErrnoException) => this.#onMissing(err),
      )
      .finally(() => {
        this.#reading = false;
        if (!this.#watcher && !this.#closed) this.#watchDirectory();
        if (this.#again) {
          this.#again = false;
          this.#check();
        }
      });
  }

  #onMissing(err: NodeJS.ErrnoException): void {
    // Warn when the file goes away and every 10 s while it stays away, as STUNner does.
    const now = Date.now();
    if (now - this.#lastWarning >= 10_000) {
      this.#lastWarning = now;
      this.emit(
        'warning',
        `config file ${this.#path} cannot be read (${err.code ?? err.message}); keeping the last config`,
      );
    }
    this.#lastText = undefined;
  }

  #onText(text: string): void {
    this.#lastWarning = 0;
    if (this.#closed || text === this.#lastText) return;
    this.#lastText = text;
    if (text.trim() === '') return;
    let config: StunnerConfig;
    try {
      config = parseStunnerConfig(text, this.#env);
    } catch (err) {
      this.emit('warning', `ignoring config file ${this.#path}: ${(err as Error).message}`);
      return;
    }
    const canonical = JSON.stringify(config);
    if (canonical === this.#lastConfig) return;
    this.#lastConfig = canonical;
    this.emit('config', config);
  }
}
