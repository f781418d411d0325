import { Attr, type StunMessage, type TransportAddress, XorPeerAddress } from '@stunner/stun';
import type { ClientEndpoint } from './endpoint.ts';
import type { EngineState } from './engine-state.ts';
import { KNOWN_ATTRIBUTES } from './known-attributes.ts';

/** Send indication (RFC 8656 §11.2): relayed to the peer if a permission exists; otherwise dropped. */
export function handleSendIndication(s: EngineState, msg: StunMessage, client: ClientEndpoint, now: number): void {
  const a = s.clients.get(client);
  if (a === undefined || a.pending !== undefined || a.expires <= now || a.transport === 'tcp') return;
  // RFC 8489 §6.3.2: unknown comprehension-required attributes make an indication be discarded.
  if (msg.unknownComprehensionRequired(KNOWN_ATTRIBUTES).length > 0) return;
  const data = msg.find(Attr.Data);
  let peer: TransportAddress | undefined;
  try {
    peer = msg.get(XorPeerAddress);
  } catch {
    peer = undefined;
  }
  if (
    data === undefined ||
    peer === undefined ||
    !a.hasFamily(peer.family) ||
    !a.permits(peer.address, now) ||
    (s.admitPeer !== undefined && !s.admitPeer(peer.address, peer.port, a))
  ) {
    a.stats.droppedPackets++;
    s.stats.droppedPackets++;
    return;
  }
  const length = data.value.length;
  if (s.bandwidthPerMs > 0 && !a.toPeerBucket.take(length, now, s.bandwidthPerMs, s.bandwidthBurst)) {
    a.stats.droppedPackets++;
    s.stats.droppedPackets++;
    s.stats.bandwidthDroppedToPeerPackets++;
    s.stats.bandwidthDroppedToPeerBytes += length;
    return;
  }
  a.stats.toPeerPackets++;
  a.stats.toPeerBytes += data.value.length;
  s.stats.toPeerPackets++;
  s.stats.toPeerBytes += data.value.length;
  s.sink.sendToPeer(a.id, peer.address, peer.port, data.value, 0, data.value.length);
}
