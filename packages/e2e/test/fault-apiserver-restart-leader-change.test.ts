// Control-plane faults with a live flow through stunnerd: the kube-apiserver restarts, then the leading
// operator stops and the standby (leader election) takes over. Throughout: no managed object is
// rewritten (resourceVersions unchanged), stunnerd neither restarts a listener nor re-applies a config,
// and the relayed flow keeps going (turncat through stunnerd to the udp-greeter).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningOperator } from '@stunner/operator/runtime';
import {
  type ControlPlane,
  freePort,
  freeUdpPortPair,
  startControlPlane,
  type WatchedProcess,
  waitUntil,
  watchProcess,
} from '@stunner/testing';
import {
  exposeGateway,
  GREETING,
  greet,
  namespace,
  quickstart,
  quickstartNamespaces,
  STUNNERD,
  startGreeter,
  startTestOperator,
  turncat,
} from './support/harness.ts';

const GW = 'gateway.networking.k8s.io';
const NS = 'faults';
const CLASS = 'faults-class';
const election = (identity: string) => ({
  namespace: 'stunner-system',
  identity,
  leaseDurationMs: 4000,
  renewDeadlineMs: 3000,
  retryPeriodMs: 250,
});

describe('control-plane faults with a live flow (real apiserver, operator, stunnerd)', { timeout: 240_000 }, () => {
  let cp: ControlPlane;
  const ops: RunningOperator[] = [];
  let stunnerd: WatchedProcess;
  let tunnel: WatchedProcess;
  let cdsPort: number;
  const running: WatchedProcess[] = [];
  const managed = [
    `/api/v1/namespaces/${NS}/services/udp-gateway`,
    `/apis/apps/v1/namespaces/${NS}/deployments/udp-gateway`,
    `/apis/${GW}/v1/namespaces/${NS}/gateways/udp-gateway`,
  ];

  const objects = () => Promise.all(managed.map((p) => cp.request<Record<string, unknown>>('GET', p)));
  /** Asserts the managed objects kept their resourceVersions; on a change, shows what changed. */
  async function assertUnchanged(
    t: { diagnostic(m: string): void },
    before: Array<Record<string, unknown>>,
    what: string,
  ): Promise<void> {
    const now = await objects();
    const rv = (o: Record<string, unknown>) => (o.metadata as { resourceVersion: string }).resourceVersion;
    now.forEach((o, i) => {
      if (rv(o) !== rv(before[i]!))
        t.diagnostic(`${managed[i]}\n before ${JSON.stringify(before[i])}\n after ${JSON.stringify(o)}`);
    });
    assert.deepEqual(now.map(rv), before.map(rv), what);
  }

  before(async () => {
    let greeter: { port: number; process: WatchedProcess };
    let turnPort: number;
    [cp, greeter, turnPort, cdsPort] = await Promise.all([
      startControlPlane(),
      startGreeter(),
      freeUdpPortPair(),
      freePort(),
    ]);
    running.push(greeter.process);
    await cp.apply([namespace('stunner-system'), ...quickstartNamespaces(NS)]);
    // Two operator pods behind one CDS Service: the same port on two loopback addresses, both
    // advertising 127.0.0.1, so both render the same STUNNER_CONFIG_ORIGIN (the CDS needs no lease).
    const pod = (identity: string, host: string) =>
      startTestOperator(cp, {
        leaderElection: election(identity),
        cds: { host, port: cdsPort },
        advertisedAddress: '127.0.0.1',
      });
    ops.push(await pod('op-a', '127.0.0.1'));
    ops.push(await pod('op-b', '127.0.0.2'));
    await cp.apply([
      ...quickstart(NS, CLASS, { listenerPort: turnPort, dataplane: { disableHealthCheck: true } }).filter(
        (o) => o.kind !== 'UDPRoute',
      ),
      {
        apiVersion: 'stunner.l7mp.io/v1',
        kind: 'StaticService',
        metadata: { name: 'media-plane', namespace: NS },
        spec: { prefixes: ['127.0.0.1/32'] },
      },
      {
        apiVersion: `${GW}/v1alpha2`,
        kind: 'UDPRoute',
        metadata: { name: 'media-plane', namespace: NS },
        spec: {
          parentRefs: [{ name: 'udp-gateway' }],
          rules: [
            { backendRefs: [{ group: 'stunner.l7mp.io', kind: 'StaticService', name: 'media-plane', namespace: NS }] },
          ],
        },
      },
    ]);
    await exposeGateway(cp, NS, 'udp-gateway', '127.0.0.1');
    stunnerd = watchProcess(process.execPath, [STUNNERD, '-w', '-l', 'all:INFO', '--id', `${NS}/udp-gateway`], {
      name: 'stunnerd',
      env: {
        ...process.env,
        STUNNER_CONFIG_ORIGIN: `http://127.0.0.1:${cdsPort}`,
        STUNNER_ADDR: '127.0.0.1',
        STUNNER_NAMESPACE: NS,
        STUNNER_NAME: 'udp-gateway',
      },
    });
    running.push(stunnerd);
    await stunnerd.waitFor(new RegExp(`TURN-UDP port ${turnPort}`), { timeoutMs: 30_000, what: 'the listener' });
    tunnel = turncat([
      '-l',
      'all:INFO',
      `--cds-server-address=127.0.0.1:${cdsPort}`,
      '-',
      `k8s://${NS}/udp-gateway:udp-listener`,
      `udp://127.0.0.1:${greeter.port}`,
    ]);
    running.push(tunnel);
    assert.equal(await greet(tunnel), GREETING);
    // Let the operators settle (status writes) before the versions are the reference.
    await new Promise((r) => setTimeout(r, 2000));
  });
  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    for (const op of ops) await op.stop();
    await cp?.stop();
  });

  it('kube-apiserver restart: nothing rewritten, no stunnerd change, the flow goes on', async (t) => {
    const before = await objects();
    const from = stunnerd.stderr().length;
    const started = Date.now();
    await cp.restartApiserver();
    t.diagnostic(`apiserver back after ${Date.now() - started} ms`);
    // The operators' watches resume; give them a few resyncs' worth of time to (not) write.
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(await greet(tunnel, 2), GREETING.repeat(2), 'the flow kept going');
    await assertUnchanged(t, before, 'no managed object rewritten');
    assert.doesNotMatch(stunnerd.stderr().slice(from), /listener restarted|config applied/);
  });

  it('leader change: the standby takes the lease, rewrites nothing, the flow goes on', async (t) => {
    const leader = ops.find((o) => o.leading);
    assert.ok(leader, 'one operator leads');
    const standby = ops.find((o) => o !== leader)!;
    const before = await objects();
    const from = stunnerd.stderr().length;
    const started = Date.now();
    await leader.stop();
    ops.splice(ops.indexOf(leader), 1);
    await waitUntil('the standby leads', () => (standby.leading ? true : undefined), 15_000);
    t.diagnostic(`lease taken over after ${Date.now() - started} ms`);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await greet(tunnel, 2), GREETING.repeat(2), 'the flow kept going');
    await assertUnchanged(t, before, 'no managed object rewritten by the new leader');
    assert.doesNotMatch(stunnerd.stderr().slice(from), /listener restarted|config applied/);
  });
});
