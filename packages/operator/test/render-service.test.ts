import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service } from '../src/index.ts';
import { BASE, gateway, renderYaml } from './render-helpers.ts';

const TWO = '[{ name: udp, port: 3478, protocol: TURN-UDP }, { name: tcp, port: 3479, protocol: TURN-TCP }]';

function svc(
  annotations: Record<string, string>,
  listeners = TWO,
  extra = '',
  gcAnnotations?: Record<string, string>,
): Service {
  const ann = Object.keys(annotations).length ? `, annotations: ${JSON.stringify(annotations)}` : '';
  let base = BASE;
  if (gcAnnotations) {
    base = base.replace(
      'password: pass-1 }',
      `password: pass-1, loadBalancerServiceAnnotations: ${JSON.stringify(gcAnnotations)} }`,
    );
  }
  const r = renderYaml(base + extra + gateway('gw', listeners, ann));
  assert.equal(r.services.length, 1);
  return r.services[0]!;
}

test('default Service: LoadBalancer, ClientIP affinity, first listener protocol only, labels, selector, owner', () => {
  const s = svc({});
  assert.equal(s.metadata.name, 'gw');
  assert.equal(s.metadata.namespace, 'stunner');
  assert.deepEqual(s.metadata.labels, {
    'stunner.l7mp.io/owned-by': 'stunner',
    'stunner.l7mp.io/related-gateway-name': 'gw',
    'stunner.l7mp.io/related-gateway-namespace': 'stunner',
  });
  assert.deepEqual(s.metadata.annotations, { 'stunner.l7mp.io/related-gateway-name': 'stunner/gw' });
  assert.equal(s.metadata.ownerReferences?.[0]?.kind, 'Gateway');
  assert.equal(s.spec.type, 'LoadBalancer');
  assert.equal(s.spec.sessionAffinity, 'ClientIP');
  assert.deepEqual(s.spec.selector, {
    app: 'stunner',
    'stunner.l7mp.io/related-gateway-name': 'gw',
    'stunner.l7mp.io/related-gateway-namespace': 'stunner',
  });
  assert.deepEqual(s.spec.ports, [{ name: 'udp', protocol: 'UDP', port: 3478 }]);
});

const annotationCases: { annotation: Record<string, string>; check: (s: Service) => void }[] = [
  { annotation: { 'stunner.l7mp.io/service-type': 'NodePort' }, check: (s) => assert.equal(s.spec.type, 'NodePort') },
  { annotation: { 'stunner.l7mp.io/service-type': 'ClusterIP' }, check: (s) => assert.equal(s.spec.type, 'ClusterIP') },
  {
    annotation: { 'stunner.l7mp.io/enable-mixed-protocol-lb': 'true' },
    check: (s) =>
      assert.deepEqual(s.spec.ports, [
        { name: 'udp', protocol: 'UDP', port: 3478 },
        { name: 'tcp', protocol: 'TCP', port: 3479 },
      ]),
  },
  {
    annotation: { 'stunner.l7mp.io/external-traffic-policy': 'local' },
    check: (s) => assert.equal(s.spec.externalTrafficPolicy, 'Local'),
  },
  {
    annotation: { 'stunner.l7mp.io/disable-session-affinity': 'true' },
    check: (s) => assert.equal(s.spec.sessionAffinity, 'None'),
  },
  {
    annotation: { 'stunner.l7mp.io/nodeport': '"udp":32000' },
    check: (s) => assert.equal(s.spec.ports![0]!.nodePort, 32000),
  },
  {
    annotation: { 'stunner.l7mp.io/targetport': '{"udp":44321}' },
    check: (s) => assert.equal(s.spec.ports![0]!.targetPort, 44321),
  },
  {
    annotation: {
      'service.beta.kubernetes.io/do-loadbalancer-healthcheck-port': '8086',
      'service.beta.kubernetes.io/do-loadbalancer-healthcheck-protocol': 'http',
    },
    check: (s) => {
      assert.deepEqual(s.spec.ports!.at(-1), { name: 'gateway-health-check', protocol: 'TCP', port: 8086 });
      assert.equal(s.metadata.annotations!['service.beta.kubernetes.io/do-loadbalancer-healthcheck-port'], '8086');
    },
  },
  {
    annotation: {
      'service.beta.kubernetes.io/do-loadbalancer-healthcheck-port': '8086',
      'service.beta.kubernetes.io/do-loadbalancer-healthcheck-protocol': 'http',
      'stunner.l7mp.io/disable-health-check-expose': 'true',
    },
    check: (s) => assert.ok(!s.spec.ports!.some((p) => p.name === 'gateway-health-check')),
  },
  {
    annotation: {
      'service.beta.kubernetes.io/do-loadbalancer-healthcheck-port': '8086',
      'service.beta.kubernetes.io/do-loadbalancer-healthcheck-protocol': 'http',
      'stunner.l7mp.io/service-type': 'NodePort',
    },
    check: (s) => assert.ok(!s.spec.ports!.some((p) => p.name === 'gateway-health-check')),
  },
];

