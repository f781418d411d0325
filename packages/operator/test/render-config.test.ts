import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BASE, gateway, renderYaml, route } from './render-helpers.ts';

const UDP = '[{ name: udp-listener, port: 3478, protocol: TURN-UDP }]';
const MEDIA = '[{ name: media-plane, namespace: default }]';

test('config naming and content follow §2.5: admin, auth, listener with $STUNNER_ADDR, cluster with endpoints + ClusterIP', () => {
  const r = renderYaml(BASE + gateway('udp-gateway', UDP) + route('media-plane', '[{ name: udp-gateway }]', MEDIA));
  assert.equal(r.configs.length, 1);
  assert.deepEqual(r.configs[0], {
    version: 'v1',
    admin: {
      name: 'stunner/udp-gateway',
      loglevel: 'all:INFO',
      healthcheck_endpoint: 'http://:8086',
      offload_engine: 'None',
    },
    auth: { type: 'static', realm: 'stunner.l7mp.io', credentials: { username: 'user-1', password: 'pass-1' } },
    listeners: [
      {
        name: 'stunner/udp-gateway/udp-listener',
        protocol: 'TURN-UDP',
        address: '$STUNNER_ADDR',
        port: 3478,
        routes: ['stunner/media-plane'],
      },
    ],
    clusters: [
      {
        name: 'stunner/media-plane',
        type: 'STATIC',
        protocol: 'UDP',
        endpoints: ['10.104.175.57', '10.76.1.3', '10.80.7.104'],
      },
    ],
  });
});

test('bare L4 protocols map to TURN-* names', () => {
  const listeners = `[{ name: u, port: 1, protocol: UDP }, { name: t, port: 2, protocol: TCP }]`;
  const r = renderYaml(
    BASE + gateway('gw', listeners, ', annotations: { stunner.l7mp.io/enable-mixed-protocol-lb: "true" }'),
  );
  assert.deepEqual(
    r.configs[0]!.listeners.map((l) => l.protocol),
    ['TURN-UDP', 'TURN-TCP'],
  );
});

const authCases: { name: string; spec: string; extra?: string; want: unknown }[] = [
  {
    name: 'plaintext alias → static',
    spec: '{ authType: plaintext, userName: a, password: b }',
    want: { type: 'static', realm: 'stunner.l7mp.io', credentials: { username: 'a', password: 'b' } },
  },
  {
    name: 'longterm alias → ephemeral',
    spec: '{ authType: longterm, sharedSecret: s3cr3t, realm: example.org }',
    want: { type: 'ephemeral', realm: 'example.org', credentials: { secret: 's3cr3t' } },
  },
  {
    name: 'timewindowed alias → ephemeral',
    spec: '{ authType: timewindowed, sharedSecret: s }',
    want: { type: 'ephemeral', realm: 'stunner.l7mp.io', credentials: { secret: 's' } },
  },
  {
    name: 'authRef Secret overrides inline settings (base64 data)',
    spec: '{ authType: static, userName: inline, password: inline, authRef: { name: auth } }',
    extra: `
---
apiVersion: v1
kind: Secret
metadata: { name: auth, namespace: stunner }
data: { type: ${Buffer.from('ephemeral').toString('base64')}, secret: ${Buffer.from('from-secret').toString('base64')} }`,
    want: { type: 'ephemeral', realm: 'stunner.l7mp.io', credentials: { secret: 'from-secret' } },
  },
  {
    name: 'authRef Secret with stringData and default type static',
    spec: '{ authRef: { name: auth, namespace: stunner } }',
    extra: `
---
apiVersion: v1
kind: Secret
metadata: { name: auth, namespace: stunner }
stringData: { username: su, password: sp }`,
    want: { type: 'static', realm: 'stunner.l7mp.io', credentials: { username: 'su', password: 'sp' } },
  },
];

for (const c of authCases) {
  test(`auth: ${c.name}`, () => {
    const base = BASE.replace(
      '{ realm: stunner.l7mp.io, authType: static, userName: user-1, password: pass-1 }',
      c.spec,
    );
    const r = renderYaml(base + (c.extra ?? '') + gateway('gw', UDP));
    assert.deepEqual(r.configs[0]!.auth, c.want);
  });
}

