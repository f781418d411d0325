import type { OwnerReference } from './kube-types.ts';

/** Managed objects are owned by their Gateway (or GatewayConfig in legacy mode) so Kubernetes GCs them. */
export function ownerReference(o: {
  apiVersion: string;
  kind: string;
  metadata: { name: string; uid?: string | undefined };
}): OwnerReference {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid ?? '' };
}
