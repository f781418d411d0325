import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dataplaneSchema,
  gatewayConfigSchema,
  gatewayConfigToV1,
  gatewayConfigV1Alpha1Schema,
  normalizeAuthType,
  normalizeListenerProtocol,
  staticServiceSchema,
  stunnerConfigSchema,
  udpRouteSchema,
  zeroConfig,
} from '../src/index.ts';

test('GatewayConfig v1 gets the CRD defaults', () => {
  const gc = gatewayConfigSchema.parse({
    apiVersion: 'stunner.l7mp.io/v1',
    kind: 'GatewayConfig',
    metadata: { name: 'c', namespace: 'stunner' },
    spec: {},
  });
  assert.equal(gc.spec.realm, 'stunner.l7mp.io');
  assert.equal(gc.spec.authType, 'plaintext');
  assert.equal(gc.spec.dataplane, 'default');
});

test('GatewayConfig rejects an upper-case realm and an unknown auth type, naming the field', () => {
  const r = gatewayConfigSchema.safeParse({
    apiVersion: 'stunner.l7mp.io/v1',
    kind: 'GatewayConfig',
    metadata: { name: 'c' },
    spec: { realm: 'Bad_Realm', authType: 'kerberos' },
  });
  assert.equal(r.success, false);
  const paths = r.error!.issues.map((i) => i.path.join('.'));
  assert.deepEqual(paths.sort(), ['spec.authType', 'spec.realm']);
});

test('v1alpha1 GatewayConfig converts to v1, dropping the fields v1 removed', () => {
  const old = gatewayConfigV1Alpha1Schema.parse({
    apiVersion: 'stunner.l7mp.io/v1alpha1',
    kind: 'GatewayConfig',
    metadata: { name: 'c', namespace: 's' },
    spec: { authType: 'plaintext', userName: 'user-1', password: 'pass-1', metricsEndpoint: 'http://:8080' },
  });
  const v1 = gatewayConfigToV1(old);
  assert.equal(v1.apiVersion, 'stunner.l7mp.io/v1');
  assert.equal(v1.spec.userName, 'user-1');
  assert.equal(v1.spec.dataplane, 'default');
  assert.ok(!('metricsEndpoint' in v1.spec) && !('stunnerConfig' in v1.spec));
});

test('Dataplane requires an image and defaults terminationGracePeriodSeconds to 3600', () => {
  const base = { apiVersion: 'stunner.l7mp.io/v1', kind: 'Dataplane', metadata: { name: 'default' } };
  assert.equal(dataplaneSchema.safeParse({ ...base, spec: {} }).success, false);
  const dp = dataplaneSchema.parse({ ...base, spec: { image: 'l7mp/stunnerd:latest' } });
  assert.equal(dp.spec.terminationGracePeriodSeconds, 3600);
});

test('UDPRoute needs 1..16 rules', () => {
  const base = { apiVersion: 'stunner.l7mp.io/v1', kind: 'UDPRoute', metadata: { name: 'r' } };
  assert.equal(udpRouteSchema.safeParse({ ...base, spec: { rules: [] } }).success, false);
  assert.equal(
    udpRouteSchema.safeParse({ ...base, spec: { rules: [{ backendRefs: [{ name: 's' }] }] } }).success,
    true,
  );
});

test('stunnerd config: defaults injected, static auth requires username and password', () => {
  const c = stunnerConfigSchema.parse({
    version: 'v1',
    auth: { credentials: { username: 'u', password: 'p' } },
    listeners: [{ name: 'l' }],
  });
  assert.equal(c.auth.type, 'static');
  assert.equal(c.auth.realm, 'stunner.l7mp.io');
  assert.deepEqual(c.listeners[0], { name: 'l', protocol: 'TURN-UDP', address: '0.0.0.0', port: 3478, routes: [] });
  assert.deepEqual(c.clusters, []);
  const bad = stunnerConfigSchema.safeParse({
    version: 'v1',
    auth: { type: 'static', credentials: { username: 'u' } },
  });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error!.issues[0]!.path, ['auth', 'credentials', 'password']);
});

test('auth type and listener protocol aliases normalise as upstream', () => {
  assert.equal(normalizeAuthType('plaintext'), 'static');
  assert.equal(normalizeAuthType('longterm'), 'ephemeral');
  assert.equal(normalizeAuthType('timewindowed'), 'ephemeral');
  assert.equal(normalizeAuthType('kerberos'), undefined);
  assert.equal(normalizeListenerProtocol('udp'), 'TURN-UDP');
  assert.equal(normalizeListenerProtocol('TURN-TLS'), 'TURN-TLS');
  assert.equal(normalizeListenerProtocol('HTTP'), undefined);
});

test('stunnerd config normalises as Validate() does: protocol/auth/offload case, sorted routes and endpoints, v1alpha1', () => {
  const c = stunnerConfigSchema.parse({
    version: 'v1alpha1',
    admin: { user_quota: -3, offload_engine: 'xdp' },
    auth: { type: 'longterm', credentials: { secret: 's' } },
    listeners: [{ name: 'l', protocol: 'tls', routes: ['b', 'a'], min_relay_port: 10 }],
    clusters: [{ name: 'c', endpoints: ['10.0.0.2', '10.0.0.1'] }],
  });
  assert.equal(c.version, 'v1');
  assert.equal(c.admin.user_quota, 0);
  assert.equal(c.admin.offload_engine, 'XDP');
  assert.equal(c.auth.type, 'ephemeral');
  assert.equal(c.listeners[0]!.protocol, 'TURN-TLS');
  assert.deepEqual(c.listeners[0]!.routes, ['a', 'b']);
  assert.ok(!('min_relay_port' in c.listeners[0]!));
  assert.deepEqual(c.clusters[0]!.endpoints, ['10.0.0.1', '10.0.0.2']);
  assert.equal(stunnerConfigSchema.safeParse({ version: 'v2', auth: {} }).success, false);
});

test('the zero config is a valid config', () => {
  const z = zeroConfig('ns/gw');
  assert.deepEqual(stunnerConfigSchema.parse(z), z);
});

test('StaticService prefixes must be IPs or CIDR prefixes', () => {
  const base = { apiVersion: 'stunner.l7mp.io/v1', kind: 'StaticService', metadata: { name: 's' } };
  const ok = ['192.0.2.0/24', '0.0.0.0/0', '10.0.0.1', '2001:db8::/32'];
  assert.equal(staticServiceSchema.safeParse({ ...base, spec: { prefixes: ok } }).success, true);
  for (const bad of ['192.0.2.0/33', 'example.com', '10.0.0.0/8/1', '2001:db8::/129', '10.0.0.0/x']) {
    assert.equal(staticServiceSchema.safeParse({ ...base, spec: { prefixes: [bad] } }).success, false, bad);
  }
});

test('UDPRoute backend endPort needs port and may not precede it', () => {
  const route = (b: object) => ({
    apiVersion: 'stunner.l7mp.io/v1',
    kind: 'UDPRoute',
    metadata: { name: 'r' },
    spec: { rules: [{ backendRefs: [{ name: 's', ...b }] }] },
  });
  assert.equal(udpRouteSchema.safeParse(route({ port: 1, endPort: 2 })).success, true);
  const noPort = udpRouteSchema.safeParse(route({ endPort: 2 }));
  assert.deepEqual(noPort.error?.issues[0]?.path, ['spec', 'rules', 0, 'backendRefs', 0, 'endPort']);
  assert.equal(udpRouteSchema.safeParse(route({ port: 5, endPort: 2 })).success, false);
});
