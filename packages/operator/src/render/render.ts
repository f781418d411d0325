// The renderer: a pure function from a snapshot of the watched objects to stunnerd configs, managed
// objects and statuses (DESIGN.md §2; reference/stunner-v1.md §2.5–2.9). State of the world, every time.
import {
  type ClusterConfig,
  type GatewayClass,
  type GatewayConfig,
  LABEL_OWNED_BY,
  LABEL_OWNED_BY_VALUE,
  LEGACY_ADMIN_NAME,
  LEGACY_CONFIGMAP_KEY,
  LEGACY_CONFIGMAP_NAME,
  type ListenerConfig,
  NODE_ADDRESS_PLACEHOLDER,
  STUNNER_ADDR_PLACEHOLDER,
} from '@stunner/api';
import { type AttachedRoutes, attachRoutes } from './attach-routes.ts';
import { makeConditions } from './conditions.ts';
import { gatewayStatus } from './gateway-status.ts';
import type { ConfigMap } from './kube-types.ts';
import { byNsName, indexSnapshot, key, type ObjectIndex } from './object-index.ts';
import { ownerReference } from './owner-reference.ts';
import { type GatewayPlans, type GatewayState, planGateways } from './plan-gateways.ts';
import { type PublicAddress, publicAddress } from './public-address.ts';
import { renderCdsTokenSecrets } from './render-cds-token.ts';
import { assembleConfig, renderAdmin, renderListener } from './render-config.ts';
import { renderDeployment } from './render-deployment.ts';
import { ERR, objectId } from './render-issue.ts';
import type { RenderResult } from './render-result.ts';
import { renderService } from './render-service.ts';
import { type ClassContext, resolveClass } from './resolve-class.ts';
import type { RenderOptions, Snapshot } from './snapshot.ts';

/** Legacy mode serves one config per GatewayClass: the listeners and clusters of all its Gateways. */
interface LegacyClassConfig {
  listeners: ListenerConfig[];
  clusters: Map<string, ClusterConfig>;
}

const noLegacyConfig = (): LegacyClassConfig => ({ listeners: [], clusters: new Map() });

/** What the phases share: the indexed snapshot, the options, and the result they fill in. */
interface RenderPass {
  snapshot: Snapshot;
  opts: RenderOptions;
  idx: ObjectIndex;
  result: RenderResult;
}

export function render(snapshot: Snapshot, opts: RenderOptions): RenderResult {
  const pass: RenderPass = {
    snapshot,
    opts,
    idx: indexSnapshot(snapshot),
    result: { configs: [], services: [], deployments: [], configMaps: [], secrets: [], statuses: [], issues: [] },
  };
  const classes = resolveClasses(pass);
  const gateways = planGateways(snapshot.gateways, classes, pass.idx, pass.result.issues);
  const routes = attachRoutes(snapshot.udpRoutes, gateways, pass.idx, opts, pass.result.issues);
  const legacy = renderGateways(pass, gateways, routes);
  pass.result.statuses.push(...routes.statuses);
  if (opts.dataplaneMode === 'legacy') renderLegacyConfigs(pass, classes, legacy);
  if (opts.cdsToken !== undefined) pass.result.secrets = renderCdsTokenSecrets(pass.result.deployments, opts.cdsToken);
  return pass.result;
}

/** Phase 1: the GatewayClasses we own (§2.3 filter), what each resolves to, and their statuses. */
function resolveClasses(pass: RenderPass): Map<string, ClassContext> {
  const { opts, result } = pass;
  const classes = new Map<string, ClassContext>();
  for (const gwc of [...pass.snapshot.gatewayClasses].sort(byNsName)) {
    if (gwc.spec.controllerName !== opts.controllerName) continue;
    const ctx = resolveClass(gwc, pass.idx, opts, result.issues);
    classes.set(gwc.metadata.name, ctx);
    result.statuses.push(classStatus(gwc, ctx, opts));
  }
  return classes;
}

function classStatus(gwc: GatewayClass, ctx: ClassContext, opts: RenderOptions): RenderResult['statuses'][number] {
  return {
    apiVersion: gwc.apiVersion,
    kind: 'GatewayClass',
    metadata: { name: gwc.metadata.name },
    status: { conditions: makeConditions([ctx.accepted], gwc.metadata.generation, gwc.status?.conditions, opts.now) },
  };
}

/**
 * Phase 4, per Gateway: Service, config, Deployment, status. Legacy mode collects the listeners and
 * clusters per class instead of emitting a config per Gateway; those are returned by class name.
 */
