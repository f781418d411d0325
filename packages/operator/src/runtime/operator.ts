// The running gateway operator: informers → throttled render loop → renderer → CDS server (every replica)
// and updater (the leader only). DESIGN.md §2; reference/stunner-v1.md §2.1–2.3.
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { createLogger, type Logger } from '@stunner/log';
import { CdsServer } from '../cds/cds-server.ts';
import { externalAddressOf } from '../cds/node-address-patch.ts';
import { InformerSet } from '../kube/informer-set.ts';
import { KubeRest } from '../kube/kube-rest.ts';
import { RenderTrigger } from '../kube/render-trigger.ts';
import { KINDS } from '../kube/resource-kinds.ts';
import { render } from '../render/render.ts';
import type { RenderResult } from '../render/render-result.ts';
import type { DataplaneMode } from '../render/snapshot.ts';
import { canonicalJson } from './canonical-json.ts';
import { LeaderElector } from './leader-election.ts';
import { makeOperatorMetrics, type OperatorMetrics } from './operator-metrics.ts';
import { type ProbeServers, startProbeServers } from './probe-servers.ts';
import { RenderLoop } from './render-loop.ts';
import { systemTimers } from './timers.ts';
import { Updater } from './updater.ts';

export interface HostPort {
  host: string;
  port: number;
}

