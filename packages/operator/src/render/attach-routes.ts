// Render phase 3: routes to listeners (§2.4). Each UDPRoute's parentRefs are checked against our Gateways'
// listeners, accepted routes are recorded on the listeners they attach to, and each route of ours gets its
// status. A gateway.networking.k8s.io/v1alpha2 route is masked by a stunner.l7mp.io/v1 route of the same
// namespace/name.
import type { ClusterConfig, ParentReference, UDPRoute } from '@stunner/api';
import { byNsName, key, type ObjectIndex } from './object-index.ts';
import type { GatewayPlans } from './plan-gateways.ts';
import { type RouteCluster, renderCluster } from './render-cluster.ts';
import type { RenderIssue } from './render-issue.ts';
import type { StatusUpdate } from './render-result.ts';
import { attach, parentRefIsGateway } from './route-attachment.ts';
import { type ParentEntry, routeStatus } from './route-status.ts';
import type { RenderOptions } from './snapshot.ts';

export interface AttachedRoutes {
  /** Statuses of the routes we own, in name order. */
  statuses: StatusUpdate[];
  /** The cluster of an attached route, by `<ns>/<name>`; each route's cluster is rendered once. */
  clusterOf(routeKey: string): ClusterConfig;
}

const STUNNER_V1 = 'stunner.l7mp.io/v1';

const gatewayKeyOf = (ref: { name: string; namespace?: string | undefined }, route: UDPRoute): string =>
  key(ref.namespace ?? route.metadata.namespace, ref.name);

export function attachRoutes(
  udpRoutes: readonly UDPRoute[],
  gateways: GatewayPlans,
  idx: ObjectIndex,
  opts: RenderOptions,
  issues: RenderIssue[],
): AttachedRoutes {
  const v1Routes = new Set(
    udpRoutes.filter((r) => r.apiVersion === STUNNER_V1).map((r) => key(r.metadata.namespace, r.metadata.name)),
  );
  const isMasked = (route: UDPRoute, rk: string): boolean => route.apiVersion !== STUNNER_V1 && v1Routes.has(rk);
  const rendered = new Map<string, RouteCluster>();
  const clusterOf = (route: UDPRoute, rk: string): RouteCluster => {
    let rc = rendered.get(rk);
    if (!rc) {
      rc = renderCluster(route, idx, opts, issues);
      rendered.set(rk, rc);
    }
    return rc;
  };

  const routes = [...udpRoutes].sort(byNsName);
  const statuses: StatusUpdate[] = [];
  for (const route of routes) {
    const rk = key(route.metadata.namespace, route.metadata.name);
    const masked = isMasked(route, rk);
    const entries: ParentEntry[] = [];
    for (const ref of route.spec.parentRefs ?? []) {
      if (!parentRefIsGateway(ref)) continue;
      const gk = gatewayKeyOf(ref, route);
      if (gateways.others.has(gk)) continue;
      entries.push({ ref, accepted: attachToParent(ref, route, rk, gk, masked, gateways, idx) });
    }
    if (entries.length === 0 || !isOurs(route, entries, gateways)) continue;
    const resolved = masked ? undefined : clusterOf(route, rk).resolvedRefs;
    statuses.push(routeStatus(route, entries, resolved, opts));
  }

  const unmasked = new Map(
    routes.map((r) => [key(r.metadata.namespace, r.metadata.name), r] as const).filter(([rk, r]) => !isMasked(r, rk)),
  );
  return { statuses, clusterOf: (rk) => clusterOf(unmasked.get(rk)!, rk).cluster };
}

/** Attaches the route to the listeners of one parent Gateway; returns the parent's Accepted condition. */
function attachToParent(
  ref: ParentReference,
  route: UDPRoute,
  rk: string,
  gk: string,
  masked: boolean,
  gateways: GatewayPlans,
  idx: ObjectIndex,
): ParentEntry['accepted'] {
  if (masked) return { status: 'False', reason: 'Pending', message: `masked by stunner.l7mp.io/v1 UDPRoute ${rk}` };
  const gs = gateways.ours.get(gk);
  if (!gs) return { status: 'False', reason: 'NoMatchingParent', message: `Gateway ${gk} not found` };
  const a = attach(ref, route, gs.gateway, gs.plans, idx.namespaces);
  for (const p of a.counted) {
    const set = gs.counted.get(p.listener.name) ?? new Set<string>();
    set.add(rk);
    gs.counted.set(p.listener.name, set);
  }
  if (!a.accepted) return { status: 'False', reason: a.reason, message: a.message };
  for (const p of a.listeners) {
    const set = gs.attached.get(p.listener.name) ?? new Set<string>();
    set.add(rk);
    gs.attached.set(p.listener.name, set);
  }
  return { status: 'True', reason: 'Accepted', message: 'parent accepts the route' };
}

/**
 * A gateway.networking.k8s.io route whose parents are all missing may belong to another implementation:
 * only our own CRD, or a route that reaches one of our Gateways, gets our status.
 */
function isOurs(route: UDPRoute, entries: ParentEntry[], gateways: GatewayPlans): boolean {
  return (
    route.apiVersion === STUNNER_V1 ||
    entries.some((e) => e.accepted.reason !== 'NoMatchingParent' || gateways.ours.has(gatewayKeyOf(e.ref, route)))
  );
}
