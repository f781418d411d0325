// STUNner's updater (l7mp/stunner-gateway-operator internal/updater/client_util.go), reduced to what it
// writes, so a test can check that objects our operator created are ones STUNner's operator can take over:
// - Deployments: controller-runtime CreateOrPatch, i.e. a JSON merge patch (RFC 7386) from the object it
//   read to that object with labels/annotations merged, the owner reference replaced by name and kind, the
//   selector, the whole pod template metadata and containers (and the optional pod fields) set from its
//   render. A selector of another form makes that patch change an immutable field: 422.
// - Services: CreateOrUpdate, i.e. a PUT of the object read with metadata merged and the whole spec
//   replaced by its render (NodePorts it keeps itself).
// Both write as field manager `manager` (the operator binary's name) with operation Update, which never
// conflicts with server-side apply owners.
import type { ControlPlane } from '@stunner/testing';

type Json = Record<string, unknown>;
interface Meta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string }[];
  [k: string]: unknown;
}
export const STUNNER_MANAGER = 'manager';

const clone = <T>(v: T): T => structuredClone(v);
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 merge patch turning `from` into `to`. */
export function mergePatch(from: unknown, to: unknown): unknown {
  if (!isObject(from) || !isObject(to)) return to;
  const out: Json = {};
  for (const [k, v] of Object.entries(to)) {
    if (!(k in from)) out[k] = v;
    else if (isObject(v) && isObject(from[k])) {
      const sub = mergePatch(from[k], v) as Json;
      if (Object.keys(sub).length > 0) out[k] = sub;
    } else if (JSON.stringify(v) !== JSON.stringify(from[k])) out[k] = v;
  }
  for (const k of Object.keys(from)) if (!(k in to)) out[k] = null;
  return out;
}

/** mergeMetadata + addOwnerRef of client_util.go. */
function mergeMetadata(dst: Meta, src: Meta): void {
  dst.labels = { ...(dst.labels ?? {}), ...(src.labels ?? {}) };
  dst.annotations = { ...(dst.annotations ?? {}), ...(src.annotations ?? {}) };
  const ref = src.ownerReferences?.[0];
  if (!ref) throw new Error('STUNner renders exactly one owner reference');
  const refs = [...(dst.ownerReferences ?? [])];
  const i = refs.findIndex((r) => r.name === ref.name && r.kind === ref.kind);
  if (i >= 0) refs[i] = clone(ref);
  else refs.push(clone(ref));
  dst.ownerReferences = refs;
}

const pathOf = (o: { metadata: { name: string; namespace?: string } }, plural: string, group: string) =>
  `${group}/namespaces/${o.metadata.namespace}/${plural}/${o.metadata.name}`;

/** upsertDeployment: the merge patch STUNner's updater sends, and the apiserver's answer. */
export async function stunnerUpsertDeployment(
  cp: ControlPlane,
  desired: Json & { metadata: Meta },
): Promise<{ patch: Json; result: Json }> {
  const path = pathOf(desired as never, 'deployments', '/apis/apps/v1');
  const current = await cp.request<Json & { metadata: Meta; spec: Json }>('GET', path);
  const modified = clone(current);
  mergeMetadata(modified.metadata, desired.metadata);
  const want = desired.spec as Json & { template: { metadata: Json; spec: Json }; replicas?: number };
  const spec = modified.spec as Json & { template: { metadata: Json; spec: Json } };
  spec.selector = clone(want.selector);
  if (want.replicas !== undefined) spec.replicas = want.replicas;
  spec.template.metadata = clone(want.template.metadata);
  const pod = spec.template.spec;
  const wantPod = want.template.spec;
  pod.containers = clone(wantPod.containers);
  if (wantPod.volumes) pod.volumes = clone(wantPod.volumes);
  else delete pod.volumes;
  for (const k of ['terminationGracePeriodSeconds', 'affinity', 'tolerations', 'securityContext']) {
    if (wantPod[k] !== undefined) pod[k] = clone(wantPod[k]);
  }
  if (wantPod.hostNetwork) pod.hostNetwork = true;
  else delete pod.hostNetwork;
  const patch = mergePatch(current, modified) as Json;
  const result = await cp.request<Json>(
    'PATCH',
    `${path}?fieldManager=${STUNNER_MANAGER}`,
    patch,
    'application/merge-patch+json',
  );
  return { patch, result };
}

/** upsertService: the PUT STUNner's updater sends (NodePorts kept by its renderer), and the answer. */
export async function stunnerUpsertService(cp: ControlPlane, desired: Json & { metadata: Meta }): Promise<Json> {
  const path = pathOf(desired as never, 'services', '/api/v1');
  const current = await cp.request<Json & { metadata: Meta; spec: { ports?: { name?: string; nodePort?: number }[] } }>(
    'GET',
    path,
  );
  const modified = clone(current);
  mergeMetadata(modified.metadata, desired.metadata);
  const spec = clone(desired.spec) as { ports?: { name?: string; nodePort?: number }[] };
  for (const p of spec.ports ?? []) {
    const kept = current.spec.ports?.find((c) => c.name === p.name)?.nodePort;
    if (kept !== undefined) p.nodePort = kept;
  }
  modified.spec = spec as Json;
  return cp.request('PUT', `${path}?fieldManager=${STUNNER_MANAGER}`, modified);
}
