// turncat k8s:// URIs resolved through the real operator's CDS, which renders from a real kube-apiserver
// (packages/testing). coturn stands in as the TURN server the rendered listener's public address points
// at (the test plays the LoadBalancer controller), so a failure here is turncat's or the CDS's, not
// stunnerd's; stunnerd-operator.test.ts runs the same chain with stunnerd.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StunnerConfig } from '@stunner/api';
import type { RunningOperator } from '@stunner/operator/runtime';
import {
  type ControlPlane,
  type Coturn,
  eventually,
  startControlPlane,
  startCoturn,
  type WatchedProcess,
  waitUntil,
} from '@stunner/testing';
import {
  exposeGateway,
  GREETING,
  greet,
  quickstart,
  quickstartNamespaces,
  startGreeter,
  startTestOperator,
  turncat,
  turncatThroughGateway,
} from './support/harness.ts';

const NS = 'stunner';

describe('turncat k8s:// through the operator CDS on a real apiserver', () => {
  let cp: ControlPlane;
  let coturn: Coturn;
  let greeterPort: number;
  let op: RunningOperator;
  const running: WatchedProcess[] = [];

  before(async () => {
    let greeter: { port: number; process: WatchedProcess };
    [cp, coturn, greeter] = await Promise.all([
      startControlPlane(),
      startCoturn({ users: [{ username: 'user-1', password: 'pass-1' }] }),
      startGreeter(),
    ]);
    greeterPort = greeter.port;
    running.push(greeter.process);
    op = await startTestOperator(cp);
    await cp.apply([
      ...quickstartNamespaces(NS),
      ...quickstart(NS, 'stunner-gatewayclass', { listenerPort: coturn.port, realm: 'stunner.test' }),
    ]);
    await exposeGateway(cp, NS, 'udp-gateway', '127.0.0.1');
    await waitUntil(
      'the public address in the CDS',
      () =>
        op.cds.configs().some((c: StunnerConfig) => c.listeners[0]?.public_address === '127.0.0.1') ? true : undefined,
      10_000,
    );
  });
  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await op?.stop();
    await coturn?.stop();
    await cp?.stop();
  });

  it('turncat k8s://stunner/udp-gateway:udp-listener udp://<greeter> gets the greeting', async () => {
    const p = turncatThroughGateway(
      op.cdsAddress.port,
      `${NS}/udp-gateway:udp-listener`,
      `udp://127.0.0.1:${greeterPort}`,
    );
    running.push(p);
    await p.waitFor(new RegExp(`TURN server: udp://127\\.0\\.0\\.1:${coturn.port}`), {
      stream: 'stderr',
      what: 'turncat to resolve the listener to the public address in the CDS',
    });
    assert.equal(await greet(p), GREETING);
  });

  it('a live tunnel keeps relaying while the operator restarts, and the restarted CDS serves the same config', async () => {
    const url = `http://127.0.0.1:${op.cdsAddress.port}/api/v1/configs/${NS}/udp-gateway`;
    const served = await (await fetch(url)).text();
    const p = turncat([
      `--cds-server-address=127.0.0.1:${op.cdsAddress.port}`,
      '-',
      `k8s://${NS}/udp-gateway:udp-listener`,
      `udp://127.0.0.1:${greeterPort}`,
    ]);
    running.push(p);
    assert.equal(await greet(p), GREETING);
    const port = op.cdsAddress.port;
    await op.stop();
    op = await startTestOperator(cp, { cds: { host: '127.0.0.1', port } });
    assert.equal(await greet(p, 2), GREETING.repeat(2), 'the tunnel relayed across the restart');
    await eventually('the restarted CDS serves the same config', async () =>
      assert.equal(await (await fetch(url)).text(), served),
    );
  });
});
