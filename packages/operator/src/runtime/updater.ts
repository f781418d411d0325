// The updater (reference/stunner-v1.md §2.2): writes a render's managed objects with server-side apply as
// field manager `stunner-gateway-operator` (so fields set by users and other controllers survive), statuses
// with merge patches on the status subresource, and deletes managed objects no render wants any more.
// Writes that would change nothing are skipped, so re-renders and operator restarts cause no churn.
// Deployments another operator (STUNner's, or an earlier version of this one) created may carry their
// immutable selector in another form: see #deploymentBody.
import { ANNOTATION_RELATED_GATEWAY, LABEL_OWNED_BY, LABEL_OWNED_BY_VALUE } from '@stunner/api';
import type { Logger } from '@stunner/log';
import type { KubeObject, KubeRest } from '../kube/kube-rest.ts';
import { FIELD_MANAGER, isNotFound, KubeApiError } from '../kube/kube-rest.ts';
import { KINDS, kindOf, objectPath, type ResourceKind } from '../kube/resource-kinds.ts';
import { timestamp } from '../render/conditions.ts';
import type { Secret } from '../render/kube-types.ts';
import { type DeploymentSelector, selectorPlan } from '../render/label-selector.ts';
import type { RenderResult, StatusUpdate } from '../render/render-result.ts';
import { canonicalJson } from './canonical-json.ts';
import type { OperatorMetrics } from './operator-metrics.ts';
import { isManagedTokenSecret, tokenSecretDeletable, tokenSecretUpToDate } from './token-secrets.ts';

export interface ClusterView {
  /** The object as the informers last saw it, if they watch its kind. */
  get(kind: ResourceKind, name: string, namespace?: string): KubeObject | undefined;
  list(kind: ResourceKind): KubeObject[];
  /** Whether `<ns>/<name>` is a Gateway of a GatewayClass this operator owns. */
  ownsGateway(gatewayKey: string): boolean;
}

