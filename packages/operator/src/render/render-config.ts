// Assembling the stunnerd config of a Gateway (§2.5) from its planned listeners and attached routes.
import {
  type AdminConfig,
  type AuthConfig,
  type ClusterConfig,
  type Dataplane,
  DEFAULT_HEALTHCHECK_ENDPOINT,
  DEFAULT_LOGLEVEL,
  DEFAULT_METRICS_ENDPOINT,
  type GatewayConfig,
  type ListenerConfig,
  STUNNER_ADDR_PLACEHOLDER,
  type StunnerConfig,
} from '@stunner/api';
import type { ListenerPlan } from './plan-listeners.ts';
import type { PublicAddress } from './public-address.ts';

export function renderAdmin(name: string, gc: GatewayConfig, dp: Dataplane | undefined): AdminConfig {
  const admin: AdminConfig = { name, loglevel: gc.spec.logLevel || DEFAULT_LOGLEVEL };
  if (dp?.spec.enableMetricsEndpoint) admin.metrics_endpoint = DEFAULT_METRICS_ENDPOINT;
  admin.healthcheck_endpoint = dp?.spec.disableHealthCheck ? '' : DEFAULT_HEALTHCHECK_ENDPOINT;
  if (gc.spec.userQuota !== undefined) admin.user_quota = gc.spec.userQuota;
  if (gc.spec.bandwidthLimit) admin.bandwidth_limit = gc.spec.bandwidthLimit;
  admin.offload_engine = dp?.spec.offloadEngine ?? 'None';
  if (dp?.spec.offloadInterfaces && dp.spec.offloadInterfaces.length > 0) {
    admin.offload_interfaces = [...dp.spec.offloadInterfaces].sort();
  }
  return admin;
}

export function renderListener(
  gwNamespace: string,
  gwName: string,
  plan: ListenerPlan,
  pub: PublicAddress | undefined,
  routes: string[],
  address: string = STUNNER_ADDR_PLACEHOLDER,
): ListenerConfig {
  // Key order as STUNner prints it (§2.5 example); stunnerd sorts routes (§1.1).
  return {
    name: `${gwNamespace}/${gwName}/${plan.listener.name}`,
    protocol: plan.protocol!,
    ...(pub ? { public_address: pub.address, public_port: pub.port } : {}),
    address,
    port: plan.containerPort,
    ...(plan.cert ? { cert: plan.cert, key: plan.key! } : {}),
    routes: [...routes].sort(),
  };
}

export function assembleConfig(
  admin: AdminConfig,
  auth: AuthConfig,
  listeners: ListenerConfig[],
  clusters: ClusterConfig[],
): StunnerConfig {
  return {
    version: 'v1',
    admin,
    // Each config owns its auth: consumers (CDS, node patcher) may modify one config without touching others.
    auth: { ...auth, credentials: { ...auth.credentials } },
    listeners,
    clusters: [...clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}
