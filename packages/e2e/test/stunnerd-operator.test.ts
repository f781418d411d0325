// The whole chain on one machine: a real kube-apiserver (packages/testing) → the operator → its CDS →
// stunnerd (STUNNER_CONFIG_ORIGIN, watch mode) ← turncat k8s:// (credentials and address from the CDS)
// → the udp-greeter backend (issue 7's end-to-end list; stunner-v1.md §1.6, §1.7, §2.5).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningOperator } from '@stunner/operator/runtime';
import {
  type ApplyObject,
  type ControlPlane,
  freePort,
  startControlPlane,
  type WatchedProcess,
  waitUntil,
  watchProcess,
} from '@stunner/testing';
import {
  exposeGateway,
  GREETING,
  greet,
  quickstart,
  quickstartNamespaces,
  STUNNERD,
  startGreeter,
  startTestOperator,
  turncatThroughGateway,
} from './support/harness.ts';

const GW = 'gateway.networking.k8s.io';
const NS = 'stunner';
const CLASS = 'stunner-gatewayclass';

describe('operator → CDS → stunnerd, with turncat through it, on a real apiserver', () => {
  let cp: ControlPlane;
  let greeterPort: number;
  let op: RunningOperator;
  let stunnerd: WatchedProcess;
  let turnPort: number;
  const running: WatchedProcess[] = [];

  /** The quickstart on `turnPort`; no health server: port 8086 is not ours to take on a shared test machine. */
  const objects = (realm?: string): ApplyObject[] =>
    quickstart(NS, CLASS, { listenerPort: turnPort, realm, dataplane: { disableHealthCheck: true } });
  const route = (backends: string[]): ApplyObject => ({
    apiVersion: `${GW}/v1alpha2`,
    kind: 'UDPRoute',
    metadata: { name: 'media-plane', namespace: NS },
    spec: {
      parentRefs: [{ name: 'udp-gateway' }],
      rules: [
        {
          backendRefs: backends.map((name) =>
            name === 'media-plane'
              ? { group: 'stunner.l7mp.io', kind: 'StaticService', name, namespace: NS }
              : // Gateway API's UDPRoute CRD requires a port for Service backends (STUNner ignores it here).
                { name, namespace: NS, port: 9001 },
          ),
        },
      ],
    },
  });
  const backend = (name: string, address: string): ApplyObject[] => [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: NS },
      spec: { ports: [{ port: 9001, protocol: 'UDP' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: NS, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [address], conditions: { ready: true } }],
    },
  ];
  const gatewayConfig = (realm: string): ApplyObject => objects(realm).find((o) => o.kind === 'GatewayConfig')!;
  const tunnel = (): WatchedProcess => {
    const p = turncatThroughGateway(
      op.cdsAddress.port,
      `${NS}/udp-gateway:udp-listener`,
      `udp://127.0.0.1:${greeterPort}`,
    );
    running.push(p);
    return p;
  };

  before(async () => {
    let greeter: { port: number; process: WatchedProcess };
    [cp, greeter, turnPort] = await Promise.all([startControlPlane(), startGreeter(), freePort()]);
    greeterPort = greeter.port;
    running.push(greeter.process);
    op = await startTestOperator(cp);
    await cp.apply([
      ...quickstartNamespaces(NS),
      // The greeter listens on loopback, which EndpointSlices may not name: a StaticService may.
      ...objects().filter((o) => o.kind !== 'UDPRoute'),
      {
        apiVersion: 'stunner.l7mp.io/v1',
        kind: 'StaticService',
        metadata: { name: 'media-plane', namespace: NS },
        spec: { prefixes: ['127.0.0.1/32'] },
      },
      route(['media-plane']),
    ]);
    // The test plays the cloud's load balancer: stunnerd is reached at 127.0.0.1.
    await exposeGateway(cp, NS, 'udp-gateway', '127.0.0.1');
    stunnerd = watchProcess(process.execPath, [STUNNERD, '-w', '-l', 'all:INFO', '--id', `${NS}/udp-gateway`], {
      name: 'stunnerd',
      env: {
        ...process.env,
        STUNNER_CONFIG_ORIGIN: `http://127.0.0.1:${op.cdsAddress.port}`,
        STUNNER_ADDR: '127.0.0.1',
        STUNNER_NAMESPACE: NS,
        STUNNER_NAME: 'udp-gateway',
      },
    });
    running.push(stunnerd);
    await stunnerd.waitFor(
      new RegExp(`listener ${NS}/udp-gateway/udp-listener TURN-UDP port ${turnPort}: turn:127\\.0\\.0\\.1:${turnPort}`),
      { timeoutMs: 20_000, what: 'stunnerd to open the listener the CDS config names' },
    );
  });
  after(async () => {
    if (process.env.STUNNERD_TEST_LOG) process.stderr.write(`${stunnerd?.stdout()}\n${stunnerd?.stderr()}\n`);
    await Promise.all(running.map((p) => p.stop()));
    await op?.stop();
    await cp?.stop();
  });

  it('turncat k8s://stunner/udp-gateway:udp-listener udp://<greeter> gets the greeting through stunnerd', async () => {
    const p = tunnel();
    await p.waitFor(new RegExp(`TURN server: udp://127\\.0\\.0\\.1:${turnPort}`), {
      stream: 'stderr',
      what: 'turncat to resolve the listener to stunnerd',
    });
    assert.equal(await greet(p), GREETING);
  });

  /** Waits for stunnerd to log one more applied config; returns its log since `from`. */
  const nextApply = async (from: number): Promise<string> => {
    const count = (t: string) => t.split('config applied').length;
    const before = count(stunnerd.stderr().slice(from));
    await waitUntil(
      'stunnerd applied a new config',
      () => (count(stunnerd.stderr().slice(from)) > before ? true : undefined),
      10_000,
    );
    return stunnerd.stderr().slice(from);
  };

  it('a UDPRoute change reaches stunnerd in place: the live flow keeps going', async () => {
    const p = tunnel();
    assert.equal(await greet(p), GREETING);
    const from = stunnerd.stderr().length;
    await cp.apply([...backend('other-backend', '10.1.2.3'), route(['media-plane', 'other-backend'])]);
    const log = await nextApply(from);
    assert.doesNotMatch(log, /listener restarted/);
    assert.equal(await greet(p, 2), GREETING.repeat(2), 'the flow kept going');
  });

  it('a realm change restarts the listeners; a new tunnel works with the new config', async () => {
    const from = stunnerd.stderr().length;
    await cp.apply([gatewayConfig('realm-2.example.com')]);
    const log = await nextApply(from);
    assert.match(log, new RegExp(`listener restarted name=${NS}/udp-gateway/udp-listener reason="realm changed"`));
    assert.equal(await greet(tunnel()), GREETING);
  });

  it('an operator restart interrupts no relayed flow and re-creates nothing', async () => {
    const p = tunnel();
    assert.equal(await greet(p), GREETING);
    const svcPath = `/api/v1/namespaces/${NS}/services/udp-gateway`;
    const depPath = `/apis/apps/v1/namespaces/${NS}/deployments/udp-gateway`;
    const versions = async () =>
      Promise.all(
        [svcPath, depPath].map(
          async (path) =>
            (await cp.request<{ metadata: { resourceVersion: string } }>('GET', path)).metadata.resourceVersion,
        ),
      );
    const before = await versions();
    const from = stunnerd.stderr().length;
    const port = op.cdsAddress.port;
    await op.stop();
    op = await startTestOperator(cp, { cds: { host: '127.0.0.1', port } });
    // stunnerd's CDS client reconnects within a second and gets the same config, which it ignores.
    await waitUntil(
      'stunnerd reconnected',
      () => (/INFO: connected url=/.test(stunnerd.stderr().slice(from)) ? true : undefined),
      10_000,
    );
    assert.equal(await greet(p, 2), GREETING.repeat(2), 'the flow kept going');
    assert.doesNotMatch(stunnerd.stderr().slice(from), /listener restarted|config applied/);
    assert.deepEqual(await versions(), before);
  });
});
