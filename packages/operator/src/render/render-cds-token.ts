// The CDS bearer token in the dataplane's namespaces (docs/reliability.md "Authenticated config channel"):
// a pod mounts Secrets of its own namespace only, so with a token the operator keeps a copy of it in each
// namespace where it renders a stunnerd Deployment, and the Deployment mounts it and names the file in
// $STUNNER_CDS_TOKEN_FILE, which the shared CDS client reads at each dial. Without a token nothing here is
// rendered: the Deployments are STUNner's, key for key.
import { LABEL_OWNED_BY, LABEL_OWNED_BY_VALUE } from '@stunner/api';
import type { Container, Deployment, OwnerReference, Secret } from './kube-types.ts';

/** The managed Secret holding the token, one per dataplane namespace. */
export const CDS_TOKEN_SECRET_NAME = 'stunner-cds-token';
/** Its key; the file name in the mounted directory. */
export const CDS_TOKEN_SECRET_KEY = 'token';
export const CDS_TOKEN_VOLUME = 'stunner-cds-token';
export const CDS_TOKEN_MOUNT_PATH = '/var/run/secrets/stunner.l7mp.io/cds';
export const CDS_TOKEN_FILE = `${CDS_TOKEN_MOUNT_PATH}/${CDS_TOKEN_SECRET_KEY}`;
/** What stunnerd, authd, stunnerctl and turncat read the token file's path from (@stunner/cds-client). */
export const CDS_TOKEN_FILE_ENV = 'STUNNER_CDS_TOKEN_FILE';

/** The variable naming the mounted token file: after the operator's own, before the Dataplane's. */
export function cdsTokenEnv(): { name: string; value: string } {
  return { name: CDS_TOKEN_FILE_ENV, value: CDS_TOKEN_FILE };
}

/** Mounts the namespace's token Secret read-only into the stunnerd container of `dep` (in place). */
export function mountCdsToken(dep: Deployment, container: Container): void {
  const pod = dep.spec.template.spec;
  pod.volumes = [
    // Not optional: a pod started before its Secret exists waits for it rather than dial without a token.
    { name: CDS_TOKEN_VOLUME, secret: { secretName: CDS_TOKEN_SECRET_NAME } },
  ];
  container.volumeMounts = [{ name: CDS_TOKEN_VOLUME, mountPath: CDS_TOKEN_MOUNT_PATH, readOnly: true }];
}

/**
 * The token Secret of each namespace that has a rendered Deployment, owned by those Deployments'
 * Gateways (none a controller: the Secret is theirs together), so Kubernetes deletes it with the last.
 */
export function renderCdsTokenSecrets(deployments: readonly Deployment[], token: string): Secret[] {
  const owners = new Map<string, OwnerReference[]>();
  for (const d of deployments) {
    const ns = d.metadata.namespace ?? 'default';
    const refs = owners.get(ns) ?? [];
    for (const r of d.metadata.ownerReferences ?? []) if (r.kind === 'Gateway') refs.push({ ...r });
    owners.set(ns, refs);
  }
  const data = { [CDS_TOKEN_SECRET_KEY]: Buffer.from(token, 'utf8').toString('base64') };
  return [...owners.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([namespace, refs]) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: CDS_TOKEN_SECRET_NAME,
        namespace,
        labels: { [LABEL_OWNED_BY]: LABEL_OWNED_BY_VALUE },
        ownerReferences: refs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      },
      type: 'Opaque',
      data,
    }));
}
