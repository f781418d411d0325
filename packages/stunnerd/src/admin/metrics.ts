import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Packets and bytes in one direction; plain fields the data path increments. */
export interface TrafficStats {
  packets: number;
  bytes: number;
}

/** One serving thread's share of a listener: a worker thread of `--udp-thread-num`, or thread 0. */
export interface ThreadStats {
  allocations: number;
  rx: TrafficStats;
  tx: TrafficStats;
  /** Times the thread died and was started again (worker threads only; stunner_listener_thread_restarts_total). */
  restarts?: number;
}

/** What `/metrics` shows, gathered at scrape time (from every worker thread, where there are several). */
export interface MetricsSnapshot {
  allocations: number;
  listeners: ReadonlyArray<{
    name: string;
    /** Open client connections (TCP/TLS), or 1 per socket for UDP and DTLS listeners. */
    connections: number;
    connectionsTotal: number;
    rx: TrafficStats;
    tx: TrafficStats;
    /** Per serving thread, in thread order (stunner_listener_thread_*); omitted: not shown. */
    threads?: readonly ThreadStats[];
    /** Dropped by the bandwidth limit: rx from clients, tx to clients (stunner_listener_bandwidth_dropped_*). */
    bandwidthDropped?: { rx: TrafficStats; tx: TrafficStats };
  }>;
  /** Per admitting cluster; rx is traffic from peers, tx traffic to peers. */
  clusters: ReadonlyArray<{ name: string; rx: TrafficStats; tx: TrafficStats }>;
}

/**
 * The dataplane's Prometheus registry (stunner-v1.md §1.12): STUNner's metric names, types and labels,
 * plus Node's process metrics. Nothing is counted here per packet: the data path bumps plain numbers
 * and each scrape reads a snapshot of them.
 */
export function createMetricsRegistry(snapshot: () => Promise<MetricsSnapshot>): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let current: Promise<MetricsSnapshot> | undefined;
  // One snapshot per scrape, shared by the metrics that read it.
  const take = () => {
    current ??= snapshot().finally(() => {
      setImmediate(() => {
        current = undefined;
      });
    });
    return current;
  };

  new Gauge({
    name: 'stunner_allocations_active',
    help: 'Number of active allocations.',
    registers: [registry],
    async collect() {
      this.set((await take()).allocations);
    },
  });
  new Gauge({
    name: 'stunner_listener_connections',
    help: 'Number of active client connections per listener.',
    labelNames: ['name'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const l of (await take()).listeners) this.set({ name: l.name }, l.connections);
    },
  });
  new Counter({
    name: 'stunner_listener_connections_total',
    help: 'Number of client connections accepted per listener.',
    labelNames: ['name'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const l of (await take()).listeners) this.inc({ name: l.name }, l.connectionsTotal);
    },
  });
  const traffic = (unit: 'packets' | 'bytes', scope: 'listener' | 'cluster') =>
    new Counter({
      name: `stunner_${scope}_${unit}_total`,
      help: `Number of ${unit} ${scope === 'listener' ? 'received (rx) and sent (tx) per listener' : 'from (rx) and to (tx) peers per cluster'}.`,
      labelNames: ['name', 'direction'],
      registers: [registry],
      async collect() {
        this.reset();
        const s = await take();
        for (const item of scope === 'listener' ? s.listeners : s.clusters) {
          this.inc({ name: item.name, direction: 'rx' }, item.rx[unit]);
          this.inc({ name: item.name, direction: 'tx' }, item.tx[unit]);
        }
      },
    });
  // Not in STUNner (its Go listener has no threads to tell apart): how `--udp-thread-num` spreads
  // the load, labelled by the thread's index.
  new Gauge({
    name: 'stunner_listener_thread_allocations_active',
    help: 'Number of active allocations per listener and serving thread.',
    labelNames: ['name', 'thread'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const l of (await take()).listeners) {
        for (const [i, t] of (l.threads ?? []).entries()) this.set({ name: l.name, thread: String(i) }, t.allocations);
      }
    },
  });
  new Counter({
    name: 'stunner_listener_thread_packets_total',
    help: 'Number of packets received (rx) and sent (tx) per listener and serving thread.',
    labelNames: ['name', 'thread', 'direction'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const l of (await take()).listeners) {
        for (const [i, t] of (l.threads ?? []).entries()) {
          this.inc({ name: l.name, thread: String(i), direction: 'rx' }, t.rx.packets);
          this.inc({ name: l.name, thread: String(i), direction: 'tx' }, t.tx.packets);
        }
      }
    },
  });
  new Counter({
    name: 'stunner_listener_thread_restarts_total',
    help: 'Number of times a serving worker thread died and was restarted, per listener and thread.',
    labelNames: ['name', 'thread'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const l of (await take()).listeners) {
        for (const [i, t] of (l.threads ?? []).entries()) {
          if (t.restarts !== undefined) this.inc({ name: l.name, thread: String(i) }, t.restarts);
        }
      }
    },
  });
  // Not in STUNner (which has no bandwidth limit): what `admin.bandwidth_limit` dropped.
  for (const unit of ['packets', 'bytes'] as const) {
    new Counter({
      name: `stunner_listener_bandwidth_dropped_${unit}_total`,
      help: `Number of ${unit} dropped by the per-allocation bandwidth limit, from clients (rx) and to clients (tx), per listener.`,
      labelNames: ['name', 'direction'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const l of (await take()).listeners) {
          if (l.bandwidthDropped === undefined) continue;
          this.inc({ name: l.name, direction: 'rx' }, l.bandwidthDropped.rx[unit]);
          this.inc({ name: l.name, direction: 'tx' }, l.bandwidthDropped.tx[unit]);
        }
      },
    });
  }
  traffic('packets', 'listener');
  traffic('bytes', 'listener');
  traffic('packets', 'cluster');
  traffic('bytes', 'cluster');
  return registry;
}
