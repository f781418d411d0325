// The switch from STUNner's operator to ours, and back, on a real kube-apiserver (issue 17; the steps of
// docs/migrating-from-stunner.md). The cluster holds what STUNner's operator left for the quickstart and for
// a TLS + UDP setup (stunner-world.ts); our operator starts on it with the same CDS address (what the chart's
// STUNNER_GATEWAY_OPERATOR_ADDRESS gives), and must adopt every object in place, leave every pod template
// alone, converge the statuses to its own, serve STUNner's CDS bytes, and carry a UDPRoute change to the
// dataplane. Then STUNner's updater rules are applied to what our operator wrote: nothing refused, nothing
// rolled, and our operator taking over once more changes nothing either.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { StunnerConfig } from '@stunner/api';
import type { RunningOperator } from '@stunner/operator/runtime';
import { CdsConfigClient } from '@stunner/stunnerd';
import { type ApplyObject, type ControlPlane, freePort, startControlPlane, waitUntil } from '@stunner/testing';
import { startTestOperator } from '../support/harness.ts';
import { STUNNER_MANAGER, stunnerUpsertDeployment, stunnerUpsertService } from './stunner-updater.ts';
import {
  quickstart,
  recorded,
  stunnerDeployment,
  stunnerService,
  stunnerStatuses,
  tlsUdp,
  type World,
} from './stunner-world.ts';

interface Obj {
  metadata: {
    uid: string;
    generation?: number;
    resourceVersion: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
    managedFields?: { manager: string; operation: string }[];
  };
  spec: Record<string, unknown> & { template?: unknown; selector?: unknown };
  status?: Record<string, unknown>;
}

const STUNNERCTL = fileURLToPath(new URL('./stunnerctl.ts', import.meta.resolve('@stunner/cli')));
const WORLDS = [quickstart, tlsUdp];
/** Our operator's server-side apply field manager. */
const FIELD_MANAGER = 'stunner-gateway-operator';
let cp: ControlPlane;
let op: RunningOperator | undefined;
let cdsPort: number;
let origin: string;
/** `stunnerctl -a config -o json` against STUNner's CDS, before the switch (the doc's step 0). */
let stunnerctlBefore: string[] = [];

/** The migration guide's `stunnerctl -a config -o json`, against the CDS at `addr`; one line per config. */
async function stunnerctlConfigs(addr: string): Promise<string[]> {
  const args = [STUNNERCTL, '-a', 'config', '-o', 'json', `--cds-server-address=${addr}`];
  const { stdout } = await promisify(execFile)(process.execPath, args, { encoding: 'utf8', timeout: 20_000 });
  return stdout.trim().split('\n').sort();
}

