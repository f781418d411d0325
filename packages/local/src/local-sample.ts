// One dashboard sample of local mode: the Gateways and listeners as the renderer's statuses describe
// them, joined with what the dataplane serves and counts, and every manifest with its statuses.
import type { ListenerConfig, StunnerConfig } from '@stunner/api';
import { turnUri } from '@stunner/auth';
import type {
  ConditionView,
  DashboardSample,
  GatewayView,
  ListenerView,
  ManifestView,
  Problem,
} from '@stunner/dashboard';
import type { StatusUpdate } from '@stunner/operator';
import { redactConfig } from '@stunner/stunnerd';
import type { DataplaneSample } from './local-dataplane.ts';
import type { LocalRender } from './local-render.ts';

interface GatewayStatus {
  conditions?: ConditionView[];
  addresses?: { value: string }[];
  listeners?: { name: string; attachedRoutes?: number; conditions?: ConditionView[] }[];
}

interface RouteStatus {
  parents?: { parentRef: { name: string; namespace?: string }; conditions?: ConditionView[] }[];
}

export interface SampleInput {
  render: LocalRender | undefined;
  /** What the dataplane serves now. */
  running: readonly StunnerConfig[];
  dataplane: DataplaneSample;
  problems: Problem[];
  now: number;
}

const objectName = (s: StatusUpdate) =>
  `${s.kind} ${s.metadata.namespace ? `${s.metadata.namespace}/` : ''}${s.metadata.name}`;

export function localSample(input: SampleInput): DashboardSample {
  const { render, running, dataplane } = input;
  const served = new Map<string, ListenerConfig>();
  for (const c of running) for (const l of c.listeners) served.set(l.name, l);
  const wanted = new Map<string, ListenerConfig>();
  for (const c of render?.configs ?? []) for (const l of c.listeners) wanted.set(l.name, l);

  const gateways: GatewayView[] = [];
  for (const s of render?.statuses ?? []) {
    if (s.kind !== 'Gateway') continue;
    const ns = s.metadata.namespace ?? 'default';
    const status = s.status as GatewayStatus;
    const listeners: ListenerView[] = (status.listeners ?? []).map((ls) => {
      const name = `${ns}/${s.metadata.name}/${ls.name}`;
      const l = served.get(name) ?? wanted.get(name);
      const counters = dataplane.listeners.get(name);
      return {
        name,
        listener: ls.name,
        protocol: l?.protocol ?? '',
        port: l?.port ?? 0,
        ...(l?.public_address ? { publicAddress: l.public_address } : {}),
        ...(l?.public_port ? { publicPort: l.public_port } : {}),
        ...(l ? { uri: turnUri(l) } : {}),
        conditions: ls.conditions ?? [],
        ...(ls.attachedRoutes !== undefined ? { attachedRoutes: ls.attachedRoutes } : {}),
        serving: served.has(name),
        allocations: counters?.allocations ?? 0,
        rx: counters?.rx ?? { packets: 0, bytes: 0 },
        tx: counters?.tx ?? { packets: 0, bytes: 0 },
      };
    });
    gateways.push({
      namespace: ns,
      name: s.metadata.name,
      conditions: status.conditions ?? [],
      addresses: (status.addresses ?? []).map((a) => a.value),
      listeners,
    });
  }

  return {
    time: input.now,
    gateways,
    allocations: dataplane.allocations,
    clusters: dataplane.clusters,
    configs: running.map((c) => redactConfig(c)),
    manifests: render ? manifestViews(render) : [],
    problems: input.problems,
  };
}

function manifestViews(render: LocalRender): ManifestView[] {
  const views = new Map<string, ManifestView>();
  const view = (object: string): ManifestView => {
    let v = views.get(object);
    if (!v) {
      const where = render.objects.get(object);
      v = { object, ...(where ? { where } : {}), conditions: [], problems: [] };
      views.set(object, v);
    }
    return v;
  };
  for (const object of render.objects.keys()) view(object);
  for (const s of render.statuses) {
    const v = view(objectName(s));
    if (s.kind === 'UDPRoute') {
      for (const p of (s.status as RouteStatus).parents ?? []) {
        for (const c of p.conditions ?? []) v.conditions.push({ ...c, type: `${c.type} (${p.parentRef.name})` });
      }
    } else {
      v.conditions.push(...((s.status as GatewayStatus).conditions ?? []));
      for (const l of (s.status as GatewayStatus).listeners ?? []) {
        for (const c of l.conditions ?? []) {
          if (c.status !== (c.type === 'Conflicted' ? 'False' : 'True')) {
            v.problems.push(`listener ${l.name}: ${c.type}=${c.status} ${c.reason}: ${c.message}`);
          }
        }
      }
    }
  }
  for (const e of render.loadErrors) view(e.object).problems.push(`${e.field ? `${e.field}: ` : ''}${e.message}`);
  for (const i of render.issues)
    view(i.object).problems.push(`${i.code}: ${i.field ? `${i.field}: ` : ''}${i.message}`);
  return [...views.values()];
}
