// The renderer: a pure function from a snapshot of the watched objects to stunnerd configs, managed
// objects and statuses (DESIGN.md §2; reference/stunner-v1.md §2.5–2.9). State of the world, every time.
import {
  type ClusterConfig,
  type Gateway,
  type GatewayConfig,
  LABEL_OWNED_BY,
  LABEL_OWNED_BY_VALUE,
  LEGACY_ADMIN_NAME,
  LEGACY_CONFIGMAP_KEY,
  LEGACY_CONFIGMAP_NAME,
  type ListenerConfig,
  NODE_ADDRESS_PLACEHOLDER,
  STUNNER_ADDR_PLACEHOLDER,
  type UDPRoute,
} from '@stunner/api';
import { makeConditions } from './conditions.ts';
import { type GatewayKnobs, readGatewayKnobs } from './gateway-annotations.ts';
import { gatewayStatus } from './gateway-status.ts';
import type { ConfigMap } from './kube-types.ts';
import { indexSnapshot, key } from './object-index.ts';
import { ownerReference } from './owner-reference.ts';
import { type ListenerPlan, planListeners } from './plan-listeners.ts';
import { type PublicAddress, publicAddress } from './public-address.ts';
import { type RouteCluster, renderCluster } from './render-cluster.ts';
import { assembleConfig, renderAdmin, renderListener } from './render-config.ts';
import { renderDeployment } from './render-deployment.ts';
import { ERR, objectId, type RenderIssue } from './render-issue.ts';
import type { RenderResult, StatusUpdate } from './render-result.ts';
import { renderService } from './render-service.ts';
import { type ClassContext, resolveClass } from './resolve-class.ts';
import { attach, parentRefIsGateway } from './route-attachment.ts';
import { type ParentEntry, routeStatus } from './route-status.ts';
import type { RenderOptions, Snapshot } from './snapshot.ts';

interface GatewayState {
  gateway: Gateway;
  cls: ClassContext;
  knobs: GatewayKnobs;
  plans: ListenerPlan[];
  /** Listener name → attached route keys (`<ns>/<name>`). */
  attached: Map<string, Set<string>>;
}

const byNsName = (a: { metadata: { name: string; namespace?: string | undefined } }, b: typeof a): number =>
  key(a.metadata.namespace, a.metadata.name).localeCompare(key(b.metadata.namespace, b.metadata.name));

const gatewayKeyOf = (ref: { name: string; namespace?: string | undefined }, route: UDPRoute): string =>
  key(ref.namespace ?? route.metadata.namespace, ref.name);

