// Two in-process WebRTC peers (werift) that may only use relayed candidates of one TURN server, joined
// by an unordered, unreliable data channel (packets that are lost stay lost), exchanging timestamped
// packets that the far peer echoes: connect time, RTT and loss through the gateway.
import { performance } from 'node:perf_hooks';
import { classes, Message, methods, type RTCDataChannel, RTCPeerConnection, StunOverTurnProtocol } from 'werift';
import { type RttSummary, summarizeRtts } from './rtt-stats.ts';

export interface IceServer {
  /** One `turn:`/`turns:` URL (werift uses the first TURN URL of a configuration). */
  urls: string;
  username?: string;
  credential?: string;
}

export interface PairOptions {
  server: IceServer;
  /** Packets per second; 0 floods (as fast as echoes return, a window in flight). */
  rate: number;
  durationMs: number;
  connectTimeoutMs: number;
  /** How long to wait for the last echoes after sending stops. */
  graceMs?: number;
  tls?: { rejectUnauthorized: boolean; servername?: string };
  /** Stops sending early (Ctrl-C); what was sent is still counted. */
  signal?: AbortSignal;
}

export interface PairResult extends RttSummary {
  connectMs: number;
}

const PACKET_BYTES = 64;
const FLOOD_WINDOW = 64;
/** Bounds a flood's count whatever its duration. */
const FLOOD_MAX_PACKETS = 1_000_000;

function peer(o: PairOptions): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [o.server],
    iceTransportPolicy: 'relay',
    ...(o.tls ? { turnTlsOptions: o.tls } : {}),
  });
}

/** Both ends of the same negotiated channel (no DCEP round trip): unordered, no retransmits. */
function channel(pc: RTCPeerConnection): RTCDataChannel {
  return pc.createDataChannel('icetest', { negotiated: true, id: 0, ordered: false, maxRetransmits: 0 });
}

function opened(dc: RTCDataChannel, pcs: RTCPeerConnection[], timeoutMs: number, relays: () => number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (dc.readyState === 'open') {
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      const states = pcs.map((p) => `${p.iceConnectionState}/${p.connectionState}`).join(', ');
      reject(
        new Error(
          relays() === 0
            ? `no relay candidate within ${timeoutMs} ms: the TURN server refused or did not answer the allocation (check the address and the credentials)`
            : `no relayed connection within ${timeoutMs} ms (ICE/peer state ${states})`,
        ),
      );
    }, timeoutMs);
    dc.stateChanged.subscribe((s) => {
      if (s === 'open') {
        clearTimeout(timer);
        resolve();
      }
    });
    for (const pc of pcs) {
      pc.connectionStateChange.subscribe((s) => {
        if (s === 'failed') {
          clearTimeout(timer);
          reject(new Error('the relayed connection failed (ICE found no working relay pair)'));
        }
      });
    }
  });
}

/** The peer's TURN clients. werift keeps its ICE protocols in a field its typings call private; the version is pinned. */
function turnClients(pc: RTCPeerConnection): StunOverTurnProtocol[] {
  const out: StunOverTurnProtocol[] = [];
  for (const t of pc.iceTransports) {
    const protocols = (t.connection as unknown as { protocols?: unknown[] }).protocols ?? [];
    for (const p of protocols) if (p instanceof StunOverTurnProtocol) out.push(p);
  }
  return out;
}

/**
 * Sends TURN over TCP/TLS without Nagle's delay, as stunnerd's side does: werift's client socket keeps
 * it, which would add the peer's delayed-ACK time (~40 ms) to the RTT tail of small packets.
 */
function disableNagle(pc: RTCPeerConnection): void {
  for (const p of turnClients(pc)) {
    const socket = (p.turn.transport as unknown as { stream?: { client?: { setNoDelay?: (on: boolean) => void } } })
      .stream?.client;
    socket?.setNoDelay?.(true);
  }
}

/**
 * Deletes the peer's TURN allocations with a Refresh of lifetime 0 (RFC 8656 §7). werift's close() only
 * drops its sockets, which would leave each UDP allocation on the gateway for its whole lifetime (600 s),
 * counting against user quotas and holding a draining stunnerd.
 */
