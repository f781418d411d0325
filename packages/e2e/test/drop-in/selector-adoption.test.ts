// The operator takes over dataplane Deployments whose immutable selector another operator wrote, against a
// real kube-apiserver: the other form of the same selection is kept (no re-create, no pod template change),
// a selector that selects other pods leaves a re-create, announced in an Event and a Gateway condition.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Deployment } from '@stunner/operator';
import type { RunningOperator } from '@stunner/operator/runtime';
import { type ControlPlane, startControlPlane, waitUntil } from '@stunner/testing';
import { condition, namespace, quickstart, startTestOperator } from '../support/harness.ts';

/** The Gateway condition the updater adds after a re-create (README, Differences from STUNner). */
const CONDITION_DATAPLANE_RECREATED = 'stunner.l7mp.io/DataplaneRecreated';

interface Obj {
  metadata: { uid: string; generation: number; resourceVersion: string; labels?: Record<string, string> };
  spec: Deployment['spec'];
}
interface Event {
  reason: string;
  type: string;
  message: string;
  involvedObject: { kind: string; name: string };
}

let cp: ControlPlane;
let op: RunningOperator | undefined;
const NS = 'adopt';
const depPath = `/apis/apps/v1/namespaces/${NS}/deployments/udp-gateway`;
const gwPath = `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/gateways/udp-gateway`;
const get = (path: string) => cp.request<Obj>('GET', path);
const events = async (reason: string): Promise<Event[]> =>
  (await cp.request<{ items: Event[] }>('GET', `/api/v1/namespaces/${NS}/events`)).items.filter(
    (e) => e.reason === reason,
  );

/** The rendered Deployment with its selector in `matchLabels` form, as earlier versions of this operator wrote it. */
function withMatchLabels(d: Deployment): Deployment {
  const labels = Object.fromEntries(d.spec.selector.matchExpressions!.map((e) => [e.key, e.values![0]!]));
  return { ...d, spec: { ...d.spec, selector: { matchLabels: labels } } };
}

before(async () => {
  cp = await startControlPlane();
  await cp.apply([namespace(NS), namespace(`${NS}-backend`)]);
  await cp.apply(quickstart(NS, 'adopt-class'));
});
after(async () => {
  await op?.stop();
  await cp?.stop();
});

async function recreateAs(d: Deployment, manager: string): Promise<Obj> {
  await cp.request('DELETE', depPath);
  await cp.apply([d as unknown as Parameters<ControlPlane['apply']>[0][number]], manager);
  return get(depPath);
}

test('a Deployment selecting the same pods in matchLabels form is kept: no re-create, no template change', async () => {
  op = await startTestOperator(cp);
  const rendered = await waitUntil('rendered Deployment', () => op!.lastResult()?.deployments[0], 15_000);
  await waitUntil('Deployment created', () => get(depPath), 15_000);
  const cdsPort = op.cdsAddress.port;
  await op.stop();
  const gw = await get(gwPath);
  const old = withMatchLabels(rendered);
  old.metadata.ownerReferences = [{ ...old.metadata.ownerReferences![0]!, uid: gw.metadata.uid }];
  const before = await recreateAs(old, 'stunner-gateway-operator');

  op = await startTestOperator(cp, { cds: { host: '127.0.0.1', port: cdsPort } });
  await waitUntil(
    'SelectorFormKept event',
    async () => ((await events('SelectorFormKept')).length > 0 ? true : undefined),
    10_000,
  );
  const kept = await get(depPath);
  assert.equal(kept.metadata.uid, before.metadata.uid, 're-created');
  assert.equal(kept.metadata.generation, before.metadata.generation, 'spec changed');
  assert.deepEqual(kept.spec.selector, old.spec.selector);
  const ev = (await events('SelectorFormKept'))[0]!;
  assert.equal(ev.type, 'Normal');
  assert.deepEqual([ev.involvedObject.kind, ev.involvedObject.name], ['Deployment', 'udp-gateway']);
  assert.match(ev.message, /--cascade=orphan/);

  // A Dataplane change still reaches the kept Deployment: an ordinary rolling update, same object.
  await cp.request(
    'PATCH',
    '/apis/stunner.l7mp.io/v1/dataplanes/default',
    { spec: { image: 'l7mp/stunnerd:1.2.1' } },
    'application/merge-patch+json',
  );
  const updated = await waitUntil(
    'new image on the kept Deployment',
    async () => {
      const d = await get(depPath);
      return d.spec.template.spec.containers[0]!.image === 'l7mp/stunnerd:1.2.1' ? d : undefined;
    },
    10_000,
  );
  assert.equal(updated.metadata.uid, before.metadata.uid);
  assert.deepEqual(updated.spec.selector, old.spec.selector);
  assert.equal((await events('SelectorFormKept')).length, 1, 'reported once per Deployment');
  assert.equal((await events('DataplaneRecreated')).length, 0);
});

test('a Deployment selecting other pods is re-created, with a Warning Event and a Gateway condition', async () => {
  assert.ok(op);
  const current = await get(depPath);
  const rendered = op.lastResult()!.deployments[0]!;
  const gw = await get(gwPath);
  const other = withMatchLabels(rendered);
  other.metadata.ownerReferences = [{ ...other.metadata.ownerReferences![0]!, uid: gw.metadata.uid }];
  other.spec.selector = { matchLabels: { app: 'stunner' } };
  await op.stop();
  const before = await recreateAs(other, 'manager');
  assert.notEqual(before.metadata.uid, current.metadata.uid);

  op = await startTestOperator(cp);
  const recreated = await waitUntil(
    'Deployment re-created in STUNner form',
    async () => {
      const d = await get(depPath);
      return d.metadata.uid !== before.metadata.uid ? d : undefined;
    },
    10_000,
  );
  assert.deepEqual(recreated.spec.selector, rendered.spec.selector);
  const gwEvents = (await events('DataplaneRecreated')).filter((e) => e.involvedObject.kind === 'Gateway');
  assert.equal(gwEvents[0]?.type, 'Warning');
  assert.match(gwEvents[0]!.message, /calls on them may have dropped/);
  const cond = await waitUntil(
    'DataplaneRecreated condition',
    async () => condition((await get(gwPath)) as never, CONDITION_DATAPLANE_RECREATED),
    10_000,
  );
  assert.equal(cond.status, 'True');
  assert.equal(cond.reason, 'SelectorChanged');
  // The standard conditions are still there.
  assert.equal(condition((await get(gwPath)) as never, 'Accepted')?.status, 'True');
});

test("somebody else's Deployment under the Gateway's name is never deleted", async () => {
  assert.ok(op);
  const rendered = op.lastResult()!.deployments[0]!;
  await op.stop();
  const foreign = withMatchLabels(rendered);
  foreign.spec.selector = { matchLabels: { app: 'my-own' } };
  foreign.spec.template.metadata.labels = { app: 'my-own' };
  foreign.metadata.labels = { team: 'media' };
  delete foreign.metadata.ownerReferences;
  const before = await recreateAs(foreign, 'kubectl');
  op = await startTestOperator(cp);
  await waitUntil('a render', () => (op!.renders > 0 ? true : undefined), 10_000);
  // The apply is refused (immutable selector) and retried on the next render; the object stays.
  await cp.request('PATCH', gwPath, { metadata: { annotations: { touch: '1' } } }, 'application/merge-patch+json');
  await waitUntil('a second render', () => (op!.renders > 1 ? true : undefined), 10_000);
  const after = await get(depPath);
  assert.equal(after.metadata.uid, before.metadata.uid);
  assert.deepEqual(after.spec.selector, { matchLabels: { app: 'my-own' } });
});