export function render(snapshot: Snapshot, opts: RenderOptions): RenderResult {
  const issues: RenderIssue[] = [];
  const idx = indexSnapshot(snapshot);
  const result: RenderResult = { configs: [], services: [], deployments: [], configMaps: [], statuses: [], issues };

  // GatewayClasses we own (§2.3 filter) and what they resolve to.
  const classes = new Map<string, ClassContext>();
  for (const gwc of [...snapshot.gatewayClasses].sort(byNsName)) {
    if (gwc.spec.controllerName !== opts.controllerName) continue;
    const ctx = resolveClass(gwc, idx, opts, issues);
    classes.set(gwc.metadata.name, ctx);
    result.statuses.push({
      apiVersion: gwc.apiVersion,
      kind: 'GatewayClass',
      metadata: { name: gwc.metadata.name },
      status: { conditions: makeConditions([ctx.accepted], gwc.metadata.generation, gwc.status?.conditions, opts.now) },
    });
  }

  const gateways = new Map<string, GatewayState>();
  for (const gw of [...snapshot.gateways].sort(byNsName)) {
    const cls = classes.get(gw.spec.gatewayClassName);
    if (!cls) continue;
    const knobs = readGatewayKnobs(gw, cls.gatewayConfig, issues);
    gateways.set(key(gw.metadata.namespace, gw.metadata.name), {
      gateway: gw,
      cls,
      knobs,
      plans: planListeners(gw, knobs, idx, issues),
      attached: new Map(),
    });
  }
  const otherGateways = new Set(
    snapshot.gateways.map((g) => key(g.metadata.namespace, g.metadata.name)).filter((k) => !gateways.has(k)),
  );

  // Route attachment. A gateway.networking.k8s.io/v1alpha2 route is masked by a stunner.l7mp.io/v1 route of the
  // same namespace/name (§2.4).
  const v1Routes = new Set(
    snapshot.udpRoutes
      .filter((r) => r.apiVersion === 'stunner.l7mp.io/v1')
      .map((r) => key(r.metadata.namespace, r.metadata.name)),
  );
  const routeClusters = new Map<string, RouteCluster>();
  const clusterOf = (route: UDPRoute, rk: string): RouteCluster => {
    let rc = routeClusters.get(rk);
    if (!rc) {
      rc = renderCluster(route, idx, opts, issues);
      routeClusters.set(rk, rc);
    }
    return rc;
  };
  const routes = [...snapshot.udpRoutes].sort(byNsName);
  const routeStatuses: StatusUpdate[] = [];
  for (const route of routes) {
    const rk = key(route.metadata.namespace, route.metadata.name);
    const masked = route.apiVersion !== 'stunner.l7mp.io/v1' && v1Routes.has(rk);
    const entries: ParentEntry[] = [];
    for (const ref of route.spec.parentRefs ?? []) {
      if (!parentRefIsGateway(ref)) continue;
      const gk = gatewayKeyOf(ref, route);
      if (otherGateways.has(gk)) continue;
      const gs = gateways.get(gk);
      if (masked) {
        entries.push({
          ref,
          accepted: { status: 'False', reason: 'Pending', message: `masked by stunner.l7mp.io/v1 UDPRoute ${rk}` },
        });
        continue;
      }
      if (!gs) {
        entries.push({
          ref,
          accepted: { status: 'False', reason: 'NoMatchingParent', message: `Gateway ${gk} not found` },
        });
        continue;
      }
      const a = attach(ref, route, gs.gateway, gs.plans, idx.namespaces);
      if (!a.accepted) {
        entries.push({ ref, accepted: { status: 'False', reason: a.reason, message: a.message } });
        continue;
      }
      for (const p of a.listeners) {
        const set = gs.attached.get(p.listener.name) ?? new Set<string>();
        set.add(rk);
        gs.attached.set(p.listener.name, set);
      }
      entries.push({ ref, accepted: { status: 'True', reason: 'Accepted', message: 'parent accepts the route' } });
    }
    // A gateway.networking.k8s.io route whose parents are all missing may belong to another implementation:
    // only our own CRD, or a route that reaches one of our Gateways, gets our status.
    const ours =
      route.apiVersion === 'stunner.l7mp.io/v1' ||
      entries.some((e) => e.accepted.reason !== 'NoMatchingParent' || gateways.has(gatewayKeyOf(e.ref, route)));
    if (entries.length === 0 || !ours) continue;
    const resolved = masked ? undefined : clusterOf(route, rk).resolvedRefs;
    routeStatuses.push(routeStatus(route, entries, resolved, opts));
  }
  const routeByKey = new Map(
    routes
      .filter((r) => r.apiVersion === 'stunner.l7mp.io/v1' || !v1Routes.has(key(r.metadata.namespace, r.metadata.name)))
      .map((r) => [key(r.metadata.namespace, r.metadata.name), r]),
  );

  // Per Gateway: Service, config, Deployment, status. Legacy mode collects listeners and clusters per class.
  interface LegacyAcc {
    listeners: ListenerConfig[];
    clusters: Map<string, ClusterConfig>;
  }
  const legacy = new Map<string, LegacyAcc>();
  const newAcc = (): LegacyAcc => ({ listeners: [], clusters: new Map() });
  for (const gs of gateways.values()) {
    const { gateway: gw, cls, plans, knobs } = gs;
    const ns = gw.metadata.namespace ?? 'default';
    const gk = key(ns, gw.metadata.name);
    const pubs = new Map<string, PublicAddress | undefined>();
    if (cls.error) {
      result.statuses.push(gatewayStatus(gs.gateway, gs.plans, gs.attached, pubs, cls, opts));
      continue;
    }
    const existing = idx.services.get(gk);
    const svc = renderService(gw, knobs, plans, existing, opts.dataplaneMode, issues);
    if (svc) result.services.push(svc);
    const listeners: ListenerConfig[] = [];
    const clusters = new Map<string, ClusterConfig>();
    for (const p of plans) {
      if (!p.ready) continue;
      const pub = publicAddress(gw, p, svc, existing?.status, idx.nodes);
      pubs.set(p.listener.name, pub);
      const attachedRoutes = [...(gs.attached.get(p.listener.name) ?? [])];
      const address = knobs.relayAddressDiscovery ? NODE_ADDRESS_PLACEHOLDER : STUNNER_ADDR_PLACEHOLDER;
      listeners.push(renderListener(ns, gw.metadata.name, p, pub, attachedRoutes, address));
      for (const rk of attachedRoutes) clusters.set(rk, clusterOf(routeByKey.get(rk)!, rk).cluster);
    }
    if (opts.dataplaneMode === 'managed') {
      const admin = renderAdmin(gk, cls.gatewayConfig!, cls.dataplane);
      result.configs.push(assembleConfig(admin, cls.auth!, listeners, [...clusters.values()]));
      if (!knobs.disableManagedDataplane) {
        if (cls.dataplane!.spec.dataplaneResource === 'DaemonSet') {
          issues.push({
            code: ERR.UNSUPPORTED_FEATURE,
            object: objectId('Dataplane', cls.dataplane!.metadata),
            field: 'spec.dataplaneResource',
            message: 'DaemonSet dataplanes are a STUNner premium feature: a Deployment is rendered instead',
          });
        }
        result.deployments.push(renderDeployment(gw, cls.dataplane!, opts));
      }
    } else {
      const name = cls.gatewayClass.metadata.name;
      const acc = legacy.get(name) ?? newAcc();
      acc.listeners.push(...listeners);
      for (const [k, c] of clusters) acc.clusters.set(k, c);
      legacy.set(name, acc);
    }
    result.statuses.push(gatewayStatus(gw, plans, gs.attached, pubs, cls, opts));
  }

  result.statuses.push(...routeStatuses);

  if (opts.dataplaneMode === 'legacy') {
    for (const cls of classes.values()) {
      if (cls.error) continue;
      const acc = legacy.get(cls.gatewayClass.metadata.name) ?? newAcc();
      const config = assembleConfig(
        renderAdmin(LEGACY_ADMIN_NAME, cls.gatewayConfig!, undefined),
        cls.auth!,
        acc.listeners,
        [...acc.clusters.values()],
      );
      result.configs.push(config);
      result.configMaps.push(legacyConfigMap(cls.gatewayConfig!, JSON.stringify(config)));
    }
  }
  return result;
}

function legacyConfigMap(gc: GatewayConfig, text: string): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: LEGACY_CONFIGMAP_NAME,
      namespace: gc.metadata.namespace ?? 'default',
      labels: { [LABEL_OWNED_BY]: LABEL_OWNED_BY_VALUE },
      ownerReferences: [ownerReference(gc)],
    },
    immutable: true,
    data: { [LEGACY_CONFIGMAP_KEY]: text },
  };
}
