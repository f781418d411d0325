import { EventEmitter } from 'node:events';
import {
  ChannelNumber,
  channelDataPayload,
  channelNumberOf,
  Data,
  decodeStunMessage,
  ErrorCode,
  encodeChannelData,
  ephemeralPassword,
  ephemeralUsername,
  isChannelData,
  Lifetime,
  MessageClass,
  Method,
  RequestedTransport,
  Software,
  type StunMessage,
  StunMessageBuilder,
  type TransportAddress,
  TransportProtocol,
  verifyMessageIntegrity,
  XorMappedAddress,
  XorPeerAddress,
  XorRelayedAddress,
} from '@stunner/stun';
import { connectTransport } from './connect-transport.ts';
import { errorFromResponse } from './error-response.ts';
import { TurnClientError } from './errors.ts';
import { LongTermCredentials } from './long-term-credentials.ts';
import { formatAddress, type PeerAddress, toTransportAddress } from './peer-address.ts';
import { systemTimers, type Timers } from './timers.ts';
import { type RetransmitOptions, TransactionTable } from './transaction-table.ts';
import type { ClientTransport, TransportKind } from './transport.ts';

export interface TurnClientOptions extends RetransmitOptions {
  /** TURN server host name or IP. */
  host: string;
  port: number;
  /** Default 'udp'. */
  transport?: TransportKind;
  /** Long-term credentials (RFC 8489 §9.2); static or ephemeral (TURN REST) alike. Default none. */
  username?: string;
  password?: string;
  /**
   * TURN REST API shared secret (STUNner `ephemeral` auth, coturn `use-auth-secret`): instead of
   * `username`/`password` the client makes time-windowed ones (draft-uberti-behave-turn-rest-00).
   */
  authSecret?: string;
  /** With `authSecret`: the user id after the expiry, `<expiry>:<id>`. Default none (the username is `<expiry>`). */
  ephemeralUserId?: string;
  /** With `authSecret`: how long the made credentials stay valid. Default 3600 s. */
  ephemeralTtlSeconds?: number;
  /** TLS/DTLS: accept any server certificate. Default false. */
  insecure?: boolean;
  /** TLS/DTLS server name (SNI) and the name the certificate must hold. Default the host when it is a name. */
  servername?: string;
  /** TLS/DTLS trusted CAs (PEM). Default the system roots. */
  ca?: string | string[];
  /** TCP connect and TLS/DTLS handshake limit. Default 10000 ms. */
  connectTimeoutMs?: number;
  /** Allocation LIFETIME to ask for, in seconds. Default none (the server's default, 600 s per RFC 8656 §7.2). */
  lifetime?: number;
  /** SOFTWARE attribute on requests. Default none. */
  software?: string;
  /** Re-Refresh the allocation this often. Default a minute before the granted lifetime ends (at least half of it). */
  allocationRefreshMs?: number;
  /** Re-install permissions this often; they last 300 s (RFC 8656 §9). Default 240000 ms. */
  permissionRefreshMs?: number;
  /** Re-bind channels this often; bindings last 600 s (RFC 8656 §12). Default 540000 ms. */
  channelRefreshMs?: number;
  /** Retries of a request answered by 438 Stale Nonce (RFC 8489 §9.2.5). Default 3. */
  maxStaleNonceRetries?: number;
  /** How long `close()` waits for the answer to its Refresh with LIFETIME 0. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** Timer functions; tests inject fakes. Default the global timers. */
  timers?: Timers;
}

export interface Allocation {
  /** The relayed transport address peers send to (XOR-RELAYED-ADDRESS). */
  relayed: TransportAddress;
  /** This client's address as the server sees it (XOR-MAPPED-ADDRESS), when given. */
  mapped: TransportAddress | undefined;
  /** Granted lifetime in seconds. */
  lifetime: number;
}

export type TurnClientState = 'idle' | 'allocating' | 'allocated' | 'closing' | 'closed';

export interface TurnClientEvents {
  /** Data from a peer, by ChannelData or Data indication. `data` is a view: copy it to keep it. */
  data: [data: Buffer, peer: TransportAddress];
  /** A refresh timer renewed something; `lifetime` in seconds for the allocation. */
  refreshed: [kind: 'allocation' | 'permission' | 'channel', detail: { peer?: string; lifetime?: number }];
  /** A background permission or channel refresh failed (emitted only when listened to). */
  error: [err: TurnClientError];
  /** The client is closed; `err` says why when it did not close on request. */
  close: [err?: Error];
}

