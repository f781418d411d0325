// deploy/examples/quickstart.yaml as a cluster with the chart installed takes it: the Dataplane is the
// chart's, GatewayClass and Gateway use v1 (Gateway API v1.x serves no v1alpha2 of them), and the
// media-plane Service gets its ClusterIP from the apiserver.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeManifest } from './helm.ts';
import { repoRoot } from './repo-root.ts';

export function quickstartForCluster(): KubeManifest[] {
  const text = readFileSync(join(repoRoot, 'deploy/examples/quickstart.yaml'), 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeManifest)
    .filter((o) => o.kind !== 'Dataplane')
    .map((o) => {
      const obj = structuredClone(o) as KubeManifest & { spec?: Record<string, unknown> };
      if (obj.kind === 'GatewayClass' || obj.kind === 'Gateway') obj.apiVersion = 'gateway.networking.k8s.io/v1';
      if (obj.kind === 'Service') delete obj.spec?.clusterIP;
      return obj;
    });
}
