// Two operators against one apiserver with --leader-elect: exactly one writes; the other takes over.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_LEASE_NAME, type RunningOperator } from '@stunner/operator/runtime';
import { type ControlPlane, eventually, startControlPlane, waitUntil } from '@stunner/testing';
import { namespace, quickstart, quickstartNamespaces, startTestOperator } from './support/harness.ts';

let cp: ControlPlane;
const ops: RunningOperator[] = [];
const NS = 'le';
const svcPath = `/api/v1/namespaces/${NS}/services/udp-gateway`;
const gwPath = `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/gateways/udp-gateway`;

before(async () => {
  cp = await startControlPlane();
  await cp.apply([namespace('stunner-system'), ...quickstartNamespaces(NS)]);
});
after(async () => {
  for (const op of ops) await op.stop();
  await cp?.stop();
});

async function writes(op: RunningOperator): Promise<number> {
  const m = await op.metrics.resourceOperations.get();
  return m.values.reduce((n, v) => n + v.value, 0);
}

const election = (identity: string) => ({
  namespace: 'stunner-system',
  identity,
  leaseDurationMs: 4000,
  renewDeadlineMs: 3000,
  retryPeriodMs: 250,
});

test('of two operators with leader election exactly one holds the lease and writes', async () => {
  ops.push(await startTestOperator(cp, { leaderElection: election('op-a') }));
  ops.push(await startTestOperator(cp, { leaderElection: election('op-b') }));
  await cp.apply(quickstart(NS, 'le-class'));
  await waitUntil('managed Service', () => cp.request('GET', svcPath), 15_000);
  const leaders = ops.filter((o) => o.leading);
  assert.equal(leaders.length, 1);
  const lease = await cp.request<{ spec: { holderIdentity: string } }>(
    'GET',
    `/apis/coordination.k8s.io/v1/namespaces/stunner-system/leases/${DEFAULT_LEASE_NAME}`,
  );
  const leader = leaders[0]!;
  const follower = ops.find((o) => o !== leader)!;
  assert.equal(lease.spec.holderIdentity, leader === ops[0] ? 'op-a' : 'op-b');
  assert.ok((await writes(leader)) > 0);
  assert.equal(await writes(follower), 0);
  // Both serve configs: the CDS does not need the lease.
  const res = await fetch(`http://127.0.0.1:${follower.cdsAddress.port}/api/v1/configs/${NS}/udp-gateway`);
  assert.equal(res.status, 200);
});

test('when the leader stops, the other operator takes the lease over and writes', async () => {
  const leader = ops.find((o) => o.leading)!;
  const follower = ops.find((o) => o !== leader)!;
  await leader.stop();
  ops.splice(ops.indexOf(leader), 1);
  await waitUntil('follower leads', () => (follower.leading ? true : undefined), 10_000);
  await cp.request(
    'PATCH',
    gwPath,
    { metadata: { annotations: { 'stunner.l7mp.io/disable-session-affinity': 'true' } } },
    'application/merge-patch+json',
  );
  await eventually('the new leader applied the Service', async () => {
    const svc = await cp.request<{ spec: { sessionAffinity: string } }>('GET', svcPath);
    assert.equal(svc.spec.sessionAffinity, 'None', 'sessionAffinity after disable-session-affinity');
  });
  assert.ok((await writes(follower)) > 0);
});

test('a leader whose lease another holder took steps down within the renew deadline, and stops writing', async () => {
  const op = ops.find((o) => o.leading)!;
  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/stunner-system/leases/${DEFAULT_LEASE_NAME}`;
  // The intruder takes the lease for 10 s and never renews it. The leader renews every 250 ms, so a
  // write from a stale read may get 409: read and write again until one lands.
  await waitUntil(
    'intruder holds the lease',
    async () => {
      const lease = await cp.request<{ spec: Record<string, unknown> }>('GET', leasePath);
      const now = new Date().toISOString().replace('Z', '000Z');
      await cp.request('PUT', leasePath, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: 'intruder', leaseDurationSeconds: 10, renewTime: now, acquireTime: now },
      });
      return true;
    },
    5000,
    10,
  );
  await waitUntil('leader steps down', () => (op.leading ? undefined : true), 10_000);
  const before = await writes(op);
  await cp.request(
    'PATCH',
    gwPath,
    { metadata: { annotations: { 'stunner.l7mp.io/disable-session-affinity': null } } },
    'application/merge-patch+json',
  );
  // The CDS still follows the change; the apiserver does not hear from the follower.
  await waitUntil(
    'render of the change',
    () => (op.lastResult()?.services[0]?.spec.sessionAffinity === 'ClientIP' ? true : undefined),
    5000,
  );
  assert.equal(await writes(op), before);
  const svc = await cp.request<{ spec: { sessionAffinity: string } }>('GET', svcPath);
  assert.equal(svc.spec.sessionAffinity, 'None');
});
