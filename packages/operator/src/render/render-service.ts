// The Service that exposes a Gateway (§2.6–2.7).
import {
  ANNOTATION_RELATED_GATEWAY,
  type Gateway,
  LABEL_APP,
  LABEL_APP_VALUE,
  LABEL_OWNED_BY,
  LABEL_OWNED_BY_VALUE,
  LABEL_RELATED_GATEWAY_NAME,
  LABEL_RELATED_GATEWAY_NAMESPACE,
} from '@stunner/api';
import type { GatewayKnobs } from './gateway-annotations.ts';
import type { Service, ServicePort } from './kube-types.ts';
import { ownerReference } from './owner-reference.ts';
import type { ListenerPlan } from './plan-listeners.ts';
import { ERR, objectId, type RenderIssue } from './render-issue.ts';
import type { DataplaneMode } from './snapshot.ts';

const HEALTH_PORT_ANNOTATION = /^service\.beta\.kubernetes\.io\/.*health.*port$/;
const HEALTH_PROTOCOL_ANNOTATION = /^service\.beta\.kubernetes\.io\/.*health.*protocol$/;
export const HEALTH_CHECK_PORT_NAME = 'gateway-health-check';

/** Cloud LBs that health-check over a port of the Service need that port exposed (DOKS, §2.6, #50). */
function healthCheckPort(annotations: Record<string, string>): ServicePort | undefined {
  let port: number | undefined;
  let protocol: string | undefined;
  for (const [k, v] of Object.entries(annotations)) {
    if (HEALTH_PORT_ANNOTATION.test(k)) port = Number(v);
    else if (HEALTH_PROTOCOL_ANNOTATION.test(k)) protocol = v.trim().toLowerCase();
  }
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  if (protocol !== 'tcp' && protocol !== 'http') return undefined;
  return { name: HEALTH_CHECK_PORT_NAME, protocol: 'TCP', port };
}

export function renderService(
  gw: Gateway,
  knobs: GatewayKnobs,
  plans: ListenerPlan[],
  existing: Service | undefined,
  mode: DataplaneMode,
  issues: RenderIssue[],
): Service | undefined {
  const ready = plans.filter((p) => p.ready);
  if (ready.length === 0) return undefined;
  const name = gw.metadata.name;
  const namespace = gw.metadata.namespace ?? 'default';
  const type = knobs.serviceType;
  const withNodePorts = type === 'NodePort' || type === 'LoadBalancer';
  // Most cloud LBs refuse mixed UDP/TCP Services, so only the first listener's protocol is exposed unless asked (§2.7).
  const l4 = ready[0]!.l4;
  const ports: ServicePort[] = [];
  for (const p of ready) {
    if (!knobs.mixedProtocol && p.l4 !== l4) continue;
    const port: ServicePort = { name: p.listener.name, protocol: p.l4, port: p.listener.port };
    if (knobs.targetPorts.has(p.listener.name)) port.targetPort = p.containerPort;
    if (withNodePorts) {
      // A NodePort survives re-renders: firewalls and DNS were set up for it (§2.6).
      const kept = existing?.spec.ports?.find(
        (e) => e.name === port.name && (e.protocol ?? 'TCP') === port.protocol,
      )?.nodePort;
      const nodePort = knobs.nodePorts.get(p.listener.name) ?? kept;
      if (nodePort !== undefined) port.nodePort = nodePort;
    }
    ports.push(port);
  }
  for (const l of knobs.nodePorts.keys()) {
    if (!ready.some((p) => p.listener.name === l)) {
      issues.push({
        code: ERR.INVALID_ANNOTATION,
        object: objectId('Gateway', gw.metadata),
        field: 'metadata.annotations["stunner.l7mp.io/nodeport"]',
        message: `no ready listener "${l}" to set the NodePort of`,
      });
    }
  }
  if (type === 'LoadBalancer' && !knobs.disableHealthCheckExpose) {
    const hc = healthCheckPort(knobs.annotations);
    if (hc && !ports.some((p) => p.port === hc.port && p.protocol === 'TCP')) ports.push(hc);
  }

  const relatedLabels = { [LABEL_RELATED_GATEWAY_NAME]: name, [LABEL_RELATED_GATEWAY_NAMESPACE]: namespace };
  const keptAnnotations = Object.fromEntries(
    Object.entries(existing?.metadata.annotations ?? {}).filter(([k]) => !k.startsWith('stunner.l7mp.io/')),
  );
  const spec: Service['spec'] = {
    type,
    selector:
      mode === 'managed' ? { [LABEL_APP]: LABEL_APP_VALUE, ...relatedLabels } : { [LABEL_APP]: LABEL_APP_VALUE },
    ports,
  };
  if (type !== 'ExternalName') spec.sessionAffinity = knobs.disableSessionAffinity ? 'None' : 'ClientIP';
  if (withNodePorts && knobs.externalTrafficPolicyLocal) spec.externalTrafficPolicy = 'Local';
  const addr = gw.spec.addresses?.[0];
  if (addr && (addr.type ?? 'IPAddress') === 'IPAddress') spec.loadBalancerIP = addr.value;
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace,
      labels: { ...(existing?.metadata.labels ?? {}), [LABEL_OWNED_BY]: LABEL_OWNED_BY_VALUE, ...relatedLabels },
      annotations: { ...keptAnnotations, ...knobs.annotations, [ANNOTATION_RELATED_GATEWAY]: `${namespace}/${name}` },
      ownerReferences: [ownerReference({ ...gw, kind: 'Gateway' })],
    },
    spec,
  };
  return svc;
}
