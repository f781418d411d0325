import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BASE, gateway, renderYaml, routeParentConds } from './render-helpers.ts';

const MEDIA = '[{ name: media-plane, namespace: default }]';

function routeIn(ns: string, name: string, parentRefs: string): string {
  return `
---
apiVersion: stunner.l7mp.io/v1
kind: UDPRoute
metadata: { name: ${name}, namespace: ${ns} }
spec:
  parentRefs: ${parentRefs}
  rules: [{ backendRefs: ${MEDIA} }]`;
}

const NAMESPACES = `
---
apiVersion: v1
kind: Namespace
metadata: { name: dev-ns, labels: { app: dev } }
---
apiVersion: v1
kind: Namespace
metadata: { name: prod-ns, labels: { app: prod } }`;

const cases: { name: string; allowed: string; routeNs: string; attached: boolean }[] = [
  { name: 'Same (default) admits the Gateway namespace', allowed: '', routeNs: 'stunner', attached: true },
  { name: 'Same (default) refuses other namespaces', allowed: '', routeNs: 'dev-ns', attached: false },
  {
    name: 'All admits any namespace',
    allowed: ', allowedRoutes: { namespaces: { from: All } }',
    routeNs: 'prod-ns',
    attached: true,
  },
  {
    name: 'Selector matchLabels admits a labelled namespace',
    allowed: ', allowedRoutes: { namespaces: { from: Selector, selector: { matchLabels: { app: dev } } } }',
    routeNs: 'dev-ns',
    attached: true,
  },
  {
    name: 'Selector matchLabels refuses other labels',
    allowed: ', allowedRoutes: { namespaces: { from: Selector, selector: { matchLabels: { app: dev } } } }',
    routeNs: 'prod-ns',
    attached: false,
  },
  {
    name: 'Selector matchExpressions NotIn',
    allowed:
      ', allowedRoutes: { namespaces: { from: Selector, selector: { matchExpressions: [{ key: app, operator: NotIn, values: [prod] }] } } }',
    routeNs: 'dev-ns',
    attached: true,
  },
  {
    name: 'Selector on kubernetes.io/metadata.name',
    allowed:
      ', allowedRoutes: { namespaces: { from: Selector, selector: { matchLabels: { kubernetes.io/metadata.name: prod-ns } } } }',
    routeNs: 'prod-ns',
    attached: true,
  },
  {
    name: 'allowedRoutes.kinds without UDPRoute refuses',
    allowed: ', allowedRoutes: { namespaces: { from: All }, kinds: [{ kind: TCPRoute }] }',
    routeNs: 'stunner',
    attached: false,
  },
];

for (const c of cases) {
  test(`allowedRoutes: ${c.name}`, () => {
    const listeners = `[{ name: l, port: 3478, protocol: TURN-UDP${c.allowed} }]`;
    const r = renderYaml(
      BASE + NAMESPACES + gateway('gw', listeners) + routeIn(c.routeNs, 'r', '[{ name: gw, namespace: stunner }]'),
    );
    assert.deepEqual(r.configs[0]!.listeners[0]!.routes, c.attached ? [`${c.routeNs}/r`] : []);
    assert.deepEqual(
      routeParentConds(r, 'r', c.routeNs)[0],
      c.attached ? 'Accepted=True/Accepted' : 'Accepted=False/NotAllowedByListeners',
    );
  });
}

test('sectionName attaches to that listener only; no sectionName attaches to all', () => {
  const listeners = '[{ name: a, port: 1, protocol: TURN-UDP }, { name: b, port: 2, protocol: TURN-UDP }]';
  const r = renderYaml(
    BASE +
      gateway('gw', listeners) +
      routeIn('stunner', 'only-b', '[{ name: gw, sectionName: b }]') +
      routeIn('stunner', 'both', '[{ name: gw }]'),
  );
  const [a, b] = r.configs[0]!.listeners;
  assert.deepEqual(a!.routes, ['stunner/both']);
  assert.deepEqual(b!.routes, ['stunner/both', 'stunner/only-b']);
  assert.deepEqual(
    r.configs[0]!.clusters.map((c) => c.name),
    ['stunner/both', 'stunner/only-b'],
  );
});

test('a parentRef of another group/kind or to a Gateway of another class is ignored', () => {
  const foreignGw = `
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: other, namespace: stunner }
spec: { gatewayClassName: someone-else, listeners: [{ name: l, port: 80, protocol: HTTP }] }`;
  const r = renderYaml(
    BASE + foreignGw + routeIn('stunner', 'r', '[{ name: other }, { group: example.com, kind: Thing, name: x }]'),
  );
  assert.equal(r.statuses.filter((s) => s.kind === 'UDPRoute').length, 0);
});

test('two Gateways under two GatewayClasses with their own GatewayConfigs render independently', () => {
  const second = `
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: class-2 }
spec:
  controllerName: stunner.l7mp.io/gateway-operator
  parametersRef: { group: stunner.l7mp.io, kind: GatewayConfig, name: config-2, namespace: team }
---
apiVersion: stunner.l7mp.io/v1
kind: GatewayConfig
metadata: { name: config-2, namespace: team }
spec: { authType: ephemeral, sharedSecret: s2, realm: team.example.org }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw2, namespace: team }
spec:
  gatewayClassName: class-2
  listeners: [{ name: l, port: 3478, protocol: TURN-UDP, allowedRoutes: { namespaces: { from: All } } }]`;
  const r = renderYaml(
    BASE +
      gateway('gw1', '[{ name: l, port: 3478, protocol: TURN-UDP }]') +
      second +
      routeIn('stunner', 'r', '[{ name: gw1 }, { name: gw2, namespace: team }]'),
  );
  assert.deepEqual(
    r.configs.map((c) => [c.admin.name, c.auth.type, c.auth.realm, c.listeners[0]!.routes]),
    [
      ['stunner/gw1', 'static', 'stunner.l7mp.io', ['stunner/r']],
      ['team/gw2', 'ephemeral', 'team.example.org', ['stunner/r']],
    ],
  );
  assert.deepEqual(
    r.deployments.map((d) => `${d.metadata.namespace}/${d.metadata.name}`),
    ['stunner/gw1', 'team/gw2'],
  );
  assert.deepEqual(routeParentConds(r, 'r', 'stunner', 0)[0], 'Accepted=True/Accepted');
  assert.deepEqual(routeParentConds(r, 'r', 'stunner', 1)[0], 'Accepted=True/Accepted');
});
