// Follows every stunnerd config on the config discovery service (stunner-v1.md §1.6) with
// `@stunner/cds-client`'s watch of all namespaces: keepalive and reconnect as stunnerd's, the last known
// configs stay in force while the CDS is away, a zero config deletes its gateway. Unlike STUNner's auth
// service, after every (re)connect it reads the config list once over HTTP and forgets gateways deleted
// while it was away (the watch only replays the configs that exist).
import { EventEmitter } from 'node:events';
import type { StunnerConfig } from '@stunner/api';
import { CdsWatch, type CdsWatchTiming, causeMessage, fetchConfigs } from '@stunner/cds-client';
import type { ConfigStore } from './config-store.ts';
import { parseAuthConfig } from './parse-config.ts';

export interface AllConfigsWatcherOptions extends CdsWatchTiming {
  /** CDS base URL (scheme, host, port), e.g. `http://stunner-config-discovery.stunner-system:13478`. */
  base: URL;
  store: ConfigStore;
}

export interface AllConfigsWatcherEvents {
  connected: [];
  disconnected: [reason: string];
  /** A config was stored, replaced or deleted. */
  update: [id: string, what: 'stored' | 'deleted'];
  warning: [message: string];
}

function parse(text: string): StunnerConfig {
  const config = parseAuthConfig(text);
  if (config.admin.name === '') throw new Error('admin.name (the gateway id) is empty');
  return config;
}

export class AllConfigsWatcher extends EventEmitter<AllConfigsWatcherEvents> {
  readonly #watch: CdsWatch<StunnerConfig>;
  readonly #base: URL;
  readonly #store: ConfigStore;
  readonly #readTimeout: number | undefined;
  /** Ids received since the current connection opened: newer than any list read after it. */
  #seen = new Set<string>();

  constructor(options: AllConfigsWatcherOptions) {
    super();
    const { base, store, ...timing } = options;
    this.#base = base;
    this.#store = store;
    this.#readTimeout = timing.readTimeout;
    this.#watch = new CdsWatch({ base, selector: {}, parse, ...timing });
    this.#watch.on('connected', () => {
      this.#seen = new Set();
      this.emit('connected');
      void this.#pruneDeleted(this.#watch.connection);
    });
    this.#watch.on('disconnected', (reason) => this.emit('disconnected', reason));
    this.#watch.on('warning', (message) => this.emit('warning', message));
    this.#watch.on('config', (config) => {
      const id = config.admin.name;
      this.#seen.add(id);
      const what = this.#store.apply(config);
      if (what !== 'unchanged') this.emit('update', id, what);
    });
  }

  get url(): string {
    return this.#watch.url;
  }

  /** Whether the watch connection is up now. */
  get connected(): boolean {
    return this.#watch.connected;
  }

  start(): void {
    this.#watch.start();
  }

  close(): void {
    this.#watch.close();
  }

  async #pruneDeleted(connection: number): Promise<void> {
    let ids: Set<string>;
    try {
      const items = await fetchConfigs(this.#base, {}, { timeoutMs: this.#readTimeout ?? 8000 });
      ids = new Set(items.map((c) => String((c as { admin?: { name?: unknown } } | null)?.admin?.name ?? '')));
    } catch (err) {
      this.emit('warning', `cannot list configs at ${this.#base.host} to forget deleted ones: ${causeMessage(err)}`);
      return;
    }
    if (this.#watch.connection !== connection || !this.#watch.connected) return;
    for (const id of this.#store.prune((id) => ids.has(id) || this.#seen.has(id))) this.emit('update', id, 'deleted');
  }
}