async function releaseAllocations(pc: RTCPeerConnection): Promise<void> {
  await Promise.all(
    turnClients(pc).map((p) => {
      const request = new Message(methods.REFRESH, classes.REQUEST).setAttribute('LIFETIME', 0);
      return p.turn.requestWithRetry(request, p.turn.server, AbortSignal.timeout(2000)).catch(() => {});
    }),
  );
}

/** Connects the pair, runs the packet exchange and closes both peers. */
export async function runPeerPair(o: PairOptions): Promise<PairResult> {
  const a = peer(o);
  const b = peer(o);
  try {
    const started = performance.now();
    const dcA = channel(a);
    const dcB = channel(b);
    let relays = 0;
    a.onIceCandidate.subscribe((c) => {
      if (c) relays++;
    });
    const ready = Promise.all([
      opened(dcA, [a, b], o.connectTimeoutMs, () => relays),
      opened(dcB, [a, b], o.connectTimeoutMs, () => relays),
    ]);
    // Non-trickle: werift puts the gathered relay candidates into the descriptions.
    const negotiated = (async () => {
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription!);
    })();
    // The connect timeout bounds the negotiation too; whichever fails first is the reason.
    negotiated.catch(() => {});
    await Promise.all([negotiated, ready]);
    const connectMs = performance.now() - started;
    disableNagle(a);
    disableNagle(b);

    dcB.onMessage.subscribe((data) => {
      if (typeof data !== 'string') dcB.send(data);
    });
    // Rate 0 floods (STUNner's icetest): a window of packets in flight, refilled as echoes return.
    const flood = o.rate === 0;
    const total = flood ? FLOOD_MAX_PACKETS : Math.max(1, Math.round((o.rate * o.durationMs) / 1000));
    const rtts: number[] = [];
    const seen = new Uint8Array(total);
    let sent = 0;
    let lastEcho = performance.now();
    const t0 = performance.now();
    const sendOne = () => {
      const p = Buffer.alloc(PACKET_BYTES);
      p.writeUInt32BE(sent, 0);
      p.writeDoubleBE(performance.now(), 4);
      dcA.send(p);
      sent++;
    };
    const floodRefill = () => {
      if (performance.now() - t0 >= o.durationMs || o.signal?.aborted) return;
      // Lost packets would close the window for good: after 200 ms without an echo it opens again.
      const stalled = performance.now() - lastEcho > 200;
      const room = stalled ? FLOOD_WINDOW : FLOOD_WINDOW - (sent - rtts.length);
      for (let i = 0; i < room && sent < total; i++) sendOne();
      if (stalled) lastEcho = performance.now();
    };
    dcA.onMessage.subscribe((data) => {
      if (typeof data === 'string' || data.length < 12) return;
      const seq = data.readUInt32BE(0);
      if (seq >= total || seen[seq]) return;
      seen[seq] = 1;
      lastEcho = performance.now();
      rtts.push(lastEcho - data.readDoubleBE(4));
      if (flood) floodRefill();
    });
    await new Promise<void>((resolve) => {
      // A 5 ms tick sends what the rate owes by now, so rates above 200/s are kept too.
      const tick = setInterval(() => {
        if (flood) floodRefill();
        else {
          const due = Math.min(total, Math.floor(((performance.now() - t0) * o.rate) / 1000) + 1);
          while (sent < due) sendOne();
        }
        const over = flood ? performance.now() - t0 >= o.durationMs || sent >= total : sent >= total;
        if (over || o.signal?.aborted) {
          clearInterval(tick);
          resolve();
        }
      }, 5);
    });
    const grace = o.graceMs ?? 1000;
    const deadline = performance.now() + grace;
    while (rtts.length < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return { connectMs: Math.round(connectMs), ...summarizeRtts(sent, rtts) };
  } finally {
    await Promise.allSettled([releaseAllocations(a), releaseAllocations(b)]);
    await Promise.allSettled([a.close(), b.close()]);
  }
}
