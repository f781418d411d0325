// `npm run bench -- render [--json]`: renderer cost for 1000 Gateways whose routes reach 10 000 endpoints,
// then for one small change on top (the operator re-renders the whole world on every change, §2.2).
import { DEFAULT_CONTROLLER_NAME, DEFAULT_LABEL_FILTER } from '@stunner/api';
import { emptySnapshot, type RenderOptions, render, type Snapshot } from '@stunner/operator';

const GATEWAYS = 1000;
const ENDPOINTS_PER_SERVICE = 10;

function world(): Snapshot {
  const s = emptySnapshot();
  s.gatewayClasses.push({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'stunner' },
    spec: {
      controllerName: DEFAULT_CONTROLLER_NAME,
      parametersRef: { group: 'stunner.l7mp.io', kind: 'GatewayConfig', name: 'cfg', namespace: 'stunner' },
    },
  });
  s.gatewayConfigs.push({
    apiVersion: 'stunner.l7mp.io/v1',
    kind: 'GatewayConfig',
    metadata: { name: 'cfg', namespace: 'stunner' },
    spec: { dataplane: 'default', realm: 'stunner.l7mp.io', authType: 'static', userName: 'u', password: 'p' },
  });
  s.dataplanes.push({
    apiVersion: 'stunner.l7mp.io/v1',
    kind: 'Dataplane',
    metadata: { name: 'default' },
    spec: { image: 'l7mp/stunnerd:latest', dataplaneResource: 'Deployment', terminationGracePeriodSeconds: 3600 },
  });
  for (let g = 0; g < GATEWAYS; g++) {
    const ns = `tenant-${g % 50}`;
    const name = `gw-${g}`;
    s.gateways.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name, namespace: ns, generation: 1 },
      spec: {
        gatewayClassName: 'stunner',
        listeners: [
          { name: 'udp', port: 3478, protocol: 'TURN-UDP' },
          { name: 'tcp', port: 3479, protocol: 'TURN-TCP' },
        ],
      },
    });
    s.udpRoutes.push({
      apiVersion: 'stunner.l7mp.io/v1',
      kind: 'UDPRoute',
      metadata: { name: `route-${g}`, namespace: ns, generation: 1 },
      spec: { parentRefs: [{ name }], rules: [{ backendRefs: [{ name: `media-${g}` }] }] },
    });
    s.services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `media-${g}`, namespace: ns },
      spec: { clusterIP: `10.96.${g >> 8}.${g & 255}` },
    });
    s.endpointSlices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `media-${g}-x`, namespace: ns, labels: { 'kubernetes.io/service-name': `media-${g}` } },
      endpoints: Array.from({ length: ENDPOINTS_PER_SERVICE }, (_, e) => ({
        addresses: [`10.${(g >> 8) + 100}.${g & 255}.${e + 1}`],
      })),
    });
    s.services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns, labels: { 'stunner.l7mp.io/owned-by': 'stunner' } },
      spec: { type: 'LoadBalancer', ports: [{ name: 'udp', protocol: 'UDP', port: 3478, nodePort: 30000 + g }] },
      status: { loadBalancer: { ingress: [{ ip: `34.0.${g >> 8}.${g & 255}` }] } },
    });
  }
  return s;
}

function time(fn: () => void, rounds: number): number {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return Math.round(samples[Math.floor(samples.length / 2)]! * 10) / 10;
}

export async function run(args: string[]): Promise<Record<string, number | string | boolean>> {
  const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 5);
  const opts: RenderOptions = {
    controllerName: DEFAULT_CONTROLLER_NAME,
    dataplaneMode: 'managed',
    endpointDiscovery: true,
    useEndpointSlices: true,
    configOrigin: 'http://10.0.0.1:13478',
    labelFilter: DEFAULT_LABEL_FILTER,
    now: () => new Date(0),
  };
  const snapshot = world();
  const endpoints = snapshot.endpointSlices.reduce((n, s) => n + (s.endpoints?.length ?? 0), 0);
  const first = render(snapshot, opts);
  if (first.configs.length !== GATEWAYS) throw new Error(`rendered ${first.configs.length} configs`);
  const full = time(() => render(snapshot, opts), rounds);
  // One small change: a single endpoint added to one backend, then the state-of-the-world re-render.
  const changed: Snapshot = { ...snapshot, endpointSlices: [...snapshot.endpointSlices] };
  const slice = changed.endpointSlices[0]!;
  changed.endpointSlices[0] = { ...slice, endpoints: [...(slice.endpoints ?? []), { addresses: ['10.200.0.1'] }] };
  const small = time(() => render(changed, opts), rounds);
  return {
    gateways: GATEWAYS,
    endpoints,
    rounds,
    render_full_ms: full,
    render_small_change_ms: small,
    goal_full_ms: 1000,
    within_goal: full <= 1000,
  };
}
