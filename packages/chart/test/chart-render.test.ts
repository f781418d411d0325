// helm lint and helm template of deploy/helm/stunner: the objects STUNner users know (stunner-v1.md §5),
// the operator flags the chart passes are ones the operator parses, and values users set land where
// they should.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_CDS_PORT, DEFAULT_STUNNERD_IMAGE, dataplaneSchema, IMAGE_REPOSITORY, IMAGE_TAG } from '@stunner/api';
import { parseAuthdFlags } from '@stunner/auth';
import { parseOperatorFlags } from '@stunner/operator/runtime';
import { ensureHelm } from '@stunner/testing';
import {
  COMBINATIONS,
  HelmError,
  helmLint,
  helmTemplate,
  type KubeManifest,
  RELEASE_NAMESPACE,
  type Values,
} from '../src/index.ts';

// helm, built once from the Go module proxy, is a peer of this test.
ensureHelm();

type Container = {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  resources?: Record<string, Record<string, string>>;
};
type PodSpec = {
  containers: Container[];
  serviceAccountName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  volumes?: { name: string; secret?: { secretName: string } }[];
};
type Deployment = KubeManifest & {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};
type Service = KubeManifest & {
  spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] };
};

const find = <T extends KubeManifest>(objs: KubeManifest[], kind: string, name: string): T => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `no ${kind} ${name} in ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o as T;
};
const keys = (objs: KubeManifest[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
const selects = (svc: Service, dep: Deployment) =>
  Object.entries(svc.spec.selector).every(([k, v]) => dep.spec.template.metadata.labels[k] === v);

describe('helm lint', () => {
  for (const c of COMBINATIONS) {
    test(`passes --strict: ${c.name}`, () => {
      helmLint(c.values);
    });
  }
  test('values.schema.json refuses values the operator and stunnerd do not know', () => {
    const refused: Values[] = [
      { 'stunnerGatewayOperator.dataplane.mode': 'hybrid' },
      { 'logging.operator.format': 'yaml' },
      { 'gatewayApiCrds.channel': 'nightly' },
      { 'stunnerAuthService.port': '70000' },
    ];
    for (const bad of refused) {
      assert.throws(() => helmLint(bad), HelmError, JSON.stringify(bad));
    }
  });
});

describe('helm template with default values', () => {
  const objs = helmTemplate();

  test('renders the operator, its Services, RBAC, the default Dataplane and the auth service, nothing else', () => {
    assert.deepEqual(keys(objs), [
      'ClusterRole/stunner-ts-gateway-operator-manager-role',
      'ClusterRoleBinding/stunner-ts-gateway-operator-manager-rolebinding',
      'Dataplane/default',
      'Deployment/stunner-auth',
      'Deployment/stunner-gateway-operator',
      'Role/stunner-gateway-operator-leader-election-role',
      'RoleBinding/stunner-gateway-operator-leader-election-rolebinding',
      'Secret/stunner-config-discovery-token',
      'Service/stunner-auth',
      'Service/stunner-config-discovery',
      'Service/stunner-gateway-operator-metrics',
      'ServiceAccount/stunner-auth',
      'ServiceAccount/stunner-gateway-operator-controller-manager',
    ]);
    for (const o of objs) {
      if (o.kind !== 'ClusterRole' && o.kind !== 'ClusterRoleBinding' && o.kind !== 'Dataplane') {
        assert.equal(o.metadata.namespace, RELEASE_NAMESPACE, `${o.kind}/${o.metadata.name}`);
      }
    }
  });

  test('the operator runs with leader election, the pod IP as CDS address and flags the operator parses', () => {
    const dep = find<Deployment>(objs, 'Deployment', 'stunner-gateway-operator');
    const pod = dep.spec.template;
    assert.equal(pod.metadata.labels['stunner.l7mp.io/config-discovery-service'], 'enabled');
    assert.equal(pod.spec.serviceAccountName, 'stunner-gateway-operator-controller-manager');
    assert.deepEqual(pod.spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
    const c = pod.spec.containers[0]!;
    assert.equal(
      c.image,
      `${IMAGE_REPOSITORY}/stunner-gateway-operator:${IMAGE_TAG}`,
      'the image npm run image builds',
    );
    const addr = c.env?.find((e) => e.name === 'STUNNER_GATEWAY_OPERATOR_ADDRESS');
    assert.equal(addr?.valueFrom?.fieldRef?.fieldPath, 'status.podIP');
    const flags = parseOperatorFlags(c.args ?? [], { POD_NAMESPACE: RELEASE_NAMESPACE });
    assert.equal(flags.leaderElect, true);
    assert.equal(flags.leaderElectionNamespace, RELEASE_NAMESPACE);
    assert.equal(flags.dataplaneMode, 'managed');
    assert.deepEqual(flags.cds, { host: '0.0.0.0', port: DEFAULT_CDS_PORT });
    assert.deepEqual(flags.metrics, { host: '', port: 8080 });
    assert.deepEqual(flags.health, { host: '', port: 8081 });
    assert.equal(flags.logSpec, 'all:INFO');
    assert.equal(flags.logFormat, 'text');
  });

  test('stunner-config-discovery serves 13478 and the metrics Service 8080 from the operator pods', () => {
    const dep = find<Deployment>(objs, 'Deployment', 'stunner-gateway-operator');
    const cds = find<Service>(objs, 'Service', 'stunner-config-discovery');
    const metrics = find<Service>(objs, 'Service', 'stunner-gateway-operator-metrics');
    assert.ok(selects(cds, dep) && selects(metrics, dep));
    assert.deepEqual(
      cds.spec.ports.map((p) => [p.port, p.targetPort]),
      [[13478, 'cds']],
    );
    assert.deepEqual(
      metrics.spec.ports.map((p) => [p.port, p.targetPort]),
      [[8080, 'metrics']],
    );
    const named = Object.fromEntries(
      dep.spec.template.spec.containers[0]!.ports!.map((p) => [p.name, p.containerPort]),
    );
    assert.deepEqual(named, { cds: 13478, metrics: 8080, health: 8081 });
  });

  test('the default Dataplane is what STUNner installs: -w --udp-thread-num=16, resources, 3600 s grace', () => {
    const dp = dataplaneSchema.parse(find(objs, 'Dataplane', 'default'));
    assert.equal(dp.spec.image, DEFAULT_STUNNERD_IMAGE, "the operator's default stunnerd image");
    assert.deepEqual(dp.spec.command, ['stunnerd']);
    assert.deepEqual(dp.spec.args, ['-w', '--udp-thread-num=16']);
    assert.deepEqual(dp.spec.resources, {
      limits: { cpu: 2, memory: '512Mi' },
      requests: { cpu: '500m', memory: '128Mi' },
    });
    assert.equal(dp.spec.terminationGracePeriodSeconds, 3600);
    assert.equal(dp.spec.enableMetricsEndpoint, false);
  });
});

describe('helm template with the values users set', () => {
  const [, authJsonLegacy, monitoring, gatewayApi, custom, bare] = COMBINATIONS.map((c) =>
    helmTemplate({ values: c.values }),
  );

  test('the auth service: Deployment and Service stunner-auth:8088 reading the in-cluster CDS, flags authd parses', () => {
    const dep = find<Deployment>(authJsonLegacy!, 'Deployment', 'stunner-auth');
    const svc = find<Service>(authJsonLegacy!, 'Service', 'stunner-auth');
    assert.ok(selects(svc, dep));
    assert.deepEqual(
      svc.spec.ports.map((p) => p.port),
      [8088],
    );
    const c = dep.spec.template.spec.containers[0]!;
    assert.equal(c.image, `${IMAGE_REPOSITORY}/stunner-auth-server:${IMAGE_TAG}`);
    const flags = parseAuthdFlags(c.args ?? [], {});
    assert.equal(flags.port, 8088);
    assert.equal(flags.logFormat, 'json');
    assert.equal(flags.probes, true, 'the probes the Deployment declares are served');
    assert.equal(
      flags.source.kind === 'cds' ? flags.source.base.href : '',
      `http://stunner-config-discovery.${RELEASE_NAMESPACE}.svc:13478/`,
    );
    assert.equal(
      keys(helmTemplate({ values: { 'stunnerAuthService.enabled': 'false' } })).includes('Service/stunner-auth'),
      false,
    );
  });

  test('logging and dataplane mode reach the operator and the Dataplane', () => {
    const c = find<Deployment>(authJsonLegacy!, 'Deployment', 'stunner-gateway-operator').spec.template.spec
      .containers[0]!;
    const flags = parseOperatorFlags(c.args ?? []);
    assert.equal(flags.dataplaneMode, 'legacy');
    assert.equal(flags.logSpec, 'all:DEBUG');
    assert.equal(flags.logFormat, 'json');
    const dp = dataplaneSchema.parse(find(authJsonLegacy!, 'Dataplane', 'default'));
    assert.deepEqual(dp.spec.args, ['-w', '--udp-thread-num=16', '--log-format=json']);
  });

  test('monitoring: a ServiceMonitor on the metrics Service and a PodMonitor on the stunnerd metrics port', () => {
    const sm = find(monitoring!, 'ServiceMonitor', 'stunner-gateway-operator') as KubeManifest & {
      spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
    };
    const metrics = find<Service>(monitoring!, 'Service', 'stunner-gateway-operator-metrics');
    assert.ok(Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => metrics.metadata.labels?.[k] === v));
    assert.equal(sm.spec.endpoints[0]?.port, metrics.spec.ports[0]?.name);
    const pm = find(monitoring!, 'PodMonitor', 'stunner-dataplane') as KubeManifest & {
      spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string }[] };
    };
    assert.deepEqual(pm.spec.selector.matchLabels, { app: 'stunner' });
    assert.equal(pm.spec.podMetricsEndpoints[0]?.port, 'metrics-port');
    assert.equal(pm.metadata.labels?.release, 'prometheus');
    assert.equal(dataplaneSchema.parse(find(monitoring!, 'Dataplane', 'default')).spec.enableMetricsEndpoint, true);
  });

  test('gatewayApiCrds.install: a pre-install hook Job applies the chosen release channel', () => {
    const job = find(gatewayApi!, 'Job', 'stunner-gateway-api-crds') as KubeManifest & {
      spec: { template: { spec: PodSpec } };
    };
    assert.match(job.metadata.annotations?.['helm.sh/hook'] ?? '', /pre-install/);
    assert.ok(
      job.spec.template.spec.containers[0]!.args!.includes(
        'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.4.1/experimental-install.yaml',
      ),
    );
    assert.equal(keys(helmTemplate()).includes('Job/stunner-gateway-api-crds'), false);
  });

  test('images, replicas, resources, node selectors and tolerations', () => {
    const dep = find<Deployment>(custom!, 'Deployment', 'stunner-gateway-operator');
    const pod = dep.spec.template.spec;
    assert.equal(dep.spec.replicas, 2);
    assert.equal(pod.containers[0]!.image, 'registry.example.com/stunner/operator:1.2.3');
    assert.equal(pod.containers[0]!.resources?.limits?.memory, '256Mi');
    assert.deepEqual(pod.nodeSelector, { 'kubernetes.io/os': 'linux', pool: 'control' });
    assert.deepEqual(pod.tolerations, [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }]);
    assert.equal(parseOperatorFlags(pod.containers[0]!.args ?? []).enableFinalizer, true);
    const dp = dataplaneSchema.parse(find(custom!, 'Dataplane', 'default'));
    assert.equal(dp.spec.image, 'registry.example.com/stunner/stunnerd:1.2.3');
    assert.equal(dp.spec.imagePullPolicy, 'Always');
    assert.equal(dp.spec.replicas, 3);
    assert.equal(dp.spec.hostNetwork, true);
    assert.equal(dp.spec.terminationGracePeriodSeconds, 600);
    assert.deepEqual(dp.spec.tolerations, [{ key: 'media', operator: 'Exists' }]);
    assert.equal((dp.spec.resources as { limits: { cpu: number } }).limits.cpu, 4);
  });

  test('leader election and the default Dataplane can be turned off', () => {
    const c = find<Deployment>(bare!, 'Deployment', 'stunner-gateway-operator').spec.template.spec.containers[0]!;
    assert.equal(parseOperatorFlags(c.args ?? []).leaderElect, false);
    assert.equal(keys(bare!).includes('Dataplane/default'), false);
  });
});

