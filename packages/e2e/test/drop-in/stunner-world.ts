// Two STUNner installations as they stand in a cluster, written as plain objects from
// reference/stunner-v1.md (§2.5–2.9) and STUNner's operator (internal/renderer/dataplane_util.go,
// internal/updater): the users' manifests, and what STUNner's operator left next to them — the Gateway's
// Service and dataplane Deployment (its selector form, labels, annotations, owner reference, container),
// the statuses with its reasons, and (stunner-cds/) the bytes its CDS served.
//
// - quickstart: the README quickstart (static auth, one TURN-UDP listener, a Service backend);
// - tls-udp: ephemeral auth, a TURN-UDP and a TURN-TLS listener in one mixed-protocol LoadBalancer, a
//   stunner.l7mp.io/v1 UDPRoute with a port range, GatewayConfig LB annotations.
import { readFileSync } from 'node:fs';
import type { ApplyObject } from '@stunner/testing';

const GW_API = 'gateway.networking.k8s.io';
const CONTROLLER = 'stunner.l7mp.io/gateway-operator';
const fixture = (f: string) => new URL(`./stunner-cds/${f}`, import.meta.url);

/** The bytes STUNner's CDS answered with (stunner-cds/README.md). */
export const recorded = (f: string): string => readFileSync(fixture(f), 'utf8');
const certB64 = recorded('tls-cert.b64').trim();
const keyB64 = recorded('tls-key.b64').trim();

export interface WorldListener {
  name: string;
  port: number;
  protocol: 'UDP' | 'TLS';
  /** Service port protocol (§2.6). */
  l4: 'UDP' | 'TCP';
}

export interface World {
  id: string;
  namespace: string;
  className: string;
  gateway: string;
  route: { apiVersion: string; name: string };
  listeners: WorldListener[];
  /** What the cloud's load balancer reported on the Service. */
  lbIp: string;
  /** Gateway annotations (copied to Service and Deployment) and GatewayConfig LB annotations (Service only). */
  gatewayAnnotations: Record<string, string>;
  lbAnnotations: Record<string, string>;
  /** The user's objects. */
  manifests: ApplyObject[];
  /** `GET /api/v1/configs/<ns>/<gw>` as STUNner served it. */
  configFile: string;
}

const ns = (name: string): ApplyObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

/** The default Dataplane of STUNner's chart (the quickstart's). */
const dataplane: ApplyObject = {
  apiVersion: 'stunner.l7mp.io/v1',
  kind: 'Dataplane',
  metadata: { name: 'default' },
  spec: {
    command: ['stunnerd'],
    args: ['-w', '--udp-thread-num=16'],
    image: 'l7mp/stunnerd:latest',
    resources: { limits: { cpu: '2', memory: '512Mi' }, requests: { cpu: '500m', memory: '128Mi' } },
    terminationGracePeriodSeconds: 3600,
  },
};

function gatewayClass(name: string, gcNamespace: string, gcName: string): ApplyObject {
  return {
    apiVersion: `${GW_API}/v1`,
    kind: 'GatewayClass',
    metadata: { name },
    spec: {
      controllerName: CONTROLLER,
      parametersRef: { group: 'stunner.l7mp.io', kind: 'GatewayConfig', name: gcName, namespace: gcNamespace },
      description: 'STUNner is a WebRTC media gateway for Kubernetes',
    },
  };
}

