// The operator with a CDS token (--cds-token-file) on a real kube-apiserver: it copies the token into a
// managed Secret stunner-cds-token in each Gateway namespace, renders Deployments that mount it and name
// the file in STUNNER_CDS_TOKEN_FILE, and rewrites neither when nothing changed. stunnerd started as that
// Deployment describes (the test plays the kubelet: the Secret's key becomes a file) gets its config; one
// without the file gets 401 and nothing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningOperator } from '@stunner/operator/runtime';
import {
  type ApplyObject,
  type ControlPlane,
  freePort,
  freeUdpPortPair,
  startControlPlane,
  type WatchedProcess,
  waitUntil,
  watchProcess,
} from '@stunner/testing';
import { namespace, quickstart, quickstartNamespaces, STUNNERD, startTestOperator } from './support/harness.ts';

const NS = 'stunner';
const OTHER = 'media';
const TOKEN = 'cds-token-of-the-chart-0123456789abcdef';
const ROTATED = 'cds-token-rotated-fedcba9876543210';
const SECRET = `/api/v1/namespaces/${NS}/secrets/stunner-cds-token`;
const OTHER_SECRET = `/api/v1/namespaces/${OTHER}/secrets/stunner-cds-token`;
const DEPLOY = `/apis/apps/v1/namespaces/${NS}/deployments/udp-gateway`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

type Meta = {
  uid: string;
  resourceVersion: string;
  labels?: Record<string, string>;
  ownerReferences?: { kind: string; name: string }[];
};
type Secret = { metadata: Meta; data?: Record<string, string> };
type EnvVar = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } };
type Deployment = {
  metadata: Meta;
  spec: {
    template: {
      spec: {
        volumes?: { name: string; secret?: { secretName: string } }[];
        containers: { env: EnvVar[]; volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }[];
      };
    };
  };
};

