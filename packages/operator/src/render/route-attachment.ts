// Which listeners of which Gateway a route's parentRef attaches to (§2.5, Gateway API route attachment).
import {
  GATEWAY_API_GROUP,
  type Gateway,
  type GatewayListener,
  type LabelSelector,
  type ParentReference,
  type UDPRoute,
} from '@stunner/api';
import type { Namespace } from './kube-types.ts';
import type { ListenerPlan } from './plan-listeners.ts';

export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const val = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(val!)) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(val!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A parentRef names this Gateway: group/kind default to the Gateway API Gateway, namespace to the route's. */
export function refersTo(ref: ParentReference, route: UDPRoute, gw: Gateway): boolean {
  if ((ref.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || (ref.kind ?? 'Gateway') !== 'Gateway') return false;
  return ref.name === gw.metadata.name && (ref.namespace ?? route.metadata.namespace) === gw.metadata.namespace;
}

export function parentRefIsGateway(ref: ParentReference): boolean {
  return (ref.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP && (ref.kind ?? 'Gateway') === 'Gateway';
}

/** allowedRoutes of one listener admits a UDPRoute from the route's namespace. */
export function listenerAllows(
  l: GatewayListener,
  gw: Gateway,
  route: UDPRoute,
  namespaces: Map<string, Namespace>,
): boolean {
  const kinds = l.allowedRoutes?.kinds;
  if (kinds && kinds.length > 0 && !kinds.some((k) => k.kind === 'UDPRoute')) return false;
  const from = l.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return route.metadata.namespace === gw.metadata.namespace;
  const ns = namespaces.get(route.metadata.namespace ?? '');
  const labels: Record<string, string> = { ...(ns?.metadata.labels ?? {}) };
  // The apiserver labels every namespace with its own name (kubernetes.io/metadata.name).
  if (route.metadata.namespace) labels['kubernetes.io/metadata.name'] ??= route.metadata.namespace;
  return selectorMatches(l.allowedRoutes?.namespaces?.selector, labels);
}

export type Attachment = (
  | { accepted: true; listeners: ListenerPlan[] }
  | { accepted: false; reason: 'NoMatchingParent' | 'NotAllowedByListeners'; message: string }
) & {
  /**
   * The listeners the route attaches to by parentRef and allowedRoutes alone, ready or conflicted: what
   * their status `attachedRoutes` counts (STUNner counts a conflicted listener's routes; a listener that
   * failed to render, e.g. an unsupported protocol, counts none).
   */
  counted: ListenerPlan[];
};

export function attach(
  ref: ParentReference,
  route: UDPRoute,
  gw: Gateway,
  plans: ListenerPlan[],
  namespaces: Map<string, Namespace>,
): Attachment {
  const candidates = plans.filter(
    (p) =>
      (ref.sectionName === undefined || p.listener.name === ref.sectionName) &&
      (ref.port === undefined || p.listener.port === ref.port),
  );
  if (candidates.length === 0) {
    return {
      counted: [],
      accepted: false,
      reason: 'NoMatchingParent',
      message: `Gateway ${gw.metadata.namespace}/${gw.metadata.name} has no listener ${ref.sectionName ?? `on port ${ref.port}`}`,
    };
  }
  const allowed = candidates.filter((p) => listenerAllows(p.listener, gw, route, namespaces));
  const counted = allowed.filter((p) => p.ready || p.conflicted);
  const listeners = allowed.filter((p) => p.ready);
  if (listeners.length === 0) {
    return {
      counted,
      accepted: false,
      reason: 'NotAllowedByListeners',
      message: `no ready listener of Gateway ${gw.metadata.namespace}/${gw.metadata.name} allows routes from namespace ${route.metadata.namespace}`,
    };
  }
  return { accepted: true, listeners, counted };
}
