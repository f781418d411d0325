// Follows every stunnerd config on the config discovery service (stunner-v1.md §1.6): a WebSocket on
// `/api/v1/configs?watch=true` that carries one full config per text frame, a zero config for a deleted
// gateway. Keepalive and reconnect as stunnerd's CDS client: ping every 5 s, drop a connection silent
// for 8 s, reconnect 1 s after any error; the last known configs stay in force while the CDS is away.
// Unlike STUNner's auth service, after every (re)connect it reads the config list once over HTTP and
// forgets gateways deleted while it was away (the watch only replays the configs that exist).
import { EventEmitter } from 'node:events';
import { StunnerConfigError } from '@stunner/api';
import WebSocket from 'ws';
import type { ConfigStore } from './config-store.ts';
import { parseAuthConfig } from './parse-config.ts';

export interface AllConfigsWatcherOptions {
  /** CDS base URL (scheme, host, port), e.g. `http://stunner-config-discovery.stunner-system:13478`. */
  base: URL;
  store: ConfigStore;
  /** Keepalive ping period, ms. Default 5000. */
  pingInterval?: number;
  /** A connection silent this long is dropped, ms. Default 8000. */
  readTimeout?: number;
  /** Delay before reconnecting, ms. Default 1000. */
  reconnectDelay?: number;
}

export interface AllConfigsWatcherEvents {
  connected: [];
  disconnected: [reason: string];
  /** A config was stored, replaced or deleted. */
  update: [id: string, what: 'stored' | 'deleted'];
  warning: [message: string];
}

export class AllConfigsWatcher extends EventEmitter<AllConfigsWatcherEvents> {
  readonly #watchUrl: URL;
  readonly #listUrl: URL;
  readonly #store: ConfigStore;
  readonly #pingInterval: number;
  readonly #readTimeout: number;
  readonly #reconnectDelay: number;
  #socket: WebSocket | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #readTimer: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #connected = false;
  /** Ids received since the current connection opened: newer than any list read after it. */
  #seen = new Set<string>();
  #closed = false;

  constructor(options: AllConfigsWatcherOptions) {
    super();
    const secure = options.base.protocol === 'https:' || options.base.protocol === 'wss:';
    this.#watchUrl = new URL('/api/v1/configs?watch=true', options.base);
    this.#watchUrl.protocol = secure ? 'wss:' : 'ws:';
    this.#listUrl = new URL('/api/v1/configs', options.base);
    this.#listUrl.protocol = secure ? 'https:' : 'http:';
    this.#store = options.store;
    this.#pingInterval = options.pingInterval ?? 5000;
    this.#readTimeout = options.readTimeout ?? 8000;
    this.#reconnectDelay = options.reconnectDelay ?? 1000;
  }

  get url(): string {
    return this.#watchUrl.toString();
  }

  /** Whether the watch connection is up now. */
  get connected(): boolean {
    return this.#connected;
  }

  start(): void {
    this.#connect();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#teardown();
  }

  #connect(): void {
    if (this.#closed) return;
    const socket = new WebSocket(this.#watchUrl, {
      headers: { Origin: `http://${this.#watchUrl.host}` },
      handshakeTimeout: this.#readTimeout,
    });
    this.#socket = socket;
    this.#seen = new Set();
    socket.on('open', () => {
      this.#connected = true;
      this.emit('connected');
      this.#touch();
      this.#pingTimer = setInterval(() => socket.ping('keepalive'), this.#pingInterval);
      void this.#pruneDeleted(socket);
    });
    socket.on('message', (data, isBinary) => {
      this.#touch();
      if (!isBinary) this.#onText(data.toString());
    });
    socket.on('pong', () => this.#touch());
    socket.on('ping', () => this.#touch());
    socket.on('error', () => {
      // 'close' follows and reports.
    });
    socket.on('close', (code, reason) => {
      if (this.#socket !== socket) return;
      this.#teardown();
      this.emit('disconnected', reason.length > 0 ? reason.toString() : `connection closed (${code})`);
      if (!this.#closed) this.#reconnectTimer = setTimeout(() => this.#connect(), this.#reconnectDelay);
    });
  }

  async #pruneDeleted(socket: WebSocket): Promise<void> {
    let ids: Set<string>;
    try {
      const res = await fetch(this.#listUrl, { signal: AbortSignal.timeout(this.#readTimeout) });
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      const body = (await res.json()) as { items?: { admin?: { name?: unknown } }[] };
      if (!Array.isArray(body.items)) throw new Error('no items');
      ids = new Set(body.items.map((c) => String(c.admin?.name ?? '')));
    } catch (err) {
      this.emit(
        'warning',
        `cannot list configs at ${this.#listUrl.host} to forget deleted ones: ${(err as Error).message}`,
      );
      return;
    }
    if (this.#socket !== socket) return;
    for (const id of this.#store.prune((id) => ids.has(id) || this.#seen.has(id))) this.emit('update', id, 'deleted');
  }

  #touch(): void {
    clearTimeout(this.#readTimer);
    this.#readTimer = setTimeout(() => this.#socket?.terminate(), this.#readTimeout);
  }

  #teardown(): void {
    this.#connected = false;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#readTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.terminate();
  }

  #onText(text: string): void {
    if (text.trim() === '') return;
    try {
      JSON.parse(text);
    } catch (err) {
      this.emit('warning', `ignoring config from ${this.#watchUrl.host}: not JSON: ${(err as Error).message}`);
      return;
    }
    let config: ReturnType<typeof parseAuthConfig>;
    try {
      config = parseAuthConfig(text);
    } catch (err) {
      const why = err instanceof StunnerConfigError ? err.message : (err as Error).message;
      this.emit('warning', `ignoring config from ${this.#watchUrl.host}: ${why}`);
      return;
    }
    const id = config.admin.name;
    if (id === '') {
      this.emit('warning', `ignoring config from ${this.#watchUrl.host}: admin.name (the gateway id) is empty`);
      return;
    }
    this.#seen.add(id);
    const what = this.#store.apply(config);
    if (what !== 'unchanged') this.emit('update', id, what);
  }
}
