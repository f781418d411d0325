// The Gateway knobs of §2.7, read from GatewayConfig.loadBalancerServiceAnnotations overlaid by the
// Gateway's own annotations (the Gateway wins on conflict).
import {
  ANNOTATION_DISABLE_HEALTH_CHECK_EXPOSE,
  ANNOTATION_DISABLE_MANAGED_DATAPLANE,
  ANNOTATION_DISABLE_SESSION_AFFINITY,
  ANNOTATION_EXTERNAL_TRAFFIC_POLICY,
  ANNOTATION_MIXED_PROTOCOL,
  ANNOTATION_NODEPORT,
  ANNOTATION_RELAY_ADDRESS_DISCOVERY,
  ANNOTATION_SERVICE_TYPE,
  ANNOTATION_TARGETPORT,
  type Gateway,
  type GatewayConfig,
} from '@stunner/api';
import { ERR, objectId, type RenderIssue } from './render-issue.ts';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'ExternalName', 'LoadBalancer'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export interface GatewayKnobs {
  /** Everything copied to the Service. */
  annotations: Record<string, string>;
  serviceType: ServiceType;
  mixedProtocol: boolean;
  externalTrafficPolicyLocal: boolean;
  disableManagedDataplane: boolean;
  disableHealthCheckExpose: boolean;
  disableSessionAffinity: boolean;
  /** Listener address = the node's external IP, patched in by the CDS server per node (§1.6, §2.7). */
  relayAddressDiscovery: boolean;
  nodePorts: Map<string, number>;
  targetPorts: Map<string, number>;
}

const isTrue = (v: string | undefined): boolean => v?.trim().toLowerCase() === 'true';

/** `{"l1":32000}` or `"l1":32000` (braces optional, §2.7) → listener name → port. */
function parsePortMap(
  raw: string | undefined,
  annotation: string,
  object: string,
  issues: RenderIssue[],
): Map<string, number> {
  const out = new Map<string, number>();
  if (raw === undefined) return out;
  const text = raw.trim().startsWith('{') ? raw.trim() : `{${raw.trim()}}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    issues.push({
      code: ERR.INVALID_ANNOTATION,
      object,
      field: `metadata.annotations["${annotation}"]`,
      message: `expected a JSON map of listener name to port, e.g. {"udp-listener":32000}, got ${JSON.stringify(raw)}`,
    });
    return out;
  }
  for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
    const port = typeof v === 'string' ? Number(v) : v;
    if (typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536) out.set(name, port);
    else
      issues.push({
        code: ERR.INVALID_ANNOTATION,
        object,
        field: `metadata.annotations["${annotation}"]`,
        message: `port for listener "${name}" must be an integer in 1..65535`,
      });
  }
  return out;
}

export function readGatewayKnobs(gw: Gateway, gc: GatewayConfig | undefined, issues: RenderIssue[]): GatewayKnobs {
  const object = objectId('Gateway', gw.metadata);
  const annotations: Record<string, string> = {
    ...(gc?.spec.loadBalancerServiceAnnotations ?? {}),
    ...(gw.metadata.annotations ?? {}),
  };
  const rawType = annotations[ANNOTATION_SERVICE_TYPE];
  let serviceType: ServiceType = 'LoadBalancer';
  if (rawType !== undefined) {
    const found = SERVICE_TYPES.find((t) => t.toLowerCase() === rawType.trim().toLowerCase());
    if (found) serviceType = found;
    else
      issues.push({
        code: ERR.INVALID_ANNOTATION,
        object,
        field: `metadata.annotations["${ANNOTATION_SERVICE_TYPE}"]`,
        message: `unknown service type "${rawType}": use ClusterIP, NodePort, ExternalName or LoadBalancer`,
      });
  }
  return {
    annotations,
    serviceType,
    mixedProtocol: isTrue(annotations[ANNOTATION_MIXED_PROTOCOL]),
    externalTrafficPolicyLocal: annotations[ANNOTATION_EXTERNAL_TRAFFIC_POLICY]?.trim().toLowerCase() === 'local',
    disableManagedDataplane: isTrue(annotations[ANNOTATION_DISABLE_MANAGED_DATAPLANE]),
    disableHealthCheckExpose: isTrue(annotations[ANNOTATION_DISABLE_HEALTH_CHECK_EXPOSE]),
    disableSessionAffinity: isTrue(annotations[ANNOTATION_DISABLE_SESSION_AFFINITY]),
    relayAddressDiscovery: isTrue(annotations[ANNOTATION_RELAY_ADDRESS_DISCOVERY]),
    nodePorts: parsePortMap(annotations[ANNOTATION_NODEPORT], ANNOTATION_NODEPORT, object, issues),
    targetPorts: parsePortMap(annotations[ANNOTATION_TARGETPORT], ANNOTATION_TARGETPORT, object, issues),
  };
}
