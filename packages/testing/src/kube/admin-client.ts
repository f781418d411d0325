// The test's own view of the apiserver: JSON requests as the admin user, so tests can set up objects
// and read back what the operator wrote without going through the code under test.
import { request } from 'node:https';

export class AdminRequestError extends Error {
  readonly code = 'STUNNER_ERR_KUBE_ADMIN_REQUEST';
  readonly status: number;
  constructor(method: string, path: string, status: number, body: string) {
    super(`${method} ${path}: ${status} ${body.slice(0, 300)}`);
    this.status = status;
  }
}

export type AdminRequest = <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
) => Promise<T>;

export function adminClient(server: string, ca: Buffer, token: string): AdminRequest {
  return <T>(method: string, path: string, body?: unknown, contentType = 'application/json') =>
    new Promise<T>((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
      if (payload) {
        headers['Content-Type'] = contentType;
        headers['Content-Length'] = String(payload.length);
      }
      const req = request(new URL(path, server), { method, ca, headers, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) reject(new AdminRequestError(method, path, status, text));
          else resolve((text === '' ? undefined : JSON.parse(text)) as T);
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
}

const PLURALS: Record<string, string> = {
  GatewayClass: 'gatewayclasses',
  Endpoints: 'endpoints',
};
const CLUSTER_SCOPED = new Set(['GatewayClass', 'Dataplane', 'Namespace', 'Node', 'CustomResourceDefinition']);

/** REST path of an object from its apiVersion, kind, name and namespace. */
export function pathOf(o: {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}): string {
  const prefix = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const plural = PLURALS[o.kind] ?? `${o.kind.toLowerCase()}s`;
  const ns = CLUSTER_SCOPED.has(o.kind) ? '' : `/namespaces/${o.metadata.namespace ?? 'default'}`;
  return `${prefix}${ns}/${plural}/${o.metadata.name}`;
}