/** STUNner's CDS as it answered before the switch: its recorded list. */
async function stunnerctlAgainstStunnerCds(): Promise<string[]> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(recorded('list-all.body'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await stunnerctlConfigs(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}
const before_ = new Map<string, { deployment: Obj; service: Obj }>();

const get = (path: string) => cp.request<Obj>('GET', path);
const depPath = (w: World) => `/apis/apps/v1/namespaces/${w.namespace}/deployments/${w.gateway}`;
const svcPath = (w: World) => `/api/v1/namespaces/${w.namespace}/services/${w.gateway}`;
const gwPath = (w: World) => `/apis/gateway.networking.k8s.io/v1/namespaces/${w.namespace}/gateways/${w.gateway}`;
const managers = (o: Obj) => (o.metadata.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);

/** What STUNner's operator left: its Service and Deployment (created as its client does), the LB's address, statuses. */
async function leaveStunnerObjects(w: World): Promise<void> {
  const gw = await get(gwPath(w));
  const q = `?fieldManager=${STUNNER_MANAGER}`;
  await cp.request('POST', `/api/v1/namespaces/${w.namespace}/services${q}`, stunnerService(w, gw.metadata.uid));
  await cp.request(
    'POST',
    `/apis/apps/v1/namespaces/${w.namespace}/deployments${q}`,
    stunnerDeployment(w, gw.metadata.uid, origin),
  );
  await cp.request(
    'PATCH',
    `${svcPath(w)}/status`,
    { status: { loadBalancer: { ingress: [{ ip: w.lbIp }] } } },
    'application/merge-patch+json',
  );
  for (const s of stunnerStatuses(w)) {
    await cp.request('PATCH', `${s.path}/status${q}`, { status: s.status }, 'application/merge-patch+json');
  }
}

before(async () => {
  cp = await startControlPlane();
  cdsPort = await freePort();
  // STUNner's operator pod address and CDS port, which our operator advertises too.
  origin = `http://127.0.0.1:${cdsPort}`;
  for (const w of WORLDS) await cp.apply(w.manifests as ApplyObject[], 'kubectl');
  for (const w of WORLDS) {
    await leaveStunnerObjects(w);
    before_.set(w.id, { deployment: await get(depPath(w)), service: await get(svcPath(w)) });
  }
  stunnerctlBefore = await stunnerctlAgainstStunnerCds();
});
after(async () => {
  await op?.stop();
  await cp?.stop();
});

/** Our operator has written every status of a world. */
async function converged(w: World): Promise<void> {
  await waitUntil(
    `${w.id}: statuses written by our operator`,
    async () => {
      const gw = await get(gwPath(w));
      const conds = (gw.status?.conditions ?? []) as { type: string; message: string }[];
      return conds.find((c) => c.type === 'Accepted')?.message === 'gateway accepted' ? true : undefined;
    },
    20_000,
  );
}

test('step "start ours": every object adopted in place, no pod template change, no conflicting field managers', async () => {
  op = await startTestOperator(cp, { cds: { host: '127.0.0.1', port: cdsPort } });
  for (const w of WORLDS) {
    await converged(w);
    const was = before_.get(w.id)!;
    const dep = await waitUntil(
      `${w.id}: Deployment applied by our operator`,
      async () => {
        const d = await get(depPath(w));
        return managers(d).includes(`${FIELD_MANAGER}/Apply`) ? d : undefined;
      },
      10_000,
    );
    assert.equal(dep.metadata.uid, was.deployment.metadata.uid, `${w.id}: Deployment re-created`);
    // A spec change (a pod template change would roll every stunnerd) bumps the generation.
    assert.equal(dep.metadata.generation, was.deployment.metadata.generation, `${w.id}: Deployment spec changed`);
    assert.deepEqual(dep.spec.template, was.deployment.spec.template);
    assert.deepEqual(dep.spec.selector, was.deployment.spec.selector);
    // STUNner's Update entry stays next to our Apply entry: SSA took over the fields, nothing was refused.
    assert.ok(managers(dep).includes(`${STUNNER_MANAGER}/Update`), managers(dep).join());

    const svc = await waitUntil(
      `${w.id}: Service applied by our operator`,
      async () => {
        const s = await get(svcPath(w));
        return managers(s).includes(`${FIELD_MANAGER}/Apply`) ? s : undefined;
      },
      10_000,
    );
    assert.equal(svc.metadata.uid, was.service.metadata.uid, `${w.id}: Service re-created`);
    assert.deepEqual(svc.spec, was.service.spec, `${w.id}: Service spec changed (ports, NodePorts, clusterIP)`);
    assert.deepEqual(svc.metadata.annotations, was.service.metadata.annotations);
    assert.deepEqual(svc.metadata.labels, was.service.metadata.labels);
    assert.deepEqual(svc.metadata.ownerReferences, was.service.metadata.ownerReferences);
  }
});

test('step "verify": statuses converge to ours (reasons as STUNner, our messages)', async () => {
  assert.ok(op);
  const result = op.lastResult()!;
  for (const w of WORLDS) {
    for (const s of stunnerStatuses(w)) {
      const live = await get(s.path);
      const kind = s.path.includes('/gatewayclasses/')
        ? 'GatewayClass'
        : s.path.includes('/gateways/')
          ? 'Gateway'
          : 'UDPRoute';
      const name = s.path.split('/').at(-1);
      const namespace = kind === 'GatewayClass' ? undefined : w.namespace;
      const ours = result.statuses.find(
        (x) => x.kind === kind && x.metadata.name === name && x.metadata.namespace === namespace,
      );
      assert.ok(ours, `${kind} ${name} rendered`);
      const strip = (v: unknown) =>
        JSON.parse(JSON.stringify(v), (k, x) => (k === 'lastTransitionTime' ? undefined : x));
      for (const [k, v] of Object.entries(ours.status))
        assert.deepEqual(strip(live.status?.[k]), strip(v), `${kind} ${name} .status.${k}`);
      // Reasons STUNner wrote and we write alike.
      const reasons = (x: unknown) =>
        JSON.stringify(x)
          .match(/"reason":"[A-Za-z]+"/g)
          ?.sort();
      assert.deepEqual(reasons(live.status), reasons(s.status), `${kind} ${name}: reasons`);
    }
  }
});

test('step "verify": the CDS serves the bytes STUNner served', async () => {
  for (const w of WORLDS) {
    const res = await fetch(`${origin}/api/v1/configs/${w.id}`);
    assert.equal(await res.text(), recorded(w.configFile), w.id);
  }
  assert.equal(await (await fetch(`${origin}/api/v1/configs/stunner`)).text(), recorded('list-stunner-namespace.body'));
});

test('step "verify": `stunnerctl -a config -o json` shows the same configs after the switch as before', async () => {
  assert.equal(stunnerctlBefore.length, 2);
  assert.deepEqual(await stunnerctlConfigs(`127.0.0.1:${cdsPort}`), stunnerctlBefore);
});

test('a UDPRoute change reaches the dataplane through the CDS; no Deployment changes', async () => {
  // The pod's downward-API address, which stunnerd substitutes for $STUNNER_ADDR (§1.3).
  process.env.STUNNER_ADDR = '127.0.0.1';
  const client = new CdsConfigClient({ base: new URL(origin), id: quickstart.id });
  const configs: StunnerConfig[] = [];
  client.on('config', (c) => configs.push(c));
  client.start();
  try {
    await waitUntil('first config at the dataplane', () => (configs.length > 0 ? true : undefined), 10_000);
    await cp.apply(
      [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'media-plane-2', namespace: 'default' },
          spec: { ports: [{ port: 9001, protocol: 'UDP' }], clusterIP: '10.96.77.7' },
        },
        {
          apiVersion: 'gateway.networking.k8s.io/v1alpha2',
          kind: 'UDPRoute',
          metadata: { name: 'media-plane', namespace: 'stunner' },
          spec: {
            parentRefs: [{ name: 'udp-gateway' }],
            rules: [
              {
                backendRefs: [
                  { name: 'media-plane', namespace: 'default', port: 9001 },
                  { name: 'media-plane-2', namespace: 'default', port: 9001 },
                ],
              },
            ],
          },
        },
      ],
      'kubectl',
    );
    const changed = await waitUntil(
      'the new backend at the dataplane',
      () => configs.find((c) => c.clusters[0]?.endpoints.includes('10.96.77.7')),
      10_000,
    );
    assert.deepEqual(
      changed.listeners.map((l) => l.name),
      ['stunner/udp-gateway/udp-listener'],
    );
  } finally {
    client.close();
  }
  const dep = await get(depPath(quickstart));
  assert.equal(dep.metadata.generation, before_.get(quickstart.id)!.deployment.metadata.generation);
});

