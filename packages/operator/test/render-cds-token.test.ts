// With a CDS token (--cds-token-file) each rendered stunnerd Deployment mounts it from a managed Secret in
// its own namespace and names the file in $STUNNER_CDS_TOKEN_FILE; without one nothing of it is rendered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container, Deployment } from '../src/index.ts';
import { BASE, gateway, renderYaml } from './render-helpers.ts';

const UDP = '[{ name: udp, port: 3478, protocol: TURN-UDP }]';
const TOKEN = 'a-token-of-the-chart-0123456789';
const TWO_NAMESPACES = `${BASE}${gateway('gw-a', UDP, ', uid: uid-a')}${gateway('gw-b', UDP, ', uid: uid-b')}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw-c, namespace: media, uid: uid-c }
spec:
  gatewayClassName: stunner-gatewayclass
  listeners: ${UDP}
`;

const container = (d: Deployment): Container => d.spec.template.spec.containers[0]!;
const env = (d: Deployment) => container(d).env as { name: string; value?: string }[];

test('without a token: no Secret, no volume, no mount, no STUNNER_CDS_TOKEN_FILE (STUNner’s Deployment)', () => {
  const r = renderYaml(TWO_NAMESPACES);
  assert.equal(r.deployments.length, 3);
  assert.deepEqual(r.secrets, []);
  for (const d of r.deployments) {
    assert.equal(d.spec.template.spec.volumes, undefined);
    assert.equal(container(d).volumeMounts, undefined);
    assert.ok(!env(d).some((e) => e.name === 'STUNNER_CDS_TOKEN_FILE'));
  }
  assert.deepEqual(renderYaml(TWO_NAMESPACES, { cdsToken: undefined }), r);
});

test('with a token: one managed Secret per dataplane namespace, owned by its Gateways', () => {
  const r = renderYaml(TWO_NAMESPACES, { cdsToken: TOKEN });
  assert.deepEqual(r.secrets, [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'stunner-cds-token',
        namespace: 'media',
        labels: { 'stunner.l7mp.io/owned-by': 'stunner' },
        ownerReferences: [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'gw-c', uid: 'uid-c' }],
      },
      type: 'Opaque',
      data: { token: Buffer.from(TOKEN).toString('base64') },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'stunner-cds-token',
        namespace: 'stunner',
        labels: { 'stunner.l7mp.io/owned-by': 'stunner' },
        ownerReferences: [
          { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'gw-a', uid: 'uid-a' },
          { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'gw-b', uid: 'uid-b' },
        ],
      },
      type: 'Opaque',
      data: { token: Buffer.from(TOKEN).toString('base64') },
    },
  ]);
});

test('with a token: each Deployment mounts its namespace’s Secret read-only and names the file', () => {
  const r = renderYaml(TWO_NAMESPACES, { cdsToken: TOKEN });
  const plain = renderYaml(TWO_NAMESPACES);
  for (const [i, d] of r.deployments.entries()) {
    assert.deepEqual(d.spec.template.spec.volumes, [
      { name: 'stunner-cds-token', secret: { secretName: 'stunner-cds-token' } },
    ]);
    assert.deepEqual(container(d).volumeMounts, [
      { name: 'stunner-cds-token', mountPath: '/var/run/secrets/stunner.l7mp.io/cds', readOnly: true },
    ]);
    assert.deepEqual(env(d).slice(5), [
      { name: 'STUNNER_CDS_TOKEN_FILE', value: '/var/run/secrets/stunner.l7mp.io/cds/token' },
    ]);
    // Nothing else differs from the Deployment without a token, and the token itself is not in it.
    const p = plain.deployments[i]!;
    assert.deepEqual(env(d).slice(0, 5), env(p));
    assert.deepEqual(d.spec.selector, p.spec.selector);
    assert.deepEqual(d.spec.template.metadata, p.spec.template.metadata);
    assert.ok(!JSON.stringify(d).includes(TOKEN));
  }
  // The config served and the statuses do not depend on the token.
  assert.deepEqual(r.configs, plain.configs);
  assert.deepEqual(r.statuses, plain.statuses);
});

test('a Dataplane that sets STUNNER_CDS_TOKEN_FILE itself keeps its value (no name twice in env)', () => {
  const text = TWO_NAMESPACES.replace(
    'spec: { image: l7mp/stunnerd:latest }',
    'spec: { image: l7mp/stunnerd:latest, env: [{ name: STUNNER_CDS_TOKEN_FILE, value: /etc/own/token }] }',
  );
  const d = renderYaml(text, { cdsToken: TOKEN }).deployments[0]!;
  assert.deepEqual(
    env(d).filter((e) => e.name === 'STUNNER_CDS_TOKEN_FILE'),
    [{ name: 'STUNNER_CDS_TOKEN_FILE', value: '/etc/own/token' }],
  );
});

test('no Deployment, no Secret: legacy mode and a Gateway with disable-managed-dataplane', () => {
  assert.deepEqual(renderYaml(TWO_NAMESPACES, { cdsToken: TOKEN, dataplaneMode: 'legacy' }).secrets, []);
  const disabled = `${BASE}${gateway('gw', UDP, ', annotations: { stunner.l7mp.io/disable-managed-dataplane: "true" }')}`;
  const r = renderYaml(disabled, { cdsToken: TOKEN });
  assert.deepEqual([r.deployments, r.secrets], [[], []]);
  assert.equal(r.configs.length, 1, 'its config is still served');
});
