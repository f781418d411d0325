// The renderer's output: what the updater writes and the CDS server serves.
import type { StunnerConfig } from '@stunner/api';
import type { ConfigMap, Deployment, Secret, Service } from './kube-types.ts';
import type { RenderIssue } from './render-issue.ts';

export interface StatusUpdate {
  apiVersion: string;
  kind: 'GatewayClass' | 'Gateway' | 'UDPRoute';
  metadata: { name: string; namespace?: string };
  status: Record<string, unknown>;
}

export interface RenderResult {
  /** Managed mode: one per Gateway (admin.name `<ns>/<gw>`); legacy mode: one per GatewayClass. */
  configs: StunnerConfig[];
  services: Service[];
  deployments: Deployment[];
  /** Legacy mode only. */
  configMaps: ConfigMap[];
  /** With a CDS token only: the token Secret of each namespace that has a Deployment (render-cds-token.ts). */
  secrets: Secret[];
  statuses: StatusUpdate[];
  issues: RenderIssue[];
}
