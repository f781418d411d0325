// Per-allocation detail for the dashboard: what the engine's typed events say (creation time,
// permissions, channels), kept beside the engine's own per-allocation counters, which are read at
// sample time. Events are per control message; nothing here runs per packet.
import type { AllocationInfo, TurnEngine } from '@stunner/turn';

interface Detail {
  createdAt: number;
  permissions: Set<string>;
  channels: Map<number, string>;
}

export interface TrackedAllocation {
  info: AllocationInfo;
  createdAt: number;
  permissions: string[];
  channels: { number: number; peer: string }[];
}

/** Follows one listener's engine. */
export class AllocationTracker {
  readonly engine: TurnEngine;
  readonly #details = new Map<number, Detail>();
  readonly #now: () => number;
  readonly #off: () => void;

  constructor(engine: TurnEngine, now: () => number = Date.now) {
    this.engine = engine;
    this.#now = now;
    const created = (a: AllocationInfo) => void this.#detail(a);
    const deleted = (a: AllocationInfo) => void this.#details.delete(a.id);
    const permit = (a: AllocationInfo, peer: string) => void this.#detail(a).permissions.add(peer);
    const unpermit = (a: AllocationInfo, peer: string) => void this.#detail(a).permissions.delete(peer);
    const bind = (a: AllocationInfo, ch: number, address: string, port: number) =>
      void this.#detail(a).channels.set(ch, peerName(address, port));
    const unbind = (a: AllocationInfo, ch: number) => void this.#detail(a).channels.delete(ch);
    engine.on('allocation-created', created);
    engine.on('allocation-deleted', deleted);
    engine.on('permission-created', permit);
    engine.on('permission-expired', unpermit);
    engine.on('channel-bound', bind);
    engine.on('channel-expired', unbind);
    this.#off = () => {
      engine.off('allocation-created', created);
      engine.off('allocation-deleted', deleted);
      engine.off('permission-created', permit);
      engine.off('permission-expired', unpermit);
      engine.off('channel-bound', bind);
      engine.off('channel-expired', unbind);
    };
  }

  #detail(a: AllocationInfo): Detail {
    let d = this.#details.get(a.id);
    if (!d) {
      // An allocation made before the tracker started is dated from when it was first seen.
      d = { createdAt: this.#now(), permissions: new Set(), channels: new Map() };
      this.#details.set(a.id, d);
    }
    return d;
  }

  /** The allocations held now; relayed traffic is the engine's running per-allocation count. */
  allocations(): TrackedAllocation[] {
    const out: TrackedAllocation[] = [];
    for (const info of this.engine.allocations()) {
      const d = this.#detail(info);
      out.push({
        info,
        createdAt: d.createdAt,
        permissions: [...d.permissions].sort(),
        channels: [...d.channels].map(([number, peer]) => ({ number, peer })).sort((a, b) => a.number - b.number),
      });
    }
    return out;
  }

  close(): void {
    this.#off();
    this.#details.clear();
  }
}

function peerName(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
