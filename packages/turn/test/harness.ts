// Test harness: an engine with an injected clock, a recording sink and a client that builds its
// requests with the codec's builder, as a real TURN client would.
import assert from 'node:assert/strict';
import {
  decodeStunMessage,
  ErrorCode,
  longTermKey,
  MessageClass,
  Method,
  Nonce,
  Realm,
  RequestedTransport,
  Software,
  type StunMessage,
  StunMessageBuilder,
  TransportProtocol,
  Username,
  verifyMessageIntegrity,
} from '@stunner/stun';
import {
  type ClientEndpoint,
  type ClientTransport,
  type Family,
  type PeerConnectRequest,
  type RelayBound,
  type RelayRequest,
  TurnEngine,
  type TurnEngineOptions,
  type TurnEngineSink,
} from '@stunner/turn';

export const REALM = 'stunner.l7mp.io';
export const USER = 'user-1';
export const PASS = 'pass-1';
/** 2026-11-23T00:00:00Z: ephemeral usernames compare engine time with UNIX time. */
export const T0 = 1_795_392_000_000;

export const RELAY_V4 = '192.0.2.10';
export const RELAY_V6 = '2001:db8::10';

export interface PeerSend {
  relayId: number;
  address: string;
  port: number;
  payload: Buffer;
}

/**
 * Records every output. With `autoBind` (the default) it answers `openRelay` synchronously, like an
 * adapter whose bind succeeded at once; ports count up from 50000 (even ones for EVEN-PORT).
 */
export class RecordingSink implements TurnEngineSink {
  engine!: TurnEngine;
  clock!: { now: number };
  autoBind: boolean | ((req: RelayRequest) => RelayBound | 440 | 486 | 508) = true;
  readonly toClient: Array<{ client: ClientEndpoint; message: Buffer }> = [];
  readonly channelData: Array<{ client: ClientEndpoint; channel: number; payload: Buffer }> = [];
  readonly toPeer: PeerSend[] = [];
  readonly opened: RelayRequest[] = [];
  readonly closed: number[] = [];
  readonly closedFamilies: Array<{ relayId: number; family: Family }> = [];
  readonly connects: PeerConnectRequest[] = [];
  readonly closedConnections: number[] = [];
  readonly boundData: Array<{ connectionId: number; client: ClientEndpoint }> = [];
  #port = 50000;

  sendToClient(client: ClientEndpoint, message: Buffer): void {
    this.toClient.push({ client, message });
  }

  sendChannelData(client: ClientEndpoint, channel: number, data: Buffer, offset: number, length: number): void {
    this.channelData.push({ client, channel, payload: Buffer.from(data.subarray(offset, offset + length)) });
  }

  sendToPeer(relayId: number, address: string, port: number, data: Buffer, offset: number, length: number): void {
    this.toPeer.push({ relayId, address, port, payload: Buffer.from(data.subarray(offset, offset + length)) });
  }

  openRelay(request: RelayRequest): void {
    this.opened.push(request);
    if (this.autoBind === false) return;
    const answer = this.autoBind === true ? this.bind(request) : this.autoBind(request);
    if (typeof answer === 'number') this.engine.relayFailed(request.id, answer, this.clock.now);
    else this.engine.relayOpened(request.id, answer, this.clock.now);
  }

  closeRelay(relayId: number): void {
    this.closed.push(relayId);
  }

  closeRelayFamily(relayId: number, family: Family): void {
    this.closedFamilies.push({ relayId, family });
  }

  connectPeer(request: PeerConnectRequest): void {
    this.connects.push(request);
  }

  closePeerConnection(connectionId: number): void {
    this.closedConnections.push(connectionId);
  }

  bindDataConnection(connectionId: number, client: ClientEndpoint): void {
    this.boundData.push({ connectionId, client });
  }

  /** What a successful adapter reports for `request`. */
  bind(request: RelayRequest): RelayBound {
    if (request.evenPort && this.#port % 2 === 1) this.#port++;
    const port = this.#port;
    this.#port += request.reserveId !== undefined ? 2 : 1;
    const addresses = request.families.map((f) => ({
      family: f,
      address: f === 'IPv4' ? RELAY_V4 : RELAY_V6,
      port,
    }));
    const first = addresses[0]!;
    return request.reserveId !== undefined ? { addresses, reserved: { ...first, port: port + 1 } } : { addresses };
  }
}

export interface Harness {
  engine: TurnEngine;
  sink: RecordingSink;
  clock: { now: number };
  /** Moves the clock and runs the timer if it is due. */
  advance(ms: number): void;
}

export function harness(options: Partial<TurnEngineOptions> = {}): Harness {
  const sink = new RecordingSink();
  const clock = { now: T0 };
  const engine = new TurnEngine({
    auth: { type: 'static', realm: REALM, username: USER, password: PASS },
    ...options,
    sink,
  });
  sink.engine = engine;
  sink.clock = clock;
  return {
    engine,
    sink,
    clock,
    advance(ms: number) {
      clock.now += ms;
      if (engine.nextTimeout() <= clock.now) engine.handleTimeout(clock.now);
    },
  };
}

let nextClientPort = 40000;

export interface SendOptions {
  /** Sign with the long-term key (after a 401 taught the client the realm and nonce). Default true. */
  auth?: boolean;
  integrity?: 'sha1' | 'sha256' | 'both';
  fingerprint?: boolean;
  transactionId?: Buffer;
  /** Override credentials for this request. */
  username?: string;
  password?: string;
  realm?: string;
  nonce?: string;
}

/** A TURN client on one 5-tuple, driving the engine with real encoded requests. */
export class TestClient {
  readonly h: Harness;
  readonly endpoint: ClientEndpoint;
  username: string;
  password: string;
  nonce: string | undefined;
  realm: string | undefined;
  readonly #software: string | undefined;

