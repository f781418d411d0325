// Manifests → what local mode runs: the operator's pure renderer, with this machine standing in for
// the cluster. Local mode is the load balancer (every Gateway's Service gets 127.0.0.1 as its
// ingress), $STUNNER_ADDR is 127.0.0.1, admin servers bind loopback, and every port is shifted by
// the port offset.
import {
  DEFAULT_CDS_PORT,
  DEFAULT_CONTROLLER_NAME,
  DEFAULT_LABEL_FILTER,
  NODE_ADDRESS_PLACEHOLDER,
  STUNNER_ADDR_PLACEHOLDER,
  type StunnerConfig,
} from '@stunner/api';
import {
  type ManifestError,
  type RenderIssue,
  render,
  type Service,
  type Snapshot,
  type StatusUpdate,
  snapshotFromManifests,
} from '@stunner/operator';

export const LOCAL_ADDRESS = '127.0.0.1';
/** On a StaticService: start a UDP greeter on 127.0.0.1:<value> (see deploy/local/media-plane.yaml). */
export const ANNOTATION_UDP_GREETER = 'local.stunner.l7mp.io/udp-greeter';

export interface LocalRender {
  /** One stunnerd config per Gateway, ready to apply here. */
  configs: StunnerConfig[];
  statuses: StatusUpdate[];
  issues: RenderIssue[];
  /** Unreadable files, YAML and schema errors: while there are any, the last good configs keep serving. */
  loadErrors: ManifestError[];
  /** Every object read, `Kind namespace/name` → where it was read. */
  objects: Map<string, string>;
  /** UDP greeter ports (after the offset) the manifests ask for. */
  greeters: number[];
}

export interface LocalRenderOptions {
  portOffset: number;
  /** The previous render's statuses: condition transition times survive re-renders, as in a cluster. */
  previous?: readonly StatusUpdate[];
  now?: () => Date;
}

const statusKey = (kind: string, m: { name: string; namespace?: string | undefined }) =>
  `${kind} ${m.namespace ? `${m.namespace}/` : ''}${m.name}`;

export function renderLocal(
  docs: { doc: unknown; where: string }[],
  readErrors: ManifestError[],
  options: LocalRenderOptions,
): LocalRender {
  const load = snapshotFromManifests(docs);
  const snapshot = load.snapshot;
  const objects = new Map<string, string>();
  for (const { doc, where } of docs) {
    const d = doc as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
    if (!d || typeof d.kind !== 'string' || typeof d.metadata?.name !== 'string') continue;
    const ns = typeof d.metadata.namespace === 'string' ? d.metadata.namespace : undefined;
    const clusterScoped = d.kind === 'GatewayClass' || d.kind === 'Dataplane';
    objects.set(
      statusKey(d.kind, { name: d.metadata.name, namespace: clusterScoped ? undefined : (ns ?? 'default') }),
      where,
    );
  }
  carryStatuses(snapshot, options.previous ?? []);
  for (const gw of snapshot.gateways) snapshot.services.push(loadBalancer(gw.metadata));

  const result = render(snapshot, {
    controllerName: DEFAULT_CONTROLLER_NAME,
    dataplaneMode: 'managed',
    endpointDiscovery: true,
    useEndpointSlices: true,
    configOrigin: `http://${LOCAL_ADDRESS}:${DEFAULT_CDS_PORT}`,
    labelFilter: DEFAULT_LABEL_FILTER,
    now: options.now ?? (() => new Date()),
  });
  const configs = result.configs.map((c, i) => localConfig(c, options.portOffset, i === 0));
  const greeters = snapshot.staticServices.flatMap((s) => {
    const value = s.metadata.annotations?.[ANNOTATION_UDP_GREETER];
    const port = Number(value);
    return value !== undefined && Number.isInteger(port) && port > 0 && port + options.portOffset <= 65535
      ? [port + options.portOffset]
      : [];
  });
  return {
    configs,
    statuses: result.statuses,
    issues: result.issues,
    loadErrors: [...readErrors, ...load.errors],
    objects,
    greeters: [...new Set(greeters)],
  };
}

/** The Service status a cloud load balancer would write: the Gateway is reachable at 127.0.0.1. */
function loadBalancer(gw: { name: string; namespace?: string | undefined }): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: gw.name, namespace: gw.namespace ?? 'default' },
    spec: {},
    status: { loadBalancer: { ingress: [{ ip: LOCAL_ADDRESS }] } },
  };
}

function carryStatuses(snapshot: Snapshot, previous: readonly StatusUpdate[]): void {
  const byKey = new Map(previous.map((s) => [statusKey(s.kind, s.metadata), s.status]));
  const carry = (kind: string, o: { metadata: { name: string; namespace?: string | undefined }; status?: unknown }) => {
    const s = byKey.get(statusKey(kind, o.metadata));
    if (s && o.status === undefined) (o as { status?: unknown }).status = s;
  };
  for (const o of snapshot.gatewayClasses) carry('GatewayClass', o);
  for (const o of snapshot.gateways) carry('Gateway', o);
  for (const o of snapshot.udpRoutes) carry('UDPRoute', o);
}

/**
 * A rendered config as this machine serves it. Only the first Gateway keeps the health and metrics
 * servers: every config names the same ports, and there is one machine.
 */
function localConfig(c: StunnerConfig, offset: number, withAdminServers: boolean): StunnerConfig {
  const admin = { ...c.admin };
  admin.healthcheck_endpoint = withAdminServers ? loopbackEndpoint(admin.healthcheck_endpoint ?? '', 8086, offset) : '';
  if (admin.metrics_endpoint !== undefined) {
    admin.metrics_endpoint = withAdminServers ? loopbackEndpoint(admin.metrics_endpoint, 8080, offset) : '';
  }
  return {
    ...c,
    admin,
    listeners: c.listeners.map((l) => ({
      ...l,
      address:
        l.address === STUNNER_ADDR_PLACEHOLDER || l.address === NODE_ADDRESS_PLACEHOLDER ? LOCAL_ADDRESS : l.address,
      port: l.port + offset,
      ...(l.public_port !== undefined ? { public_port: l.public_port + offset } : {}),
    })),
  };
}

/** `http://:8086` → `http://127.0.0.1:<8086+offset>`; '' stays off. */
export function loopbackEndpoint(endpoint: string, defaultPort: number, offset: number): string {
  if (endpoint === '') return '';
  const m = /^([a-z]+):\/\/(\[[^\]]*\]|[^/:]*)(?::(\d+))?(\/.*)?$/i.exec(endpoint);
  if (!m) return endpoint;
  const port = Number(m[3] ?? defaultPort) + offset;
  return `${m[1]}://${LOCAL_ADDRESS}:${port}${m[4] ?? ''}`;
}
