// The WebSocket watch of the config discovery API (stunner-v1.md §1.6): one full config per text
// frame, a zero config for a deleted gateway. STUNner's keepalive: a ping every 5 s and a read deadline
// of 8 s extended by anything that arrives; on any failure it dials again after 1 s. The caller keeps
// its last configs while the CDS is away.
import { EventEmitter } from 'node:events';
import { isZeroStunnerConfig, validateStunnerConfig } from '@stunner/api';
import WebSocket from 'ws';
import { cdsAuthHeaders, cdsToken } from './cds-token.ts';
import { type ConfigSelector, cdsUrl } from './cds-url.ts';

export const CDS_PING_MS = 5000;
export const CDS_READ_DEADLINE_MS = 8000;
export const CDS_RECONNECT_MS = 1000;

/** Keepalive and reconnect timing; the defaults are STUNner's. */
export interface CdsWatchTiming {
  /** Keepalive ping period, ms. Default 5000. */
  pingInterval?: number;
  /** A connection silent this long is dropped (also the handshake limit), ms. Default 8000. */
  readTimeout?: number;
  /** Delay before dialing again, ms. Default 1000. */
  reconnectDelay?: number;
}

export interface CdsWatchOptions<T> extends CdsWatchTiming {
  /** CDS address (http, https, ws or wss URL). */
  base: URL | string;
  selector: ConfigSelector;
  /** A text frame (valid JSON) → the caller's config; a throw skips the frame with a `warning`. */
  parse: (text: string) => T;
  /**
   * A deleted Gateway arrives as STUNner's zero config. 'deliver' (default) hands it to the caller;
   * 'skip' drops it (stunnerd keeps its listeners rather than tearing them down).
   */
  zeroConfigs?: 'deliver' | 'skip';
  /** Bearer token for a CDS that requires one. Default: the file $STUNNER_CDS_TOKEN_FILE names, read at each dial. */
  token?: string;
}

export interface CdsWatchEvents<T> {
  /** A watch connection opened (again). */
  connected: [];
  /** The connection closed or never opened; `cause` is the socket error, if one came first. */
  disconnected: [reason: string, cause?: Error];
  config: [config: T];
  /** A frame was skipped; the text says why. */
  warning: [message: string];
}

export class CdsWatch<T> extends EventEmitter<CdsWatchEvents<T>> {
  readonly #url: URL;
  readonly #parse: (text: string) => T;
  readonly #skipZero: boolean;
  readonly #token: string | undefined;
  readonly #pingInterval: number;
  readonly #readTimeout: number;
  readonly #reconnectDelay: number;
  #socket: WebSocket | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #readTimer: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #connected = false;
  #connection = 0;
  #closed = false;

  constructor(options: CdsWatchOptions<T>) {
    super();
    this.#url = cdsUrl(options.base, options.selector, { watch: true });
    this.#parse = options.parse;
    this.#skipZero = options.zeroConfigs === 'skip';
    this.#token = options.token;
    this.#pingInterval = options.pingInterval ?? CDS_PING_MS;
    this.#readTimeout = options.readTimeout ?? CDS_READ_DEADLINE_MS;
    this.#reconnectDelay = options.reconnectDelay ?? CDS_RECONNECT_MS;
  }

  get url(): string {
    return this.#url.toString();
  }

  /** Whether a watch connection is up now. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Counts connection attempts: a caller's async work started on one connection can tell it is stale. */
  get connection(): number {
    return this.#connection;
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
    this.#connection++;
    let auth: Record<string, string>;
    try {
      auth = cdsAuthHeaders(cdsToken(this.#token));
    } catch (err) {
      // An unreadable token file may be a Secret not mounted yet: report and dial again later.
      this.emit('disconnected', (err as Error).message, err as Error);
      this.#reconnectTimer = setTimeout(() => this.#connect(), this.#reconnectDelay);
      return;
    }
    const socket = new WebSocket(this.#url, {
      headers: { Origin: `http://${this.#url.host}`, ...auth },
      handshakeTimeout: this.#readTimeout,
    });
    this.#socket = socket;
    let failure: Error | undefined;
    socket.on('open', () => {
      this.#connected = true;
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
    socket.on('error', (err) => {
      // 'close' follows and reports.
      failure ??= err;
    });
    socket.on('close', (code, reason) => {
      if (this.#socket !== socket) return;
      this.#teardown();
      // A refused upgrade (401 without or with a wrong bearer token) is only in the error: name it.
      const why = reason.length > 0 ? reason.toString() : (failure?.message ?? `connection closed (${code})`);
      this.emit('disconnected', why, failure);
      if (!this.#closed) this.#reconnectTimer = setTimeout(() => this.#connect(), this.#reconnectDelay);
    });
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
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      this.emit('warning', `ignoring config from ${this.#url.host}: not JSON: ${(err as Error).message}`);
      return;
    }
    if (this.#skipZero && isZero(json)) return;
    let config: T;
    try {
      config = this.#parse(text);
    } catch (err) {
      this.emit('warning', `ignoring config from ${this.#url.host}: ${(err as Error).message}`);
      return;
    }
    this.emit('config', config);
  }
}

function isZero(json: unknown): boolean {
  try {
    return isZeroStunnerConfig(validateStunnerConfig(json));
  } catch {
    return false;
  }
}
