import {
  type ClusterConfig,
  DEFAULT_CDS_PORT,
  effectiveHealthcheckEndpoint,
  isZeroStunnerConfig,
  type ListenerConfig,
  type StunnerConfig,
} from '@stunner/api';
import type { Logger, LoggerFactory } from '@stunner/log';
import { type AuthOptions, UserQuotaCounter } from '@stunner/turn';
import { parseHttpEndpoint } from '../admin/endpoint-url.ts';
import { HealthServer } from '../admin/health-server.ts';
import { createMetricsRegistry, type MetricsSnapshot } from '../admin/metrics.ts';
import { MetricsServer } from '../admin/metrics-server.ts';
import { redactConfig } from '../admin/redact-config.ts';
import { authOptions } from '../config/auth-options.ts';
import { StunnerdError } from '../errors.ts';
import { createTurnListener } from '../listeners/create-turn-listener.ts';
import { hostAddresses, relayAddress } from '../listeners/host-addresses.ts';
import { type ListenerSnapshot, mergeClusters } from '../listeners/listener-snapshot.ts';
import type { SourceLimits, TurnListener } from '../listeners/turn-listener.ts';
import { WorkerUdpListener } from '../listeners/worker-udp-listener.ts';
import { OffloadManager } from '../offload/offload-manager.ts';
import { DnsClusters, type Resolve } from '../peer-filter/dns-clusters.ts';
import type { PeerFilterOptions } from '../peer-filter/peer-filter.ts';
import { listenerRestartReason } from '../reconcile/plan-reconcile.ts';

export interface StunnerdOptions {
  logger: LoggerFactory;
  /** `/ready` always 200 (`--force-ready-status`). */
  forceReady?: boolean;
  /** The log spec given on the command line wins over the config's `admin.loglevel`. */
  logSpecOverride?: string;
  /** Name resolution for STRICT_DNS clusters. Default the system resolver. */
  resolve?: Resolve;
  /** Bind listeners on IPv6 too. Default true. */
  ipv6?: boolean;
  /** Worker threads per TURN-UDP listener (`--udp-thread-num`); 0 serves it on the main thread. Default 0. */
  udpThreads?: number;
  /** Per-source limits on 401s and failed authentications (`--challenge-rate-limit`, ...). Default the engine's. */
  limits?: SourceLimits;
}

interface RunningListener {
  config: ListenerConfig;
  readonly realm: string;
  readonly listener: TurnListener;
}

export type DaemonStatus = 'NOT-READY' | 'READY' | 'TERMINATING';

/**
 * stunnerd's object tree (stunner-v1.md §1.7): listeners, clusters, auth, health and metrics servers,
 * reconciled towards each new config. Listeners are diffed against what actually runs, so a failed
 * apply is rolled back by applying the previous config the same way; the last good config keeps
 * serving.
 */
export class Stunnerd {
  readonly #options: StunnerdOptions;
  readonly #log: Logger;
  readonly #running = new Map<string, RunningListener>();
  readonly #dns: DnsClusters;
  /** `admin.user_quota` (stunner-v1.md §1.9), counted over every listener and worker thread. */
  readonly #quota = new UserQuotaCounter(0);
  readonly #offload: OffloadManager;
  /** Whether the 'unstable-steering' warning was logged (once per process: the cause is the platform). */
  #warnedSteering = false;
  #config: StunnerConfig | undefined;
  #health: { server: HealthServer; endpoint: string } | undefined;
  #metrics: { server: MetricsServer; endpoint: string } | undefined;
  #status: DaemonStatus = 'NOT-READY';
  #applying: Promise<void> = Promise.resolve();

  constructor(options: StunnerdOptions) {
    this.#options = options;
    this.#log = options.logger.getLogger('stunnerd');
    this.#dns = new DnsClusters(() => this.#rebuildFilters(), options.resolve);
    this.#offload = new OffloadManager(options.logger.getLogger('offload'));
  }

  get status(): DaemonStatus {
    return this.#status;
  }

