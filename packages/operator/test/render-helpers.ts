// Test helpers: manifests as YAML text → render result, with a fixed clock.
import { DEFAULT_CONTROLLER_NAME, DEFAULT_LABEL_FILTER } from '@stunner/api';
import { parseAllDocuments } from 'yaml';
import { type RenderOptions, type RenderResult, render, snapshotFromManifests } from '../src/index.ts';

export const FIXED_NOW = new Date('2026-01-01T00:00:00Z');

export function testOptions(over: Partial<RenderOptions> = {}): RenderOptions {
  return {
    controllerName: DEFAULT_CONTROLLER_NAME,
    dataplaneMode: 'managed',
    endpointDiscovery: true,
    useEndpointSlices: true,
    configOrigin: 'http://10.0.0.1:13478',
    labelFilter: DEFAULT_LABEL_FILTER,
    now: () => FIXED_NOW,
    ...over,
  };
}

export function renderYaml(text: string, over: Partial<RenderOptions> = {}): RenderResult {
  const docs = parseAllDocuments(text).map((d, i) => ({ doc: d.toJS(), where: `#${i + 1}` }));
  const load = snapshotFromManifests(docs);
  if (load.errors.length > 0) throw new Error(`bad test manifests: ${JSON.stringify(load.errors)}`);
  return render(load.snapshot, testOptions(over));
}

type Status = { kind: string; metadata: { name: string; namespace?: string }; status: Record<string, unknown> };
type Cond = { type: string; status: string; reason: string };

export function statusOf(r: RenderResult, kind: string, name: string, namespace?: string): Record<string, unknown> {
  const s = (r.statuses as Status[]).find(
    (x) =>
      x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace),
  );
  if (!s) throw new Error(`no status for ${kind} ${namespace ?? ''}/${name}`);
  return s.status;
}

/** `Type=Status/Reason` of each condition, for compact assertions. */
export function conds(c: unknown): string[] {
  return (c as Cond[]).map((x) => `${x.type}=${x.status}/${x.reason}`);
}

export function gatewayConds(r: RenderResult, name: string, namespace = 'stunner'): string[] {
  return conds(statusOf(r, 'Gateway', name, namespace).conditions);
}

export function listenerConds(r: RenderResult, gw: string, listener: string, namespace = 'stunner'): string[] {
  const ls = statusOf(r, 'Gateway', gw, namespace).listeners as { name: string; conditions: unknown }[];
  return conds(ls.find((l) => l.name === listener)!.conditions);
}

export function routeParentConds(r: RenderResult, route: string, namespace = 'stunner', parent = 0): string[] {
  const ps = statusOf(r, 'UDPRoute', route, namespace).parents as { conditions: unknown }[];
  return conds(ps[parent]!.conditions);
}

/** The common head of most cases: class, GatewayConfig (static user-1/pass-1) and default Dataplane. */
export const BASE = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: stunner-gatewayclass }
spec:
  controllerName: stunner.l7mp.io/gateway-operator
  parametersRef: { group: stunner.l7mp.io, kind: GatewayConfig, name: stunner-gatewayconfig, namespace: stunner }
---
apiVersion: stunner.l7mp.io/v1
kind: GatewayConfig
metadata: { name: stunner-gatewayconfig, namespace: stunner }
spec: { realm: stunner.l7mp.io, authType: static, userName: user-1, password: pass-1 }
---
apiVersion: stunner.l7mp.io/v1
kind: Dataplane
metadata: { name: default }
spec: { image: l7mp/stunnerd:latest }
---
apiVersion: v1
kind: Service
metadata: { name: media-plane, namespace: default }
spec: { clusterIP: 10.104.175.57, ports: [{ port: 9001, protocol: UDP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: media-plane-1, namespace: default, labels: { kubernetes.io/service-name: media-plane } }
endpoints:
  - addresses: [10.76.1.3]
  - addresses: [10.80.7.104]
    conditions: { ready: false, terminating: true }
`;

export function gateway(name: string, listeners: string, extra = ''): string {
  return `
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: ${name}, namespace: stunner${extra} }
spec:
  gatewayClassName: stunner-gatewayclass
  listeners: ${listeners}
`;
}

export function route(
  name: string,
  parentRefs: string,
  backendRefs: string,
  apiVersion = 'stunner.l7mp.io/v1',
): string {
  return `
---
apiVersion: ${apiVersion}
kind: UDPRoute
metadata: { name: ${name}, namespace: stunner }
spec:
  parentRefs: ${parentRefs}
  rules: [{ backendRefs: ${backendRefs} }]
`;
}
