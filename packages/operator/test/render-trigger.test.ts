import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../src/kube/kube-rest.ts';
import { RenderTrigger } from '../src/kube/render-trigger.ts';
import { KINDS } from '../src/kube/resource-kinds.ts';

const gw = (generation: number, annotations: Record<string, string> = {}, status = {}): KubeObject => ({
  metadata: { name: 'gw', namespace: 'ns', generation, annotations },
  status,
});

test('a Gateway status write does not trigger a render; spec and annotation changes do', () => {
  const t = new RenderTrigger();
  assert.equal(t.matters(KINDS.gateways, 'add', gw(1)), true);
  assert.equal(t.matters(KINDS.gateways, 'update', gw(1, {}, { conditions: [{ type: 'Accepted' }] })), false);
  assert.equal(t.matters(KINDS.gateways, 'update', gw(2)), true);
  assert.equal(t.matters(KINDS.gateways, 'update', gw(2, { 'stunner.l7mp.io/service-type': 'NodePort' })), true);
  assert.equal(t.matters(KINDS.gateways, 'delete', gw(2)), true);
});

test('Node heartbeats do not trigger renders; address changes do', () => {
  const t = new RenderTrigger();
  const node = (ip: string, hb: string): KubeObject => ({
    metadata: { name: 'n1' },
    status: { addresses: [{ type: 'ExternalIP', address: ip }], conditions: [{ lastHeartbeatTime: hb }] },
  });
  assert.equal(t.matters(KINDS.nodes, 'add', node('1.2.3.4', 'a')), true);
  assert.equal(t.matters(KINDS.nodes, 'update', node('1.2.3.4', 'b')), false);
  assert.equal(t.matters(KINDS.nodes, 'update', node('1.2.3.5', 'b')), true);
});

test('managed Deployments count only when they appear or disappear; Services always count', () => {
  const t = new RenderTrigger();
  const dep: KubeObject = { metadata: { name: 'gw', namespace: 'ns' } };
  assert.equal(t.matters(KINDS.deployments, 'add', dep), true);
  assert.equal(t.matters(KINDS.deployments, 'update', { ...dep, status: { replicas: 1 } }), false);
  assert.equal(t.matters(KINDS.deployments, 'delete', dep), true);
  const svc: KubeObject = { metadata: { name: 'gw', namespace: 'ns' } };
  assert.equal(t.matters(KINDS.services, 'update', svc), true);
});