function renderGateways(
  pass: RenderPass,
  gateways: GatewayPlans,
  routes: AttachedRoutes,
): Map<string, LegacyClassConfig> {
  const legacy = new Map<string, LegacyClassConfig>();
  for (const gs of gateways.ours.values()) {
    const pubs = new Map<string, PublicAddress | undefined>();
    if (!gs.cls.error) renderGateway(pass, gs, routes, pubs, legacy);
    pass.result.statuses.push(gatewayStatus(gs.gateway, gs.plans, gs.counted, pubs, gs.cls, pass.opts));
  }
  return legacy;
}

/** The objects of one Gateway of a valid class; fills `pubs` with each ready listener's public address. */
function renderGateway(
  pass: RenderPass,
  gs: GatewayState,
  routes: AttachedRoutes,
  pubs: Map<string, PublicAddress | undefined>,
  legacy: Map<string, LegacyClassConfig>,
): void {
  const { opts, idx, result } = pass;
  const { gateway: gw, cls, plans, knobs } = gs;
  const ns = gw.metadata.namespace ?? 'default';
  const gk = key(ns, gw.metadata.name);
  const existing = idx.services.get(gk);
  const svc = renderService(gw, knobs, plans, existing, opts.dataplaneMode, result.issues);
  if (svc) result.services.push(svc);

  const listeners: ListenerConfig[] = [];
  const clusters = new Map<string, ClusterConfig>();
  for (const p of plans) {
    if (!p.ready) continue;
    const pub = publicAddress(gw, p, svc, existing?.status, idx.nodes);
    pubs.set(p.listener.name, pub);
    const attachedRoutes = [...(gs.attached.get(p.listener.name) ?? [])];
    const address = knobs.relayAddressDiscovery ? NODE_ADDRESS_PLACEHOLDER : STUNNER_ADDR_PLACEHOLDER;
    listeners.push(renderListener(ns, gw.metadata.name, p, pub, attachedRoutes, address));
    for (const rk of attachedRoutes) clusters.set(rk, routes.clusterOf(rk));
  }

  if (opts.dataplaneMode === 'legacy') {
    const name = cls.gatewayClass.metadata.name;
    const acc = legacy.get(name) ?? noLegacyConfig();
    acc.listeners.push(...listeners);
    for (const [k, c] of clusters) acc.clusters.set(k, c);
    legacy.set(name, acc);
    return;
  }
  const admin = renderAdmin(gk, cls.gatewayConfig!, cls.dataplane);
  result.configs.push(assembleConfig(admin, cls.auth!, listeners, [...clusters.values()]));
  if (knobs.disableManagedDataplane) return;
  if (cls.dataplane!.spec.dataplaneResource === 'DaemonSet') {
    result.issues.push({
      code: ERR.UNSUPPORTED_FEATURE,
      object: objectId('Dataplane', cls.dataplane!.metadata),
      field: 'spec.dataplaneResource',
      message: 'DaemonSet dataplanes are a STUNner premium feature: a Deployment is rendered instead',
    });
  }
  result.deployments.push(renderDeployment(gw, cls.dataplane!, opts));
}

/** Phase 5, legacy mode only: one config per valid class, also written to the stunnerd-config ConfigMap. */
function renderLegacyConfigs(
  pass: RenderPass,
  classes: Map<string, ClassContext>,
  legacy: Map<string, LegacyClassConfig>,
): void {
  for (const cls of classes.values()) {
    if (cls.error) continue;
    const acc = legacy.get(cls.gatewayClass.metadata.name) ?? noLegacyConfig();
    const config = assembleConfig(
      renderAdmin(LEGACY_ADMIN_NAME, cls.gatewayConfig!, undefined),
      cls.auth!,
      acc.listeners,
      [...acc.clusters.values()],
    );
    pass.result.configs.push(config);
    pass.result.configMaps.push(legacyConfigMap(cls.gatewayConfig!, JSON.stringify(config)));
  }
}

function legacyConfigMap(gc: GatewayConfig, text: string): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: LEGACY_CONFIGMAP_NAME,
      namespace: gc.metadata.namespace ?? 'default',
      labels: { [LABEL_OWNED_BY]: LABEL_OWNED_BY_VALUE },
      ownerReferences: [ownerReference(gc)],
    },
    immutable: true,
    data: { [LEGACY_CONFIGMAP_KEY]: text },
  };
}
