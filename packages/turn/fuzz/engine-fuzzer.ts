// Stateful fuzzer for the TURN engine: seeded random sequences of requests (Allocate, Refresh,
// CreatePermission, ChannelBind, Binding), Send indications, ChannelData, peer datagrams and
// retransmissions from several clients with valid and broken credentials, on a clock that jumps at
// random. After every step the invariants of fuzz-world.ts hold, no exception escapes the engine, and a
// retransmitted request gets the byte-identical response (RFC 8489 §6.3.1).
import {
  AdditionalAddressFamily,
  AddressFamily,
  Attr,
  ChannelNumber,
  Data,
  decodeStunMessage,
  ErrorCode,
  EvenPort,
  encodeChannelData,
  Lifetime,
  longTermKey,
  MessageClass,
  Method,
  Nonce,
  Realm,
  RequestedTransport,
  ReservationToken,
  type StunMessage,
  StunMessageBuilder,
  TransportProtocol,
  Username,
  XorPeerAddress,
} from '@stunner/stun';
import { Prng } from '../../stun/fuzz/prng.ts';
import type { TurnEngine } from '../src/index.ts';
import {
  ALLOWED_PEERS,
  CAPS,
  checkInvariants,
  credentials,
  DENIED_PEERS,
  type FuzzClient,
  FuzzSink,
  type InjectedBug,
  InvariantError,
  makeClients,
  makeEngine,
  REALM,
  T0,
} from './fuzz-world.ts';

export interface EngineFuzzOptions {
  /** Steps to run. */
  count: number;
  seed: number;
  /** Steps per world: a fresh engine and clients after this many (keeps every run's state bounded). */
  worldSteps?: number;
  /** Wrong engines for the fuzzer's own test; 'none' in real runs. */
  bug?: InjectedBug;
  /** Stop after this many failures. Default 5. */
  maxFailures?: number;
}

export interface EngineFuzzFailure {
  step: number;
  action: string;
  invariant: string;
  error: string;
}

export interface EngineFuzzReport {
  steps: number;
  worlds: number;
  /** How often each action ran, and how the responses came out, for a sense of coverage. */
  actions: Record<string, number>;
  responses: Record<string, number>;
  retransmitsChecked: number;
  allocationsCreated: number;
  sentToPeer: number;
  failures: EngineFuzzFailure[];
}

const V4 = (a: string): boolean => !a.includes(':');
/** Mostly IPv4 peers (an allocation is IPv4 unless asked otherwise), mostly admitted ones. */
const PEERS_V4 = [...ALLOWED_PEERS.filter(V4), ...ALLOWED_PEERS.filter(V4), ...DENIED_PEERS.filter(V4)];
const PEERS_ALL = [...ALLOWED_PEERS, ...DENIED_PEERS];

interface World {
  engine: TurnEngine;
  sink: FuzzSink;
  clients: FuzzClient[];
  tokens: Buffer[];
}

function newWorld(prng: Prng, bug: InjectedBug, report: EngineFuzzReport): World {
  const sink = new FuzzSink(prng);
  sink.now = T0 + prng.int(1000);
  const engine = makeEngine(sink, bug);
  engine.on('allocation-created', () => report.allocationsCreated++);
  report.worlds++;
  return { engine, sink, clients: makeClients(), tokens: [] };
}

function peer(prng: Prng): { family: 'IPv4' | 'IPv6'; address: string; port: number } {
  const address = prng.pick(prng.chance(0.85) ? PEERS_V4 : PEERS_ALL);
  return { family: address.includes(':') ? 'IPv6' : 'IPv4', address, port: prng.pick([3478, 5000, 5001, 40000]) };
}

