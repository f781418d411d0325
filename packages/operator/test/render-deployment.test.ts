import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container, Deployment } from '../src/index.ts';
import { BASE, gateway, renderYaml } from './render-helpers.ts';

const UDP = '[{ name: udp, port: 3478, protocol: TURN-UDP }]';

function deploy(dataplaneSpec: string, gwExtra = ''): Deployment {
  const base = BASE.replace('spec: { image: l7mp/stunnerd:latest }', `spec: ${dataplaneSpec}`);
  const r = renderYaml(base + gateway('gw', UDP, gwExtra));
  assert.equal(r.deployments.length, 1);
  return r.deployments[0]!;
}

const container = (d: Deployment): Container => d.spec.template.spec.containers[0]!;

test('defaults: stunner-daemon container, stunnerd -w --udp-thread-num=16, STUNNER_* env, probes on 8086, 3600 s grace', () => {
  const d = deploy('{ image: l7mp/stunnerd:latest }');
  const c = container(d);
  assert.equal(c.name, 'stunner-daemon');
  assert.equal(c.image, 'l7mp/stunnerd:latest');
  assert.equal(c.imagePullPolicy, 'Always');
  assert.deepEqual(c.command, ['stunnerd']);
  assert.deepEqual(c.args, ['-w', '--udp-thread-num=16']);
  assert.deepEqual(c.env, [
    { name: 'STUNNER_ADDR', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'STUNNER_NAME', value: 'gw' },
    { name: 'STUNNER_NAMESPACE', value: 'stunner' },
    { name: 'STUNNER_NODENAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    { name: 'STUNNER_CONFIG_ORIGIN', value: 'http://10.0.0.1:13478' },
  ]);
  assert.deepEqual((c.livenessProbe as { httpGet: unknown }).httpGet, { path: '/live', port: 8086, scheme: 'HTTP' });
  assert.deepEqual((c.readinessProbe as { httpGet: unknown }).httpGet, { path: '/ready', port: 8086, scheme: 'HTTP' });
  assert.deepEqual(c.resources, { requests: { cpu: '250m' }, limits: { memory: '20M' } });
  assert.equal(d.spec.template.spec.terminationGracePeriodSeconds, 3600);
  assert.equal(d.spec.replicas, undefined);
  assert.equal(d.metadata.ownerReferences?.[0]?.name, 'gw');
  // STUNner's selector form, in its order (§2.6): the selector is immutable, so the two operators must agree.
  assert.equal(d.spec.selector.matchLabels, undefined);
  assert.deepEqual(d.spec.selector, {
    matchExpressions: [
      { key: 'app', operator: 'In', values: ['stunner'] },
      { key: 'stunner.l7mp.io/related-gateway-name', operator: 'In', values: ['gw'] },
      { key: 'stunner.l7mp.io/related-gateway-namespace', operator: 'In', values: ['stunner'] },
    ],
  });
  // The metrics port is declared even with the metrics endpoint off, and the pod names its Gateway.
  assert.deepEqual(c.ports, [{ name: 'metrics-port', containerPort: 8080, protocol: 'TCP' }]);
  assert.deepEqual(d.spec.template.metadata.annotations, { 'stunner.l7mp.io/related-gateway-name': 'stunner/gw' });
});

test('the Dataplane template reaches the pod: env, envFrom, resources, security, scheduling, hostNetwork, replicas', () => {
  const d = deploy(`
    image: example/stunnerd:1
    imagePullPolicy: IfNotPresent
    imagePullSecrets: [{ name: regcred }]
    command: [my-stunnerd]
    args: [-w]
    env: [{ name: EXTRA, value: "1" }]
    envFrom: [{ secretRef: { name: extra-env } }]
    resources: { limits: { cpu: 2 } }
    containerSecurityContext: { runAsNonRoot: true }
    securityContext: { fsGroup: 1000 }
    affinity: { nodeAffinity: {} }
    tolerations: [{ key: k, operator: Exists }]
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway }]
    hostNetwork: true
    terminationGracePeriodSeconds: 30
    replicas: 3
    labels: { team: media }
    annotations: { prometheus.io/scrape: "true" }
    enableMetricsEndpoint: true
    disableHealthCheck: true`);
  const c = container(d);
  const pod = d.spec.template.spec;
  assert.equal(c.image, 'example/stunnerd:1');
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(c.command, ['my-stunnerd']);
  assert.deepEqual(c.args, ['-w']);
  assert.deepEqual(c.env!.at(-1), { name: 'EXTRA', value: '1' });
  assert.deepEqual(c.envFrom, [{ secretRef: { name: 'extra-env' } }]);
  assert.deepEqual(c.resources, { limits: { cpu: 2 } });
  assert.deepEqual(c.securityContext, { runAsNonRoot: true });
  assert.deepEqual(c.ports, [{ name: 'metrics-port', containerPort: 8080, protocol: 'TCP' }]);
  assert.equal(c.livenessProbe, undefined);
  assert.equal(c.readinessProbe, undefined);
  assert.deepEqual(pod.securityContext, { fsGroup: 1000 });
  assert.deepEqual(pod.affinity, { nodeAffinity: {} });
  assert.deepEqual(pod.tolerations, [{ key: 'k', operator: 'Exists' }]);
  assert.equal((pod.topologySpreadConstraints as unknown[]).length, 1);
  assert.deepEqual(pod.imagePullSecrets, [{ name: 'regcred' }]);
  assert.equal(pod.hostNetwork, true);
  assert.equal(pod.dnsPolicy, 'ClusterFirstWithHostNet');
  assert.equal(pod.terminationGracePeriodSeconds, 30);
  assert.equal(d.spec.replicas, 3);
  assert.equal(d.spec.template.metadata.labels.team, 'media');
  assert.equal(d.spec.template.metadata.labels.app, 'stunner');
  assert.deepEqual(d.spec.template.metadata.annotations, {
    'prometheus.io/scrape': 'true',
    'stunner.l7mp.io/related-gateway-name': 'stunner/gw',
  });
});

test("the Dataplane's pod annotations cannot override the related-gateway annotation", () => {
  const d = deploy('{ image: x, annotations: { stunner.l7mp.io/related-gateway-name: other/gw, a: b } }');
  assert.deepEqual(d.spec.template.metadata.annotations, {
    a: 'b',
    'stunner.l7mp.io/related-gateway-name': 'stunner/gw',
  });
});

test('Gateway labels reach the Deployment except the GitOps tracking labels', () => {
  const d = deploy(
    '{ image: x }',
    ', labels: { team: media, argocd.argoproj.io/instance: app, app.kubernetes.io/managed-by: Helm }, annotations: { note: n }',
  );
  assert.equal(d.metadata.labels!.team, 'media');
  assert.equal(d.metadata.labels!['argocd.argoproj.io/instance'], undefined);
  assert.equal(d.metadata.labels!['app.kubernetes.io/managed-by'], undefined);
  assert.equal(d.metadata.labels!['stunner.l7mp.io/owned-by'], 'stunner');
  assert.deepEqual(d.metadata.annotations, { note: 'n', 'stunner.l7mp.io/related-gateway-name': 'stunner/gw' });
});

test('disable-managed-dataplane: no Deployment, config and Service still rendered', () => {
  const r = renderYaml(
    BASE + gateway('gw', UDP, ', annotations: { stunner.l7mp.io/disable-managed-dataplane: "true" }'),
  );
  assert.equal(r.deployments.length, 0);
  assert.equal(r.configs.length, 1);
  assert.equal(r.services.length, 1);
});

test('legacy mode: one ConfigMap stunnerd-config per class in the GatewayConfig namespace, no Deployments', () => {
  const r = renderYaml(BASE + gateway('a', UDP) + gateway('b', '[{ name: tcp, port: 3479, protocol: TURN-TCP }]'), {
    dataplaneMode: 'legacy',
  });
  assert.equal(r.deployments.length, 0);
  assert.equal(r.configMaps.length, 1);
  const cm = r.configMaps[0]!;
  assert.equal(cm.metadata.name, 'stunnerd-config');
  assert.equal(cm.metadata.namespace, 'stunner');
  assert.equal(cm.immutable, true);
  assert.equal(cm.metadata.ownerReferences?.[0]?.kind, 'GatewayConfig');
  const conf = JSON.parse(cm.data['stunnerd.conf']!);
  assert.equal(conf.admin.name, 'stunner-daemon');
  assert.deepEqual(
    conf.listeners.map((l: { name: string }) => l.name),
    ['stunner/a/udp', 'stunner/b/tcp'],
  );
  assert.deepEqual(r.configs, [conf]);
});

test('legacy mode needs no Dataplane', () => {
  const base = BASE.replace(
    /kind: Dataplane[\s\S]*?image: l7mp\/stunnerd:latest \}/,
    'kind: Namespace\nmetadata: { name: stunner }',
  );
  assert.ok(!base.includes('kind: Dataplane'));
  const r = renderYaml(base + gateway('a', UDP), { dataplaneMode: 'legacy' });
  assert.equal(r.configMaps.length, 1);
});

test('a DaemonSet Dataplane (premium) is reported and rendered as a Deployment', () => {
  const base = BASE.replace(
    'spec: { image: l7mp/stunnerd:latest }',
    'spec: { image: x, dataplaneResource: DaemonSet }',
  );
  const r = renderYaml(base + gateway('gw', UDP));
  assert.equal(r.deployments.length, 1);
  assert.ok(r.issues.some((i) => i.code === 'STUNNER_ERR_UNSUPPORTED_FEATURE' && i.field === 'spec.dataplaneResource'));
});