test('step "roll back": STUNner\'s updater takes over what ours wrote — accepted, nothing rolls', async () => {
  assert.ok(op);
  await op.stop();
  op = undefined;
  for (const w of WORLDS) {
    const gw = await get(gwPath(w));
    const was = await get(depPath(w));
    const { patch, result } = await stunnerUpsertDeployment(cp, stunnerDeployment(w, gw.metadata.uid, origin) as never);
    const dep = result as unknown as Obj;
    assert.equal((patch as { spec?: { selector?: unknown } }).spec?.selector, undefined, 'selector of another form');
    assert.equal(dep.metadata.uid, was.metadata.uid);
    assert.equal(dep.metadata.generation, was.metadata.generation, `${w.id}: STUNner's patch changed the spec`);
    const svcWas = await get(svcPath(w));
    const svc = (await stunnerUpsertService(cp, stunnerService(w, gw.metadata.uid) as never)) as unknown as Obj;
    assert.deepEqual(
      (svc.spec.ports as { nodePort: number }[]).map((p) => p.nodePort),
      (svcWas.spec.ports as { nodePort: number }[]).map((p) => p.nodePort),
    );
    assert.equal(svc.spec.clusterIP, svcWas.spec.clusterIP);
  }
});

test('objects our operator created from scratch are adoptable by STUNner: selector, labels, owner, managers', async () => {
  const w: World = {
    ...quickstart,
    id: 'fresh/udp-gateway',
    namespace: 'fresh',
    className: 'fresh-gatewayclass',
    manifests: quickstart.manifests
      .filter((o) => !['Namespace', 'Service', 'EndpointSlice', 'Dataplane'].includes(o.kind))
      .map((o) => {
        const c = structuredClone(o) as ApplyObject & { spec: Record<string, unknown> };
        if (c.metadata.namespace === 'stunner') c.metadata.namespace = 'fresh';
        if (c.kind === 'GatewayClass') {
          c.metadata.name = 'fresh-gatewayclass';
          (c.spec.parametersRef as { namespace: string }).namespace = 'fresh';
        }
        if (c.kind === 'Gateway') c.spec.gatewayClassName = 'fresh-gatewayclass';
        return c;
      }),
  };
  await cp.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } }], 'kubectl');
  await cp.apply(w.manifests, 'kubectl');
  op = await startTestOperator(cp, { cds: { host: '127.0.0.1', port: cdsPort } });
  const gw = await waitUntil('the Gateway', () => get(gwPath(w)), 10_000);
  const ours = await waitUntil('our Deployment', () => get(depPath(w)), 15_000);
  await waitUntil('our Service', () => get(svcPath(w)), 15_000);
  await op.stop();
  op = undefined;

  // STUNner's Deployment watch only sees objects labelled owned-by=stunner that name their Gateway (§2.3).
  assert.equal(ours.metadata.labels?.['stunner.l7mp.io/owned-by'], 'stunner');
  assert.equal(ours.metadata.annotations?.['stunner.l7mp.io/related-gateway-name'], 'fresh/udp-gateway');
  // The owner reference STUNner's SetOwnerReference writes: the v1 Gateway, not as controller.
  assert.deepEqual(ours.metadata.ownerReferences, [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'udp-gateway', uid: gw.metadata.uid },
  ]);
  const stunner = stunnerDeployment(w, gw.metadata.uid, origin) as unknown as Obj;
  assert.deepEqual(ours.spec.selector, stunner.spec.selector);
  const { patch, result } = await stunnerUpsertDeployment(cp, stunner as never);
  // STUNner's patch re-sends its containers (without the apiserver's defaults, as for its own objects),
  // but no metadata (labels, annotations, owner are already its own) and no selector: the apiserver takes
  // it, defaults it back, and the spec — so the pod template — does not change.
  const p = patch as { metadata?: unknown; spec?: { selector?: unknown } };
  assert.equal(p.metadata, undefined, JSON.stringify(p.metadata));
  assert.equal(p.spec?.selector, undefined);
  assert.equal((result as unknown as Obj).metadata.generation, ours.metadata.generation, 'STUNner would roll it');
  await stunnerUpsertService(cp, stunnerService(w, gw.metadata.uid) as never);

  // And ours takes it back again without a change.
  op = await startTestOperator(cp, { cds: { host: '127.0.0.1', port: cdsPort } });
  await waitUntil('a render', () => (op!.lastResult() ? true : undefined), 10_000);
  await waitUntil(
    'our Gateway status',
    async () => {
      const conds = ((await get(gwPath(w))).status?.conditions ?? []) as { type: string; status: string }[];
      return conds.some((c) => c.type === 'Accepted' && c.status === 'True') ? true : undefined;
    },
    10_000,
  );
  assert.equal((await get(depPath(w))).metadata.generation, ours.metadata.generation);
});