for (const c of annotationCases) {
  test(`annotation ${Object.entries(c.annotation)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}`, () => {
    c.check(svc(c.annotation));
  });
}

test('GatewayConfig loadBalancerServiceAnnotations go to the Service; Gateway annotations override them', () => {
  const s = svc(
    { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb', 'stunner.l7mp.io/service-type': 'NodePort' },
    TWO,
    '',
    {
      'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
      'example.com/from-gwconf': 'yes',
      'stunner.l7mp.io/service-type': 'ClusterIP',
    },
  );
  assert.equal(s.metadata.annotations!['service.beta.kubernetes.io/aws-load-balancer-type'], 'nlb');
  assert.equal(s.metadata.annotations!['example.com/from-gwconf'], 'yes');
  assert.equal(s.spec.type, 'NodePort');
});

test('GatewayConfig annotations alone drive the knobs too', () => {
  const s = svc({}, TWO, '', { 'stunner.l7mp.io/service-type': 'NodePort' });
  assert.equal(s.spec.type, 'NodePort');
});

test('spec.addresses[0] becomes loadBalancerIP', () => {
  const extra = '';
  const listeners = '[{ name: udp, port: 3478, protocol: TURN-UDP }]';
  const text =
    BASE +
    extra +
    gateway('gw', listeners).replace('listeners:', 'addresses: [{ type: IPAddress, value: 1.2.3.4 }]\n  listeners:');
  const r = renderYaml(text);
  assert.equal(r.services[0]!.spec.loadBalancerIP, '1.2.3.4');
});

test('NodePorts of the live Service are kept across renders; stale stunner annotations dropped, foreign ones kept', () => {
  const live = `
---
apiVersion: v1
kind: Service
metadata:
  name: gw
  namespace: stunner
  labels: { stunner.l7mp.io/owned-by: stunner, example.com/team: media }
  annotations: { stunner.l7mp.io/service-type: ClusterIP, example.com/note: keep }
spec:
  type: LoadBalancer
  ports: [{ name: udp, protocol: UDP, port: 3478, nodePort: 31234 }]`;
  const s = svc({}, TWO, live);
  assert.equal(s.spec.ports![0]!.nodePort, 31234);
  assert.equal(s.metadata.annotations!['example.com/note'], 'keep');
  assert.equal(s.metadata.annotations!['stunner.l7mp.io/service-type'], undefined);
  assert.equal(s.metadata.labels!['example.com/team'], 'media');
});

test('the nodeport annotation wins over the kept NodePort', () => {
  const live = `
---
apiVersion: v1
kind: Service
metadata: { name: gw, namespace: stunner }
spec: { type: LoadBalancer, ports: [{ name: udp, protocol: UDP, port: 3478, nodePort: 31234 }] }`;
  const s = svc({ 'stunner.l7mp.io/nodeport': '{"udp":32000}' }, TWO, live);
  assert.equal(s.spec.ports![0]!.nodePort, 32000);
});

test('a malformed nodeport annotation is reported, not thrown', () => {
  const r = renderYaml(BASE + gateway('gw', TWO, ', annotations: { stunner.l7mp.io/nodeport: "udp=1" }'));
  assert.ok(r.issues.some((i) => i.code === 'STUNNER_ERR_INVALID_ANNOTATION' && i.object === 'Gateway stunner/gw'));
  assert.equal(r.services[0]!.spec.ports![0]!.nodePort, undefined);
});

test('targetport annotation also moves the stunnerd listener port', () => {
  const r = renderYaml(BASE + gateway('gw', TWO, ', annotations: { stunner.l7mp.io/targetport: "{\\"udp\\":44321}" }'));
  assert.equal(r.configs[0]!.listeners[0]!.port, 44321);
});

test('legacy mode selects app=stunner only', () => {
  const r = renderYaml(BASE + gateway('gw', TWO), { dataplaneMode: 'legacy' });
  assert.deepEqual(r.services[0]!.spec.selector, { app: 'stunner' });
});

test('no Service when no listener is valid', () => {
  const r = renderYaml(BASE + gateway('gw', '[{ name: h, port: 80, protocol: HTTP }]'));
  assert.equal(r.services.length, 0);
});
