import assert from 'node:assert/strict';
import { test } from 'node:test';
import { udpRouteSchema } from '../src/index.ts';

test('UDPRoute needs 1..16 rules', () => {
  const base = { apiVersion: 'stunner.l7mp.io/v1', kind: 'UDPRoute', metadata: { name: 'r' } };
  assert.equal(udpRouteSchema.safeParse({ ...base, spec: { rules: [] } }).success, false);
  assert.equal(
    udpRouteSchema.safeParse({ ...base, spec: { rules: [{ backendRefs: [{ name: 's' }] }] } }).success,
    true,
  );
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
