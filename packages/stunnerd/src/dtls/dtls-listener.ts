import { createHmac, createPrivateKey, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { DtlsServer } from 'werift-dtls/lib/dtls/src/index.js';
import { StunnerdError } from '../errors.ts';
import {
  type ClientHelloInfo,
  DTLS_1_2,
  helloVerifyRequest,
  parseClientHello,
  protocolVersionAlert,
  withoutCookie,
} from './dtls-client-hello.ts';

export interface DtlsListenerOptions {
  /** PEM certificate (ECDSA P-256 or RSA). */
  cert: string;
  /** PEM private key matching `cert`. */
  key: string;
  /** Handshakes in progress at once, over all peers. Default 256. */
  maxHalfOpen?: number;
  /** Handshakes in progress at once from one IP address. Default 8. */
  maxHalfOpenPerSource?: number;
  /** A handshake not finished within this many ms is dropped. Default 10000. */
  handshakeTimeout?: number;
  /** An established session that receives nothing for this many ms is closed. Default 600000 (a TURN allocation's lifetime). */
  idleTimeout?: number;
  /** Key of the stateless cookie; rotate by making a new listener. Default 32 random bytes. */
  cookieSecret?: Buffer;
  /** Clock for the cookie's time bucket, ms. Default Date.now. */
  now?: () => number;
}

export interface DtlsListenerEvents {
  /** A peer finished its handshake. */
  session: [session: DtlsSession];
  /** A handshake failed or was dropped; `reason` is for logs. */
  handshakeFailed: [address: string, port: number, reason: string];
}

/** Above any record sequence number the handshake can have used in epoch 1. */
const FIRST_APPLICATION_SEQUENCE = 1024;

/** Cookies are valid for the current and the previous minute (RFC 6347 §4.2.1 secret rotation). */
const COOKIE_BUCKET_MS = 60_000;

/**
 * DTLS 1.2 server side of one UDP socket, over werift-dtls (ts-stack.md §2), which needs one server
 * object per peer. Before a peer gets any state it must echo a stateless cookie bound to its address
 * and hello parameters (RFC 6347 §4.2.1), so spoofed ClientHellos cost one small reply and no key
 * generation; handshakes are capped per source and in total and expire; records from peers without
 * a session other than a ClientHello are dropped.
 */
export class DtlsListener extends EventEmitter<DtlsListenerEvents> {
  readonly #socket: Socket;
  readonly #cert: string;
  readonly #key: string;
  readonly #signatureHash: { hash: number; signature: number };
  readonly #maxHalfOpen: number;
  readonly #maxHalfOpenPerSource: number;
  readonly #handshakeTimeout: number;
  readonly #idleTimeout: number;
  readonly #secret: Buffer;
  readonly #now: () => number;
  readonly #sessions = new Map<string, DtlsSession>();
  /** Handshakes in progress per source IP, oldest first. */
  readonly #halfOpenBySource = new Map<string, Set<DtlsSession>>();
  #halfOpen = 0;

  constructor(socket: Socket, options: DtlsListenerOptions) {
    super();
    this.#socket = socket;
    this.#cert = options.cert;
    this.#key = options.key;
    const type = createPrivateKey(options.key).asymmetricKeyType;
    if (type !== 'ec' && type !== 'rsa') {
      throw new StunnerdError(
        'STUNNERD_ERR_CERTIFICATE',
        `DTLS key type ${type} is not supported; use an ECDSA P-256 or RSA key`,
      );
    }
    // werift-dtls signs with SHA-256 (hash 4) and ECDSA (3) or RSA (1) (RFC 5246 §7.4.1.4.1).
    this.#signatureHash = { hash: 4, signature: type === 'ec' ? 3 : 1 };
    this.#maxHalfOpen = options.maxHalfOpen ?? 256;
    this.#maxHalfOpenPerSource = options.maxHalfOpenPerSource ?? 8;
    this.#handshakeTimeout = options.handshakeTimeout ?? 10_000;
    this.#idleTimeout = options.idleTimeout ?? 600_000;
    this.#secret = options.cookieSecret ?? randomBytes(32);
    this.#now = options.now ?? Date.now;
  }

  /** Handshakes in progress. */
  get halfOpen(): number {
    return this.#halfOpen;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Feeds one datagram received on the socket. */
  handleDatagram(data: Buffer, address: string, port: number): void {
    const key = `${address}|${port}`;
    const session = this.#sessions.get(key);
    if (session) {
      session.receive(data);
      return;
    }
    const hello = parseClientHello(data);
    if (!hello) return;
    if (hello.cookie.length === 0 || !this.#cookieValid(hello, address, port)) {
      this.#socket.send(helloVerifyRequest(hello.recordSequence, this.#cookie(hello, address, port, 0)), port, address);
      return;
    }
    // DTLS 1.2 only (turn.md §5.4): a DTLS 1.0 client gets an alert, not silence (see protocolVersionAlert).
    if (hello.clientVersion > DTLS_1_2) {
      this.#socket.send(protocolVersionAlert(hello), port, address);
      this.emit('handshakeFailed', address, port, 'the client offers only DTLS 1.0; DTLS 1.2 is required');
      return;
    }
    const fromSource = this.#halfOpenBySource.get(address)?.size ?? 0;
    if (fromSource >= this.#maxHalfOpenPerSource || (this.#halfOpen >= this.#maxHalfOpen && !this.#evict(fromSource))) {
      this.emit('handshakeFailed', address, port, 'too many handshakes in progress');
      return;
    }
    this.#startSession(key, address, port, data, hello);
  }

  /** Closes every session. */
  close(): void {
    for (const s of [...this.#sessions.values()]) s.close();
  }

  #cookie(hello: ClientHelloInfo, address: string, port: number, bucketsAgo: number): Buffer {
    const bucket = Math.floor(this.#now() / COOKIE_BUCKET_MS) - bucketsAgo;
    return createHmac('sha256', this.#secret)
      .update(`${bucket}|${address}|${port}|`)
      .update(hello.parameters)
      .digest()
      .subarray(0, 20);
  }

  #cookieValid(hello: ClientHelloInfo, address: string, port: number): boolean {
    if (hello.cookie.length !== 20) return false;
    return (
      timingSafeEqual(hello.cookie, this.#cookie(hello, address, port, 0)) ||
      timingSafeEqual(hello.cookie, this.#cookie(hello, address, port, 1))
    );
  }

  /**
   * With every half-open slot taken, a cookie-verified handshake (its source address proven) from a
   * source holding `fromSource` of them takes the slot of the oldest handshake of the source holding
   * the most, if that source holds more: so a source new to the table always gets a slot, and 32
   * sources at the per-source cap can no longer lock everyone else out for the handshake timeout.
   * An attacker now needs as many proven addresses as there are slots (256), not 32. Returns whether
   * a slot was freed. (At most `maxHalfOpen` sources to scan, and only when the table is full.)
   */
  #evict(fromSource: number): boolean {
    let victim: Set<DtlsSession> | undefined;
    for (const sessions of this.#halfOpenBySource.values()) {
      if (sessions.size > (victim?.size ?? fromSource)) victim = sessions;
    }
    const oldest = victim?.values().next().value;
    if (oldest === undefined) return false;
    oldest.close('evicted: the half-open table is full and another source needed a slot');
    return true;
  }

  #startSession(key: string, address: string, port: number, data: Buffer, hello: ClientHelloInfo): void {
    let halfOpen = true;
    const settle = () => {
      if (!halfOpen) return;
      halfOpen = false;
      this.#halfOpen--;
      const pending = this.#halfOpenBySource.get(address);
      pending?.delete(session);
      if (pending?.size === 0) this.#halfOpenBySource.delete(address);
    };
    const session = new DtlsSession(this.#socket, address, port, {
      cert: this.#cert,
      key: this.#key,
      signatureHash: this.#signatureHash,
      cookie: hello.cookie,
      handshakeTimeout: this.#handshakeTimeout,
      idleTimeout: this.#idleTimeout,
    });
    this.#halfOpen++;
    const pending = this.#halfOpenBySource.get(address);
    if (pending === undefined) this.#halfOpenBySource.set(address, new Set([session]));
    else pending.add(session);
    this.#sessions.set(key, session);
    session.once('connect', () => {
      settle();
      this.emit('session', session);
    });
    session.once('close', (reason) => {
      if (halfOpen) this.emit('handshakeFailed', address, port, reason);
      settle();
      if (this.#sessions.get(key) === session) this.#sessions.delete(key);
    });
    session.begin(withoutCookie(data, hello), data);
  }
}

interface SessionOptions {
  cert: string;
  key: string;
  signatureHash: { hash: number; signature: number };
  cookie: Buffer;
  handshakeTimeout: number;
  idleTimeout: number;
}

export interface DtlsSessionEvents {
  connect: [];
  data: [data: Buffer];
  close: [reason: string];
}

/** One peer's DTLS association on the listener's socket. */
export class DtlsSession extends EventEmitter<DtlsSessionEvents> {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly #server: DtlsServer;
  readonly #transport: { onData: (data: Buffer) => void; muted: boolean };
  readonly #idleTimeout: number;
  #timer: NodeJS.Timeout;
  #connected = false;
  #closed = false;

  constructor(socket: Socket, address: string, port: number, options: SessionOptions) {
    super();
    this.remoteAddress = address;
    this.remotePort = port;
    this.#idleTimeout = options.idleTimeout;
    const transport = {
      type: 'udp',
      address: { address, port, family: address.includes(':') ? 'IPv6' : 'IPv4' },
      closed: false,
      muted: false,
      onData: (_data: Buffer) => {},
      send: async (buf: Buffer) => {
        if (!transport.muted && !this.#closed) socket.send(buf, port, address);
      },
      close: async () => {
        transport.closed = true;
      },
    };
    this.#transport = transport;
    this.#server = new DtlsServer({
      transport: transport as never,
      cert: options.cert,
      key: options.key,
      signatureHash: options.signatureHash as never,
      extendedMasterSecret: true,
    });
    // The library's own cookie is ours, already verified: its HelloVerifyRequest is never sent.
    this.#server.dtls.cookie = Buffer.from(options.cookie);
    this.#server.onConnect.subscribe(() => {
      // werift-dtls 0.5.8 sends its Finished in epoch 1 with the next epoch-0 sequence number n, then
      // restarts at 1 for application data (RFC 6347 §4.1 starts each epoch at 0), so the n-th
      // application record repeats the Finished's number and an OpenSSL peer's replay window
      // (§4.1.2.6) drops it silently: coturn's uclient -S stalled on its 7th request. Number
      // application data past anything the handshake used.
      const dtls = this.#server.dtls;
      dtls.recordSequenceNumber = Math.max(dtls.recordSequenceNumber, FIRST_APPLICATION_SEQUENCE);
      this.#connected = true;
      this.#touch();
      this.emit('connect');
    });
    this.#server.onData.subscribe((data: Buffer) => this.emit('data', data));
    this.#server.onError.subscribe((err: Error) => this.close(`DTLS error: ${err.message}`));
    this.#timer = setTimeout(() => this.close('handshake timed out'), options.handshakeTimeout);
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Replays the exchange the library expects: the first hello (its reply muted), then the real one. */
  begin(firstHello: Buffer, secondHello: Buffer): void {
    this.#transport.muted = true;
    this.#transport.onData(firstHello);
    this.#transport.muted = false;
    this.#transport.onData(secondHello);
  }

  receive(data: Buffer): void {
    if (this.#closed) return;
    if (this.#connected) this.#touch();
    this.#transport.onData(data);
  }

  /** Sends application data to the peer. */
  send(data: Buffer): void {
    if (!this.#connected || this.#closed) return;
    this.#server.send(data).catch((err: Error) => this.close(`send failed: ${err.message}`));
  }

  close(reason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    try {
      this.#server.close();
    } catch {
      // The library may already have torn the association down.
    }
    this.emit('close', reason);
  }

  #touch(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.close('idle timeout'), this.#idleTimeout);
  }
}
