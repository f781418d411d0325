// The renderer's input: every object the operator watches (reference/stunner-v1.md §2.3), plus its options.
import type { Dataplane, Gateway, GatewayClass, GatewayConfig, StaticService, UDPRoute } from '@stunner/api';
import type { EndpointSlice, Endpoints, Namespace, Node, Secret, Service } from './kube-types.ts';

export interface Snapshot {
  gatewayClasses: GatewayClass[];
  gatewayConfigs: GatewayConfig[];
  dataplanes: Dataplane[];
  gateways: Gateway[];
  /** stunner.l7mp.io/v1 and gateway.networking.k8s.io/v1alpha2 UDPRoutes alike. */
  udpRoutes: UDPRoute[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  endpoints: Endpoints[];
  staticServices: StaticService[];
  secrets: Secret[];
  namespaces: Namespace[];
  nodes: Node[];
}

export function emptySnapshot(): Snapshot {
  return {
    gatewayClasses: [],
    gatewayConfigs: [],
    dataplanes: [],
    gateways: [],
    udpRoutes: [],
    services: [],
    endpointSlices: [],
    endpoints: [],
    staticServices: [],
    secrets: [],
    namespaces: [],
    nodes: [],
  };
}

export type DataplaneMode = 'managed' | 'legacy';

export interface RenderOptions {
  /** GatewayClass controllerName we own (§2.1). */
  controllerName: string;
  dataplaneMode: DataplaneMode;
  /** EDS on: STATIC clusters of endpoint addresses; off: STRICT_DNS clusters of Service DNS names (§2.5). */
  endpointDiscovery: boolean;
  /** false: read legacy Endpoints instead of EndpointSlices (--disable-endpontslice-controller). */
  useEndpointSlices: boolean;
  /** CDS address the dataplane dials (STUNNER_CONFIG_ORIGIN), e.g. `http://10.0.0.5:13478`. */
  configOrigin: string;
  /** Gateway labels not propagated to Deployments (STUNNER_GATEWAY_OPERATOR_LABEL_FILTER). */
  labelFilter: readonly string[];
  /**
   * Bearer token the CDS requires (--cds-token-file): each rendered Deployment mounts it from a managed
   * Secret in its namespace. Undefined: no token, the Deployments are STUNner's.
   */
  cdsToken?: string | undefined;
  /** Clock for condition timestamps: the renderer itself never reads the time. */
  now: () => Date;
}