test('admin follows GatewayConfig logLevel and the Dataplane health/metrics/offload settings', () => {
  const base = BASE.replace(
    'spec: { image: l7mp/stunnerd:latest }',
    'spec: { image: x, disableHealthCheck: true, enableMetricsEndpoint: true, offloadEngine: XDP, offloadInterfaces: [eth1, eth0] }',
  ).replace('userName: user-1', 'logLevel: "all:DEBUG,turn:INFO", userQuota: 5, userName: user-1');
  const r = renderYaml(base + gateway('gw', UDP));
  assert.deepEqual(r.configs[0]!.admin, {
    name: 'stunner/gw',
    loglevel: 'all:DEBUG,turn:INFO',
    metrics_endpoint: 'http://:8080/metrics',
    healthcheck_endpoint: '',
    user_quota: 5,
    offload_engine: 'XDP',
    offload_interfaces: ['eth0', 'eth1'],
  });
});

test('GatewayConfig bandwidthLimit renders admin.bandwidth_limit; 0 renders nothing', () => {
  const limited = renderYaml(
    BASE.replace('userName: user-1', 'bandwidthLimit: 125000, userName: user-1') + gateway('gw', UDP),
  );
  assert.equal(limited.configs[0]!.admin.bandwidth_limit, 125000);
  const none = renderYaml(BASE.replace('userName: user-1', 'bandwidthLimit: 0, userName: user-1') + gateway('gw', UDP));
  assert.equal('bandwidth_limit' in none.configs[0]!.admin, false);
});

const clusterCases: {
  name: string;
  backend: string;
  extra?: string;
  eds?: boolean;
  slices?: boolean;
  want: unknown;
}[] = [
  {
    name: 'port range appends :<port-endPort>',
    backend: '[{ name: media-plane, namespace: default, port: 10000, endPort: 20000 }]',
    want: {
      type: 'STATIC',
      endpoints: ['10.104.175.57:<10000-20000>', '10.76.1.3:<10000-20000>', '10.80.7.104:<10000-20000>'],
    },
  },
  {
    name: 'port alone admits the singleton range',
    backend: '[{ name: media-plane, namespace: default, port: 9001 }]',
    want: {
      type: 'STATIC',
      endpoints: ['10.104.175.57:<9001-9001>', '10.76.1.3:<9001-9001>', '10.80.7.104:<9001-9001>'],
    },
  },
  {
    name: 'endpoint discovery off → STRICT_DNS with the Service DNS name',
    backend: '[{ name: media-plane, namespace: default }]',
    eds: false,
    want: { type: 'STRICT_DNS', endpoints: ['media-plane.default.svc.cluster.local'] },
  },
  {
    name: 'Endpoints fallback reads ready and not-ready addresses',
    backend: '[{ name: media-plane, namespace: default }]',
    slices: false,
    extra: `
---
apiVersion: v1
kind: Endpoints
metadata: { name: media-plane, namespace: default }
subsets: [{ addresses: [{ ip: 10.1.1.1 }], notReadyAddresses: [{ ip: 10.1.1.2 }] }]`,
    want: { type: 'STATIC', endpoints: ['10.1.1.1', '10.1.1.2', '10.104.175.57'] },
  },
  {
    name: 'StaticService prefixes',
    backend: '[{ group: stunner.l7mp.io, kind: StaticService, name: static-svc }]',
    extra: `
---
apiVersion: stunner.l7mp.io/v1
kind: StaticService
metadata: { name: static-svc, namespace: stunner }
spec: { prefixes: [192.0.2.0/24, 198.51.100.0/24] }`,
    want: { type: 'STATIC', endpoints: ['192.0.2.0/24', '198.51.100.0/24'] },
  },
  {
    name: 'IPv6 endpoints and ClusterIPs',
    backend: '[{ name: v6, namespace: default }]',
    extra: `
---
apiVersion: v1
kind: Service
metadata: { name: v6, namespace: default }
spec: { clusterIP: "fd00:10:96::1", clusterIPs: ["fd00:10:96::1", 10.96.0.9] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: v6-1, namespace: default, labels: { kubernetes.io/service-name: v6 } }
addressType: IPv6
endpoints: [{ addresses: ["fd00:10:244::5"] }]`,
    want: { type: 'STATIC', endpoints: ['10.96.0.9', 'fd00:10:244::5', 'fd00:10:96::1'] },
  },
  {
    name: 'with EDS off a StaticService after a Service is skipped (InconsistentClusterType)',
    backend: '[{ name: media-plane, namespace: default }, { group: stunner.l7mp.io, kind: StaticService, name: s }]',
    eds: false,
    extra: `
---
apiVersion: stunner.l7mp.io/v1
kind: StaticService
metadata: { name: s, namespace: stunner }
spec: { prefixes: [192.0.2.0/24] }`,
    want: { type: 'STRICT_DNS', endpoints: ['media-plane.default.svc.cluster.local'] },
  },
];

