import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BASE,
  conds,
  FIXED_NOW,
  gateway,
  gatewayConds,
  listenerConds,
  renderYaml,
  route,
  routeParentConds,
  statusOf,
} from './render-helpers.ts';

const UDP = '[{ name: udp-listener, port: 3478, protocol: TURN-UDP }]';
const MEDIA = '[{ name: media-plane, namespace: default }]';

test('GatewayClass Accepted=True/Accepted with the controller in the message', () => {
  const r = renderYaml(BASE);
  const c = statusOf(r, 'GatewayClass', 'stunner-gatewayclass').conditions as { message: string }[];
  assert.deepEqual(conds(c), ['Accepted=True/Accepted']);
  assert.match(c[0]!.message, /stunner\.l7mp\.io\/gateway-operator/);
});

const invalidClass: { name: string; edit: (b: string) => string; code: string }[] = [
  {
    name: 'missing GatewayConfig',
    edit: (b) =>
      b.replace(
        'name: stunner-gatewayconfig, namespace: stunner }\nspec: { realm',
        'name: other, namespace: stunner }\nspec: { realm',
      ),
    code: 'STUNNER_ERR_GATEWAY_CONFIG_NOT_FOUND',
  },
  {
    name: 'parametersRef of the wrong kind',
    edit: (b) =>
      b.replace('kind: GatewayConfig, name: stunner-gatewayconfig', 'kind: ConfigMap, name: stunner-gatewayconfig'),
    code: 'STUNNER_ERR_INVALID_PARAMETERS_REF',
  },
  {
    name: 'missing Dataplane',
    edit: (b) => b.replace('metadata: { name: default }', 'metadata: { name: other }'),
    code: 'STUNNER_ERR_DATAPLANE_NOT_FOUND',
  },
  {
    name: 'static auth without password',
    edit: (b) => b.replace(', password: pass-1', ''),
    code: 'STUNNER_ERR_INVALID_AUTH',
  },
  {
    name: 'authRef to a missing Secret',
    edit: (b) => b.replace('userName: user-1, password: pass-1', 'authRef: { name: nope }'),
    code: 'STUNNER_ERR_AUTH_SECRET_NOT_FOUND',
  },
];

for (const c of invalidClass) {
  test(`${c.name}: GatewayClass InvalidParameters, Gateway Accepted=False/Pending + Programmed=False/Invalid, nothing rendered`, () => {
    const edited = c.edit(BASE);
    assert.notEqual(edited, BASE);
    const r = renderYaml(edited + gateway('gw', UDP));
    assert.deepEqual(conds(statusOf(r, 'GatewayClass', 'stunner-gatewayclass').conditions), [
      'Accepted=False/InvalidParameters',
    ]);
    assert.deepEqual(gatewayConds(r, 'gw'), ['Accepted=False/Pending', 'Programmed=False/Invalid']);
    assert.equal(r.configs.length + r.services.length + r.deployments.length, 0);
    assert.ok(
      r.issues.some((i) => i.code === c.code),
      JSON.stringify(r.issues),
    );
  });
}

test('GatewayClasses of other controllers and their Gateways are left alone', () => {
  const other = BASE.replace('controllerName: stunner.l7mp.io/gateway-operator', 'controllerName: example.com/other');
  const r = renderYaml(other + gateway('gw', UDP));
  assert.equal(r.statuses.length, 0);
  assert.equal(r.configs.length, 0);
});

test('Programmed=False/AddressNotAssigned without a public address; True/Programmed once the LB has an ingress IP', () => {
  const text = BASE + gateway('gw', UDP);
  assert.deepEqual(gatewayConds(renderYaml(text), 'gw'), [
    'Accepted=True/Accepted',
    'Programmed=False/AddressNotAssigned',
  ]);
  const live = `
---
apiVersion: v1
kind: Service
metadata: { name: gw, namespace: stunner }
spec: { type: LoadBalancer, ports: [{ name: udp-listener, protocol: UDP, port: 3478 }] }
status: { loadBalancer: { ingress: [{ ip: 34.118.88.91 }] } }`;
  const r = renderYaml(text + live);
  assert.deepEqual(gatewayConds(r, 'gw'), ['Accepted=True/Accepted', 'Programmed=True/Programmed']);
  assert.deepEqual(statusOf(r, 'Gateway', 'gw', 'stunner').addresses, [{ type: 'IPAddress', value: '34.118.88.91' }]);
  assert.equal(r.configs[0]!.listeners[0]!.public_address, '34.118.88.91');
  assert.equal(r.configs[0]!.listeners[0]!.public_port, 3478);
});