describe('the operator with a CDS token on a real apiserver', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  let op: RunningOperator;
  let cdsPort: number;
  let turnPort: number;
  const running: WatchedProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'cds-token-operator-'));

  const get = async <T>(path: string): Promise<T | undefined> => {
    try {
      return await cp.request<T>('GET', path);
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
  };
  /** Until the leader wrote the last render: the updater acknowledges each generation it wrote. */
  const settled = async (o: RunningOperator, what: string): Promise<void> => {
    const value = async (g: typeof o.metrics.generation) => (await g.get()).values[0]?.value ?? 0;
    await waitUntil(
      what,
      async () => {
        const gen = await value(o.metrics.generation);
        return gen > 0 && (await value(o.metrics.generationLastAcked)) === gen ? true : undefined;
      },
      15_000,
    );
  };
  const start = (token: string) =>
    startTestOperator(cp, { cds: { host: '127.0.0.1', port: cdsPort }, cdsToken: token });
  const otherGateway: ApplyObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'udp-gateway', namespace: OTHER },
    spec: {
      gatewayClassName: 'stunner-gatewayclass',
      listeners: [{ name: 'udp-listener', port: 3478, protocol: 'UDP' }],
    },
  };

  before(async () => {
    [cp, cdsPort, turnPort] = await Promise.all([startControlPlane(), freePort(), freeUdpPortPair()]);
    op = await start(TOKEN);
    await cp.apply([
      ...quickstartNamespaces(NS),
      namespace(OTHER),
      ...quickstart(NS, 'stunner-gatewayclass', { listenerPort: turnPort, dataplane: { disableHealthCheck: true } }),
      // Somebody's own Secret under the managed name: the operator must not take it over.
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'stunner-cds-token', namespace: OTHER },
        stringData: { token: 'theirs' },
      },
      otherGateway,
    ]);
  });
  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await op?.stop();
    await cp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes stunner-cds-token in the Gateway namespace and a Deployment that mounts it read-only', async () => {
    const secret = await waitUntil('the token Secret', () => get<Secret>(SECRET), 20_000);
    assert.equal(secret.data?.token, b64(TOKEN));
    assert.equal(secret.metadata.labels?.['stunner.l7mp.io/owned-by'], 'stunner');
    assert.deepEqual(
      secret.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`),
      ['Gateway/udp-gateway'],
    );
    const dep = await waitUntil('the dataplane Deployment', () => get<Deployment>(DEPLOY), 20_000);
    const pod = dep.spec.template.spec;
    assert.deepEqual(
      pod.volumes?.map((v) => [v.name, v.secret?.secretName]),
      [['stunner-cds-token', 'stunner-cds-token']],
    );
    assert.deepEqual(pod.containers[0]!.volumeMounts, [
      { name: 'stunner-cds-token', mountPath: '/var/run/secrets/stunner.l7mp.io/cds', readOnly: true },
    ]);
    assert.equal(
      pod.containers[0]!.env.find((e) => e.name === 'STUNNER_CDS_TOKEN_FILE')?.value,
      '/var/run/secrets/stunner.l7mp.io/cds/token',
    );
  });

  it('leaves a Secret it did not create alone, and says so', async () => {
    await settled(op, 'the first renders written');
    const theirs = await get<Secret>(OTHER_SECRET);
    assert.equal(theirs?.data?.token, b64('theirs'));
    assert.equal(theirs?.metadata.labels?.['stunner.l7mp.io/owned-by'], undefined);
    assert.equal(theirs?.metadata.ownerReferences, undefined);
    const errors = (await op.metrics.updateErrors.get()).values[0]?.value ?? 0;
    assert.ok(errors > 0, 'the refused write is counted');
  });

  /** stunnerd as the Deployment describes it; `mount` plays the kubelet's Secret volume, else no token. */
  const stunnerd = async (mount: boolean): Promise<WatchedProcess> => {
    const dep = (await get<Deployment>(DEPLOY))!;
    const c = dep.spec.template.spec.containers[0]!;
    const secret = (await get<Secret>(SECRET))!;
    const volume = join(dir, `volume-${running.length}`);
    const mountPath = c.volumeMounts![0]!.mountPath;
    const fieldRefs: Record<string, string> = { 'status.podIP': '127.0.0.1', 'spec.nodeName': 'node-1' };
    // Port 8086, stunnerd's default health endpoint before the first config, is not ours on a shared machine.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      STUNNER_HEALTHCHECK_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
    };
    delete env.STUNNER_CDS_TOKEN_FILE;
    for (const e of c.env) {
      const v = e.value ?? fieldRefs[e.valueFrom?.fieldRef?.fieldPath ?? ''];
      if (v !== undefined) env[e.name] = v.startsWith(`${mountPath}/`) ? volume + v.slice(mountPath.length) : v;
    }
    // Without the mount, a stunnerd as STUNner's operator renders it: no token file at all.
    if (!mount) delete env.STUNNER_CDS_TOKEN_FILE;
    if (mount) {
      rmSync(volume, { recursive: true, force: true });
      mkdirSync(volume);
      for (const [k, v] of Object.entries(secret.data ?? {})) writeFileSync(join(volume, k), Buffer.from(v, 'base64'));
    }
    const p = watchProcess(process.execPath, [STUNNERD, '-w', '-l', 'all:INFO'], { name: 'stunnerd', env });
    running.push(p);
    return p;
  };

  it('stunnerd with the mounted token gets its config; without the file, 401 and no listener', async () => {
    const good = await stunnerd(true);
    await good.waitFor(new RegExp(`listener ${NS}/udp-gateway/udp-listener TURN-UDP port ${turnPort}`), {
      timeoutMs: 20_000,
      what: 'stunnerd to open the listener the CDS config names',
    });
    await good.stop();
    const bad = await stunnerd(false);
    await waitUntil('the 401 in the log', () => (/401/.test(bad.stdout() + bad.stderr()) ? true : undefined), 20_000);
    assert.doesNotMatch(bad.stdout() + bad.stderr(), /TURN-UDP port/);
    await bad.stop();
  });

  it('a restarted operator with the same token rewrites neither the Secret nor the Deployment', async () => {
    const before = [(await get<Secret>(SECRET))!, (await get<Deployment>(DEPLOY))!];
    await op.stop();
    op = await start(TOKEN);
    await settled(op, 'the restarted operator wrote its render');
    const gen = (await op.metrics.generation.get()).values[0]?.value ?? 0;
    // One more render on top, from a change the dataplane objects do not depend on.
    await cp.request(
      'PATCH',
      `/apis/gateway.networking.k8s.io/v1/namespaces/${OTHER}/gateways/udp-gateway`,
      { metadata: { labels: { touched: 'yes' } } },
      'application/merge-patch+json',
    );
    await waitUntil(
      'a render of the change',
      async () => ((await op.metrics.generation.get()).values[0]!.value > gen ? true : undefined),
      10_000,
    );
    await settled(op, 'that render written');
    const now = [(await get<Secret>(SECRET))!, (await get<Deployment>(DEPLOY))!];
    for (const [i, o] of now.entries()) {
      assert.equal(o.metadata.uid, before[i]!.metadata.uid, 're-created');
      assert.equal(
        o.metadata.resourceVersion,
        before[i]!.metadata.resourceVersion,
        `${['Secret', 'Deployment'][i]} rewritten`,
      );
    }
  });

  it('a new token rewrites the Secret only: the pod template, and so the pods, stay', async () => {
    const dep = (await get<Deployment>(DEPLOY))!;
    await op.stop();
    op = await start(ROTATED);
    const secret = await waitUntil(
      'the rotated token in the Secret',
      async () => {
        const s = await get<Secret>(SECRET);
        return s?.data?.token === b64(ROTATED) ? s : undefined;
      },
      15_000,
    );
    assert.ok(secret);
    await settled(op, 'the render with the new token written');
    assert.equal((await get<Deployment>(DEPLOY))!.metadata.resourceVersion, dep.metadata.resourceVersion);
    // A stunnerd whose mounted file has the new token (the kubelet refreshes Secret volumes) is served.
    const p = await stunnerd(true);
    await p.waitFor(/TURN-UDP port/, { timeoutMs: 20_000, what: 'the listener with the rotated token' });
  });

  it('a deleted token Secret is written again', async () => {
    await cp.request('DELETE', SECRET);
    const back = await waitUntil('the Secret back', () => get<Secret>(SECRET), 15_000);
    assert.equal(back.data?.token, b64(ROTATED));
  });
});