/** Gateway condition type the updater adds after it had to re-create a Gateway's dataplane Deployment. */
export const CONDITION_DATAPLANE_RECREATED = 'stunner.l7mp.io/DataplaneRecreated';
const EVENT_COMPONENT = 'stunner-gateway-operator';

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
  /** Deployment uids already reported as kept in the other selector form (one Event each). */
  readonly #keptReported = new Set<string>();
  /** Gateway key → the condition saying its dataplane was re-created, added to its status from then on. */
  readonly #recreated = new Map<string, Record<string, unknown>>();

  /**
   * Whether the operator runs with a CDS token and so keeps the token Secrets. Without one it touches no
   * Secret at all (its RBAC then only reads them): Secrets left from a run with a token stay until the
   * garbage collector takes them with their Gateways.
   */
  readonly #tokenSecrets: boolean;

  constructor(rest: KubeRest, view: ClusterView, metrics: OperatorMetrics, log: Logger, tokenSecrets = false) {
    this.#tokenSecrets = tokenSecrets;
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
    // The token Secrets first: a Deployment that mounts one starts its pods only once it exists.
    for (const secret of result.secrets) {
      const path = objectPath(KINDS.secrets, secret.metadata.name, secret.metadata.namespace);
      wanted.add(path);
      if (!(await this.#applyTokenSecret(path, secret))) failures++;
    }
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
    for (const obj of this.#tokenSecrets ? this.#view.list(KINDS.secrets) : []) {
      const path = objectPath(KINDS.secrets, obj.metadata.name, obj.metadata.namespace);
      if (wanted.has(path) || !tokenSecretDeletable(obj, this.#gatewayExists, this.#view.ownsGateway)) continue;
      if (!(await this.#delete(KINDS.secrets, path))) failures++;
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
    for (const obj of this.#tokenSecrets ? this.#view.list(KINDS.secrets) : []) {
      if (!tokenSecretDeletable(obj, this.#gatewayExists, this.#view.ownsGateway)) continue;
      await this.#delete(KINDS.secrets, objectPath(KINDS.secrets, obj.metadata.name, obj.metadata.namespace));
    }
  }

  /** POSTs `obj` to the collection of `path`; false when an object of that name exists already. */
  async #create(path: string, obj: Secret): Promise<boolean> {
    try {
      await this.#rest.request('POST', `${path.slice(0, path.lastIndexOf('/'))}?fieldManager=${FIELD_MANAGER}`, obj);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409) return false;
      throw err;
    }
    this.#metrics.resourceOperations.inc({ scope: 'managed', kind: 'Secret', operation: 'create' });
    return true;
  }

  readonly #gatewayExists = (key: string): boolean => this.#gatewayObject(key) !== undefined;

  /** The CDS token Secret of a namespace, written only when missing or different from the live one. */
  async #applyTokenSecret(path: string, secret: Secret): Promise<boolean> {
    const { name, namespace } = secret.metadata;
    const seen = this.#view.get(KINDS.secrets, name, namespace);
    if (seen && tokenSecretUpToDate(seen, secret)) return true;
    let live: KubeObject;
    try {
      // Create, not apply: a Secret the informer has not seen yet may be somebody's, and apply would take it.
      if (!seen && (await this.#create(path, secret))) return true;
      live = seen ?? (await this.#rest.get(path));
      if (tokenSecretUpToDate(live, secret)) return true;
    } catch (err) {
      this.#metrics.updateErrors.inc();
      this.#log.error(`create Secret ${namespace}/${name}: ${(err as Error).message}`);
      return false;
    }
    if (!isManagedTokenSecret(live)) {
      // Somebody's own Secret under our name: never take it over (our owners would let the GC delete it).
      this.#metrics.updateErrors.inc();
      this.#log.error(
        `Secret ${namespace}/${name} exists without the ${LABEL_OWNED_BY}=${LABEL_OWNED_BY_VALUE} label: the dataplane ` +
          'pods there would mount it as the CDS token; rename or delete it so the operator can write the token',
      );
      return false;
    }
    try {
      await this.#rest.apply(path, secret as unknown as Record<string, unknown>);
      this.#metrics.resourceOperations.inc({ scope: 'managed', kind: 'Secret', operation: 'update' });
      return true;
    } catch (err) {
      this.#metrics.updateErrors.inc();
      this.#log.error(`apply Secret ${namespace}/${name}: ${(err as Error).message}`);
      return false;
    }
  }

  async writeStatus(s: StatusUpdate): Promise<boolean> {
    return this.#writeStatus(s);
  }

  async #applyManaged(kind: ResourceKind, path: string, obj: Managed): Promise<boolean> {
    const { status: _status, ...rendered } = obj;
    const current = this.#view.get(kind, obj.metadata.name, obj.metadata.namespace);
    const present = current !== undefined;
    let body: Record<string, unknown> = rendered;
    try {
      if (kind === KINDS.deployments && current) {
        const b = await this.#deploymentBody(path, current, rendered);
        if (!b) return false;
        body = b;
      }
      if (present && this.#applied.get(path) === canonicalJson(body)) return true;
      try {
        await this.#rest.apply(path, body);
      } catch (err) {
        if (!(err instanceof KubeApiError && err.status === 422)) throw err;
        if (kind === KINDS.configMaps && present) {
          // The legacy ConfigMap is immutable (§2.6): new content means a new object.
          await this.#rest.delete(path);
          await this.#rest.apply(path, body);
        } else if (kind === KINDS.deployments && !present) {
          // A Deployment outside our informer's label selector (not labelled as ours) with another selector.
          const found = await this.#rest.get(path);
          const b = await this.#deploymentBody(path, found, rendered);
          if (!b) return false;
          body = b;
          await this.#rest.apply(path, body);
        } else {
          throw err;
        }
      }
      const text = canonicalJson(body);
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

  /**
   * The body to apply over an existing Deployment, or undefined when it cannot be written this round.
   * The selector is immutable: one selecting the same pods in the other form is applied back as it is (no
   * re-create, so the running stunnerd pods are not touched); one selecting other pods leaves only a
   * re-create, which terminates the running pods, so it is announced in an Event and a Gateway condition.
   */
  async #deploymentBody(
    path: string,
    current: KubeObject,
    rendered: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    const want = (rendered.spec as { selector: DeploymentSelector }).selector;
    const have = (current.spec as { selector?: DeploymentSelector } | undefined)?.selector;
    const plan = selectorPlan(have, want);
    const name = `${current.metadata.namespace}/${current.metadata.name}`;
    if (plan === 'apply') return rendered;
    if (plan === 'keep') {
      const uid = current.metadata.uid ?? name;
      if (!this.#keptReported.has(uid)) {
        this.#keptReported.add(uid);
        const message =
          `selector ${JSON.stringify(have)} selects the same pods as the rendered one but in another form; ` +
          'it is kept so the dataplane pods are not touched. STUNner’s operator cannot update this Deployment ' +
          'until it is re-created: `kubectl delete deployment --cascade=orphan` keeps the pods running and lets ' +
          'the next operator re-create it in its form and adopt the ReplicaSet without a restart';
        this.#log.info(`Deployment ${name}: ${message}`);
        await this.#event(current, 'Normal', 'SelectorFormKept', message);
      }
      return { ...rendered, spec: { ...(rendered.spec as object), selector: have } };
    }
    const gw = current.metadata.annotations?.[ANNOTATION_RELATED_GATEWAY] ?? name;
    const ownedByGateway = (current.metadata.ownerReferences ?? []).some((r) => r.kind === 'Gateway');
    if (current.metadata.labels?.[LABEL_OWNED_BY] !== LABEL_OWNED_BY_VALUE && !ownedByGateway) {
      // Not a managed dataplane: somebody's own Deployment under the Gateway's name. Never delete it.
      const message = `Deployment ${name} is not managed by STUNner (no ${LABEL_OWNED_BY}=${LABEL_OWNED_BY_VALUE} label, no Gateway owner) and selects other pods: rename it or set the Gateway annotation stunner.l7mp.io/disable-managed-dataplane`;
      this.#log.error(message);
      this.#metrics.updateErrors.inc();
      return undefined;
    }
    const message =
      `dataplane Deployment ${name} was re-created: its selector ${JSON.stringify(have)} selects other pods than ` +
      `${JSON.stringify(want)} and a selector cannot be changed; its pods were terminated gracefully ` +
      '(stunnerd drains its allocations within terminationGracePeriodSeconds) and calls on them may have dropped';
    this.#log.info(message);
    await this.#event(current, 'Warning', 'DataplaneRecreated', message);
    const gateway = this.#gatewayObject(gw);
    if (gateway) await this.#event(gateway, 'Warning', 'DataplaneRecreated', message);
    this.#recreated.set(gw, {
      type: CONDITION_DATAPLANE_RECREATED,
      status: 'True',
      reason: 'SelectorChanged',
      message,
      lastTransitionTime: timestamp(new Date()),
      ...(gateway?.metadata.generation !== undefined ? { observedGeneration: gateway.metadata.generation } : {}),
    });
    await this.#rest.request('DELETE', path, {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Background',
      // Only the object we looked at: never one that was re-created in the meantime.
      preconditions: { uid: current.metadata.uid },
    });
    this.#applied.delete(path);
    this.#metrics.resourceOperations.inc({ scope: 'managed', kind: 'Deployment', operation: 'delete' });
    return rendered;
  }

  #gatewayObject(gatewayKey: string): KubeObject | undefined {
    const slash = gatewayKey.indexOf('/');
    return this.#view.get(KINDS.gateways, gatewayKey.slice(slash + 1), gatewayKey.slice(0, slash));
  }

  /** A core/v1 Event on `obj`, for `kubectl describe`; failing to record one is only logged. */
  async #event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const ns = obj.metadata.namespace ?? 'default';
    const now = new Date().toISOString();
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${obj.metadata.name}.`, namespace: ns },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: ns,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: EVENT_COMPONENT },
      reportingComponent: EVENT_COMPONENT,
      reportingInstance: EVENT_COMPONENT,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.#rest.request('POST', `/api/v1/namespaces/${encodeURIComponent(ns)}/events`, event);
    } catch (err) {
      this.#log.error(`event ${reason} on ${obj.kind} ${ns}/${obj.metadata.name}: ${(err as Error).message}`);
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
    const note = s.kind === 'Gateway' ? this.#recreated.get(`${s.metadata.namespace}/${s.metadata.name}`) : undefined;
    if (note) {
      const conditions = [...((s.status.conditions as unknown[]) ?? []), note];
      s = { ...s, status: { ...s.status, conditions } };
    }
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
