import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import {
  ChannelNumber,
  ConnectionId,
  channelDataPayload,
  channelNumberOf,
  Data,
  decodeStunMessage,
  encodeChannelData,
  isChannelData,
  Lifetime,
  MessageClass,
  Method,
  RequestedTransport,
  type StunMessage,
  StunMessageBuilder,
  TransportProtocol,
  XorMappedAddress,
  XorPeerAddress,
  XorRelayedAddress,
} from '@stunner/stun';
import { ChannelRefresher } from './channel-refresher.ts';
import { connectTransport } from './connect-transport.ts';
import { TurnClientError } from './errors.ts';
import { LongTermCredentials } from './long-term-credentials.ts';
import { formatAddress, type PeerAddress, toTransportAddress } from './peer-address.ts';
import { PermissionRefresher } from './permission-refresher.ts';
import { readIndication } from './server-indication.ts';
import { SignedRequester } from './signed-requester.ts';
import { openDataConnection } from './tcp-data-connection.ts';
import { systemTimers, type Timers } from './timers.ts';
import { TransactionTable } from './transaction-table.ts';
import type { ClientTransport, TransportConnectOptions } from './transport.ts';
import {
  type Allocation,
  resolveClientOptions,
  type TurnClientEvents,
  type TurnClientOptions,
  type TurnClientState,
} from './turn-client-options.ts';

export type { Allocation, TurnClientEvents, TurnClientOptions, TurnClientState } from './turn-client-options.ts';

/**
 * A TURN client for one allocation (RFC 8656): allocate, permissions, channels, data both ways,
 * refresh timers and a clean close. Credentials are learned from the server's 401 (REALM, NONCE)
 * and nonces renewed on 438. Requests go through `SignedRequester`; permissions and channels keep
 * their own refresh timers (`PermissionRefresher`, `ChannelRefresher`).
 */
export class TurnClient extends EventEmitter<TurnClientEvents> {
  readonly #options: TurnClientOptions;
  readonly #timers: Timers;
  readonly #server: string;
  #state: TurnClientState = 'idle';
  #transport: ClientTransport | undefined;
  readonly #transactions: TransactionTable;
  readonly #requester: SignedRequester;
  readonly #credentials: LongTermCredentials;
  #sawIcmpUnreachable = false;
  #allocation: Allocation | undefined;
  #allocationTimer: unknown;
  readonly #permissions: PermissionRefresher;
  readonly #channels: ChannelRefresher;

