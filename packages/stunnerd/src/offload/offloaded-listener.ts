import type { TransportAddress } from '@stunner/stun';
import { type ListenerSnapshot, mergeClusters } from '../listeners/listener-snapshot.ts';
import type { LocalTurnListener } from '../listeners/local-turn-listener.ts';
import type { ListenerUpdate, TurnListener } from '../listeners/turn-listener.ts';
import { PeerFilter } from '../peer-filter/peer-filter.ts';
import type { OffloadBindings } from './offload-bindings.ts';

/**
 * A TURN-UDP listener whose ChannelData is relayed by the kernel where it can be: the listener
 * itself (engine, sockets, userspace relaying of everything else) plus its kernel bindings. Peer
 * filter changes reach both; metrics count both paths (stunner-v1.md §1.11: offloaded traffic is
 * back-filled into the same counters).
 */
export class OffloadedListener implements TurnListener {
  readonly inner: LocalTurnListener;
  readonly bindings: OffloadBindings;
  readonly #onClose: () => void;

  constructor(inner: LocalTurnListener, bindings: OffloadBindings, onClose: () => void = () => {}) {
    this.inner = inner;
    this.bindings = bindings;
    this.#onClose = onClose;
    bindings.watch(inner.inner.engine);
  }

  start(): Promise<TransportAddress[]> {
    return this.inner.start();
  }

  async close(): Promise<void> {
    this.bindings.clear();
    this.#onClose();
    await this.inner.close();
  }

  configure(update: ListenerUpdate): void {
    this.inner.configure(update);
    if (update.peers) this.bindings.setFilter(new PeerFilter(update.peers));
  }

  async snapshot(): Promise<ListenerSnapshot> {
    const s = this.inner.snapshotNow();
    const k = this.bindings.totals();
    const add = (t: { packets: number; bytes: number }, o: { packets: number; bytes: number }) => {
      t.packets += o.packets;
      t.bytes += o.bytes;
    };
    add(s.rx, k.toPeer);
    add(s.tx, k.toClient);
    const thread = s.threads[0];
    if (thread) {
      add(thread.rx, k.toPeer);
      add(thread.tx, k.toClient);
    }
    s.clusters = mergeClusters(s.clusters, k.clusters);
    return s;
  }
}