  get config(): StunnerConfig | undefined {
    return this.#config;
  }

  /** Allocations held over every listener and worker thread. */
  async allocationCount(): Promise<number> {
    const snapshots = await Promise.all([...this.#running.values()].map((r) => r.listener.snapshot()));
    return snapshots.reduce((n, s) => n + s.allocations, 0);
  }

  /** The running listeners by name, for tests and status. */
  listener(name: string): TurnListener | undefined {
    return this.#running.get(name)?.listener;
  }

  /**
   * Applies a config; concurrent calls are serialised. Rejects (after rolling back) when it cannot be
   * applied. `bootstrap`: the config watch mode starts from, which brings up the health server but
   * does not make the daemon ready.
   */
  apply(config: StunnerConfig, options: { bootstrap?: boolean } = {}): Promise<void> {
    const run = this.#applying.then(() => this.#applyWithRollback(config, options.bootstrap === true));
    this.#applying = run.catch(() => {});
    return run;
  }

  async #applyWithRollback(config: StunnerConfig, bootstrap: boolean): Promise<void> {
    if (this.#status === 'TERMINATING') {
      this.#log.info('terminating: config update ignored');
      return;
    }
    const previous = this.#config;
    try {
      await this.#reconcile(config);
      this.#config = config;
      // stunner-v1.md §1.7: ready after the first non-zero config; the zero config watch mode starts
      // from only brings up the health server (live, not ready).
      if (this.#status === 'NOT-READY' && !bootstrap && !isZeroStunnerConfig(config)) this.#status = 'READY';
      if (bootstrap) {
        this.#log.info('waiting for the first config (live, not ready)');
        return;
      }
      this.#log.info('config applied', {
        name: config.admin.name,
        listeners: config.listeners.map((l) => `${l.name}:${l.protocol}:${l.port}`),
      });
    } catch (err) {
      // Without a previous config the caller reports the error (the first config of a one-shot start exits).
      if (previous) this.#log.error(`config rejected: ${(err as Error).message}; keeping the previous config`);
      if (previous) {
        try {
          await this.#reconcile(previous);
        } catch (rollbackError) {
          this.#log.error(`rollback failed: ${(rollbackError as Error).message}`);
        }
      }
      throw err;
    }
  }