test('listener conditions: UnsupportedProtocol, PortUnavailable/ProtocolConflict, InvalidCertificateRef, and the good case', () => {
  const listeners = `
    - { name: ok, port: 3478, protocol: TURN-UDP }
    - { name: http, port: 80, protocol: HTTP }
    - { name: dup, port: 3478, protocol: TURN-DTLS, tls: { certificateRefs: [{ name: x }] } }
    - { name: tls, port: 443, protocol: TURN-TLS, tls: { certificateRefs: [{ name: missing }] } }
    - { name: tcp, port: 3478, protocol: TURN-TCP }`;
  const r = renderYaml(BASE + gateway('gw', listeners));
  assert.deepEqual(listenerConds(r, 'gw', 'ok'), [
    'Accepted=True/Accepted',
    'Conflicted=False/NoConflicts',
    'ResolvedRefs=True/ResolvedRefs',
  ]);
  assert.deepEqual(listenerConds(r, 'gw', 'http'), [
    'Accepted=False/UnsupportedProtocol',
    'Conflicted=False/NoConflicts',
    'ResolvedRefs=True/ResolvedRefs',
  ]);
  assert.deepEqual(listenerConds(r, 'gw', 'dup'), [
    'Accepted=False/PortUnavailable',
    'Conflicted=True/ProtocolConflict',
    'ResolvedRefs=True/ResolvedRefs',
  ]);
  assert.deepEqual(listenerConds(r, 'gw', 'tls'), [
    'Accepted=True/Accepted',
    'Conflicted=False/NoConflicts',
    'ResolvedRefs=False/InvalidCertificateRef',
  ]);
  // Same port on TCP does not conflict with UDP.
  assert.deepEqual(listenerConds(r, 'gw', 'tcp'), [
    'Accepted=True/Accepted',
    'Conflicted=False/NoConflicts',
    'ResolvedRefs=True/ResolvedRefs',
  ]);
  assert.deepEqual(
    r.configs[0]!.listeners.map((l) => l.name),
    ['stunner/gw/ok', 'stunner/gw/tcp'],
  );
  const ls = statusOf(r, 'Gateway', 'gw', 'stunner').listeners as { supportedKinds: unknown }[];
  // STUNner's order (§2.9), so a handover between the operators rewrites nothing here.
  assert.deepEqual(ls[0]!.supportedKinds, [
    { group: 'gateway.networking.k8s.io', kind: 'UDPRoute' },
    { group: 'stunner.l7mp.io', kind: 'UDPRoute' },
  ]);
});

test('attachedRoutes: a conflicted listener counts the routes that attach by parentRef and allowedRoutes; one that failed to render counts none', () => {
  const listeners = `
    - { name: ok, port: 3478, protocol: TURN-UDP }
    - { name: dup, port: 3478, protocol: TURN-UDP }
    - { name: http, port: 80, protocol: HTTP }`;
  const r = renderYaml(
    BASE +
      gateway('gw', listeners) +
      route('whole', '[{ name: gw }]', MEDIA) +
      route('to-dup', '[{ name: gw, sectionName: dup }]', MEDIA) +
      route('to-http', '[{ name: gw, sectionName: http }]', MEDIA),
  );
  const ls = statusOf(r, 'Gateway', 'gw', 'stunner').listeners as { name: string; attachedRoutes: number }[];
  assert.deepEqual(
    ls.map((l) => [l.name, l.attachedRoutes]),
    [
      ['ok', 1],
      ['dup', 2],
      ['http', 0],
    ],
  );
  // Only the ready listener serves routes; the ones naming a listener that serves nothing are not accepted.
  assert.deepEqual(r.configs[0]!.listeners[0]!.routes, ['stunner/whole']);
  assert.deepEqual(routeParentConds(r, 'to-dup'), [
    'Accepted=False/NotAllowedByListeners',
    'ResolvedRefs=True/ResolvedRefs',
  ]);
  assert.deepEqual(routeParentConds(r, 'to-http'), [
    'Accepted=False/NotAllowedByListeners',
    'ResolvedRefs=True/ResolvedRefs',
  ]);
});

