// What the updater decides about the managed CDS token Secrets (render/render-cds-token.ts): a write only
// when the live Secret differs from the rendered one in what the operator sets, never over a Secret it did
// not create, and a delete only of its own that no render wants and no other operator's Gateway owns.
import { LABEL_OWNED_BY, LABEL_OWNED_BY_VALUE } from '@stunner/api';
import type { KubeObject } from '../kube/kube-rest.ts';
import type { Secret } from '../render/kube-types.ts';
import { CDS_TOKEN_SECRET_NAME } from '../render/render-cds-token.ts';

export const isManagedTokenSecret = (o: KubeObject): boolean =>
  o.metadata.name === CDS_TOKEN_SECRET_NAME && o.metadata.labels?.[LABEL_OWNED_BY] === LABEL_OWNED_BY_VALUE;

const owners = (refs: readonly { kind: string; name: string; uid: string }[] | undefined): string =>
  (refs ?? [])
    .filter((r) => r.kind === 'Gateway')
    .map((r) => `${r.name}/${r.uid}`)
    .sort()
    .join(',');

/** Whether the live Secret already holds what `want` sets: its data, type, label and Gateway owners. */
export function tokenSecretUpToDate(live: KubeObject, want: Secret): boolean {
  const data = (live.data ?? {}) as Record<string, string>;
  const wantData = want.data ?? {};
  return (
    isManagedTokenSecret(live) &&
    (live.type ?? 'Opaque') === (want.type ?? 'Opaque') &&
    Object.keys(wantData).every((k) => data[k] === wantData[k]) &&
    owners(live.metadata.ownerReferences) === owners(want.metadata.ownerReferences)
  );
}

/**
 * Whether a managed token Secret no render wants may go: not when one of its owners is a Gateway that
 * still exists and is another operator's (`ours` false). Gateways that are gone leave it to the garbage
 * collector or to this decision alike.
 */
export function tokenSecretDeletable(
  o: KubeObject,
  gatewayExists: (key: string) => boolean,
  ours: (key: string) => boolean,
): boolean {
  if (!isManagedTokenSecret(o)) return false;
  const ns = o.metadata.namespace ?? 'default';
  return (o.metadata.ownerReferences ?? [])
    .filter((r) => r.kind === 'Gateway')
    .every((r) => !gatewayExists(`${ns}/${r.name}`) || ours(`${ns}/${r.name}`));
}
