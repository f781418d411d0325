// A kubeconfig that authenticates as a ServiceAccount with a token from the TokenRequest API, what a pod
// of that ServiceAccount gets mounted: the operator run with it has exactly the chart's RBAC rules.
import { readFileSync, writeFileSync } from 'node:fs';
import type { ControlPlane } from '@stunner/testing';
import { parse, stringify } from 'yaml';

interface Kubeconfig {
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
}

export async function serviceAccountToken(
  cp: ControlPlane,
  namespace: string,
  name: string,
  expirationSeconds = 3600,
): Promise<string> {
  const res = await cp.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } },
  );
  return res.status.token;
}

/** Writes the control plane's kubeconfig with the admin token replaced by the ServiceAccount's; returns its path. */
export async function writeServiceAccountKubeconfig(
  cp: ControlPlane,
  namespace: string,
  name: string,
  path: string,
): Promise<string> {
  const token = await serviceAccountToken(cp, namespace, name);
  const kc = parse(readFileSync(cp.kubeconfigPath, 'utf8')) as Kubeconfig;
  kc.users = [{ name: `${namespace}:${name}`, user: { token } }];
  for (const c of kc.contexts) {
    c.context.user = `${namespace}:${name}`;
    c.context.namespace = namespace;
  }
  writeFileSync(path, stringify(kc), { mode: 0o600 });
  return path;
}