test('a Gateway of an invalid class: every listener Accepted=Unknown/Pending with no attached routes (as STUNner)', () => {
  const r = renderYaml(
    BASE.replace(', password: pass-1', '') +
      gateway('gw', '[{ name: a, port: 3478, protocol: TURN-UDP }, { name: b, port: 3478, protocol: TURN-UDP }]') +
      route('whole', '[{ name: gw }]', MEDIA),
  );
  assert.deepEqual(listenerConds(r, 'gw', 'a'), [
    'Accepted=Unknown/Pending',
    'Conflicted=False/NoConflicts',
    'ResolvedRefs=True/ResolvedRefs',
  ]);
  assert.deepEqual(listenerConds(r, 'gw', 'b'), [
    'Accepted=Unknown/Pending',
    'Conflicted=True/ProtocolConflict',
    'ResolvedRefs=True/ResolvedRefs',
  ]);
  const ls = statusOf(r, 'Gateway', 'gw', 'stunner').listeners as {
    attachedRoutes: number;
    conditions: { message: string }[];
  }[];
  assert.deepEqual(
    ls.map((l) => l.attachedRoutes),
    [0, 0],
  );
  assert.match(ls[0]!.conditions[0]!.message, /^pending: invalid GatewayConfig/);
});

test('Programmed=False/Invalid when no listener is valid', () => {
  const r = renderYaml(BASE + gateway('gw', '[{ name: h, port: 80, protocol: HTTP }]'));
  assert.deepEqual(gatewayConds(r, 'gw'), ['Accepted=True/Accepted', 'Programmed=False/Invalid']);
});

