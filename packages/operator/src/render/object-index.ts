// Lookup tables over a snapshot, built once per render so every Gateway and route resolves in O(1).
import type { Dataplane, GatewayConfig, StaticService } from '@stunner/api';
import type { EndpointSlice, Endpoints, Namespace, Node, Secret, Service } from './kube-types.ts';
import type { Snapshot } from './snapshot.ts';

export const key = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

type Named = { metadata: { name: string; namespace?: string | undefined } };

/** Sort order of every list the renderer walks, so its output does not depend on watch order. */
export const byNsName = (a: Named, b: Named): number =>
  key(a.metadata.namespace, a.metadata.name).localeCompare(key(b.metadata.namespace, b.metadata.name));

export interface ObjectIndex {
  gatewayConfigs: Map<string, GatewayConfig>;
  dataplanes: Map<string, Dataplane>;
  services: Map<string, Service>;
  /** By `<namespace>/<service-name>` (label kubernetes.io/service-name). */
  endpointSlices: Map<string, EndpointSlice[]>;
  endpoints: Map<string, Endpoints>;
  staticServices: Map<string, StaticService>;
  secrets: Map<string, Secret>;
  namespaces: Map<string, Namespace>;
  nodes: Node[];
}

function byKey<T extends Named>(items: T[]): Map<string, T> {
  const m = new Map<string, T>();
  for (const o of items) m.set(key(o.metadata.namespace, o.metadata.name), o);
  return m;
}

export function indexSnapshot(s: Snapshot): ObjectIndex {
  const endpointSlices = new Map<string, EndpointSlice[]>();
  for (const es of s.endpointSlices) {
    const svc = es.metadata.labels?.['kubernetes.io/service-name'];
    if (!svc) continue;
    const k = key(es.metadata.namespace, svc);
    const list = endpointSlices.get(k);
    if (list) list.push(es);
    else endpointSlices.set(k, [es]);
  }
  const dataplanes = new Map<string, Dataplane>();
  for (const d of s.dataplanes) dataplanes.set(d.metadata.name, d);
  const namespaces = new Map<string, Namespace>();
  for (const n of s.namespaces) namespaces.set(n.metadata.name, n);
  return {
    gatewayConfigs: byKey(s.gatewayConfigs),
    dataplanes,
    services: byKey(s.services),
    endpointSlices,
    endpoints: byKey(s.endpoints),
    staticServices: byKey(s.staticServices),
    secrets: byKey(s.secrets),
    namespaces,
    nodes: s.nodes,
  };
}
