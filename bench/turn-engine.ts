// `npm run bench -- turn-engine [--json]`: the Sans-IO engine alone (no sockets): ChannelData relayed
// client → peer and peer → client, authenticated Allocate, and Allocate + Refresh(0) cycles.
import {
  ChannelNumber,
  encodeChannelData,
  Lifetime,
  longTermKey,
  MessageClass,
  Method,
  Nonce,
  Realm,
  RequestedTransport,
  StunMessageBuilder,
  Username,
  XorPeerAddress,
} from '@stunner/stun';
import { type ClientEndpoint, type RelayRequest, TurnEngine, type TurnEngineSink } from '@stunner/turn';
import type { BenchResult } from './run.ts';

const REALM = 'stunner.l7mp.io';
const USER = 'user';
const PASS = 'pass';
const KEY = longTermKey(USER, REALM, PASS);

/** Counts outputs; answers relay requests at once, as an adapter whose bind succeeded. */
class CountingSink implements TurnEngineSink {
  engine!: TurnEngine;
  now = Date.now();
  toClient = 0;
  channelData = 0;
  toPeer = 0;
  #port = 40000;
  last: Buffer | undefined;

  sendToClient(_client: ClientEndpoint, message: Buffer): void {
    this.toClient++;
    this.last = message;
  }
  sendChannelData(): void {
    this.channelData++;
  }
  sendToPeer(): void {
    this.toPeer++;
  }
  openRelay(r: RelayRequest): void {
    this.#port = this.#port >= 65000 ? 40000 : this.#port + 1;
    const port = this.#port;
    this.engine.relayOpened(r.id, { addresses: [{ family: 'IPv4', address: '192.0.2.1', port }] }, this.now);
  }
  closeRelay(): void {}
}

function setup(): { engine: TurnEngine; sink: CountingSink } {
  const sink = new CountingSink();
  const engine = new TurnEngine({
    auth: { type: 'static', realm: REALM, username: USER, password: PASS },
    sink,
    transactionCacheSize: 0,
  });
  sink.engine = engine;
  return { engine, sink };
}

function request(method: number, nonce: string, add: (b: StunMessageBuilder) => void): Buffer {
  const b = new StunMessageBuilder(method, MessageClass.Request);
  add(b);
  return b.add(Username, USER).add(Realm, REALM).add(Nonce, nonce).build({ key: KEY });
}

/** The nonce a 401 gives this client address. */
function nonceFor(engine: TurnEngine, sink: CountingSink, client: ClientEndpoint): string {
  const probe = new StunMessageBuilder(Method.Allocate, MessageClass.Request).add(RequestedTransport, 17).build();
  engine.handleClient(probe, client, sink.now);
  const b = sink.last!;
  // REALM then NONCE follow the 8-byte ERROR-CODE; read NONCE as the last attribute.
  let off = 20;
  let nonce = '';
  while (off < b.length) {
    const type = b.readUInt16BE(off);
    const len = b.readUInt16BE(off + 2);
    if (type === 0x0015) nonce = b.toString('utf8', off + 4, off + 4 + len);
    off += 4 + len + ((4 - (len % 4)) % 4);
  }
  return nonce;
}

/** Runs `op` in batches for about `ms` (after a warm-up); returns operations per second. */
function opsPerSecond(op: () => void, ms = 1000): number {
  for (let i = 0; i < 20_000; i++) op();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 1000; i++) op();
    ops += 1000;
    now = performance.now();
  }
  return Math.round(ops / ((now - start) / 1000));
}

function heapDeltaPerOp(op: () => void, n = 200_000): number {
  for (let i = 0; i < 20_000; i++) op();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) op();
  const after = process.memoryUsage().heapUsed;
  return Math.max(0, Math.round((after - before) / n));
}

