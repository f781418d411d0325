import { EventEmitter } from 'node:events';
import { isZeroStunnerConfig, type StunnerConfig } from '@stunner/api';

export interface ConfigStoreEvents {
  change: [];
}

/**
 * The stunnerd configs the auth service answers from, by id (`admin.name`, `<namespace>/<gateway>`).
 * A zero config is a deleted gateway: it removes the id and is not stored.
 */
export class ConfigStore extends EventEmitter<ConfigStoreEvents> {
  #configs = new Map<string, { config: StunnerConfig; text: string }>();

  get size(): number {
    return this.#configs.size;
  }

  ids(): string[] {
    return [...this.#configs.keys()];
  }

  values(): StunnerConfig[] {
    return [...this.#configs.values()].map((c) => c.config);
  }

  /** Stores or deletes; returns what happened. */
  apply(config: StunnerConfig): 'stored' | 'deleted' | 'unchanged' {
    const id = config.admin.name;
    if (isZeroStunnerConfig(config)) {
      if (!this.#configs.delete(id)) return 'unchanged';
      this.emit('change');
      return 'deleted';
    }
    const text = JSON.stringify(config);
    if (this.#configs.get(id)?.text === text) return 'unchanged';
    this.#configs.set(id, { config, text });
    this.emit('change');
    return 'stored';
  }

  /** Removes every id `keep` rejects; returns the removed ids. */
  prune(keep: (id: string) => boolean): string[] {
    const removed = this.ids().filter((id) => !keep(id));
    for (const id of removed) this.#configs.delete(id);
    if (removed.length > 0) this.emit('change');
    return removed;
  }

  /** Replaces the whole content (a static config file). */
  replace(configs: readonly StunnerConfig[]): void {
    this.#configs.clear();
    for (const c of configs)
      if (!isZeroStunnerConfig(c)) this.#configs.set(c.admin.name, { config: c, text: JSON.stringify(c) });
    this.emit('change');
  }
}