interface ChannelState {
  number: number;
  peer: TransportAddress;
  ready: boolean;
  pending: Promise<number> | undefined;
  timer: unknown;
}

interface PermissionState {
  installed: boolean;
  pending: Promise<void> | undefined;
  timer: unknown;
}

const FIRST_CHANNEL = 0x4000;
const LAST_CHANNEL = 0x4fff;

/**
 * A TURN client for one allocation (RFC 8656): allocate, permissions, channels, data both ways,
 * refresh timers and a clean close. Credentials are learned from the server's 401 (REALM, NONCE)
 * and nonces renewed on 438.
 */
export class TurnClient extends EventEmitter<TurnClientEvents> {
  readonly #options: TurnClientOptions;
  readonly #timers: Timers;
  readonly #server: string;
  #state: TurnClientState = 'idle';
  #transport: ClientTransport | undefined;
  readonly #transactions: TransactionTable;
  #sawIcmpUnreachable = false;
  readonly #credentials: LongTermCredentials;
  #allocation: Allocation | undefined;
  #allocationTimer: unknown;
  readonly #permissions = new Map<string, PermissionState>();
  readonly #channels = new Map<string, ChannelState>();
  readonly #peersByChannel = new Map<number, TransportAddress>();
  #nextChannel = FIRST_CHANNEL;

