// Names, labels, annotations and defaults shared by the operator, stunnerd and the CLIs.
// Values match STUNner v1 (pkg/apis/v1/default.go; reference/stunner-v1.md §0, §1.1, §2.6–2.7).

export const GROUP = 'stunner.l7mp.io';
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const DEFAULT_CONTROLLER_NAME = 'stunner.l7mp.io/gateway-operator';

export const DEFAULT_REALM = 'stunner.l7mp.io';
export const DEFAULT_LOGLEVEL = 'all:INFO';
export const DEFAULT_HEALTHCHECK_ENDPOINT = 'http://:8086';
export const DEFAULT_METRICS_ENDPOINT = 'http://:8080/metrics';
export const DEFAULT_PORT = 3478;
export const DEFAULT_CDS_PORT = 13478;
export const DEFAULT_DATAPLANE_NAME = 'default';
/**
 * Where our images live (`npm run image -- --repository=R --tag=T` builds them under other names). No
 * registry publishes them yet: load them into the cluster's runtime, or push them and set the chart's
 * image values or Dataplane.spec.image.
 */
export const IMAGE_REPOSITORY = 'localhost/stunner-ts';
/** The images' tag: the project's version. */
export const IMAGE_TAG = '0.1.0';
/** Image of a Dataplane that names none (upstream: l7mp/stunnerd:latest). */
export const DEFAULT_STUNNERD_IMAGE = `${IMAGE_REPOSITORY}/stunnerd:${IMAGE_TAG}`;
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 3600;
export const HEALTH_CHECK_PORT = 8086;
export const METRICS_PORT = 8080;
export const STUNNER_ADDR_PLACEHOLDER = '$STUNNER_ADDR';
export const NODE_ADDRESS_PLACEHOLDER = '__node_address_placeholder';

// Legacy dataplane mode (§2.6): one ConfigMap per GatewayClass.
export const LEGACY_CONFIGMAP_NAME = 'stunnerd-config';
export const LEGACY_CONFIGMAP_KEY = 'stunnerd.conf';
export const LEGACY_ADMIN_NAME = 'stunner-daemon';

export const LABEL_OWNED_BY = 'stunner.l7mp.io/owned-by';
export const LABEL_OWNED_BY_VALUE = 'stunner';
export const LABEL_RELATED_GATEWAY_NAME = 'stunner.l7mp.io/related-gateway-name';
export const LABEL_RELATED_GATEWAY_NAMESPACE = 'stunner.l7mp.io/related-gateway-namespace';
export const LABEL_APP = 'app';
export const LABEL_APP_VALUE = 'stunner';
export const LABEL_CDS = 'stunner.l7mp.io/config-discovery-service';
export const ANNOTATION_RELATED_GATEWAY = 'stunner.l7mp.io/related-gateway-name';

// Gateway annotations (§2.7); the same keys are honoured in GatewayConfig.loadBalancerServiceAnnotations.
export const ANNOTATION_SERVICE_TYPE = 'stunner.l7mp.io/service-type';
export const ANNOTATION_MIXED_PROTOCOL = 'stunner.l7mp.io/enable-mixed-protocol-lb';
export const ANNOTATION_EXTERNAL_TRAFFIC_POLICY = 'stunner.l7mp.io/external-traffic-policy';
export const ANNOTATION_DISABLE_MANAGED_DATAPLANE = 'stunner.l7mp.io/disable-managed-dataplane';
export const ANNOTATION_NODEPORT = 'stunner.l7mp.io/nodeport';
export const ANNOTATION_TARGETPORT = 'stunner.l7mp.io/targetport';
export const ANNOTATION_DISABLE_HEALTH_CHECK_EXPOSE = 'stunner.l7mp.io/disable-health-check-expose';
export const ANNOTATION_DISABLE_SESSION_AFFINITY = 'stunner.l7mp.io/disable-session-affinity';
export const ANNOTATION_RELAY_ADDRESS_DISCOVERY = 'stunner.l7mp.io/enable-relay-address-discovery';

/** Gateway labels not copied to the Deployment by default (GitOps tools prune objects carrying them, §2.6). */
export const DEFAULT_LABEL_FILTER: readonly string[] = [
  'applyset.kubernetes.io/part-of',
  'applyset.k8s.io/part-of',
  'app.kubernetes.io/managed-by',
  'argocd.argoproj.io/instance',
  'kustomize.toolkit.fluxcd.io/name',
  'kustomize.toolkit.fluxcd.io/namespace',
];