function backend(namespace: string, name: string, clusterIP: string, addresses: string[]): ApplyObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { selector: { app: name }, ports: [{ port: 9001, protocol: 'UDP' }], clusterIP },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-abcde`, namespace, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: addresses.map((a, i) => ({
        addresses: [a],
        conditions: i === 0 ? { ready: true } : { ready: false, serving: true, terminating: true },
      })),
    },
  ];
}

export const quickstart: World = {
  id: 'stunner/udp-gateway',
  namespace: 'stunner',
  className: 'stunner-gatewayclass',
  gateway: 'udp-gateway',
  route: { apiVersion: `${GW_API}/v1alpha2`, name: 'media-plane' },
  listeners: [{ name: 'udp-listener', port: 3478, protocol: 'UDP', l4: 'UDP' }],
  lbIp: '34.118.88.91',
  gatewayAnnotations: {},
  lbAnnotations: {},
  configFile: 'quickstart-config.body',
  manifests: [
    ns('stunner'),
    ns('default'),
    gatewayClass('stunner-gatewayclass', 'stunner', 'stunner-gatewayconfig'),
    {
      apiVersion: 'stunner.l7mp.io/v1',
      kind: 'GatewayConfig',
      metadata: { name: 'stunner-gatewayconfig', namespace: 'stunner' },
      spec: { realm: 'stunner.l7mp.io', authType: 'static', userName: 'user-1', password: 'pass-1' },
    },
    dataplane,
    {
      apiVersion: `${GW_API}/v1`,
      kind: 'Gateway',
      metadata: { name: 'udp-gateway', namespace: 'stunner' },
      spec: {
        gatewayClassName: 'stunner-gatewayclass',
        listeners: [{ name: 'udp-listener', port: 3478, protocol: 'UDP' }],
      },
    },
    {
      apiVersion: `${GW_API}/v1alpha2`,
      kind: 'UDPRoute',
      metadata: { name: 'media-plane', namespace: 'stunner' },
      // The upstream CRD wants a port on a Service backend; STUNner ignores it (§2.4).
      spec: {
        parentRefs: [{ name: 'udp-gateway' }],
        rules: [{ backendRefs: [{ name: 'media-plane', namespace: 'default', port: 9001 }] }],
      },
    },
    ...backend('default', 'media-plane', '10.96.104.57', ['10.76.1.3', '10.80.7.104']),
  ],
};

export const tlsUdp: World = {
  id: 'media/mixed-gateway',
  namespace: 'media',
  className: 'stunner-media-gatewayclass',
  gateway: 'mixed-gateway',
  route: { apiVersion: 'stunner.l7mp.io/v1', name: 'media-plane' },
  listeners: [
    { name: 'udp-listener', port: 3478, protocol: 'UDP', l4: 'UDP' },
    { name: 'tls-listener', port: 443, protocol: 'TLS', l4: 'TCP' },
  ],
  lbIp: '198.51.100.20',
  gatewayAnnotations: { 'stunner.l7mp.io/enable-mixed-protocol-lb': 'true' },
  lbAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' },
  configFile: 'tls-udp-config.body',
  manifests: [
    ns('media'),
    dataplane,
    gatewayClass('stunner-media-gatewayclass', 'media', 'media-gatewayconfig'),
    {
      apiVersion: 'stunner.l7mp.io/v1',
      kind: 'GatewayConfig',
      metadata: { name: 'media-gatewayconfig', namespace: 'media' },
      spec: {
        realm: 'media.example.com',
        authType: 'ephemeral',
        sharedSecret: 'my-shared-secret',
        loadBalancerServiceAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'tls-secret', namespace: 'media' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': certB64, 'tls.key': keyB64 },
    },
    {
      apiVersion: `${GW_API}/v1`,
      kind: 'Gateway',
      metadata: {
        name: 'mixed-gateway',
        namespace: 'media',
        annotations: { 'stunner.l7mp.io/enable-mixed-protocol-lb': 'true' },
      },
      spec: {
        gatewayClassName: 'stunner-media-gatewayclass',
        listeners: [
          { name: 'udp-listener', port: 3478, protocol: 'UDP' },
          {
            name: 'tls-listener',
            port: 443,
            protocol: 'TLS',
            tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', group: '', name: 'tls-secret' }] },
          },
        ],
      },
    },
    {
      apiVersion: 'stunner.l7mp.io/v1',
      kind: 'UDPRoute',
      metadata: { name: 'media-plane', namespace: 'media' },
      spec: {
        parentRefs: [{ name: 'mixed-gateway' }],
        rules: [{ backendRefs: [{ name: 'media-server', port: 9000, endPort: 9100 }] }],
      },
    },
    ...backend('media', 'media-server', '10.96.200.10', ['10.80.1.1']),
  ],
};

/** An object with owner references (ApplyObject's metadata type leaves them out). */
export type OwnedObject = ApplyObject & {
  metadata: ApplyObject['metadata'] & {
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
  };
};

const related = (w: World) => ({
  'stunner.l7mp.io/related-gateway-name': w.gateway,
  'stunner.l7mp.io/related-gateway-namespace': w.namespace,
});
const relatedAnnotation = (w: World) => ({ 'stunner.l7mp.io/related-gateway-name': `${w.namespace}/${w.gateway}` });

/** controllerutil.SetOwnerReference(gw, obj): no controller flag, no blockOwnerDeletion. */
const ownedBy = (w: World, uid: string) => [{ apiVersion: `${GW_API}/v1`, kind: 'Gateway', name: w.gateway, uid }];

/** The Service STUNner's operator creates for the Gateway (§2.6). */
export function stunnerService(w: World, gatewayUid: string): OwnedObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: w.gateway,
      namespace: w.namespace,
      labels: { 'stunner.l7mp.io/owned-by': 'stunner', ...related(w) },
      annotations: { ...w.lbAnnotations, ...w.gatewayAnnotations, ...relatedAnnotation(w) },
      ownerReferences: ownedBy(w, gatewayUid),
    },
    spec: {
      type: 'LoadBalancer',
      selector: { app: 'stunner', ...related(w) },
      ports: w.listeners.map((l) => ({ name: l.name, protocol: l.l4, port: l.port })),
      sessionAffinity: 'ClientIP',
    },
  };
}

/** The dataplane Deployment STUNner's operator creates (§2.6; dataplane_util.go). */
export function stunnerDeployment(w: World, gatewayUid: string, cdsOrigin: string): OwnedObject {
  const probe = (path: string) => ({
    httpGet: { path, port: 8086, scheme: 'HTTP' },
    periodSeconds: 15,
    timeoutSeconds: 1,
    failureThreshold: 3,
    successThreshold: 1,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: w.gateway,
      namespace: w.namespace,
      labels: { 'stunner.l7mp.io/owned-by': 'stunner', ...related(w) },
      annotations: { ...w.gatewayAnnotations, ...relatedAnnotation(w) },
      ownerReferences: ownedBy(w, gatewayUid),
    },
    spec: {
      selector: {
        matchExpressions: [
          { key: 'app', operator: 'In', values: ['stunner'] },
          { key: 'stunner.l7mp.io/related-gateway-name', operator: 'In', values: [w.gateway] },
          { key: 'stunner.l7mp.io/related-gateway-namespace', operator: 'In', values: [w.namespace] },
        ],
      },
      template: {
        metadata: { labels: { app: 'stunner', ...related(w) }, annotations: relatedAnnotation(w) },
        spec: {
          containers: [
            {
              name: 'stunner-daemon',
              image: 'l7mp/stunnerd:latest',
              command: ['stunnerd'],
              args: ['-w', '--udp-thread-num=16'],
              env: [
                { name: 'STUNNER_ADDR', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'STUNNER_NAME', value: w.gateway },
                { name: 'STUNNER_NAMESPACE', value: w.namespace },
                { name: 'STUNNER_NODENAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'STUNNER_CONFIG_ORIGIN', value: cdsOrigin },
              ],
              resources: { limits: { cpu: '2', memory: '512Mi' }, requests: { cpu: '500m', memory: '128Mi' } },
              ports: [{ name: 'metrics-port', containerPort: 8080, protocol: 'TCP' }],
              livenessProbe: probe('/live'),
              readinessProbe: probe('/ready'),
              imagePullPolicy: 'Always',
            },
          ],
          terminationGracePeriodSeconds: 3600,
        },
      },
    },
  };
}

const cond = (type: string, status: string, reason: string, message: string, gen: number) => ({
  type,
  status,
  observedGeneration: gen,
  lastTransitionTime: '2026-06-10T08:00:00Z',
  reason,
  message,
});

/** The statuses STUNner's operator wrote (§2.9; gateway_util.go messages). */
export function stunnerStatuses(w: World): { path: string; status: Record<string, unknown> }[] {
  const gwPath = `/apis/${GW_API}/v1/namespaces/${w.namespace}/gateways/${w.gateway}`;
  const routePath = `/apis/${w.route.apiVersion}/namespaces/${w.namespace}/udproutes/${w.route.name}`;
  return [
    {
      path: `/apis/${GW_API}/v1/gatewayclasses/${w.className}`,
      status: {
        conditions: [
          cond('Accepted', 'True', 'Accepted', `GatewayClass is now managed by controller ${CONTROLLER}`, 1),
        ],
      },
    },
    {
      path: gwPath,
      status: {
        addresses: [{ type: 'IPAddress', value: w.lbIp }],
        conditions: [
          cond('Accepted', 'True', 'Accepted', `gateway accepted by controller ${CONTROLLER}`, 1),
          cond('Programmed', 'True', 'Programmed', 'dataplane configuration successfully rendered', 1),
        ],
        listeners: w.listeners.map((l) => ({
          name: l.name,
          supportedKinds: [
            { group: GW_API, kind: 'UDPRoute' },
            { group: 'stunner.l7mp.io', kind: 'UDPRoute' },
          ],
          attachedRoutes: 1,
          conditions: [
            cond('Accepted', 'True', 'Accepted', 'listener accepted', 1),
            cond('Conflicted', 'False', 'NoConflicts', 'listener protocol-port available', 1),
            cond('ResolvedRefs', 'True', 'ResolvedRefs', 'listener object references sucessfully resolved', 1),
          ],
        })),
      },
    },
    {
      path: routePath,
      status: {
        parents: [
          {
            parentRef: { name: w.gateway },
            controllerName: CONTROLLER,
            conditions: [
              cond('Accepted', 'True', 'Accepted', 'parent accepts the route', 1),
              cond('ResolvedRefs', 'True', 'ResolvedRefs', 'all backend references successfully resolved', 1),
            ],
          },
        ],
      },
    },
  ];
}
