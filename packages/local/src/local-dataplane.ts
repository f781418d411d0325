// The dataplane of local mode: one Stunnerd object per rendered Gateway config, each reconciled in
// place when its config changes (the same rules as a stunnerd pod following the CDS), plus what the
// dashboard reads from them at sample time.
import type { StunnerConfig } from '@stunner/api';
import type { AllocationView, ClusterView, Traffic } from '@stunner/dashboard';
import type { LoggerFactory } from '@stunner/log';
import { LocalTurnListener, Stunnerd } from '@stunner/stunnerd';
import type { TurnEngine } from '@stunner/turn';
import { AllocationTracker } from './allocation-tracker.ts';

export interface ListenerCounters {
  allocations: number;
  rx: Traffic;
  tx: Traffic;
}

export interface DataplaneSample {
  listeners: Map<string, ListenerCounters>;
  clusters: ClusterView[];
  allocations: AllocationView[];
}

export class LocalDataplane {
  readonly #logger: LoggerFactory;
  readonly #logSpec: string | undefined;
  readonly #daemons = new Map<string, Stunnerd>();
  readonly #trackers = new Map<TurnEngine, AllocationTracker>();
  /** The last apply error per gateway (`admin.name`), cleared by a good apply. */
  readonly errors = new Map<string, string>();

  constructor(logger: LoggerFactory, logSpec?: string) {
    this.#logger = logger;
    this.#logSpec = logSpec;
  }

  /** The configs being served now (a rejected one leaves the previous in place). */
  running(): StunnerConfig[] {
    return [...this.#daemons.values()].flatMap((d) => (d.config ? [d.config] : []));
  }

  /**
   * Applies each config to its gateway's daemon and stops the daemons of gateways gone. Rejections are
   * kept in `errors` and returned; the daemon rolls back to what it served before.
   */
  async reconcile(configs: readonly StunnerConfig[]): Promise<Map<string, string>> {
    const wanted = new Set(configs.map((c) => c.admin.name));
    for (const [name, daemon] of [...this.#daemons]) {
      if (wanted.has(name)) continue;
      this.#daemons.delete(name);
      this.errors.delete(name);
      await daemon.close();
    }
    const failed = new Map<string, string>();
    for (const config of configs) {
      const name = config.admin.name;
      let daemon = this.#daemons.get(name);
      if (!daemon) {
        daemon = new Stunnerd({ logger: this.#logger, ...(this.#logSpec ? { logSpecOverride: this.#logSpec } : {}) });
        this.#daemons.set(name, daemon);
      }
      try {
        await daemon.apply(config);
        this.errors.delete(name);
      } catch (err) {
        const message = (err as Error).message;
        failed.set(name, message);
        this.errors.set(name, message);
        if (!daemon.config) {
          this.#daemons.delete(name);
          await daemon.close();
        }
      }
      this.#track(daemon);
    }
    return failed;
  }

  /** Starts following the engines of listeners (re)started since the last call. */
  #track(daemon: Stunnerd): void {
    for (const l of daemon.config?.listeners ?? []) {
      const listener = daemon.listener(l.name);
      if (!(listener instanceof LocalTurnListener)) continue;
      const engine = listener.inner.engine;
      if (!this.#trackers.has(engine)) this.#trackers.set(engine, new AllocationTracker(engine));
    }
  }

  async sample(): Promise<DataplaneSample> {
    const listeners = new Map<string, ListenerCounters>();
    const clusters = new Map<string, ClusterView>();
    const allocations: AllocationView[] = [];
    const live = new Set<TurnEngine>();
    for (const daemon of this.#daemons.values()) {
      this.#track(daemon);
      const m = await daemon.metricsSnapshot();
      for (const l of m.listeners) listeners.set(l.name, { allocations: 0, rx: l.rx, tx: l.tx });
      for (const c of m.clusters) {
        const sum = clusters.get(c.name) ?? {
          name: c.name,
          rx: { packets: 0, bytes: 0 },
          tx: { packets: 0, bytes: 0 },
        };
        sum.rx = add(sum.rx, c.rx);
        sum.tx = add(sum.tx, c.tx);
        clusters.set(c.name, sum);
      }
      for (const l of daemon.config?.listeners ?? []) {
        const listener = daemon.listener(l.name);
        if (!(listener instanceof LocalTurnListener)) continue;
        const tracker = this.#trackers.get(listener.inner.engine);
        if (!tracker) continue;
        live.add(tracker.engine);
        const counters = listeners.get(l.name);
        for (const a of tracker.allocations()) {
          if (counters) counters.allocations++;
          const s = a.info.stats;
          allocations.push({
            key: `${l.name}#${a.info.id}`,
            listener: l.name,
            client: `${a.info.client.transport} ${hostPort(a.info.client.address, a.info.client.port)}`,
            username: a.info.username,
            relayed: a.info.relayed.map((r) => hostPort(r.address, r.port)),
            permissions: a.permissions,
            channels: a.channels,
            rx: { packets: s.toPeerPackets, bytes: s.toPeerBytes },
            tx: { packets: s.toClientPackets, bytes: s.toClientBytes },
            createdAt: a.createdAt,
          });
        }
      }
    }
    // Engines of closed listeners: their allocations ended with them.
    for (const [engine, tracker] of this.#trackers) {
      if (live.has(engine)) continue;
      tracker.close();
      this.#trackers.delete(engine);
    }
    return { listeners, clusters: [...clusters.values()], allocations };
  }

  async close(): Promise<void> {
    for (const t of this.#trackers.values()) t.close();
    this.#trackers.clear();
    for (const d of this.#daemons.values()) await d.close();
    this.#daemons.clear();
  }
}

const add = (a: Traffic, b: Traffic): Traffic => ({ packets: a.packets + b.packets, bytes: a.bytes + b.bytes });

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