  constructor(options: TurnClientOptions) {
    super();
    this.#options = resolveClientOptions(options);
    this.#timers = options.timers ?? systemTimers;
    this.#server = `${options.transport ?? 'udp'}://${formatAddress({ address: options.host, port: options.port })}`;
    this.#transactions = new TransactionTable(this.#timers, options, (t) => {
      const icmp = this.#sawIcmpUnreachable ? '; ICMP port unreachable came back, so nothing listens there' : '';
      return new TurnClientError(
        'TURN_CLIENT_ERR_TIMEOUT',
        `TURN server ${this.#server} is unreachable: no response after ${t.transmissions} transmission(s) in ${t.elapsedMs} ms${icmp}`,
      );
    });
    this.#credentials = new LongTermCredentials(this.#options.username, this.#options.password, {
      userhash: this.#options.userhash === true,
    });
    this.#requester = new SignedRequester({
      server: this.#server,
      credentials: this.#credentials,
      transactions: this.#transactions,
      transport: () => (this.#state === 'closed' ? undefined : this.#transport),
      software: this.#options.software,
      maxStaleNonceRetries: this.#options.maxStaleNonceRetries ?? 3,
    });
    this.#permissions = new PermissionRefresher(this.#timers, this.#options.permissionRefreshMs ?? 240_000, {
      createPermission: (ip) => this.createPermission(ip),
      refreshed: (ip) => this.emit('refreshed', 'permission', { peer: ip }),
      failed: (err) => this.#backgroundError(err),
    });
    this.#channels = new ChannelRefresher(this.#timers, this.#options.channelRefreshMs ?? 540_000, {
      sendChannelBind: (number, peer, peerText) =>
        this.#requester.request(
          Method.ChannelBind,
          (b) => b.add(ChannelNumber, number).add(XorPeerAddress, peer),
          'ChannelBind',
          peerText,
        ),
      isAllocated: () => this.#state === 'allocated',
      bound: (peer) => this.#permissions.installed(peer.address),
      refreshed: (peer) => this.emit('refreshed', 'channel', { peer }),
      failed: (err) => this.#backgroundError(err),
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
      const transport = await connectTransport(this.#connectOptions());
      if (this.#state !== 'allocating') {
        transport.close();
        throw new TurnClientError('TURN_CLIENT_ERR_CLOSED', 'the client was closed while connecting');
      }
      this.#attach(transport);
      const res = await this.#requester.request(
        Method.Allocate,
        (b) => {
          // RFC 8656 §7.1: REQUESTED-TRANSPORT is mandatory: UDP, or TCP for RFC 6062.
          b.add(RequestedTransport, this.#tcpRelay ? TransportProtocol.TCP : TransportProtocol.UDP);
          if (this.#options.lifetime !== undefined) b.add(Lifetime, this.#options.lifetime);
        },
        'Allocate',
      );
      const relayed = res.get(XorRelayedAddress);
      if (!relayed) throw this.#requester.protocolError('the Allocate success response has no XOR-RELAYED-ADDRESS');
      this.#allocation = { relayed, mapped: res.get(XorMappedAddress), lifetime: res.get(Lifetime) ?? 600 };
      this.#state = 'allocated';
      this.#scheduleAllocationRefresh(this.#allocation.lifetime);
      return this.#allocation;
    } catch (err) {
      this.#shutdown(undefined);
      throw err;
    }
  }

  /**
   * RFC 6062 §4.3: connects the TCP relay to `peer` and returns the data connection, a socket that
   * carries the peer's bytes both ways (Connect, then ConnectionBind on a new connection).
   */
  async connect(peer: PeerAddress): Promise<Socket> {
    this.#requireTcpRelay('connect');
    const target = toTransportAddress(peer);
    const res = await this.#requester.request(
      Method.Connect,
      (b) => b.add(XorPeerAddress, target),
      'Connect',
      formatAddress(target),
    );
    const id = res.get(ConnectionId);
    if (id === undefined) throw this.#requester.protocolError('the Connect success response has no CONNECTION-ID');
    return this.accept(id);
  }

  /** RFC 6062 §4.4: takes the peer connection announced by a 'connection-attempt' event. */
  accept(connectionId: number): Promise<Socket> {
    this.#requireTcpRelay('accept');
    return openDataConnection(this.#connectOptions(), this.#credentials, connectionId, this.#server);
  }

  #connectOptions(): TransportConnectOptions {
    const o = this.#options;
    return {
      kind: o.transport ?? 'udp',
      host: o.host,
      port: o.port,
      insecure: o.insecure,
      servername: o.servername,
      ca: o.ca,
      connectTimeoutMs: o.connectTimeoutMs,
    };
  }

  get #tcpRelay(): boolean {
    return this.#options.relayTransport === 'tcp';
  }

  #requireTcpRelay(what: string): void {
    this.#requireAllocated(what);
    if (!this.#tcpRelay) {
      throw new TurnClientError(
        'TURN_CLIENT_ERR_STATE',
        `${what}() needs an RFC 6062 allocation (relayTransport 'tcp')`,
      );
    }
  }

  /** Refreshes the allocation (RFC 8656 §8); returns the granted lifetime in seconds. */
  async refresh(lifetime = this.#options.lifetime): Promise<number> {
    this.#requireAllocated('refresh');
    const res = await this.#requester.request(
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
    await this.#requester.request(
      Method.CreatePermission,
      (b) => {
        for (const a of addresses) b.add(XorPeerAddress, { ...a, port: 0 });
      },
      'CreatePermission',
      list,
    );
    for (const a of addresses) this.#permissions.installed(a.address);
  }

  /**
   * Binds a channel to the peer (RFC 8656 §11) and returns its number; data to and from the peer then
   * travels as ChannelData. Binding also installs the peer's permission.
   */
  bindChannel(peer: PeerAddress): Promise<number> {
    this.#requireAllocated('bindChannel');
    return this.#channels.bind(toTransportAddress(peer));
  }

  /**
   * Sends to a peer: as ChannelData when a channel is bound, else as a Send indication (RFC 8656 §10.1),
   * which the server drops unless a permission for the peer's IP is installed.
   */
  send(peer: PeerAddress, data: Buffer): void {
    this.#requireAllocated('send');
    const target = toTransportAddress(peer);
    const ch = this.#channels.get(target);
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
    const ch = this.#channels.get(target);
    if (!ch?.ready) await this.#permissions.ensure(target.address);
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
      const refresh = this.#requester
        .request(Method.Refresh, (b) => b.add(Lifetime, 0), 'Refresh')
        .then(
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
      const peer = this.#channels.peerOf(channelNumberOf(frame));
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
    } else if (msg.messageClass === MessageClass.Indication) {
      const ind = readIndication(msg);
      if (ind?.kind === 'data') this.emit('data', ind.data, ind.peer);
      else if (ind?.kind === 'connection-attempt') this.emit('connection-attempt', ind.peer, ind.connectionId);
    }
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
    this.#permissions.clearTimers();
    this.#channels.clearTimers();
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
}
