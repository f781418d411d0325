// Server-side apply of arbitrary manifests (what `kubectl apply --server-side` does): the REST path of
// each kind comes from the apiserver's discovery, so RBAC objects, Jobs or PodMonitors need no table here.
import type { AdminRequest } from '@stunner/testing';
import type { KubeManifest } from './helm.ts';

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export class KubeApplyError extends Error {
  readonly code = 'STUNNER_ERR_KUBE_APPLY';
}

export class KubeApplier {
  readonly #req: AdminRequest;
  readonly #discovery = new Map<string, ApiResource[]>();

  constructor(req: AdminRequest) {
    this.#req = req;
  }

  async #resource(apiVersion: string, kind: string): Promise<ApiResource> {
    let list = this.#discovery.get(apiVersion);
    if (!list) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const res = await this.#req<{ resources: ApiResource[] }>('GET', path);
      list = res.resources.filter((r) => !r.name.includes('/'));
      this.#discovery.set(apiVersion, list);
    }
    const found = list.find((r) => r.kind === kind);
    if (!found) throw new KubeApplyError(`${apiVersion} ${kind}: the apiserver serves no such kind; install its CRD`);
    return found;
  }

  /** REST path of one object; namespaced objects without a namespace go to `defaultNamespace`. */
  async path(o: KubeManifest, defaultNamespace = 'default'): Promise<string> {
    const r = await this.#resource(o.apiVersion, o.kind);
    const prefix = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
    const ns = r.namespaced ? `/namespaces/${o.metadata.namespace ?? defaultNamespace}` : '';
    return `${prefix}${ns}/${r.name}/${encodeURIComponent(o.metadata.name)}`;
  }

  /** Applies every object in order; the apiserver validates each (schemas, CEL rules, admission). */
  async apply(objects: KubeManifest[], fieldManager = 'stunner-chart-test', defaultNamespace?: string): Promise<void> {
    for (const o of objects) {
      const path = await this.path(o, defaultNamespace);
      try {
        await this.#req('PATCH', `${path}?fieldManager=${fieldManager}&force=true`, o, 'application/apply-patch+yaml');
      } catch (err) {
        throw new KubeApplyError(
          `apply ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${(err as Error).message}`,
        );
      }
    }
  }
}
