// One cluster per route (§2.5): `<route-ns>/<route-name>`, endpoints from every backend of every rule
// (STUNner reads only the first rule; we read them all).
import { type BackendRef, type ClusterConfig, GROUP, type UDPRoute } from '@stunner/api';
import type { ConditionInput } from './conditions.ts';
import type { Service } from './kube-types.ts';
import { key, type ObjectIndex } from './object-index.ts';
import { ERR, objectId, type RenderIssue } from './render-issue.ts';
import type { RenderOptions } from './snapshot.ts';

export interface RouteCluster {
  cluster: ClusterConfig;
  /** The route's ResolvedRefs condition (identical for each of its parents). */
  resolvedRefs: Omit<ConditionInput, 'type'>;
}

function serviceEndpoints(svc: Service, idx: ObjectIndex, opts: RenderOptions): string[] {
  const k = key(svc.metadata.namespace, svc.metadata.name);
  const out: string[] = [];
  const slices = opts.useEndpointSlices ? idx.endpointSlices.get(k) : undefined;
  if (slices && slices.length > 0) {
    // Every address, also not-ready and terminating ones: a draining media server still has calls (§2.5, #138).
    for (const s of slices) for (const e of s.endpoints ?? []) out.push(...e.addresses);
  } else {
    for (const sub of idx.endpoints.get(k)?.subsets ?? []) {
      for (const a of sub.addresses ?? []) out.push(a.ip);
      for (const a of sub.notReadyAddresses ?? []) out.push(a.ip);
    }
  }
  return out;
}

function clusterIPs(svc: Service): string[] {
  const ips = svc.spec.clusterIPs ?? (svc.spec.clusterIP ? [svc.spec.clusterIP] : []);
  return ips.filter((ip) => ip !== '' && ip !== 'None');
}

function portSuffix(ref: BackendRef, route: UDPRoute): string {
  // The official v1alpha2 UDPRoute makes port mandatory; STUNner ignores it there (§2.4).
  if (route.apiVersion !== 'stunner.l7mp.io/v1' || ref.port === undefined || ref.port === 0) return '';
  return `:<${ref.port}-${ref.endPort ?? ref.port}>`;
}

export function renderCluster(
  route: UDPRoute,
  idx: ObjectIndex,
  opts: RenderOptions,
  issues: RenderIssue[],
): RouteCluster {
  const object = objectId('UDPRoute', route.metadata);
  const routeNs = route.metadata.namespace;
  let type: ClusterConfig['type'] | undefined;
  const endpoints = new Set<string>();
  let resolvedRefs: RouteCluster['resolvedRefs'] = {
    status: 'True',
    reason: 'ResolvedRefs',
    message: 'all backend references resolved',
  };
  const fail = (reason: 'InvalidKind' | 'BackendNotFound', message: string) => {
    // InvalidKind outranks BackendNotFound: it is a spec error rather than a missing object.
    if (resolvedRefs.reason !== 'InvalidKind') resolvedRefs = { status: 'False', reason, message };
  };
  route.spec.rules.forEach((rule, ri) => {
    rule.backendRefs.forEach((ref, bi) => {
      const field = `spec.rules[${ri}].backendRefs[${bi}]`;
      const group = ref.group ?? '';
      const kind = ref.kind ?? 'Service';
      const ns = ref.namespace ?? routeNs;
      let found: { type: ClusterConfig['type']; eps: string[] } | undefined;
      if ((group === '' || group === 'core') && kind === 'Service') {
        const svc = idx.services.get(key(ns, ref.name));
        if (!svc) {
          fail('BackendNotFound', `Service ${ns}/${ref.name} not found`);
          issues.push({
            code: ERR.BACKEND_NOT_FOUND,
            object,
            field,
            message: `Service ${ns}/${ref.name} not found: create it or fix the backendRef`,
          });
          return;
        }
        if (!opts.endpointDiscovery) {
          found = { type: 'STRICT_DNS', eps: [`${ref.name}.${ns}.svc.cluster.local`] };
        } else {
          const ips = clusterIPs(svc);
          // Headless Services have no ClusterIP: STUNner reports them missing although their endpoints render.
          if (ips.length === 0) fail('BackendNotFound', `Service ${ns}/${ref.name} has no ClusterIP`);
          found = { type: 'STATIC', eps: [...serviceEndpoints(svc, idx, opts), ...ips] };
        }
      } else if (group === GROUP && kind === 'StaticService') {
        const ssvc = idx.staticServices.get(key(ns, ref.name));
        if (!ssvc) {
          fail('BackendNotFound', `StaticService ${ns}/${ref.name} not found`);
          issues.push({
            code: ERR.BACKEND_NOT_FOUND,
            object,
            field,
            message: `StaticService ${ns}/${ref.name} not found: create it or fix the backendRef`,
          });
          return;
        }
        found = { type: 'STATIC', eps: ssvc.spec.prefixes };
      } else {
        fail('InvalidKind', `backend kind ${group}/${kind} is not supported`);
        issues.push({
          code: ERR.INVALID_BACKEND_KIND,
          object,
          field,
          message: `backend group/kind "${group}/${kind}": use a Service or a stunner.l7mp.io StaticService`,
        });
        return;
      }
      if (type !== undefined && type !== found.type) {
        issues.push({
          code: ERR.INCONSISTENT_CLUSTER_TYPE,
          object,
          field,
          message: `backend would make a ${found.type} cluster but earlier backends made it ${type}: backend skipped`,
        });
        return;
      }
      type = found.type;
      const suffix = portSuffix(ref, route);
      for (const ep of found.eps) endpoints.add(ep + suffix);
    });
  });
  return {
    cluster: {
      name: `${routeNs}/${route.metadata.name}`,
      type: type ?? 'STATIC',
      protocol: 'UDP',
      endpoints: [...endpoints].sort(),
    },
    resolvedRefs,
  };
}
