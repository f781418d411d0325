// The kinds the operator watches (reference/stunner-v1.md §2.3) and writes, with their REST paths.
import { GATEWAY_API_GROUP, GROUP, LABEL_OWNED_BY, LABEL_OWNED_BY_VALUE } from '@stunner/api';

export interface ResourceKind {
  /** Stable id used for caches and metrics. */
  id: string;
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  labelSelector?: string;
  /** Watched only when its CRD is installed (§2.3: v1alpha2 UDPRoute is skipped if absent). */
  optional?: boolean;
}

const ownedSelector = `${LABEL_OWNED_BY}=${LABEL_OWNED_BY_VALUE}`;

export const KINDS = {
  gatewayClasses: {
    id: 'gatewayclasses',
    apiVersion: `${GATEWAY_API_GROUP}/v1`,
    kind: 'GatewayClass',
    plural: 'gatewayclasses',
    namespaced: false,
  },
  gateways: {
    id: 'gateways',
    apiVersion: `${GATEWAY_API_GROUP}/v1`,
    kind: 'Gateway',
    plural: 'gateways',
    namespaced: true,
  },
  udpRoutesV1Alpha2: {
    id: 'udproutes.v1alpha2',
    apiVersion: `${GATEWAY_API_GROUP}/v1alpha2`,
    kind: 'UDPRoute',
    plural: 'udproutes',
    namespaced: true,
    optional: true,
  },
  udpRoutes: { id: 'udproutes', apiVersion: `${GROUP}/v1`, kind: 'UDPRoute', plural: 'udproutes', namespaced: true },
  gatewayConfigs: {
    id: 'gatewayconfigs',
    apiVersion: `${GROUP}/v1`,
    kind: 'GatewayConfig',
    plural: 'gatewayconfigs',
    namespaced: true,
  },
  dataplanes: {
    id: 'dataplanes',
    apiVersion: `${GROUP}/v1`,
    kind: 'Dataplane',
    plural: 'dataplanes',
    namespaced: false,
  },
  staticServices: {
    id: 'staticservices',
    apiVersion: `${GROUP}/v1`,
    kind: 'StaticService',
    plural: 'staticservices',
    namespaced: true,
  },
  services: { id: 'services', apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  endpointSlices: {
    id: 'endpointslices',
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    namespaced: true,
  },
  endpoints: { id: 'endpoints', apiVersion: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true },
  secrets: { id: 'secrets', apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  namespaces: { id: 'namespaces', apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  nodes: { id: 'nodes', apiVersion: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
  deployments: {
    id: 'deployments',
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    labelSelector: ownedSelector,
  },
  configMaps: {
    id: 'configmaps',
    apiVersion: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    namespaced: true,
    labelSelector: ownedSelector,
  },
} as const satisfies Record<string, ResourceKind>;

function groupPrefix(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** Collection path across namespaces (what informers list and watch). */
export function collectionPath(k: ResourceKind): string {
  return `${groupPrefix(k.apiVersion)}/${k.plural}`;
}

/** Path of one object. */
export function objectPath(
  k: Pick<ResourceKind, 'apiVersion' | 'plural' | 'namespaced'>,
  name: string,
  namespace?: string,
): string {
  const ns = k.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
  return `${groupPrefix(k.apiVersion)}${ns}/${k.plural}/${encodeURIComponent(name)}`;
}

/** The kind of an object the renderer writes or reports on, by apiVersion and kind. */
export function kindOf(apiVersion: string, kind: string): ResourceKind | undefined {
  const group = apiVersion.split('/')[0];
  for (const k of Object.values(KINDS) as ResourceKind[]) {
    if (k.kind !== kind) continue;
    if (k.apiVersion === apiVersion) return k;
    // Gateway API objects are served at several versions; writes go to the one we watch.
    if (group === GATEWAY_API_GROUP && k.apiVersion.startsWith(`${group}/`) && kind !== 'UDPRoute') return k;
  }
  return undefined;
}
