// The updater (reference/stunner-v1.md §2.2): writes a render's managed objects with server-side apply as
// field manager `stunner-gateway-operator` (so fields set by users and other controllers survive), statuses
// with merge patches on the status subresource, and deletes managed objects no render wants any more.
// Writes that would change nothing are skipped, so re-renders and operator restarts cause no churn.
import { ANNOTATION_RELATED_GATEWAY, LABEL_OWNED_BY, LABEL_OWNED_BY_VALUE } from '@stunner/api';
import type { Logger } from '@stunner/log';
import type { KubeObject, KubeRest } from '../kube/kube-rest.ts';
import { isNotFound, KubeApiError } from '../kube/kube-rest.ts';
import { KINDS, kindOf, objectPath, type ResourceKind } from '../kube/resource-kinds.ts';
import type { RenderResult, StatusUpdate } from '../render/render-result.ts';
import { canonicalJson } from './canonical-json.ts';
import type { OperatorMetrics } from './operator-metrics.ts';

export interface ClusterView {
  /** The object as the informers last saw it, if they watch its kind. */
  get(kind: ResourceKind, name: string, namespace?: string): KubeObject | undefined;
  list(kind: ResourceKind): KubeObject[];
  /** Whether `<ns>/<name>` is a Gateway of a GatewayClass this operator owns. */
  ownsGateway(gatewayKey: string): boolean;
}

type Managed = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<
  string,
  unknown
>;

export class Updater {
  readonly #rest: KubeRest;
  readonly #view: ClusterView;
  readonly #metrics: OperatorMetrics;
  readonly #log: Logger;
  /** Object path → canonical JSON of what we last applied there. */
  readonly #applied = new Map<string, string>();

  constructor(rest: KubeRest, view: ClusterView, metrics: OperatorMetrics, log: Logger) {
    this.#rest = rest;
    this.#view = view;
    this.#metrics = metrics;
    this.#log = log;
  }

  /** Writes one render; returns the number of failed writes (each already logged). */
  async write(result: RenderResult): Promise<number> {
    const started = performance.now();
    let failures = 0;
    const wanted = new Set<string>();
    const managed: Managed[] = [
      ...(result.services as unknown as Managed[]),
      ...(result.deployments as unknown as Managed[]),
      ...(result.configMaps as unknown as Managed[]),
    ];
    for (const obj of managed) {
      const kind = kindOf(obj.apiVersion, obj.kind)!;
      const path = objectPath(kind, obj.metadata.name, obj.metadata.namespace);
      wanted.add(path);
      if (!(await this.#applyManaged(kind, path, obj))) failures++;
    }
    for (const kind of [KINDS.services, KINDS.deployments]) {
      for (const obj of this.#view.list(kind)) {
        if (obj.metadata.labels?.[LABEL_OWNED_BY] !== LABEL_OWNED_BY_VALUE) continue;
        const gw = obj.metadata.annotations?.[ANNOTATION_RELATED_GATEWAY];
        const path = objectPath(kind, obj.metadata.name, obj.metadata.namespace);
        // A Gateway that is gone leaves its objects to Kubernetes' garbage collector (ownerReferences);
        // one that is ours but renders no such object any more (invalid, disable-managed-dataplane) loses it.
        if (wanted.has(path) || !gw || !this.#view.ownsGateway(gw)) continue;
        if (!(await this.#delete(kind, path))) failures++;
      }
    }
    for (const s of result.statuses) if (!(await this.#writeStatus(s))) failures++;
    this.#metrics.updateTime.observe((performance.now() - started) / 1000);
    this.#metrics.updateTotal.inc({ result: failures === 0 ? 'success' : 'error' });
    return failures;
  }

  /** Deletes every managed object this operator created (--enable-finalizer on shutdown). */
  async deleteAllManaged(): Promise<void> {
    for (const kind of [KINDS.services, KINDS.deployments, KINDS.configMaps]) {
      for (const obj of this.#view.list(kind)) {
        if (obj.metadata.labels?.[LABEL_OWNED_BY] !== LABEL_OWNED_BY_VALUE) continue;
        const gw = obj.metadata.annotations?.[ANNOTATION_RELATED_GATEWAY];
        if (kind !== KINDS.configMaps && (!gw || !this.#view.ownsGateway(gw))) continue;
        await this.#delete(kind, objectPath(kind, obj.metadata.name, obj.metadata.namespace));
      }
    }
  }

  async writeStatus(s: StatusUpdate): Promise<boolean> {
    return this.#writeStatus(s);
  }

  async #applyManaged(kind: ResourceKind, path: string, obj: Managed): Promise<boolean> {
    const { status: _status, ...body } = obj;
    const text = canonicalJson(body);
    const present = this.#view.get(kind, obj.metadata.name, obj.metadata.namespace) !== undefined;
    if (present && this.#applied.get(path) === text) return true;
    try {
      try {
        await this.#rest.apply(path, body);
      } catch (err) {
        // The legacy ConfigMap is immutable (§2.6): new content means a new object.
        if (!(kind === KINDS.configMaps && present && err instanceof KubeApiError && err.status === 422)) throw err;
        await this.#rest.delete(path);
        await this.#rest.apply(path, body);
      }
      this.#applied.set(path, text);
      this.#metrics.resourceOperations.inc({
        scope: 'managed',
        kind: kind.kind,
        operation: present ? 'update' : 'create',
      });
      return true;
    } catch (err) {
      this.#metrics.updateErrors.inc();
      this.#log.error(`apply ${kind.kind} ${obj.metadata.namespace}/${obj.metadata.name}: ${(err as Error).message}`);
      return false;
    }
  }

  async #delete(kind: ResourceKind, path: string): Promise<boolean> {
    try {
      await this.#rest.delete(path);
      this.#applied.delete(path);
      this.#metrics.resourceOperations.inc({ scope: 'managed', kind: kind.kind, operation: 'delete' });
      return true;
    } catch (err) {
      if (isNotFound(err)) return true;
      this.#metrics.updateErrors.inc();
      this.#log.error(`delete ${path}: ${(err as Error).message}`);
      return false;
    }
  }

  async #writeStatus(s: StatusUpdate): Promise<boolean> {
    const kind = kindOf(s.apiVersion, s.kind);
    if (!kind) return true;
    const current = this.#view.get(kind, s.metadata.name, s.metadata.namespace);
    if (!current) return true;
    // Compare only the fields we write: others' fields in the status are not ours to reconcile.
    const have = (current.status ?? {}) as Record<string, unknown>;
    const changed = Object.entries(s.status).some(([k, v]) => canonicalJson(v) !== canonicalJson(have[k]));
    if (!changed) return true;
    try {
      await this.#rest.mergePatch(`${objectPath(kind, s.metadata.name, s.metadata.namespace)}/status`, {
        status: s.status,
      });
      this.#metrics.resourceOperations.inc({ scope: 'status', kind: s.kind, operation: 'update' });
      return true;
    } catch (err) {
      if (isNotFound(err)) return true;
      this.#metrics.updateErrors.inc();
      this.#log.error(`status ${s.kind} ${s.metadata.namespace ?? ''}/${s.metadata.name}: ${(err as Error).message}`);
      return false;
    }
  }
}
