import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeAuthType, normalizeListenerProtocol, stunnerConfigSchema, zeroConfig } from '../src/index.ts';

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