  constructor(
    h: Harness,
    options: {
      address?: string;
      port?: number;
      username?: string;
      password?: string;
      transport?: ClientTransport;
      /** SOFTWARE on the first, unauthenticated request: room for the RFC 8489 features in the 401 on UDP. */
      software?: string;
    } = {},
  ) {
    this.h = h;
    this.#software = options.software;
    this.endpoint = {
      listener: 0,
      transport: options.transport ?? 'udp',
      address: options.address ?? '198.51.100.7',
      port: options.port ?? nextClientPort++,
    };
    this.username = options.username ?? USER;
    this.password = options.password ?? PASS;
  }

  key(o: SendOptions = {}): Buffer {
    return longTermKey(o.username ?? this.username, o.realm ?? this.realm ?? REALM, o.password ?? this.password);
  }

  /** Encodes a request; `add` puts the method's attributes in. */
  build(method: number, add: (b: StunMessageBuilder) => void = () => {}, o: SendOptions = {}): Buffer {
    const b = new StunMessageBuilder(method, MessageClass.Request, o.transactionId);
    add(b);
    if (o.auth === false) return b.build({ fingerprint: o.fingerprint ?? false });
    b.add(Username, o.username ?? this.username);
    b.add(Realm, o.realm ?? this.realm ?? REALM);
    b.add(Nonce, o.nonce ?? this.nonce ?? 'no-nonce-yet');
    return b.build({ key: this.key(o), integrity: o.integrity ?? 'sha1', fingerprint: o.fingerprint ?? false });
  }

  /** Feeds raw bytes to the engine and returns the messages sent back to this client. */
  feed(data: Buffer): Buffer[] {
    const before = this.h.sink.toClient.length;
    this.h.engine.handleClient(data, this.endpoint, this.h.clock.now);
    return this.h.sink.toClient
      .slice(before)
      .filter((m) => m.client === this.endpoint)
      .map((m) => m.message);
  }

  /** Sends one request and returns the single decoded response. */
  send(method: number, add?: (b: StunMessageBuilder) => void, o: SendOptions = {}): StunMessage {
    const out = this.feed(this.build(method, add, o));
    assert.equal(out.length, 1, `expected one response, got ${out.length}`);
    return decodeStunMessage(out[0]!);
  }

  /** Gets a nonce the way clients do: an unauthenticated request answered 401. */
  handshake(): StunMessage {
    const software = this.#software;
    const res = this.send(
      Method.Allocate,
      (b) => {
        b.add(RequestedTransport, TransportProtocol.UDP);
        if (software !== undefined) b.add(Software, software);
      },
      { auth: false },
    );
    assert.equal(res.get(ErrorCode)?.code, 401);
    this.realm = res.get(Realm);
    this.nonce = res.get(Nonce);
    return res;
  }

  /** Authenticated request (handshaking first if needed; retried once with the new nonce after a 438). */
  request(method: number, add?: (b: StunMessageBuilder) => void, o: SendOptions = {}): StunMessage {
    if (this.nonce === undefined) this.handshake();
    const res = this.send(method, add, o);
    if (errorCode(res) !== 438 || o.nonce !== undefined) return res;
    this.nonce = res.get(Nonce);
    return this.send(method, add, o);
  }

  allocate(add?: (b: StunMessageBuilder) => void, o: SendOptions = {}): StunMessage {
    return this.request(
      Method.Allocate,
      (b) => {
        b.add(RequestedTransport, TransportProtocol.UDP);
        add?.(b);
      },
      o,
    );
  }
}

export function errorCode(msg: StunMessage): number | undefined {
  return msg.get(ErrorCode)?.code;
}

export function assertSuccess(msg: StunMessage, key?: Buffer): void {
  assert.equal(msg.messageClass, MessageClass.SuccessResponse, `error ${errorCode(msg)}`);
  if (key) assert.ok(verifyMessageIntegrity(msg, key), 'response MESSAGE-INTEGRITY verifies with the key');
}

export function assertError(msg: StunMessage, code: number): void {
  assert.equal(msg.messageClass, MessageClass.ErrorResponse, 'an error response');
  assert.equal(errorCode(msg), code);
}
