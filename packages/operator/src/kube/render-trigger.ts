// Which watch events are worth a render (reference/stunner-v1.md §2.3 filters): spec changes of the
// Gateway API and stunner.l7mp.io objects (generation) and Gateway annotations, not the status writes the
// operator makes itself; Node address changes, not heartbeats; managed Deployments and ConfigMaps only
// appearing or disappearing. Everything else (Services, endpoints, Secrets, Namespaces) always counts.
import type { KubeObject } from './kube-rest.ts';
import { KINDS, type ResourceKind } from './resource-kinds.ts';

const BY_GENERATION = new Set<ResourceKind>([
  KINDS.gatewayClasses,
  KINDS.gateways,
  KINDS.udpRoutes,
  KINDS.udpRoutesV1Alpha2,
  KINDS.gatewayConfigs,
  KINDS.dataplanes,
  KINDS.staticServices,
]);
const PRESENCE_ONLY = new Set<ResourceKind>([KINDS.deployments, KINDS.configMaps]);

export class RenderTrigger {
  /** `<kind>/<ns>/<name>` → the fingerprint last seen. */
  readonly #seen = new Map<string, string>();

  /** Whether this event changes anything the renderer reads. */
  matters(kind: ResourceKind, verb: 'add' | 'update' | 'delete', obj: KubeObject): boolean {
    const id = `${kind.id}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    if (verb === 'delete') {
      this.#seen.delete(id);
      return true;
    }
    const print = fingerprint(kind, obj);
    if (print === undefined) return true;
    const before = this.#seen.get(id);
    this.#seen.set(id, print);
    return verb === 'add' || before !== print;
  }
}

function fingerprint(kind: ResourceKind, obj: KubeObject): string | undefined {
  if (BY_GENERATION.has(kind)) {
    const m = obj.metadata;
    return JSON.stringify([m.generation, m.annotations ?? {}, m.labels ?? {}]);
  }
  if (kind === KINDS.nodes) return JSON.stringify((obj.status as { addresses?: unknown } | undefined)?.addresses ?? []);
  if (PRESENCE_ONLY.has(kind)) return '';
  return undefined;
}