for (const c of clusterCases) {
  test(`cluster: ${c.name}`, () => {
    const r = renderYaml(BASE + (c.extra ?? '') + gateway('gw', UDP) + route('r', '[{ name: gw }]', c.backend), {
      endpointDiscovery: c.eds ?? true,
      useEndpointSlices: c.slices ?? true,
    });
    const cl = r.configs[0]!.clusters[0]!;
    assert.deepEqual({ type: cl.type, endpoints: cl.endpoints }, c.want);
  });
}

test('every rule of a route is admitted (STUNner reads only the first)', () => {
  const extra = `
---
apiVersion: stunner.l7mp.io/v1
kind: UDPRoute
metadata: { name: r, namespace: stunner }
spec:
  parentRefs: [{ name: gw }]
  rules:
    - backendRefs: [{ name: media-plane, namespace: default }]
    - backendRefs: [{ group: stunner.l7mp.io, kind: StaticService, name: s }]
---
apiVersion: stunner.l7mp.io/v1
kind: StaticService
metadata: { name: s, namespace: stunner }
spec: { prefixes: [192.0.2.0/24] }`;
  const r = renderYaml(BASE + gateway('gw', UDP) + extra);
  assert.ok(r.configs[0]!.clusters[0]!.endpoints.includes('192.0.2.0/24'));
  assert.ok(r.configs[0]!.clusters[0]!.endpoints.includes('10.76.1.3'));
});

test('TLS listener carries base64 PEM cert and key from the Secret (tls.crt/tls.key)', () => {
  const crt = Buffer.from('-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n').toString('base64');
  const key = Buffer.from('-----BEGIN PRIVATE KEY-----\nY\n-----END PRIVATE KEY-----\n').toString('base64');
  const extra = `
---
apiVersion: v1
kind: Secret
metadata: { name: tls-secret, namespace: stunner }
type: kubernetes.io/tls
data: { tls.crt: ${crt}, tls.key: ${key} }`;
  const listeners = `[{ name: tls-listener, port: 443, protocol: TURN-TLS, tls: { mode: Terminate, certificateRefs: [{ kind: Secret, namespace: stunner, name: tls-secret }] } }]`;
  const r = renderYaml(BASE + extra + gateway('tls-gateway', listeners));
  const l = r.configs[0]!.listeners[0]!;
  assert.equal(l.protocol, 'TURN-TLS');
  assert.equal(l.cert, crt);
  assert.equal(l.key, key);
});

test('TLS cert from stringData under the short keys crt/key is base64-encoded', () => {
  const extra = `
---
apiVersion: v1
kind: Secret
metadata: { name: s, namespace: stunner }
stringData: { crt: CERT, key: KEY }`;
  const listeners = `[{ name: d, port: 443, protocol: TURN-DTLS, tls: { certificateRefs: [{ name: s }] } }]`;
  const l = renderYaml(BASE + extra + gateway('gw', listeners)).configs[0]!.listeners[0]!;
  assert.equal(l.cert, Buffer.from('CERT').toString('base64'));
  assert.equal(l.key, Buffer.from('KEY').toString('base64'));
});

test('re-rendering the same world yields the same output (pure, deterministic)', () => {
  const text = BASE + gateway('udp-gateway', UDP) + route('media-plane', '[{ name: udp-gateway }]', MEDIA);
  assert.deepEqual(renderYaml(text), renderYaml(text));
});

test('enable-relay-address-discovery puts the node-address placeholder into the listener address', () => {
  const r = renderYaml(
    BASE + gateway('gw', UDP, ', annotations: { stunner.l7mp.io/enable-relay-address-discovery: "true" }'),
  );
  assert.equal(r.configs[0]!.listeners[0]!.address, '__node_address_placeholder');
});
