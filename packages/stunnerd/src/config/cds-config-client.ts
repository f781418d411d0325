import { EventEmitter } from 'node:events';
import { parseStunnerConfig, type StunnerConfig } from '@stunner/api';
import { CdsError, CdsWatch, fetchConfigText, selectorOf } from '@stunner/cds-client';
import { StunnerdError } from '../errors.ts';
import type { ConfigSourceEvents } from './file-config-watcher.ts';

export interface CdsConfigClientOptions {
  /** CDS base URL (scheme, host, port). */
  base: URL;
  /** `<namespace>/<name>` of this stunnerd (stunner-v1.md §1.4 `--id`). */
  id: string;
  /** Node name for per-node address patching (§1.6 `node`). */
  node?: string;
  /** Keepalive ping period, ms. Default 5000. */
  pingInterval?: number;
  /** The connection is dropped when nothing arrives for this long, ms. Default 8000. */
  readTimeout?: number;
  /** Delay before reconnecting, ms. Default 1000. */
  reconnectDelay?: number;
}

export interface CdsClientEvents extends ConfigSourceEvents {
  connected: [];
  disconnected: [reason: string];
}

/**
 * Watches this stunnerd's config on the config discovery service (stunner-v1.md §1.6) with
 * `@stunner/cds-client`'s keepalive and reconnect. Ignores empty, unparseable, invalid and zero
 * (deleted) configs, and configs equal to the last one: a deleted Gateway must not tear the listeners
 * down, and the last good config stays in force while the server is away.
 */
export class CdsConfigClient extends EventEmitter<CdsClientEvents> {
  readonly #watch: CdsWatch<StunnerConfig>;
  #last: string | undefined;

  constructor(options: CdsConfigClientOptions) {
    super();
    this.#watch = new CdsWatch({
      base: options.base,
      selector: selectorOf(options.id, options.node),
      // CDS configs carry `$STUNNER_ADDR` listener addresses: expand them as for a file (§1.3).
      parse: (text) => parseStunnerConfig(text),
      zeroConfigs: 'skip',
      ...(options.pingInterval !== undefined ? { pingInterval: options.pingInterval } : {}),
      ...(options.readTimeout !== undefined ? { readTimeout: options.readTimeout } : {}),
      ...(options.reconnectDelay !== undefined ? { reconnectDelay: options.reconnectDelay } : {}),
    });
    this.#watch.on('connected', () => this.emit('connected'));
    this.#watch.on('disconnected', (reason) => this.emit('disconnected', reason));
    this.#watch.on('warning', (message) => this.emit('warning', message));
    this.#watch.on('config', (config) => {
      const canonical = JSON.stringify(config);
      if (canonical === this.#last) return;
      this.#last = canonical;
      this.emit('config', config);
    });
  }

  get url(): string {
    return this.#watch.url;
  }

  start(): void {
    this.#watch.start();
  }

  close(): void {
    this.#watch.close();
  }
}

/** One-shot read of a config from the CDS over HTTP (stunnerd without `-w`). */
export async function fetchCdsConfig(base: URL, id: string, node?: string): Promise<StunnerConfig> {
  try {
    return parseStunnerConfig(await fetchConfigText(base, selectorOf(id, node)));
  } catch (err) {
    if (!(err instanceof CdsError) || err.code === 'CDS_ERR_UNREACHABLE') throw err;
    throw new StunnerdError(
      'STUNNERD_ERR_CDS_STATUS',
      `${err.message}; check -i (the Gateway's <namespace>/<name>) and that the operator serves a config for it`,
      { cause: err },
    );
  }
}
