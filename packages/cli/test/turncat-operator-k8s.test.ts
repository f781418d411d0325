// turncat k8s:// URIs resolved through the real operator's CDS, which renders from a real kube-apiserver
// (packages/testing). stunnerd cannot read its config from the CDS yet, so coturn stands in as the TURN
// server the rendered listener's public address points at (the test plays the LoadBalancer controller).
import type { Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONTROLLER_NAME, DEFAULT_LABEL_FILTER, type StunnerConfig } from '@stunner/api';
import { createLogger } from '@stunner/log';
import { type RunningOperator, startOperator } from '@stunner/operator/runtime';
import {
  type ControlPlane,
  type Coturn,
  startControlPlane,
  startCoturn,
  type WatchedProcess,
  waitUntil,
} from '@stunner/testing';
import { startUdpGreeter } from '../src/udp-greeter.ts';
import { greet, turncat } from './turncat-process.ts';

describe('turncat k8s:// through the operator CDS on a real apiserver', () => {
  let cp: ControlPlane;
  let coturn: Coturn;
  let greeter: Socket;
  let op: RunningOperator;
  const running: WatchedProcess[] = [];
  const startTestOperator = (cdsPort: number) =>
    startOperator({
      kubeconfig: cp.kubeconfig,
      controllerName: DEFAULT_CONTROLLER_NAME,
      dataplaneMode: 'managed',
      endpointDiscovery: true,
      useEndpointSlices: true,
      enableFinalizer: false,
      throttleMs: 20,
      cds: { host: '127.0.0.1', port: cdsPort },
      labelFilter: DEFAULT_LABEL_FILTER,
      logger: createLogger('operator', { spec: 'all:ERROR' }),
    });

  before(async () => {
    [cp, coturn, greeter] = await Promise.all([
      startControlPlane(),
      startCoturn({ users: [{ username: 'user-1', password: 'pass-1' }] }),
      startUdpGreeter('127.0.0.1', 0),
    ]);
    op = await startTestOperator(0);
    const gw = 'gateway.networking.k8s.io';
    await cp.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stunner' } },
      {
        apiVersion: `${gw}/v1`,
        kind: 'GatewayClass',
        metadata: { name: 'stunner-gatewayclass' },
        spec: {
          controllerName: DEFAULT_CONTROLLER_NAME,
          parametersRef: {
            group: 'stunner.l7mp.io',
            kind: 'GatewayConfig',
            name: 'stunner-gatewayconfig',
            namespace: 'stunner',
          },
        },
      },
      {
        apiVersion: 'stunner.l7mp.io/v1',
        kind: 'GatewayConfig',
        metadata: { name: 'stunner-gatewayconfig', namespace: 'stunner' },
        spec: { realm: 'stunner.test', authType: 'static', userName: 'user-1', password: 'pass-1' },
      },
      {
        apiVersion: 'stunner.l7mp.io/v1',
        kind: 'Dataplane',
        metadata: { name: 'default' },
        spec: { image: 'l7mp/stunnerd:latest' },
      },
      {
        apiVersion: `${gw}/v1`,
        kind: 'Gateway',
        metadata: { name: 'udp-gateway', namespace: 'stunner' },
        spec: {
          gatewayClassName: 'stunner-gatewayclass',
          listeners: [{ name: 'udp-listener', port: coturn.port, protocol: 'UDP' }],
        },
      },
      {
        apiVersion: `${gw}/v1alpha2`,
        kind: 'UDPRoute',
        metadata: { name: 'media-plane', namespace: 'stunner' },
        spec: {
          parentRefs: [{ name: 'udp-gateway' }],
          rules: [{ backendRefs: [{ name: 'media-plane', namespace: 'stunner' }] }],
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'media-plane', namespace: 'stunner' },
        spec: { ports: [{ port: 9001, protocol: 'UDP' }] },
      },
    ]);
    await waitUntil(
      'the Gateway Service',
      () => cp.request('GET', '/api/v1/namespaces/stunner/services/udp-gateway'),
      15_000,
    );
    await cp.request(
      'PATCH',
      '/api/v1/namespaces/stunner/services/udp-gateway/status',
      { status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } },
      'application/merge-patch+json',
    );
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
    greeter?.close();
    await coturn?.stop();
    await cp?.stop();
  });

  it('turncat k8s://stunner/udp-gateway:udp-listener udp://<greeter> gets the greeting', async () => {
    const p = turncat([
      '-l',
      'all:INFO',
      `--cds-server-address=127.0.0.1:${op.cdsAddress.port}`,
      '-',
      'k8s://stunner/udp-gateway:udp-listener',
      `udp://127.0.0.1:${greeter.address().port}`,
    ]);
    running.push(p);
    await p.waitFor(new RegExp(`TURN server: udp://127\\.0\\.0\\.1:${coturn.port}`), { stream: 'stderr' });
    await greet(p);
  });

  it('a live tunnel keeps relaying while the operator restarts, and the restarted CDS serves the same config', async () => {
    const url = `http://127.0.0.1:${op.cdsAddress.port}/api/v1/configs/stunner/udp-gateway`;
    const served = await (await fetch(url)).text();
    const p = turncat([
      `--cds-server-address=127.0.0.1:${op.cdsAddress.port}`,
      '-',
      'k8s://stunner/udp-gateway:udp-listener',
      `udp://127.0.0.1:${greeter.address().port}`,
    ]);
    running.push(p);
    await greet(p);
    const port = op.cdsAddress.port;
    await op.stop();
    op = await startTestOperator(port);
    await greet(p, 2);
    await waitUntil(
      'the config after the restart',
      async () => ((await (await fetch(url)).text()) === served ? true : undefined),
      10_000,
    );
  });
});