  constructor(options: TurnClientOptions) {
    super();
    if (!options.host) throw new TurnClientError('TURN_CLIENT_ERR_INVALID_ARGUMENT', 'the TURN server host is empty');
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
      throw new TurnClientError(
        'TURN_CLIENT_ERR_INVALID_ARGUMENT',
        `TURN server port ${options.port} is outside 1–65535`,
      );
    }
    if ((options.username === undefined) !== (options.password === undefined)) {
      throw new TurnClientError('TURN_CLIENT_ERR_INVALID_ARGUMENT', 'give both username and password, or neither');
    }
    if (options.authSecret !== undefined && options.username !== undefined) {
      throw new TurnClientError('TURN_CLIENT_ERR_INVALID_ARGUMENT', 'give either authSecret or username/password');
    }
    this.#options = options.authSecret === undefined ? options : { ...options, ...ephemeralCredentials(options) };
    this.#credentials = new LongTermCredentials(this.#options.username, this.#options.password);
    this.#timers = options.timers ?? systemTimers;
    this.#server = `${options.transport ?? 'udp'}://${formatAddress({ address: options.host, port: options.port })}`;
    this.#transactions = new TransactionTable(this.#timers, options, (t) => {
      const icmp = this.#sawIcmpUnreachable ? '; ICMP port unreachable came back, so nothing listens there' : '';
      return new TurnClientError(
        'TURN_CLIENT_ERR_TIMEOUT',
        `TURN server ${this.#server} is unreachable: no response after ${t.transmissions} transmission(s) in ${t.elapsedMs} ms${icmp}`,
      );
    });
  }

  get state(): TurnClientState {
    return this.#state;
  }

  /** The server as `<transport>://host:port`, for logs. */
  get server(): string {
    return this.#server;
  }

  get allocation(): Allocation | undefined {
    return this.#allocation;
  }

  get transport(): ClientTransport | undefined {
    return this.#transport;
  }

  /**
   * Connects the transport and allocates a UDP relay (RFC 8656 §7.1), answering the server's 401
   * with the long-term credentials. On failure the client is closed.
   */
  async allocate(): Promise<Allocation> {
    if (this.#state !== 'idle') throw this.#stateError('allocate');
    this.#state = 'allocating';
    try {
      const transport = await connectTransport({
        kind: this.#options.transport ?? 'udp',
        host: this.#options.host,
        port: this.#options.port,
        insecure: this.#options.insecure,
        servername: this.#options.servername,
        ca: this.#options.ca,
        connectTimeoutMs: this.#options.connectTimeoutMs,
      });
      if (this.#state !== 'allocating') {
        transport.close();
        throw new TurnClientError('TURN_CLIENT_ERR_CLOSED', 'the client was closed while connecting');
      }
      this.#attach(transport);
      const res = await this.#request(
        Method.Allocate,
        (b) => {
          // RFC 8656 §7.1: REQUESTED-TRANSPORT UDP is mandatory.
          b.add(RequestedTransport, TransportProtocol.UDP);
          if (this.#options.lifetime !== undefined) b.add(Lifetime, this.#options.lifetime);
        },
        'Allocate',
      );
      const relayed = res.get(XorRelayedAddress);
      if (!relayed) throw this.#protocolError('the Allocate success response has no XOR-RELAYED-ADDRESS');
      this.#allocation = { relayed, mapped: res.get(XorMappedAddress), lifetime: res.get(Lifetime) ?? 600 };
      this.#state = 'allocated';
      this.#scheduleAllocationRefresh(this.#allocation.lifetime);
      return this.#allocation;
    } catch (err) {
      this.#shutdown(undefined);
      throw err;
    }
  }

  /** Refreshes the allocation (RFC 8656 §8); returns the granted lifetime in seconds. */
  async refresh(lifetime = this.#options.lifetime): Promise<number> {
    this.#requireAllocated('refresh');
    const res = await this.#request(
      Method.Refresh,
      (b) => {
        if (lifetime !== undefined) b.add(Lifetime, lifetime);
      },
      'Refresh',
    );
    const granted = res.get(Lifetime) ?? lifetime ?? 600;
    if (this.#allocation) this.#allocation.lifetime = granted;
    this.#scheduleAllocationRefresh(granted);
    return granted;
  }

  /** Installs permissions for the peers' IPs in one CreatePermission (RFC 8656 §10); ports are ignored. */
  async createPermission(...peers: Array<PeerAddress | string>): Promise<void> {
    this.#requireAllocated('createPermission');
    const addresses = peers.map((p) => toTransportAddress(typeof p === 'string' ? { address: p, port: 0 } : p, false));
    if (addresses.length === 0) {
      throw new TurnClientError('TURN_CLIENT_ERR_INVALID_ARGUMENT', 'createPermission needs at least one peer');
    }
    const list = addresses.map((a) => a.address).join(', ');
    await this.#request(
      Method.CreatePermission,
      (b) => {
        for (const a of addresses) b.add(XorPeerAddress, { ...a, port: 0 });
      },
      'CreatePermission',
      list,
    );
    for (const a of addresses) this.#permissionInstalled(a.address);
  }

  /**
   * Binds a channel to the peer (RFC 8656 §11) and returns its number; data to and from the peer then
   * travels as ChannelData. Binding also installs the peer's permission.
   */
  bindChannel(peer: PeerAddress): Promise<number> {
    this.#requireAllocated('bindChannel');
    const target = toTransportAddress(peer);
    const key = formatAddress(target);
    let ch = this.#channels.get(key);
    if (ch?.ready) return Promise.resolve(ch.number);
    if (ch?.pending !== undefined) return ch.pending;
    if (!ch) {
      if (this.#nextChannel > LAST_CHANNEL) {
        return Promise.reject(new TurnClientError('TURN_CLIENT_ERR_STATE', 'all 4096 channel numbers are in use'));
      }
      ch = { number: this.#nextChannel++, peer: target, ready: false, pending: undefined, timer: undefined };
      this.#channels.set(key, ch);
      // RFC 8656 §11.2: ChannelData may arrive as soon as the ChannelBind is sent (the server binds
      // before its response is read here), so accept it on this number from now on.
      this.#peersByChannel.set(ch.number, target);
    }
    const state = ch;
    state.pending = this.#channelBind(state).finally(() => {
      state.pending = undefined;
    });
    return state.pending;
  }

  /**
   * Sends to a peer: as ChannelData when a channel is bound, else as a Send indication (RFC 8656 §10.1),
   * which the server drops unless a permission for the peer's IP is installed.
   */
  send(peer: PeerAddress, data: Buffer): void {
    this.#requireAllocated('send');
    const target = toTransportAddress(peer);
    const ch = this.#channels.get(formatAddress(target));
    if (ch?.ready) {
      this.#transport!.send(encodeChannelData(ch.number, data, this.#transport!.reliable));
      return;
    }
    const indication = new StunMessageBuilder(Method.Send, MessageClass.Indication)
      .add(XorPeerAddress, target)
      .add(Data, data)
      .build({ fingerprint: true });
    this.#transport!.send(indication);
  }

  /**
   * Sends to a peer, installing its permission first when needed and binding a channel in the
   * background; until the binding is up the data goes in Send indications.
   */
  async sendTo(peer: PeerAddress, data: Buffer): Promise<void> {
    this.#requireAllocated('sendTo');
    const target = toTransportAddress(peer);
    const ch = this.#channels.get(formatAddress(target));
    if (!ch?.ready) await this.#ensurePermission(target.address);
    this.send(target, data);
    if (!ch) {
      this.bindChannel(target).catch((err: unknown) => this.#backgroundError(err));
    }
  }

  /** Deletes the allocation (Refresh with LIFETIME 0, RFC 8656 §8) and closes the transport. */
  async close(): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    const allocated = this.#state === 'allocated';
    this.#state = 'closing';
    this.#clearTimers();
    if (allocated) {
      let timer: unknown;
      const deadline = new Promise<void>((resolve) => {
        timer = this.#timers.setTimeout(resolve, this.#options.closeTimeoutMs ?? 2000);
      });
      const refresh = this.#request(Method.Refresh, (b) => b.add(Lifetime, 0), 'Refresh').then(
        () => {},
        () => {},
      );
      await Promise.race([refresh, deadline]);
      this.#timers.clearTimeout(timer);
    }
    this.#shutdown(undefined);
  }

  #attach(transport: ClientTransport): void {
    this.#transport = transport;
    transport.on('frame', (frame) => this.#onFrame(frame));
    transport.on('warning', () => {
      this.#sawIcmpUnreachable = true;
    });
    transport.on('close', (err) => {
      if (this.#state !== 'closed') {
        this.#shutdown(err ?? new TurnClientError('TURN_CLIENT_ERR_CLOSED', `the transport to ${this.#server} closed`));
      }
    });
  }

  #onFrame(frame: Buffer): void {
    if (isChannelData(frame)) {
      let payload: Buffer;
      try {
        payload = channelDataPayload(frame);
      } catch {
        return;
      }
      const peer = this.#peersByChannel.get(channelNumberOf(frame));
      if (peer) this.emit('data', payload, peer);
      return;
    }
    let msg: StunMessage;
    try {
      msg = decodeStunMessage(frame);
    } catch {
      return;
    }
    if (msg.messageClass === MessageClass.SuccessResponse || msg.messageClass === MessageClass.ErrorResponse) {
      this.#transactions.complete(msg);
    } else if (msg.messageClass === MessageClass.Indication && msg.method === Method.Data) {
      // RFC 8656 §10.4: a Data indication carries the peer and the payload.
      let peer: TransportAddress | undefined;
      let data: Buffer | undefined;
      try {
        peer = msg.get(XorPeerAddress);
        data = msg.get(Data);
      } catch {
        return;
      }
      if (peer && data) this.emit('data', data, peer);
    }
  }

  /** Sends a request with the current credentials, retrying once on 401 and on 438 (RFC 8489 §9.2.5). */
  async #request(
    method: number,
    fill: (b: StunMessageBuilder) => void,
    what: string,
    peer?: string,
  ): Promise<StunMessage> {
    const maxStale = this.#options.maxStaleNonceRetries ?? 3;
    let stale = 0;
    for (;;) {
      const transport = this.#transport;
      if (!transport || this.#state === 'closed') {
        throw new TurnClientError('TURN_CLIENT_ERR_CLOSED', `${what}: the client is closed`);
      }
      const b = new StunMessageBuilder(method, MessageClass.Request);
      fill(b);
      if (this.#options.software) b.add(Software, this.#options.software);
      this.#credentials.sign(b);
      const key = this.#credentials.key;
      const packet = b.build({ key, fingerprint: true });
      const res = await this.#transactions.start(b.transactionId, packet, (p) => transport.send(p), transport.reliable);
      if (res.method !== method) {
        throw this.#protocolError(`${what} was answered with method 0x${res.method.toString(16)}`);
      }
      if (res.messageClass === MessageClass.SuccessResponse) {
        // RFC 8489 §9.2.5: a response that carries MESSAGE-INTEGRITY must verify with the same key.
        if (key && res.integrityOffset >= 0 && !verifyMessageIntegrity(res, key)) {
          throw this.#protocolError(`the ${what} response fails MESSAGE-INTEGRITY`);
        }
        return res;
      }
      let error: { code: number; reason: string } | undefined;
      try {
        error = res.get(ErrorCode);
      } catch {
        error = undefined;
      }
      if (!error) throw this.#protocolError(`the ${what} error response has no valid ERROR-CODE`);
      if (error.code === 401 && !key) {
        if (!this.#credentials.configured) {
          throw new TurnClientError(
            'TURN_CLIENT_ERR_NO_CREDENTIALS',
            `${what} refused by ${this.#server} (401): the server requires credentials and none were given`,
            { stunCode: 401 },
          );
        }
        if (this.#credentials.challenge(res)) continue;
      }
      if (error.code === 438 && stale < maxStale && this.#credentials.renewNonce(res)) {
        stale++;
        continue;
      }
      throw errorFromResponse(error.code, error.reason, what, this.#server, peer);
    }
  }

  async #channelBind(ch: ChannelState): Promise<number> {
    const peer = formatAddress(ch.peer);
    await this.#request(
      Method.ChannelBind,
      (b) => b.add(ChannelNumber, ch.number).add(XorPeerAddress, ch.peer),
      'ChannelBind',
      peer,
    );
    if (this.#state !== 'allocated') return ch.number;
    ch.ready = true;
    // RFC 8656 §11.2: a ChannelBind also installs or refreshes the permission for the peer's IP.
    this.#permissionInstalled(ch.peer.address);
    this.#timers.clearTimeout(ch.timer);
    ch.timer = this.#timers.setTimeout(() => {
      ch.pending = this.#channelBind(ch)
        .then((n) => {
          this.emit('refreshed', 'channel', { peer });
          return n;
        })
        .catch((err: unknown) => {
          this.#backgroundError(err);
          return ch.number;
        })
        .finally(() => {
          ch.pending = undefined;
        });
    }, this.#options.channelRefreshMs ?? 540_000);
    return ch.number;
  }

  #ensurePermission(ip: string): Promise<void> {
    let p = this.#permissions.get(ip);
    if (p?.installed) return Promise.resolve();
    if (p?.pending !== undefined) return p.pending;
    if (!p) {
      p = { installed: false, pending: undefined, timer: undefined };
      this.#permissions.set(ip, p);
    }
    const state = p;
    state.pending = this.createPermission(ip).finally(() => {
      state.pending = undefined;
    });
    return state.pending;
  }

  #permissionInstalled(ip: string): void {
    let p = this.#permissions.get(ip);
    if (!p) {
      p = { installed: false, pending: undefined, timer: undefined };
      this.#permissions.set(ip, p);
    }
    p.installed = true;
    this.#timers.clearTimeout(p.timer);
    p.timer = this.#timers.setTimeout(() => {
      this.createPermission(ip).then(
        () => this.emit('refreshed', 'permission', { peer: ip }),
        (err: unknown) => this.#backgroundError(err),
      );
    }, this.#options.permissionRefreshMs ?? 240_000);
  }

  #scheduleAllocationRefresh(lifetime: number): void {
    this.#timers.clearTimeout(this.#allocationTimer);
    if (lifetime <= 0) return;
    const ms = this.#options.allocationRefreshMs ?? Math.max(lifetime - 60, lifetime / 2) * 1000;
    this.#allocationTimer = this.#timers.setTimeout(() => {
      this.refresh().then(
        (granted) => this.emit('refreshed', 'allocation', { lifetime: granted }),
        (err: unknown) => {
          // Without its refresh the allocation expires on the server: the client is done.
          if (this.#state === 'allocated') this.#shutdown(err instanceof Error ? err : new Error(String(err)));
        },
      );
    }, ms);
  }

  #backgroundError(err: unknown): void {
    if (this.#state !== 'allocated') return;
    const e =
      err instanceof TurnClientError
        ? err
        : new TurnClientError('TURN_CLIENT_ERR_PROTOCOL', String(err), { cause: err });
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }

  #clearTimers(): void {
    this.#timers.clearTimeout(this.#allocationTimer);
    for (const p of this.#permissions.values()) this.#timers.clearTimeout(p.timer);
    for (const c of this.#channels.values()) this.#timers.clearTimeout(c.timer);
  }

  #shutdown(err: Error | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#clearTimers();
    this.#transactions.rejectAll(
      err ?? new TurnClientError('TURN_CLIENT_ERR_CLOSED', `the client for ${this.#server} was closed`),
    );
    this.#transport?.close();
    this.emit('close', err);
  }

  #requireAllocated(what: string): void {
    if (this.#state !== 'allocated') throw this.#stateError(what);
  }

  #stateError(what: string): TurnClientError {
    return new TurnClientError('TURN_CLIENT_ERR_STATE', `${what}() is not possible in state ${this.#state}`);
  }

  #protocolError(message: string): TurnClientError {
    return new TurnClientError('TURN_CLIENT_ERR_PROTOCOL', `${this.#server}: ${message}`);
  }
}

function ephemeralCredentials(options: TurnClientOptions): { username: string; password: string } {
  const now = Math.floor(Date.now() / 1000);
  const ttl = options.ephemeralTtlSeconds ?? 3600;
  const username =
    options.ephemeralUserId === undefined ? String(now + ttl) : ephemeralUsername(now, ttl, options.ephemeralUserId);
  return { username, password: ephemeralPassword(options.authSecret!, username) };
}
