// Manifests (parsed YAML/JSON documents) → a validated Snapshot. Used by `stunnerctl render` and the golden
// tests; invalid objects are reported with the object and the field, never thrown.
import {
  dataplaneSchema,
  gatewayClassSchema,
  gatewayConfigSchema,
  gatewayConfigToV1,
  gatewayConfigV1Alpha1Schema,
  gatewaySchema,
  staticServiceSchema,
  staticServiceV1Alpha1Schema,
  udpRouteSchema,
  udpRouteV1Alpha2Schema,
} from '@stunner/api';
import { emptySnapshot, type Snapshot } from './snapshot.ts';

export interface ManifestError {
  /** `Kind namespace/name`, or the document position when the object has no usable name. */
  object: string;
  field: string;
  message: string;
}

export interface ManifestLoad {
  snapshot: Snapshot;
  errors: ManifestError[];
  /** Objects of kinds the renderer does not read (Deployments of media servers, ...). */
  ignored: string[];
}

/** What the @stunner/api schemas offer (zod's safeParse), without a zod dependency here. */
interface Parser<T> {
  safeParse(
    d: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

type Doc = Record<string, unknown> & { apiVersion?: unknown; kind?: unknown; metadata?: Record<string, unknown> };

const CLUSTER_SCOPED = new Set(['GatewayClass', 'Dataplane', 'Namespace', 'Node']);
const CORE_KINDS: Record<string, keyof Snapshot> = {
  'v1/Service': 'services',
  'v1/Endpoints': 'endpoints',
  'v1/Secret': 'secrets',
  'v1/Namespace': 'namespaces',
  'v1/Node': 'nodes',
  'discovery.k8s.io/v1/EndpointSlice': 'endpointSlices',
};

function describe(doc: Doc, where: string): string {
  const name = typeof doc.metadata?.name === 'string' ? doc.metadata.name : undefined;
  const ns = typeof doc.metadata?.namespace === 'string' ? doc.metadata.namespace : undefined;
  const kind = typeof doc.kind === 'string' ? doc.kind : 'object';
  if (!name) return `${kind} at ${where}`;
  return ns ? `${kind} ${ns}/${name}` : `${kind} ${name}`;
}

/** `docs[i].where` names the document for messages (e.g. `examples/gw.yaml#2`). */
export function snapshotFromManifests(docs: { doc: unknown; where: string }[]): ManifestLoad {
  const snapshot = emptySnapshot();
  const errors: ManifestError[] = [];
  const ignored: string[] = [];
  const queue = [...docs];
  while (queue.length > 0) {
    const { doc: raw, where } = queue.shift()!;
    if (raw === null || raw === undefined) continue;
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      errors.push({ object: where, field: '', message: 'expected a Kubernetes object' });
      continue;
    }
    const doc = raw as Doc;
    if (typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items)) {
      doc.items.forEach((item, i) => {
        queue.push({ doc: item, where: `${where}.items[${i}]` });
      });
      continue;
    }
    if (typeof doc.kind !== 'string' || typeof doc.apiVersion !== 'string') {
      errors.push({ object: describe(doc, where), field: 'kind', message: 'apiVersion and kind are required' });
      continue;
    }
    // kubectl puts namespaced objects without a namespace into `default`.
    if (!CLUSTER_SCOPED.has(doc.kind) && doc.metadata && typeof doc.metadata === 'object' && !doc.metadata.namespace) {
      doc.metadata = { ...doc.metadata, namespace: 'default' };
    }
    const object = describe(doc, where);
    const parse = <T>(schema: Parser<T>): T | undefined => {
      const r = schema.safeParse(doc);
      if (r.success) return r.data;
      for (const issue of r.error.issues) {
        errors.push({ object, field: issue.path.map(String).join('.'), message: issue.message });
      }
      return undefined;
    };
    const gvk = `${doc.apiVersion}/${doc.kind}`;
    const group = doc.apiVersion.split('/')[0];
    if (group === 'gateway.networking.k8s.io' && doc.kind === 'GatewayClass') {
      const o = parse(gatewayClassSchema);
      if (o) snapshot.gatewayClasses.push(o);
    } else if (group === 'gateway.networking.k8s.io' && doc.kind === 'Gateway') {
      const o = parse(gatewaySchema);
      if (o) snapshot.gateways.push(o);
    } else if (gvk === 'gateway.networking.k8s.io/v1alpha2/UDPRoute') {
      const o = parse(udpRouteV1Alpha2Schema);
      if (o) snapshot.udpRoutes.push(o);
    } else if (gvk === 'stunner.l7mp.io/v1/UDPRoute') {
      const o = parse(udpRouteSchema);
      if (o) snapshot.udpRoutes.push(o);
    } else if (gvk === 'stunner.l7mp.io/v1/GatewayConfig') {
      const o = parse(gatewayConfigSchema);
      if (o) snapshot.gatewayConfigs.push(o);
    } else if (gvk === 'stunner.l7mp.io/v1alpha1/GatewayConfig') {
      const o = parse(gatewayConfigV1Alpha1Schema);
      if (o) snapshot.gatewayConfigs.push(gatewayConfigToV1(o));
    } else if (gvk === 'stunner.l7mp.io/v1/Dataplane') {
      const o = parse(dataplaneSchema);
      if (o) snapshot.dataplanes.push(o);
    } else if (gvk === 'stunner.l7mp.io/v1/StaticService') {
      const o = parse(staticServiceSchema);
      if (o) snapshot.staticServices.push(o);
    } else if (gvk === 'stunner.l7mp.io/v1alpha1/StaticService') {
      const o = parse(staticServiceV1Alpha1Schema);
      if (o) snapshot.staticServices.push({ ...o, apiVersion: 'stunner.l7mp.io/v1' });
    } else if (CORE_KINDS[gvk]) {
      if (typeof doc.metadata?.name !== 'string' || doc.metadata.name === '') {
        errors.push({ object, field: 'metadata.name', message: 'metadata.name is required' });
        continue;
      }
      (snapshot[CORE_KINDS[gvk]] as unknown[]).push(doc);
    } else {
      ignored.push(object);
    }
  }
  return { snapshot, errors, ignored };
}
