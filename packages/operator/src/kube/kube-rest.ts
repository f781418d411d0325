// A small JSON REST client for the kube-apiserver on top of client-node's KubeConfig (which supplies the
// TLS settings and credentials). Objects stay plain JSON, as the watch stream delivers them, instead of
// client-node's generated model classes, so one shape flows from informers through the renderer.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { OperatorError } from '../operator-error.ts';

export const FIELD_MANAGER = 'stunner-gateway-operator';

export const CONTENT_TYPE = {
  apply: 'application/apply-patch+yaml',
  merge: 'application/merge-patch+json',
  json: 'application/json',
} as const;

/** A non-2xx answer of the kube-apiserver; `status` and `reason` are the apiserver's. */
export class KubeApiError extends OperatorError {
  readonly status: number;
  readonly reason: string | undefined;
  constructor(method: string, path: string, status: number, body: string) {
    let message = body.slice(0, 300);
    let reason: string | undefined;
    try {
      const s = JSON.parse(body) as { message?: string; reason?: string };
      message = s.message ?? message;
      reason = s.reason;
    } catch {
      // not a Status object
    }
    super('OPERATOR_ERR_KUBE_API', `${method} ${path}: ${status} ${message}`);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
  }
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface KubeList<T = KubeObject> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export class KubeRest {
  readonly #kc: KubeConfig;
  readonly #server: URL;
  readonly #timeoutMs: number;

  constructor(kc: KubeConfig, timeoutMs = 30_000) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) {
      throw new OperatorError(
        'OPERATOR_ERR_KUBECONFIG',
        'kubeconfig has no current cluster: set a current-context (kubectl config use-context) or pass --kubeconfig',
      );
    }
    const server = URL.parse(cluster.server);
    if (!server || (server.protocol !== 'https:' && server.protocol !== 'http:')) {
      throw new OperatorError(
        'OPERATOR_ERR_KUBECONFIG',
        `kubeconfig cluster ${cluster.name}: server "${cluster.server}" is not an http(s) URL; give https://host:port`,
      );
    }
    this.#kc = kc;
    this.#server = server;
    this.#timeoutMs = timeoutMs;
  }

  get kubeConfig(): KubeConfig {
    return this.#kc;
  }

  async request<T>(method: string, path: string, body?: unknown, contentType: string = CONTENT_TYPE.json): Promise<T> {
    const url = new URL(path, this.#server);
    const opts: RequestOptions = { method, headers: { Accept: 'application/json' } };
    await this.#kc.applyToHTTPSOptions(opts);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (payload) {
      opts.headers = { ...opts.headers, 'Content-Type': contentType, 'Content-Length': String(payload.length) };
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(new KubeApiError(method, url.pathname, status, text));
            return;
          }
          try {
            resolve((text === '' ? undefined : JSON.parse(text)) as T);
          } catch (err) {
            const msg = `${method} ${url.pathname}: ${status} with a body that is not JSON: is the kubeconfig server a kube-apiserver?`;
            reject(new OperatorError('OPERATOR_ERR_KUBE_BAD_RESPONSE', msg, { cause: err }));
          }
        });
      });
      req.setTimeout(this.#timeoutMs, () => {
        const msg = `${method} ${url.pathname}: no answer from ${this.#server.host} in ${this.#timeoutMs} ms: check that the kube-apiserver is up and reachable`;
        req.destroy(new OperatorError('OPERATOR_ERR_KUBE_TIMEOUT', msg));
      });
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  get<T = KubeObject>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** Server-side apply; force takes over fields another manager set (the updater's own fields, §2.2). */
  apply<T = KubeObject>(path: string, obj: unknown, force = true, fieldManager = FIELD_MANAGER): Promise<T> {
    const q = `?fieldManager=${encodeURIComponent(fieldManager)}${force ? '&force=true' : ''}`;
    return this.request<T>('PATCH', path + q, obj, CONTENT_TYPE.apply);
  }

  mergePatch<T = KubeObject>(path: string, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', `${path}?fieldManager=${FIELD_MANAGER}`, patch, CONTENT_TYPE.merge);
  }

  delete(path: string): Promise<unknown> {
    return this.request('DELETE', path);
  }
}

/** Whether an error is the apiserver saying the object (or its kind) does not exist. */
export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}