describe('cdsAuth: the bearer token of the config discovery service', () => {
  const TOKEN_DIR = '/var/run/secrets/stunner.l7mp.io/cds';
  type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
  const secretVerbs = (objs: KubeManifest[]) =>
    (find(objs, 'ClusterRole', 'stunner-ts-gateway-operator-manager-role') as KubeManifest & { rules: Rule[] }).rules
      .filter((r) => r.apiGroups.includes('') && r.resources.includes('secrets'))
      .flatMap((r) => r.verbs)
      .sort();
  /** The token file each of the operator and authd reads, checked against its Deployment's volume. */
  const tokenFile = (objs: KubeManifest[], deployment: string, secret: string): string | undefined => {
    const pod = find<Deployment>(objs, 'Deployment', deployment).spec.template.spec;
    const c = pod.containers[0]!;
    const file = c.env?.find((e) => e.name === 'STUNNER_CDS_TOKEN_FILE')?.value;
    if (file === undefined) {
      assert.equal(c.volumeMounts, undefined, `${deployment}: no mount without the variable`);
      assert.equal(pod.volumes, undefined, `${deployment}: no volume without the variable`);
      return undefined;
    }
    assert.deepEqual(c.volumeMounts, [{ name: 'cds-token', mountPath: TOKEN_DIR, readOnly: true }], deployment);
    assert.deepEqual(pod.volumes, [{ name: 'cds-token', secret: { secretName: secret } }], deployment);
    return file;
  };

  test('default on: a random token in a Secret, mounted into the operator and authd, named by the variable', () => {
    const objs = helmTemplate();
    const secret = find(objs, 'Secret', 'stunner-config-discovery-token') as KubeManifest & {
      type: string;
      data: Record<string, string>;
    };
    assert.equal(secret.metadata.namespace, RELEASE_NAMESPACE);
    assert.equal(secret.type, 'Opaque');
    const token = Buffer.from(secret.data.token!, 'base64').toString('utf8');
    assert.match(token, /^[A-Za-z0-9]{48}$/, 'randAlphaNum 48');
    const again = find(helmTemplate(), 'Secret', 'stunner-config-discovery-token') as typeof secret;
    assert.notEqual(again.data.token, secret.data.token, 'random at each fresh render (no cluster to look up)');
    for (const d of ['stunner-gateway-operator', 'stunner-auth']) {
      assert.equal(tokenFile(objs, d, 'stunner-config-discovery-token'), `${TOKEN_DIR}/token`);
    }
    // The operator reads the variable as its --cds-token-file; authd's CDS client reads it at each dial.
    const op = find<Deployment>(objs, 'Deployment', 'stunner-gateway-operator').spec.template.spec.containers[0]!;
    const env = Object.fromEntries((op.env ?? []).filter((e) => e.value).map((e) => [e.name, e.value!]));
    assert.equal(parseOperatorFlags(op.args ?? [], env).cdsTokenFile, `${TOKEN_DIR}/token`);
    // It writes the token Secrets of the dataplane namespaces.
    assert.deepEqual(secretVerbs(objs), ['create', 'delete', 'get', 'list', 'patch', 'watch']);
    assert.doesNotMatch(JSON.stringify(objs.filter((o) => o.kind !== 'Secret')), new RegExp(token));
  });

  test('existingSecret: the user’s Secret is mounted and the chart makes none', () => {
    const objs = helmTemplate({ values: { 'cdsAuth.existingSecret': 'my-cds-token' } });
    assert.equal(
      objs.some((o) => o.kind === 'Secret'),
      false,
    );
    for (const d of ['stunner-gateway-operator', 'stunner-auth']) {
      assert.equal(tokenFile(objs, d, 'my-cds-token'), `${TOKEN_DIR}/token`);
    }
  });

  test('off: no Secret, no volume, no mount, no variable, and the operator only reads Secrets', () => {
    const objs = helmTemplate({ values: { 'cdsAuth.enabled': 'false' } });
    assert.equal(
      objs.some((o) => o.kind === 'Secret'),
      false,
    );
    for (const d of ['stunner-gateway-operator', 'stunner-auth']) {
      assert.equal(tokenFile(objs, d, ''), undefined);
    }
    const op = find<Deployment>(objs, 'Deployment', 'stunner-gateway-operator').spec.template.spec.containers[0]!;
    assert.equal(parseOperatorFlags(op.args ?? [], {}).cdsTokenFile, undefined);
    assert.deepEqual(secretVerbs(objs), ['get', 'list', 'watch']);
    // authd's own env (e.g. AUTHD_TOKEN) still reaches it without the token's.
    const withEnv = helmTemplate({
      values: {
        'cdsAuth.enabled': 'false',
        'stunnerAuthService.deployment.container.authService.env[0].name': 'STUNNER_PUBLIC_ADDR',
        'stunnerAuthService.deployment.container.authService.env[0].value': '203.0.113.1',
      },
    });
    assert.deepEqual(find<Deployment>(withEnv, 'Deployment', 'stunner-auth').spec.template.spec.containers[0]!.env, [
      { name: 'STUNNER_PUBLIC_ADDR', value: '203.0.113.1' },
    ]);
  });

  test('values.schema.json refuses an existingSecret that is no Secret name', () => {
    assert.throws(() => helmLint({ 'cdsAuth.existingSecret': 'My_Secret' }), HelmError);
  });
});
