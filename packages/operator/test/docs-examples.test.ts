// The examples of STUNner's own docs (reference/docs/) render as documented there.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { type RenderResult, render, snapshotFromManifests } from '../src/index.ts';
import { conds, listenerConds, statusOf, testOptions } from './render-helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const docsDir = join(here, 'fixtures/docs');
const examplesDir = resolve(here, '../../../deploy/examples');

function load(files: string[], dir = docsDir) {
  const docs = files.flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d, i) => ({ doc: d.toJS(), where: `${f}#${i + 1}` })),
  );
  return snapshotFromManifests(docs);
}

function renderFiles(files: string[], dir = docsDir): RenderResult {
  const l = load(files, dir);
  assert.deepEqual(l.errors, []);
  return render(l.snapshot, testOptions());
}

const ALL_DOC_FILES = [
  'gatewayclass.yaml',
  'gatewayconfig.yaml',
  'udp-gateway.yaml',
  'complex-gateway.yaml',
  'mixed-protocol-gateway.yaml',
  'udproute-v1.yaml',
  'udproute-v1alpha2.yaml',
  'staticservice.yaml',
  'udproute-staticservice.yaml',
  'dataplane-default.yaml',
  'context.yaml',
];

test('every example manifest of the Gateway API reference is accepted by the schemas', () => {
  for (const f of ALL_DOC_FILES) {
    const l = load([f]);
    assert.deepEqual(l.errors, [], f);
    assert.deepEqual(l.ignored, [], f);
  }
});

test('README quickstart (v1 GatewayClass/Gateway, v1alpha2 UDPRoute, v1alpha1 GatewayConfig) yields the config of stunner-v1.md §2.5', () => {
  const r = renderFiles(['quickstart.yaml'], examplesDir);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.configs, [
    {
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
    },
  ]);
  assert.deepEqual(conds(statusOf(r, 'GatewayClass', 'stunner-gatewayclass').conditions), ['Accepted=True/Accepted']);
});

test('udp-gateway + media-plane-route: auth from the Secret, logLevel from the GatewayConfig, the v1alpha2 twin masked', () => {
  const r = renderFiles([
    'gatewayclass.yaml',
    'gatewayconfig.yaml',
    'udp-gateway.yaml',
    'udproute-v1.yaml',
    'udproute-v1alpha2.yaml',
    'dataplane-default.yaml',
    'context.yaml',
  ]);
  const c = r.configs[0]!;
  assert.equal(c.admin.loglevel, 'all:DEBUG,turn:INFO');
  assert.deepEqual(c.auth.credentials, { username: 'user-1', password: 'pass-1' });
  assert.deepEqual(c.clusters, [
    {
      name: 'stunner/media-plane-route',
      type: 'STATIC',
      protocol: 'UDP',
      endpoints: ['10.244.1.5', '10.244.2.6', '10.96.10.10'],
    },
  ]);
  const masked = r.statuses.find(
    (s) => s.kind === 'UDPRoute' && s.apiVersion === 'gateway.networking.k8s.io/v1alpha2',
  )!;
  assert.deepEqual(
    conds((masked.status.parents as { conditions: unknown }[])[0]!.conditions)[0],
    'Accepted=False/Pending',
  );
  // The default Dataplane's resources reach the container.
  assert.deepEqual(r.deployments[0]!.spec.template.spec.containers[0]!.resources, {
    limits: { cpu: 2, memory: '512Mi' },
    requests: { cpu: '500m', memory: '128Mi' },
  });
});

test('complex TLS gateway: NodePort, mixed protocols, TLS cert, no health-check port on a NodePort Service', () => {
  const r = renderFiles([
    'gatewayclass.yaml',
    'gatewayconfig.yaml',
    'complex-gateway.yaml',
    'dataplane-default.yaml',
    'context.yaml',
  ]);
  const svc = r.services[0]!;
  assert.equal(svc.spec.type, 'NodePort');
  assert.deepEqual(svc.spec.ports, [
    { name: 'udp-listener', protocol: 'UDP', port: 3478 },
    { name: 'tls-listener', protocol: 'TCP', port: 443 },
  ]);
  assert.equal(svc.metadata.annotations!['stunner.l7mp.io/enable-mixed-protocol-lb'], 'true');
  const tls = r.configs[0]!.listeners.find((l) => l.name === 'stunner/complex-gateway/tls-listener')!;
  assert.equal(tls.protocol, 'TURN-TLS');
  assert.equal(
    Buffer.from(tls.cert!, 'base64').toString(),
    '-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n',
  );
  assert.deepEqual(listenerConds(r, 'complex-gateway', 'tls-listener'), [
    'Accepted=True/Accepted',
    'Conflicted=False/NoConflicts',
    'ResolvedRefs=True/ResolvedRefs',
  ]);
});

test('complex gateway as a LoadBalancer gets the DigitalOcean health-check port', () => {
  const l = load([
    'gatewayclass.yaml',
    'gatewayconfig.yaml',
    'complex-gateway.yaml',
    'dataplane-default.yaml',
    'context.yaml',
  ]);
  const gw = l.snapshot.gateways[0]!;
  delete gw.metadata.annotations!['stunner.l7mp.io/service-type'];
  const r = render(l.snapshot, testOptions());
  assert.deepEqual(r.services[0]!.spec.ports!.at(-1), { name: 'gateway-health-check', protocol: 'TCP', port: 8086 });
});

test('mixed-protocol gateway (no namespace → default): one LoadBalancer Service with a UDP and a TCP port', () => {
  const r = renderFiles([
    'gatewayclass.yaml',
    'gatewayconfig.yaml',
    'mixed-protocol-gateway.yaml',
    'dataplane-default.yaml',
    'context.yaml',
  ]);
  const svc = r.services[0]!;
  assert.equal(svc.metadata.namespace, 'default');
  assert.equal(svc.spec.type, 'LoadBalancer');
  assert.deepEqual(
    svc.spec.ports!.map((p) => `${p.protocol}/${p.port}`),
    ['UDP/3478', 'TCP/3479'],
  );
  assert.deepEqual(
    r.configs[0]!.listeners.map((l) => l.protocol),
    ['TURN-UDP', 'TURN-TCP'],
  );
});

test('StaticService route admits the listed prefixes', () => {
  const r = renderFiles([
    'gatewayclass.yaml',
    'gatewayconfig.yaml',
    'udp-gateway.yaml',
    'staticservice.yaml',
    'udproute-staticservice.yaml',
    'dataplane-default.yaml',
    'context.yaml',
  ]);
  assert.deepEqual(r.configs[0]!.clusters, [
    {
      name: 'stunner/media-plane-route',
      type: 'STATIC',
      protocol: 'UDP',
      endpoints: ['192.0.2.0/24', '198.51.100.0/24'],
    },
  ]);
});