test('route parent conditions: Accepted, NoMatchingParent (gateway / sectionName), NotAllowedByListeners', () => {
  const otherNs = `
---
apiVersion: stunner.l7mp.io/v1
kind: UDPRoute
metadata: { name: foreign, namespace: team-a }
spec:
  parentRefs: [{ name: gw, namespace: stunner }]
  rules: [{ backendRefs: ${MEDIA} }]`;
  const r = renderYaml(
    BASE +
      gateway('gw', UDP) +
      route('ok', '[{ name: gw }]', MEDIA) +
      route('nogw', '[{ name: missing }]', MEDIA) +
      route('nosection', '[{ name: gw, sectionName: nope }]', MEDIA) +
      otherNs,
  );
  assert.deepEqual(routeParentConds(r, 'ok'), ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
  assert.deepEqual(routeParentConds(r, 'nogw'), ['Accepted=False/NoMatchingParent', 'ResolvedRefs=True/ResolvedRefs']);
  assert.deepEqual(routeParentConds(r, 'nosection'), [
    'Accepted=False/NoMatchingParent',
    'ResolvedRefs=True/ResolvedRefs',
  ]);
  assert.deepEqual(routeParentConds(r, 'foreign', 'team-a'), [
    'Accepted=False/NotAllowedByListeners',
    'ResolvedRefs=True/ResolvedRefs',
  ]);
  assert.deepEqual(r.configs[0]!.listeners[0]!.routes, ['stunner/ok']);
  assert.equal(
    (statusOf(r, 'Gateway', 'gw', 'stunner').listeners as { attachedRoutes: number }[])[0]!.attachedRoutes,
    1,
  );
  const parent = (
    statusOf(r, 'UDPRoute', 'ok', 'stunner').parents as { controllerName: string; parentRef: unknown }[]
  )[0]!;
  assert.equal(parent.controllerName, 'stunner.l7mp.io/gateway-operator');
  assert.deepEqual(parent.parentRef, { name: 'gw' });
});

test('route ResolvedRefs: InvalidKind, BackendNotFound (missing, headless); headless endpoints still render', () => {
  const headless = `
---
apiVersion: v1
kind: Service
metadata: { name: headless, namespace: default }
spec: { clusterIP: None }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: headless-1, namespace: default, labels: { kubernetes.io/service-name: headless } }
endpoints: [{ addresses: [10.9.9.9] }]`;
  const r = renderYaml(
    BASE +
      headless +
      gateway('gw', UDP) +
      route('kind', '[{ name: gw }]', '[{ group: apps, kind: Deployment, name: x }]') +
      route('missing', '[{ name: gw }]', '[{ name: nope }]') +
      route('headless', '[{ name: gw }]', '[{ name: headless, namespace: default }]'),
  );
  assert.deepEqual(routeParentConds(r, 'kind'), ['Accepted=True/Accepted', 'ResolvedRefs=False/InvalidKind']);
  assert.deepEqual(routeParentConds(r, 'missing'), ['Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound']);
  assert.deepEqual(routeParentConds(r, 'headless'), ['Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound']);
  const cl = r.configs[0]!.clusters.find((c) => c.name === 'stunner/headless')!;
  assert.deepEqual(cl.endpoints, ['10.9.9.9']);
  const issue = r.issues.find((i) => i.code === 'STUNNER_ERR_BACKEND_NOT_FOUND')!;
  assert.equal(issue.object, 'UDPRoute stunner/missing');
  assert.equal(issue.field, 'spec.rules[0].backendRefs[0]');
});

test('a v1alpha2 UDPRoute masked by a v1 route of the same name: Accepted=False/Pending, not rendered', () => {
  const r = renderYaml(
    BASE +
      gateway('gw', UDP) +
      route('media', '[{ name: gw }]', MEDIA) +
      route(
        'media',
        '[{ name: gw }]',
        '[{ group: stunner.l7mp.io, kind: StaticService, name: nope, port: 1 }]',
        'gateway.networking.k8s.io/v1alpha2',
      ),
  );
  const statuses = r.statuses.filter((s) => s.kind === 'UDPRoute');
  const masked = statuses.find((s) => s.apiVersion === 'gateway.networking.k8s.io/v1alpha2')!;
  const v1 = statuses.find((s) => s.apiVersion === 'stunner.l7mp.io/v1')!;
  assert.deepEqual(conds((masked.status.parents as { conditions: unknown }[])[0]!.conditions), [
    'Accepted=False/Pending',
    'ResolvedRefs=False/Pending',
  ]);
  assert.deepEqual(conds((v1.status.parents as { conditions: unknown }[])[0]!.conditions), [
    'Accepted=True/Accepted',
    'ResolvedRefs=True/ResolvedRefs',
  ]);
  assert.deepEqual(
    r.configs[0]!.clusters.map((c) => c.endpoints.length),
    [3],
  );
});

test('a v1alpha2 UDPRoute alone is rendered and its mandatory port ignored', () => {
  const r = renderYaml(
    BASE +
      gateway('gw', UDP) +
      route(
        'm',
        '[{ name: gw }]',
        '[{ name: media-plane, namespace: default, port: 1 }]',
        'gateway.networking.k8s.io/v1alpha2',
      ),
  );
  assert.deepEqual(r.configs[0]!.clusters[0]!.endpoints, ['10.104.175.57', '10.76.1.3', '10.80.7.104']);
});

test('conditions carry observedGeneration and keep lastTransitionTime while the status does not change', () => {
  const gw = gateway('gw', UDP, ', generation: 7').replace('listeners:', 'listeners:');
  const prev = `
status:
  conditions:
    - { type: Accepted, status: "True", reason: Accepted, message: old, lastTransitionTime: "2025-05-05T00:00:00Z" }
    - { type: Programmed, status: "True", reason: Programmed, message: old, lastTransitionTime: "2025-05-05T00:00:00Z" }`;
  const r = renderYaml(BASE + gw + prev);
  const c = statusOf(r, 'Gateway', 'gw', 'stunner').conditions as {
    type: string;
    observedGeneration: number;
    lastTransitionTime: string;
  }[];
  assert.equal(c[0]!.observedGeneration, 7);
  assert.equal(c[0]!.lastTransitionTime, '2025-05-05T00:00:00Z');
  // Programmed flipped to False: a new transition time from the injected clock.
  assert.equal(c[1]!.lastTransitionTime, FIXED_NOW.toISOString().replace('.000', ''));
});

test('route parent entries of other controllers are preserved', () => {
  const withStatus = `${route('ok', '[{ name: gw }]', MEDIA)}status:
  parents:
    - parentRef: { name: other-gw }
      controllerName: example.com/other
      conditions: []
`;
  const r = renderYaml(BASE + gateway('gw', UDP) + withStatus);
  const parents = statusOf(r, 'UDPRoute', 'ok', 'stunner').parents as { controllerName: string }[];
  assert.deepEqual(
    parents.map((p) => p.controllerName),
    ['example.com/other', 'stunner.l7mp.io/gateway-operator'],
  );
});

test('a v1alpha2 UDPRoute whose only parent does not exist is left to other implementations', () => {
  const r = renderYaml(BASE + route('elsewhere', '[{ name: not-ours }]', MEDIA, 'gateway.networking.k8s.io/v1alpha2'));
  assert.equal(r.statuses.filter((s) => s.kind === 'UDPRoute').length, 0);
});

test('route status parentRef echoes the spec as stored (an upstream CRD has defaulted group and kind into it)', () => {
  const ref =
    '{ group: gateway.networking.k8s.io, kind: Gateway, name: gw, namespace: stunner, sectionName: udp-listener }';
  const r = renderYaml(BASE + gateway('gw', UDP) + route('r', `[${ref}]`, MEDIA));
  const parents = statusOf(r, 'UDPRoute', 'r', 'stunner').parents as { parentRef: unknown }[];
  // What STUNner writes ({name, namespace, sectionName}) reads back the same once the CRD defaults it, and
  // writing the stored form means an unchanged status is never rewritten.
  assert.deepEqual(parents[0]!.parentRef, {
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    name: 'gw',
    namespace: 'stunner',
    sectionName: 'udp-listener',
  });
  assert.deepEqual(routeParentConds(r, 'r'), ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
});
