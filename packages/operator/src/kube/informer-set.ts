// Every informer the operator runs (reference/stunner-v1.md §2.3), and the renderer's Snapshot built
// from their caches. Any change to any watched object triggers a full re-render (§2.2: state of the world).

import type { Snapshot } from '../render/snapshot.ts';
import { type ManifestError, snapshotFromManifests } from '../render/snapshot-from-manifests.ts';
import { isNotFound, type KubeObject, type KubeRest } from './kube-rest.ts';
import { type InformerEvents, ResourceInformer } from './resource-informer.ts';
import { KINDS, type ResourceKind } from './resource-kinds.ts';

export interface InformerSetOptions {
  /** false: watch legacy Endpoints instead of EndpointSlices (--disable-endpontslice-controller). */
  useEndpointSlices: boolean;
  minBackoffMs?: number;
}

export interface OwnedObjects {
  deployments: KubeObject[];
  configMaps: KubeObject[];
}

export class InformerSet {
  readonly #rest: KubeRest;
  readonly #options: InformerSetOptions;
  readonly #events: InformerEvents;
  readonly #informers = new Map<string, ResourceInformer>();

  constructor(rest: KubeRest, options: InformerSetOptions, events: InformerEvents) {
    this.#rest = rest;
    this.#options = options;
    this.#events = events;
  }

  /** Starts every informer and resolves once each has listed once (or failed and is retrying). */
  async start(): Promise<void> {
    const kinds: ResourceKind[] = Object.values(KINDS).filter((k) =>
      this.#options.useEndpointSlices ? k !== KINDS.endpoints : k !== KINDS.endpointSlices,
    );
    const wanted: ResourceKind[] = [];
    for (const k of kinds) {
      if (k.optional && !(await this.#served(k))) continue;
      wanted.push(k);
    }
    for (const k of wanted) {
      this.#informers.set(
        k.id,
        new ResourceInformer(this.#rest, k, this.#events, {
          ...(this.#options.minBackoffMs !== undefined ? { minBackoffMs: this.#options.minBackoffMs } : {}),
        }),
      );
    }
    await Promise.all([...this.#informers.values()].map((i) => i.start()));
  }

  get synced(): boolean {
    return [...this.#informers.values()].every((i) => i.synced);
  }

  watching(kind: ResourceKind): boolean {
    return this.#informers.has(kind.id);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
  }

  list(kind: ResourceKind): KubeObject[] {
    return this.#informers.get(kind.id)?.list() ?? [];
  }

  get(kind: ResourceKind, name: string, namespace?: string): KubeObject | undefined {
    return this.#informers.get(kind.id)?.get(name, namespace);
  }

  /** The renderer's input; objects failing the schemas are left out and reported. */
  snapshot(): { snapshot: Snapshot; errors: ManifestError[] } {
    const docs: { doc: unknown; where: string }[] = [];
    for (const inf of this.#informers.values()) {
      if (inf.kind === KINDS.deployments || inf.kind === KINDS.configMaps) continue;
      for (const obj of inf.list()) docs.push({ doc: obj, where: inf.kind.id });
    }
    const { snapshot, errors } = snapshotFromManifests(docs);
    return { snapshot, errors };
  }

  owned(): OwnedObjects {
    return { deployments: this.list(KINDS.deployments), configMaps: this.list(KINDS.configMaps) };
  }

  async #served(k: ResourceKind): Promise<boolean> {
    const [group, version] = k.apiVersion.split('/');
    try {
      const res = await this.#rest.get<{ resources: { name: string }[] }>(`/apis/${group}/${version}`);
      return res.resources.some((r) => r.name === k.plural);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}
