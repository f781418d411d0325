import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snapshotFromManifests } from '../src/index.ts';

const doc = (d: unknown, where = 'x#1') => ({ doc: d, where });

test('namespaced objects without a namespace land in default; cluster-scoped ones stay unnamespaced', () => {
  const l = snapshotFromManifests([
    doc({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {} }),
    doc({ apiVersion: 'stunner.l7mp.io/v1', kind: 'Dataplane', metadata: { name: 'default' }, spec: { image: 'i' } }),
  ]);
  assert.deepEqual(l.errors, []);
  assert.equal(l.snapshot.services[0]!.metadata.namespace, 'default');
  assert.equal(l.snapshot.dataplanes[0]!.metadata.namespace, undefined);
});

test('List objects are flattened; unknown kinds are listed as ignored', () => {
  const l = snapshotFromManifests([
    doc({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stunner' } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'media', namespace: 'm' } },
      ],
    }),
  ]);
  assert.equal(l.snapshot.namespaces.length, 1);
  assert.deepEqual(l.ignored, ['Deployment m/media']);
});

test('v1alpha1 StaticService and GatewayConfig are converted to v1', () => {
  const l = snapshotFromManifests([
    doc({
      apiVersion: 'stunner.l7mp.io/v1alpha1',
      kind: 'StaticService',
      metadata: { name: 's' },
      spec: { prefixes: ['10.0.0.0/8'] },
    }),
    doc({
      apiVersion: 'stunner.l7mp.io/v1alpha1',
      kind: 'GatewayConfig',
      metadata: { name: 'g' },
      spec: { stunnerConfig: 'cm' },
    }),
  ]);
  assert.equal(l.snapshot.staticServices[0]!.apiVersion, 'stunner.l7mp.io/v1');
  assert.equal(l.snapshot.gatewayConfigs[0]!.apiVersion, 'stunner.l7mp.io/v1');
});

test('errors carry the object and the field path', () => {
  const l = snapshotFromManifests([
    doc({
      apiVersion: 'stunner.l7mp.io/v1',
      kind: 'UDPRoute',
      metadata: { name: 'r', namespace: 'n' },
      spec: { rules: [{ backendRefs: [] }] },
    }),
    doc({ apiVersion: 'v1', kind: 'Secret', metadata: {} }, 'f.yaml#2'),
    doc('just a string', 'f.yaml#3'),
  ]);
  assert.deepEqual(l.errors, [
    { object: 'UDPRoute n/r', field: 'spec.rules.0.backendRefs', message: l.errors[0]!.message },
    { object: 'Secret at f.yaml#2', field: 'metadata.name', message: 'metadata.name is required' },
    { object: 'f.yaml#3', field: '', message: 'expected a Kubernetes object' },
  ]);
  assert.match(l.errors[0]!.message, /1/);
});