/** A request with the method's attributes, signed as the client would (or broken in one way). */
function buildRequest(w: World, c: FuzzClient, method: number, prng: Prng): Buffer {
  const b = new StunMessageBuilder(method, MessageClass.Request);
  if (method === Method.Allocate) {
    b.add(RequestedTransport, prng.chance(0.95) ? TransportProtocol.UDP : TransportProtocol.TCP);
    if (prng.chance(0.2)) b.add(Lifetime, prng.pick([0, 30, 60, 600, 7200]));
    if (prng.chance(0.1)) b.add(AdditionalAddressFamily, AddressFamily.IPv6);
    const extra = prng.int(10);
    if (extra === 0) b.add(EvenPort, { reserve: prng.chance(0.5) });
    else if (extra === 1 && w.tokens.length > 0) b.add(ReservationToken, prng.pick(w.tokens));
  } else if (method === Method.Refresh) {
    if (prng.chance(0.7)) b.add(Lifetime, prng.pick([0, 0, 30, 60, 600, 7200]));
  } else if (method === Method.CreatePermission) {
    const n = prng.int(3) + (prng.chance(0.05) ? 0 : 1);
    for (let i = 0; i < n; i++) b.add(XorPeerAddress, peer(prng));
  } else if (method === Method.ChannelBind) {
    if (prng.chance(0.95)) b.add(ChannelNumber, prng.chance(0.9) ? 0x4000 + prng.int(5) : prng.pick([0x3fff, 0x5000]));
    if (prng.chance(0.95)) b.add(XorPeerAddress, peer(prng));
  }
  if (method === Method.Binding || prng.chance(0.04) || c.nonce === undefined) {
    return b.build({ fingerprint: prng.chance(0.5) });
  }
  const { username, password } = credentials(c, w.sink.now, prng);
  const realm = prng.chance(0.02) ? 'other.realm' : REALM;
  b.add(Username, username);
  b.add(Realm, realm);
  b.add(Nonce, prng.chance(0.03) ? 'stale-or-forged-nonce' : c.nonce);
  const integrity = prng.chance(0.1) ? 'sha256' : 'sha1';
  const out = b.build({ key: longTermKey(username, realm, password), integrity, fingerprint: prng.chance(0.3) });
  // One flipped bit past the header: integrity or an attribute breaks.
  if (prng.chance(0.02)) out[20 + prng.int(out.length - 20)]! ^= 1 << prng.int(8);
  return out;
}

/** Feeds bytes from `c` and returns what the engine sent back to `c`. */
function feed(w: World, c: FuzzClient, data: Buffer): Buffer[] {
  const before = w.sink.toClient.length;
  w.engine.handleClient(data, c.endpoint, w.sink.now);
  const out = w.sink.toClient.slice(before).filter((m) => m.client === c.endpoint);
  w.sink.toClient.length = 0;
  return out.map((m) => m.message);
}

function responseName(msg: StunMessage): string {
  const code = msg.get(ErrorCode)?.code;
  return `${msg.method.toString(16)}/${code ?? (msg.messageClass === MessageClass.SuccessResponse ? 'ok' : '?')}`;
}

function request(w: World, c: FuzzClient, prng: Prng, report: EngineFuzzReport): void {
  const method = prng.pick([
    Method.Allocate,
    Method.Allocate,
    Method.Refresh,
    Method.CreatePermission,
    Method.CreatePermission,
    Method.ChannelBind,
    Method.ChannelBind,
    Method.Binding,
  ]);
  const req = buildRequest(w, c, method, prng);
  const out = feed(w, c, req);
  if (out.length > 1) throw new InvariantError('one-response', `${out.length} responses to one request`);
  const res = out[0];
  if (res === undefined) return;
  const msg = decodeStunMessage(res);
  const name = responseName(msg);
  report.responses[name] = (report.responses[name] ?? 0) + 1;
  const code = msg.get(ErrorCode)?.code;
  if (code === 401 || code === 438) c.nonce = msg.get(Nonce) ?? c.nonce;
  const token = msg.messageClass === MessageClass.SuccessResponse ? msg.get(ReservationToken) : undefined;
  if (token !== undefined) w.tokens.push(token);
  if (w.tokens.length > 4) w.tokens.shift();
  // Only integrity-protected responses are cached; challenges are stateless by design (turn.md §5.4).
  if (msg.find(Attr.MessageIntegrity) !== undefined) c.last = { request: req, response: res, at: w.sink.now };
}

function retransmit(w: World, c: FuzzClient, report: EngineFuzzReport): void {
  const last = c.last;
  if (last === undefined || w.sink.now - last.at >= CAPS.transactionCacheTtl) return;
  const out = feed(w, c, last.request);
  report.retransmitsChecked++;
  if (out.length !== 1 || !out[0]!.equals(last.response)) {
    throw new InvariantError('retransmit', `${out.length} responses, identical: ${out[0]?.equals(last.response)}`);
  }
}

function sendIndication(w: World, c: FuzzClient, prng: Prng): void {
  const b = new StunMessageBuilder(Method.Send, MessageClass.Indication);
  if (prng.chance(0.95)) b.add(XorPeerAddress, peer(prng));
  if (prng.chance(0.95)) b.add(Data, prng.bytes(prng.int(64)));
  feed(w, c, b.build());
}

