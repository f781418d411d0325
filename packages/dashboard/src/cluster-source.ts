// The dashboard against a cluster (`stunnerctl dashboard`): configs from the operator's CDS (watched,
// as authd does), counters from each gateway's stunnerd `/metrics` and `/status`, and the Gateway and
// route statuses when the caller can read them from the API server. The caller finds the endpoints
// (pod addresses or port-forwards); this file only reads them. Per-allocation detail is not exposed
// by stunnerd's admin API, so the allocation table stays empty here (local mode has it).
import type { StunnerConfig } from '@stunner/api';
import { AllConfigsWatcher, ConfigStore, turnUri } from '@stunner/auth';
import { redactConfig } from '@stunner/stunnerd';
import type {
  ConditionView,
  DashboardSample,
  DashboardSource,
  GatewayView,
  IceTestTarget,
  ManifestView,
  Problem,
  Traffic,
} from './dashboard-state.ts';
import { parsePrometheusText } from './prometheus-text.ts';

/** One stunnerd pod's admin endpoints, for the gateway `<namespace>/<name>` it serves. */
export interface DataplaneEndpoint {
  gateway: string;
  /** e.g. `http://10.0.0.7:8086/status`. */
  statusUrl?: string;
  /** e.g. `http://10.0.0.7:8080/metrics`. */
  metricsUrl?: string;
}

/** A status as the operator writes it (Gateway, GatewayClass, UDPRoute). */
export interface ObjectStatus {
  kind: string;
  metadata: { name: string; namespace?: string };
  status?: {
    conditions?: ConditionView[];
    addresses?: { value: string }[];
    listeners?: { name: string; attachedRoutes?: number; conditions?: ConditionView[] }[];
  };
}

export interface ClusterSourceOptions {
  /** The operator's CDS base URL (e.g. a port-forward to `stunner-config-discovery:13478`). */
  cds: URL;
  title?: string;
  dataplanes?: () => Promise<DataplaneEndpoint[]>;
  statuses?: () => Promise<ObjectStatus[]>;
  ice?: IceTestTarget;
  /** Per request to a stunnerd, ms. Default 2000. */
  timeoutMs?: number;
}

interface Counters {
  listeners: Map<string, { rx: Traffic; tx: Traffic }>;
  clusters: Map<string, { rx: Traffic; tx: Traffic }>;
  allocations: Map<string, number>;
}

export class ClusterSource implements DashboardSource {
  readonly title: string;
  readonly ice?: IceTestTarget;
  readonly #o: ClusterSourceOptions;
  readonly #store = new ConfigStore();
  readonly #watcher: AllConfigsWatcher;
  #connected = false;
  #lastError = '';

  constructor(options: ClusterSourceOptions) {
    this.#o = options;
    this.title = options.title ?? `cluster: ${options.cds.host}`;
    if (options.ice) this.ice = options.ice;
    this.#watcher = new AllConfigsWatcher({ base: options.cds, store: this.#store });
    this.#watcher.on('connected', () => {
      this.#connected = true;
    });
    this.#watcher.on('disconnected', (why) => {
      this.#connected = false;
      this.#lastError = why;
    });
    this.#watcher.start();
  }

  close(): void {
    this.#watcher.close();
  }

  async sample(): Promise<DashboardSample> {
    const problems: Problem[] = [];
    if (!this.#connected) {
      problems.push({
        severity: 'error',
        message: `no connection to the CDS at ${this.#o.cds.href}${this.#lastError ? `: ${this.#lastError}` : ''}`,
      });
    }
    const configs = this.#store.values();
    const counters: Counters = { listeners: new Map(), clusters: new Map(), allocations: new Map() };
    for (const d of (await this.#o.dataplanes?.()) ?? []) {
      try {
        await this.#read(d, counters);
      } catch (err) {
        problems.push({ severity: 'warning', message: `gateway ${d.gateway}: ${(err as Error).message}` });
      }
    }
    let statuses: ObjectStatus[] = [];
    try {
      statuses = (await this.#o.statuses?.()) ?? [];
    } catch (err) {
      problems.push({ severity: 'warning', message: `cannot read statuses: ${(err as Error).message}` });
    }
    return {
      time: Date.now(),
      gateways: configs.map((c) => gatewayView(c, counters, statuses)),
      allocations: [],
      clusters: [...counters.clusters].map(([name, t]) => ({ name, ...t })),
      configs: configs.map((c) => redactConfig(c)),
      manifests: statuses.map(manifestView),
      problems,
    };
  }

  async #read(d: DataplaneEndpoint, counters: Counters): Promise<void> {
    const signal = AbortSignal.timeout(this.#o.timeoutMs ?? 2000);
    if (d.metricsUrl) {
      const res = await fetch(d.metricsUrl, { signal });
      if (!res.ok) throw new Error(`${d.metricsUrl} answered ${res.status}`);
      for (const s of parsePrometheusText(await res.text())) {
        const m = /^stunner_(listener|cluster)_(packets|bytes)_total$/.exec(s.name);
        const name = s.labels.name;
        const dir = s.labels.direction;
        if (!m || !name || (dir !== 'rx' && dir !== 'tx')) continue;
        const map = m[1] === 'listener' ? counters.listeners : counters.clusters;
        const t = map.get(name) ?? { rx: { packets: 0, bytes: 0 }, tx: { packets: 0, bytes: 0 } };
        t[dir][m[2] as 'packets' | 'bytes'] += s.value;
        map.set(name, t);
      }
    }
    if (d.statusUrl) {
      const res = await fetch(d.statusUrl, { signal });
      if (!res.ok) throw new Error(`${d.statusUrl} answered ${res.status}`);
      const status = (await res.json()) as { allocationCount?: number };
      counters.allocations.set(d.gateway, (counters.allocations.get(d.gateway) ?? 0) + (status.allocationCount ?? 0));
    }
  }
}

function gatewayView(c: StunnerConfig, counters: Counters, statuses: ObjectStatus[]): GatewayView {
  const [namespace = '', name = c.admin.name] = c.admin.name.split('/');
  const status = statuses.find(
    (s) => s.kind === 'Gateway' && s.metadata.name === name && (s.metadata.namespace ?? 'default') === namespace,
  )?.status;
  const total = counters.allocations.get(c.admin.name) ?? 0;
  return {
    namespace,
    name,
    conditions: status?.conditions ?? [],
    addresses: (status?.addresses ?? []).map((a) => a.value),
    listeners: c.listeners.map((l, i) => {
      const short = l.name.split('/').pop() ?? l.name;
      const ls = status?.listeners?.find((x) => x.name === short);
      const t = counters.listeners.get(l.name);
      return {
        name: l.name,
        listener: short,
        protocol: l.protocol,
        port: l.port,
        ...(l.public_address ? { publicAddress: l.public_address } : {}),
        ...(l.public_port ? { publicPort: l.public_port } : {}),
        uri: turnUri(l),
        conditions: ls?.conditions ?? [],
        ...(ls?.attachedRoutes !== undefined ? { attachedRoutes: ls.attachedRoutes } : {}),
        serving: t !== undefined,
        // /status counts allocations per stunnerd, not per listener: shown on the first.
        allocations: i === 0 ? total : 0,
        rx: t?.rx ?? { packets: 0, bytes: 0 },
        tx: t?.tx ?? { packets: 0, bytes: 0 },
      };
    }),
  };
}

function manifestView(s: ObjectStatus): ManifestView {
  const object = `${s.kind} ${s.metadata.namespace ? `${s.metadata.namespace}/` : ''}${s.metadata.name}`;
  return { object, conditions: s.status?.conditions ?? [], problems: [] };
}