  async #reconcile(config: StunnerConfig): Promise<void> {
    // -l/-v win over the config; a config's admin.loglevel is applied as far as it is understood.
    if (this.#options.logSpecOverride !== undefined) this.#options.logger.setSpec(this.#options.logSpecOverride);
    else {
      const problems = this.#options.logger.setSpecLenient(config.admin.loglevel);
      if (problems.length > 0) {
        this.#log.warn(`admin.loglevel items ignored: ${problems.map((p) => p.reason).join('; ')}`);
      }
    }

    await this.#dns.set(config.clusters.filter((c) => c.type === 'STRICT_DNS'));
    // In place (§1.7); allocations over a lowered quota stay until they end.
    this.#quota.setLimit(config.admin.user_quota ?? 0);
    const auth = authOptions(config.auth);
    const ports = this.#ownPorts(config);
    const wanted = new Set(config.listeners.map((l) => l.name));
    this.#offload.configure(config.admin);

    for (const [name, r] of [...this.#running]) {
      if (wanted.has(name)) continue;
      this.#running.delete(name);
      await r.listener.close();
      this.#log.info('listener stopped', { name });
    }
    for (const l of config.listeners) {
      const peers = this.#peers(l, config.clusters, ports);
      const tcpPeers = this.#tcpPeers(l, config.clusters, ports);
      const running = this.#running.get(l.name);
      const restart = running
        ? (listenerRestartReason(running.config, l) ??
          (running.realm !== config.auth.realm ? 'realm changed' : undefined))
        : 'new listener';
      if (running && restart === undefined) {
        running.config = l;
        running.listener.configure({ auth, peers, ...tcpPeers, bandwidthLimit: config.admin.bandwidth_limit ?? 0 });
        continue;
      }
      if (running) {
        this.#running.delete(l.name);
        await running.listener.close();
      }
      await this.#start(l, config.auth.realm, auth, peers, config.admin.bandwidth_limit ?? 0, tcpPeers);
      this.#log.info(`listener ${running ? 'restarted' : 'started'}`, { name: l.name, reason: restart });
    }

    await this.#reconcileHealth(config);
    await this.#reconcileMetrics(config);
  }

  async #start(
    config: ListenerConfig,
    realm: string,
    auth: AuthOptions,
    peers: PeerFilterOptions,
    bandwidthLimit: number,
    tcpPeers: { tcpPeers?: PeerFilterOptions },
  ): Promise<void> {
    const setup = {
      config,
      relayAddress: relayAddress(config.address),
      auth,
      peers,
      ipv6: this.#options.ipv6 ?? true,
      bandwidthLimit,
      ...tcpPeers,
      ...(this.#options.limits ? { limits: this.#options.limits } : {}),
    };
    const listener = this.#offload.wrap(createTurnListener(setup, this.#options.udpThreads ?? 0, this.#quota), setup);
    if (listener instanceof WorkerUdpListener) {
      listener.on('worker-restart', (_i, reason) =>
        this.#log.warn(`listener ${config.name}: ${reason}; restarting it`),
      );
      listener.on('unstable-steering', (reason) => {
        if (this.#warnedSteering) return;
        this.#warnedSteering = true;
        this.#log.warn(
          `worker threads bind their own SO_REUSEPORT sockets (${reason}): a worker restart re-deals every thread's flows`,
        );
      });
    }
    try {
      await listener.start();
    } catch (err) {
      await listener.close().catch(() => {});
      throw new StunnerdError(
        'STUNNERD_ERR_LISTEN',
        `listener ${config.name} cannot listen on ${config.protocol} port ${config.port}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    this.#running.set(config.name, { config, realm, listener });
  }

  /**
   * The peers a listener admits (stunner-v1.md §1.10), as plain data a worker thread can take: for UDP
   * allocations the routes' UDP clusters, for RFC 6062 TCP allocations (`protocol` TCP) their TCP ones.
   */
  #peers(
    l: ListenerConfig,
    clusters: readonly ClusterConfig[],
    ownPorts: readonly number[],
    protocol: 'UDP' | 'TCP' = 'UDP',
  ): PeerFilterOptions {
    const byName = new Map(clusters.map((c) => [c.name, c]));
    return {
      clusters: l.routes.flatMap((r) => {
        const c = byName.get(r);
        if (!c || (c.protocol ?? 'UDP') !== protocol) return [];
        const resolved = c.type === 'STRICT_DNS' ? { resolved: [...this.#dns.addresses(c.name)] } : {};
        return [{ name: c.name, type: c.type, endpoints: c.endpoints, ...resolved }];
      }),
      ownAddresses: hostAddresses(),
      ownPorts,
    };
  }

  /** TCP-cluster peers, for the listeners that can relay over TCP (TURN-TCP, TURN-TLS). */
  #tcpPeers(
    l: ListenerConfig,
    clusters: readonly ClusterConfig[],
    ownPorts: readonly number[],
  ): { tcpPeers?: PeerFilterOptions } {
    if (l.protocol !== 'TURN-TCP' && l.protocol !== 'TURN-TLS') return {};
    return { tcpPeers: this.#peers(l, clusters, ownPorts, 'TCP') };
  }

  #rebuildFilters(): void {
    const config = this.#config;
    if (!config) return;
    const ports = this.#ownPorts(config);
    for (const r of this.#running.values())
      r.listener.configure({
        peers: this.#peers(r.config, config.clusters, ports),
        ...this.#tcpPeers(r.config, config.clusters, ports),
      });
  }

  /** Ports of this daemon that no allocation may reach (issue 3, peer filtering). */
  #ownPorts(config: StunnerConfig): number[] {
    const ports = config.listeners.map((l) => l.port);
    const health = parseHttpEndpoint(effectiveHealthcheckEndpoint(config.admin), 8086);
    if (typeof health !== 'string' && effectiveHealthcheckEndpoint(config.admin) !== '') ports.push(health.port);
    const metrics = config.admin.metrics_endpoint ? parseHttpEndpoint(config.admin.metrics_endpoint, 8080) : undefined;
    if (metrics && typeof metrics !== 'string') ports.push(metrics.port);
    ports.push(DEFAULT_CDS_PORT);
    return ports;
  }

  async #reconcileHealth(config: StunnerConfig): Promise<void> {
    const endpoint = effectiveHealthcheckEndpoint(config.admin);
    if (this.#health?.endpoint === endpoint) return;
    await this.#health?.server.close();
    this.#health = undefined;
    if (endpoint === '') return;
    const parsed = parseHttpEndpoint(endpoint, 8086);
    if (typeof parsed === 'string')
      throw new StunnerdError('STUNNERD_ERR_ADMIN_ENDPOINT', `admin.healthcheck_endpoint: ${parsed}`);
    const server = new HealthServer(
      { isReady: () => this.#status === 'READY', status: () => this.statusDocument() },
      { forceReady: this.#options.forceReady ?? false },
    );
    await server.listen(parsed);
    this.#health = { server, endpoint };
    this.#log.info('health server listening', { endpoint });
  }

  async #reconcileMetrics(config: StunnerConfig): Promise<void> {
    const endpoint = config.admin.metrics_endpoint ?? '';
    if (this.#metrics?.endpoint === endpoint) return;
    await this.#metrics?.server.close();
    this.#metrics = undefined;
    if (endpoint === '') return;
    const parsed = parseHttpEndpoint(endpoint, 8080);
    if (typeof parsed === 'string')
      throw new StunnerdError('STUNNERD_ERR_ADMIN_ENDPOINT', `admin.metrics_endpoint: ${parsed}`);
    const server = new MetricsServer(
      createMetricsRegistry(async () => this.metricsSnapshot()),
      parsed.path,
    );
    await server.listen(parsed);
    this.#metrics = { server, endpoint };
    this.#log.info('metrics server listening', { endpoint });
  }

  /** `/status` (stunner-v1.md §1.11), without credentials, certificates or keys. */
  async statusDocument(): Promise<unknown> {
    const config = this.#config;
    return {
      ...(config ? redactConfig(config) : {}),
      allocationCount: await this.allocationCount(),
      status: this.#status,
    };
  }

  async metricsSnapshot(): Promise<MetricsSnapshot> {
    const running = [...this.#running.values()];
    const snapshots = await Promise.all(running.map((r) => r.listener.snapshot()));
    const clusters = snapshots.reduce<ListenerSnapshot['clusters']>((sum, s) => mergeClusters(sum, s.clusters), {});
    return {
      allocations: snapshots.reduce((n, s) => n + s.allocations, 0),
      listeners: running.map((r, i) => ({ name: r.config.name, ...snapshots[i]! })),
      clusters: Object.entries(clusters).map(([name, c]) => ({ name, ...c })),
    };
  }

  /**
   * Graceful shutdown (stunner-v1.md §1.14): not ready at once, listeners keep relaying; resolves when
   * the last allocation is gone (checked every `pollMs`).
   */
  async drain(pollMs = 1000): Promise<void> {
    this.#status = 'TERMINATING';
    this.#log.info('terminating', { allocations: await this.allocationCount() });
    while ((await this.allocationCount()) > 0) await new Promise((resolve) => setTimeout(resolve, pollMs));
  }

  async close(): Promise<void> {
    this.#dns.close();
    for (const r of this.#running.values()) await r.listener.close();
    this.#running.clear();
    this.#offload.close();
    await this.#health?.server.close();
    await this.#metrics?.server.close();
    this.#health = undefined;
    this.#metrics = undefined;
  }
}
