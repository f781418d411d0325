import { EventEmitter } from 'node:events';
import { isZeroStunnerConfig, parseStunnerConfig, type StunnerConfig, StunnerConfigError } from '@stunner/api';
import WebSocket from 'ws';
import { StunnerdError } from '../errors.ts';
import { cdsConfigUrl } from './config-origin.ts';
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
 * Watches one config on the config discovery service (stunner-v1.md §1.6): a WebSocket that receives
 * one full config per text frame. Pings every 5 s and drops a connection silent for 8 s; reconnects
 * every second on any error; ignores empty, unparseable, invalid and zero (deleted) configs, and
 * configs equal to the last one. The last good config stays in force while the server is away.
 */
export class CdsConfigClient extends EventEmitter<CdsClientEvents> {
  readonly #url: URL;
  readonly #pingInterval: number;
  readonly #readTimeout: number;
  readonly #reconnectDelay: number;
  #socket: WebSocket | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #readTimer: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #last: string | undefined;
  #closed = false;

  constructor(options: CdsConfigClientOptions) {
    super();
    this.#url = cdsConfigUrl(options.base, options.id, {
      watch: true,
      ...(options.node ? { node: options.node } : {}),
    });
    this.#pingInterval = options.pingInterval ?? 5000;
    this.#readTimeout = options.readTimeout ?? 8000;
    this.#reconnectDelay = options.reconnectDelay ?? 1000;
  }

  get url(): string {
    return this.#url.toString();
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
    const origin = `http://${this.#url.host}`;
    const socket = new WebSocket(this.#url, { headers: { Origin: origin }, handshakeTimeout: this.#readTimeout });
    this.#socket = socket;
    socket.on('open', () => {
      this.emit('connected');
      this.#touch();
      this.#pingTimer = setInterval(() => socket.ping('keepalive'), this.#pingInterval);
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

  #touch(): void {
    clearTimeout(this.#readTimer);
    this.#readTimer = setTimeout(() => this.#socket?.terminate(), this.#readTimeout);
  }

  #teardown(): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#readTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.terminate();
  }

  #onText(text: string): void {
    if (text.trim() === '') return;
    let config: StunnerConfig;
    try {
      JSON.parse(text);
      // CDS configs carry `$STUNNER_ADDR` listener addresses: expand them as for a file (§1.3).
      config = parseStunnerConfig(text);
    } catch (err) {
      const why = err instanceof StunnerConfigError ? err.message : `not JSON: ${(err as Error).message}`;
      this.emit('warning', `ignoring config from ${this.#url.host}: ${why}`);
      return;
    }
    // A deleted Gateway arrives as the zero config; in watch mode it must not tear the listeners down.
    if (isZeroStunnerConfig(config)) return;
    const canonical = JSON.stringify(config);
    if (canonical === this.#last) return;
    this.#last = canonical;
    this.emit('config', config);
  }
}

/** One-shot read of a config from the CDS over HTTP (stunnerd without `-w`). */
export async function fetchCdsConfig(base: URL, id: string, node?: string): Promise<StunnerConfig> {
  const url = cdsConfigUrl(base, id, { watch: false, ...(node ? { node } : {}) });
  const res = await fetch(url);
  const body = await res.text();
  if (res.status !== 200) {
    throw new StunnerdError(
      'STUNNERD_ERR_CDS_STATUS',
      `CDS ${url} answered ${res.status}: ${body.slice(0, 200)}; check -i (the Gateway's <namespace>/<name>) and that the operator serves a config for it`,
    );
  }
  return parseStunnerConfig(body);
}