function channelData(w: World, c: FuzzClient, prng: Prng): void {
  const frame = encodeChannelData(0x4000 + prng.int(6), prng.bytes(prng.int(48)));
  feed(w, c, prng.chance(0.05) ? frame.subarray(0, Math.max(4, frame.length - 2)) : frame);
}

function fromPeer(w: World, prng: Prng): void {
  const ids = [...w.engine.allocations()].map((a) => a.id);
  const id = ids.length > 0 && prng.chance(0.9) ? prng.pick(ids) : prng.int(64);
  const p = peer(prng);
  w.engine.handleRelay(id, prng.bytes(prng.int(48)), p.address, p.port, w.sink.now);
  w.sink.toClient.length = 0;
}

function advance(w: World, prng: Prng, bug: InjectedBug): void {
  const r = prng.int(100);
  w.sink.now += r < 60 ? prng.int(1500) : r < 95 ? prng.int(20_000) : prng.int(150_000);
  if (bug !== 'forgetful-timer' && w.engine.nextTimeout() <= w.sink.now) w.engine.handleTimeout(w.sink.now);
}

const ACTIONS: ReadonlyArray<readonly [string, number]> = [
  ['request', 40],
  ['retransmit', 8],
  ['send-indication', 8],
  ['channel-data', 10],
  ['peer-data', 8],
  ['relay-answer', 4],
  ['client-closed', 2],
  ['credentials-flip', 1],
  ['advance-clock', 19],
];

function pickAction(prng: Prng): string {
  let r = prng.int(100);
  for (const [name, weight] of ACTIONS) {
    if (r < weight) return name;
    r -= weight;
  }
  return 'advance-clock';
}

function act(action: string, w: World, prng: Prng, bug: InjectedBug, report: EngineFuzzReport): void {
  // A few clients are busy, the rest occasional: sequences on one 5-tuple get deep enough.
  const c = w.clients[prng.int(prng.int(w.clients.length) + 1)]!;
  if (action === 'request') request(w, c, prng, report);
  else if (action === 'retransmit') retransmit(w, c, report);
  else if (action === 'send-indication') sendIndication(w, c, prng);
  else if (action === 'channel-data') channelData(w, c, prng);
  else if (action === 'peer-data') fromPeer(w, prng);
  else if (action === 'relay-answer') {
    const d = w.sink.deferred.shift();
    if (d !== undefined) w.sink.answer(d.request, prng.chance(0.8) ? undefined : 508);
  } else if (action === 'client-closed') {
    if (c.endpoint.transport === 'tcp') w.engine.clientClosed(c.endpoint);
  } else if (action === 'credentials-flip') c.good = !c.good;
  else advance(w, prng, bug);
}

/** Runs `count` steps; each world ends with close(), after which every bound relay must be closed. */
export function runEngineFuzz(options: EngineFuzzOptions): EngineFuzzReport {
  const prng = new Prng(options.seed);
  const bug = options.bug ?? 'none';
  const worldSteps = options.worldSteps ?? 2000;
  const maxFailures = options.maxFailures ?? 5;
  const report: EngineFuzzReport = {
    steps: 0,
    worlds: 0,
    actions: {},
    responses: {},
    retransmitsChecked: 0,
    allocationsCreated: 0,
    sentToPeer: 0,
    failures: [],
  };
  let w = newWorld(prng, bug, report);
  let inWorld = 0;
  for (let i = 0; i < options.count && report.failures.length < maxFailures; i++) {
    const action = pickAction(prng);
    try {
      report.actions[action] = (report.actions[action] ?? 0) + 1;
      act(action, w, prng, bug, report);
      checkInvariants(w.engine, w.sink.now, bug);
      if (++inWorld >= worldSteps) {
        w.engine.close();
        for (const d of w.sink.deferred) w.sink.answer(d.request, undefined);
        if (w.sink.open.size > 0) throw new InvariantError('relay-leak', `${w.sink.open.size} relays left open`);
        report.sentToPeer += w.sink.sentToPeer;
        w = newWorld(prng, bug, report);
        inWorld = 0;
      }
    } catch (err) {
      const invariant = err instanceof InvariantError ? err.invariant : 'exception';
      report.failures.push({ step: i, action, invariant, error: (err as Error).stack ?? String(err) });
      report.sentToPeer += w.sink.sentToPeer;
      w = newWorld(prng, bug, report);
      inWorld = 0;
    }
    report.steps++;
  }
  report.sentToPeer += w.sink.sentToPeer;
  return report;
}