export async function run(args: string[] = []): Promise<BenchResult> {
  const ms = Number(args.find((a) => a.startsWith('--ms='))?.slice(5) ?? 1000);
  const payloadSize = Number(args.find((a) => a.startsWith('--payload='))?.slice(10) ?? 1000);

  // One allocation with a channel to a peer.
  const { engine, sink } = setup();
  const client: ClientEndpoint = { listener: 0, transport: 'udp', address: '198.51.100.7', port: 5000 };
  const nonce = nonceFor(engine, sink, client);
  engine.handleClient(
    request(Method.Allocate, nonce, (b) => b.add(RequestedTransport, 17).add(Lifetime, 3600)),
    client,
    sink.now,
  );
  const peer = { family: 'IPv4' as const, address: '203.0.113.5', port: 7000 };
  engine.handleClient(
    request(Method.ChannelBind, nonce, (b) => b.add(ChannelNumber, 0x4000).add(XorPeerAddress, peer)),
    client,
    sink.now,
  );
  const relayId = [...engine.allocations()][0]!.id;
  // The adapter would hand a fresh endpoint object per datagram (dgram's rinfo); reuse one here.
  const frame = encodeChannelData(0x4000, Buffer.alloc(payloadSize, 1));
  const payload = Buffer.alloc(payloadSize, 2);
  const now = sink.now;
  const channelDataToPeer = opsPerSecond(() => engine.handleClient(frame, client, now), ms);
  const peerToChannelData = opsPerSecond(() => engine.handleRelay(relayId, payload, peer.address, peer.port, now), ms);
  if (sink.toPeer === 0 || sink.channelData === 0) throw new Error('benchmark setup relayed nothing');
  const heapBytesPerChannelData = heapDeltaPerOp(() => engine.handleClient(frame, client, now));
  const heapBytesPerRelayPacket = heapDeltaPerOp(() =>
    engine.handleRelay(relayId, payload, peer.address, peer.port, now),
  );

  // Authenticated Allocates, each from its own client port (requests built beforehand).
  const n = 20_000;
  const alloc = setup();
  const clients: ClientEndpoint[] = [];
  const allocates: Buffer[] = [];
  const deletes: Buffer[] = [];
  const allocNonce = nonceFor(alloc.engine, alloc.sink, { ...client, port: 1 });
  for (let i = 0; i < n; i++) {
    clients.push({ listener: 0, transport: 'udp', address: client.address, port: 10000 + i });
    allocates.push(request(Method.Allocate, allocNonce, (b) => b.add(RequestedTransport, 17)));
    deletes.push(request(Method.Refresh, allocNonce, (b) => b.add(Lifetime, 0)));
  }
  let t = performance.now();
  for (let i = 0; i < n; i++) alloc.engine.handleClient(allocates[i]!, clients[i]!, alloc.sink.now);
  const allocateSeconds = (performance.now() - t) / 1000;
  if (alloc.engine.allocationCount !== n) throw new Error(`${alloc.engine.allocationCount} allocations, expected ${n}`);
  t = performance.now();
  for (let i = 0; i < n; i++) alloc.engine.handleClient(deletes[i]!, clients[i]!, alloc.sink.now);
  const deleteSeconds = (performance.now() - t) / 1000;
  const left: number = alloc.engine.allocationCount;
  if (left !== 0) throw new Error(`Refresh(0) left ${left} allocations behind`);

  return {
    payload_bytes: payloadSize,
    channeldata_client_to_peer_ops_per_s: channelDataToPeer,
    channeldata_peer_to_client_ops_per_s: peerToChannelData,
    heap_bytes_per_channeldata_in: heapBytesPerChannelData,
    heap_bytes_per_relay_packet_in: heapBytesPerRelayPacket,
    authenticated_allocate_ops_per_s: Math.round(n / allocateSeconds),
    authenticated_refresh0_ops_per_s: Math.round(n / deleteSeconds),
    allocate_refresh0_cycles_per_s: Math.round(n / (allocateSeconds + deleteSeconds)),
  };
}