export interface OperatorOptions {
  kubeconfig: KubeConfig;
  controllerName: string;
  dataplaneMode: DataplaneMode;
  endpointDiscovery: boolean;
  useEndpointSlices: boolean;
  enableFinalizer: boolean;
  throttleMs: number;
  /** CDS bind address. */
  cds: HostPort;
  /** Host stunnerd dials for the CDS (STUNNER_GATEWAY_OPERATOR_ADDRESS); default the CDS bind host. */
  advertisedAddress?: string;
  /** Bearer token the CDS requires (--cds-token-file); default none, as STUNner's CDS. */
  cdsToken?: string;
  /** undefined: no server. */
  metrics?: HostPort;
  health?: HostPort;
  leaderElection?: {
    namespace: string;
    identity?: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  labelFilter: readonly string[];
  logger?: Logger;
}

export interface RunningOperator {
  cdsAddress: AddressInfo;
  metricsAddress: AddressInfo | undefined;
  healthAddress: AddressInfo | undefined;
  cds: CdsServer;
  metrics: OperatorMetrics;
  readonly leading: boolean;
  readonly renders: number;
  /** The last render's result (for tests and benchmarks). */
  lastResult(): RenderResult | undefined;
  stop(): Promise<void>;
}

export async function startOperator(opts: OperatorOptions): Promise<RunningOperator> {
  const log = opts.logger ?? createLogger('operator', { spec: 'all:INFO' });
  const rest = new KubeRest(opts.kubeconfig);
  const metrics = makeOperatorMetrics();
  const cds = new CdsServer({
    ...(opts.cdsToken !== undefined ? { token: opts.cdsToken } : {}),
    nodeAddress: (node) =>
      externalAddressOf(informers.get(KINDS.nodes, node) as Parameters<typeof externalAddressOf>[0]),
  });
  const cdsAddress = await cds.listen(opts.cds.port, opts.cds.host);
  const advertised =
    opts.advertisedAddress ?? (opts.cds.host === '0.0.0.0' || opts.cds.host === '' ? '127.0.0.1' : opts.cds.host);
  const configOrigin = `http://${advertised.includes(':') ? `[${advertised}]` : advertised}:${cdsAddress.port}`;

  let synced = false;
  const trigger = new RenderTrigger();
  let leading = opts.leaderElection === undefined;
  let renders = 0;
  let generation = 0;
  let last: RenderResult | undefined;
  let lastIssues = '';

  const informers: InformerSet = new InformerSet(
    rest,
    { useEndpointSlices: opts.useEndpointSlices },
    {
      change: (kind, verb, obj) => {
        // Fingerprints are recorded during the initial list too, so the first updates compare correctly.
        if (!trigger.matters(kind, verb, obj) || !synced) return;
        metrics.reconcileEvents.inc({ result: 'triggered' });
        loop.trigger();
      },
      error: (kind, err) => log.error(`watch ${kind.kind} (${kind.apiVersion}): ${(err as Error)?.message ?? err}`),
    },
  );

  const ownsGateway = (gatewayKey: string): boolean => {
    const [ns, name] = gatewayKey.split('/');
    const gw = informers.get(KINDS.gateways, name ?? '', ns) as { spec?: { gatewayClassName?: string } } | undefined;
    const cls = gw?.spec?.gatewayClassName
      ? (informers.get(KINDS.gatewayClasses, gw.spec.gatewayClassName) as
          | { spec?: { controllerName?: string } }
          | undefined)
      : undefined;
    return cls?.spec?.controllerName === opts.controllerName;
  };
  const updater = new Updater(
    rest,
    { get: (k, n, ns) => informers.get(k, n, ns), list: (k) => informers.list(k), ownsGateway },
    metrics,
    log.child('updater'),
    opts.cdsToken !== undefined,
  );

  const loop = new RenderLoop({
    throttleMs: opts.throttleMs,
    timers: systemTimers,
    onCoalesced: () => metrics.reconcileEvents.inc({ result: 'coalesced' }),
    onError: (err) => log.error(`render: ${(err as Error).stack ?? err}`),
    run: async () => {
      const started = performance.now();
      const { snapshot, errors } = informers.snapshot();
      const result = render(snapshot, {
        controllerName: opts.controllerName,
        dataplaneMode: opts.dataplaneMode,
        endpointDiscovery: opts.endpointDiscovery,
        useEndpointSlices: opts.useEndpointSlices,
        configOrigin,
        labelFilter: opts.labelFilter,
        cdsToken: opts.cdsToken,
        now: () => new Date(),
      });
      generation++;
      renders++;
      metrics.renderTotal.inc();
      metrics.generation.set(generation);
      metrics.renderTime.observe((performance.now() - started) / 1000);
      const issues = canonicalJson([errors, result.issues]);
      if (issues !== lastIssues) {
        lastIssues = issues;
        for (const e of errors) log.error(`${e.object}: ${e.field}: ${e.message}`);
        for (const i of result.issues) log.info(`${i.code} ${i.object}${i.field ? ` ${i.field}` : ''}: ${i.message}`);
      }
      cds.update(result.configs);
      last = result;
      if (leading) {
        await updater.write(result);
        metrics.generationLastAcked.set(generation);
      }
    },
  });

  const elector = opts.leaderElection
    ? new LeaderElector(
        rest,
        {
          ...opts.leaderElection,
          onStartedLeading: () => {
            leading = true;
            metrics.leader.set(1);
            log.info(`acquired the leader lease as ${elector?.identity}`);
            if (synced) loop.trigger();
          },
          onStoppedLeading: () => {
            leading = false;
            metrics.leader.set(0);
            log.info('lost the leader lease: no more writes');
          },
        },
        log.child('leader-election'),
      )
    : undefined;
  if (!elector) metrics.leader.set(1);

  try {
    await informers.start();
  } catch (err) {
    await cds.close();
    throw err;
  }
  // A render from partial caches would withdraw configs and statuses: wait until every informer has
  // listed once (those that failed are retrying with backoff); /readyz says so meanwhile.
  let syncPoll: NodeJS.Timeout | undefined;
  const startRendering = (): void => {
    if (!informers.synced) {
      syncPoll = setTimeout(startRendering, 100);
      return;
    }
    synced = true;
    loop.trigger();
  };
  startRendering();
  elector?.start();

  const probes: ProbeServers = await startProbeServers({
    metrics: opts.metrics,
    health: opts.health,
    registry: metrics.registry,
    ready: () => informers.synced && renders > 0,
  });

  return {
    cdsAddress,
    metricsAddress: probes.metricsAddress,
    healthAddress: probes.healthAddress,
    cds,
    metrics,
    get leading() {
      return leading;
    },
    get renders() {
      return renders;
    },
    lastResult: () => last,
    async stop() {
      clearTimeout(syncPoll);
      await loop.stop();
      if (opts.enableFinalizer && leading && last) {
        for (const s of last.statuses) await updater.writeStatus(invalidated(s));
        await updater.deleteAllManaged();
      }
      await elector?.stop();
      await informers.stop();
      await probes.close();
      await cds.close();
    },
  };
}

/** The status a stopping operator leaves behind (--enable-finalizer): every condition Unknown/Pending. */
function invalidated(s: RenderResult['statuses'][number]): RenderResult['statuses'][number] {
  const conds = (s.status.conditions ?? []) as { status: string; reason: string; message: string }[];
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const conditions = conds.map((c) => ({
    ...c,
    status: 'Unknown',
    reason: 'Pending',
    message: 'the STUNner gateway operator stopped',
    lastTransitionTime: now,
  }));
  return { ...s, status: { ...s.status, conditions } };
}
