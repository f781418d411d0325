// The port-forward's data path. No kubelet runs on our test machines, so the API server refuses every
// pods/portforward (packages/e2e/test/stunnerctl-operator.test.ts tests that leg up to the refusal). Here the test serves the kubelet's
// side of the port-forward WebSocket protocol (v4.channel.k8s.io: per port a data and an error channel,
// each opened by the port number, little-endian; then frames of [channel, ...bytes]) and connects it to a
// real CDS server on loopback, so stunnerctl's forwarder carries real HTTP and WebSocket traffic.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import type { StunnerConfig } from '@stunner/api';
import { createLogger } from '@stunner/log';
import { CdsServer } from '@stunner/operator/runtime';
import { makeSelfSignedCert } from '@stunner/testing';
import { WebSocketServer } from 'ws';
import { CdsClient } from '../src/stunnerctl/cds-client.ts';
import { StunnerctlError } from '../src/stunnerctl/errors.ts';
import { PortForwarder } from '../src/stunnerctl/port-forward.ts';
import { gatewayConfig } from './stunnerctl-harness.ts';

describe('PortForwarder carries connections over the port-forward WebSocket protocol', () => {
  const cds = new CdsServer();
  const config: StunnerConfig = gatewayConfig(
    'stunner/udp-gateway',
    { udp: 3478, tcp: 3478, tls: 3479, health: 8086 },
    makeSelfSignedCert(),
  );
  let kubelet: WebSocketServer;
  let kc: KubeConfig;
  let cdsPort: number;
  const asked: string[] = [];
  const log = createLogger('k8s-fwd', { spec: 'all:ERROR' });

  before(async () => {
    cdsPort = (await cds.listen(0, '127.0.0.1')).port;
    cds.update([config]);
    kubelet = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      handleProtocols: (protocols) => (protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false),
      verifyClient: ({ req }: { req: IncomingMessage }) => !req.url?.includes('/pods/forbidden/'),
    });
    kubelet.on('connection', (ws, req) => {
      const url = new URL(req.url ?? '/', 'http://api');
      asked.push(`${url.pathname}?${url.searchParams}`);
      const port = Number(url.searchParams.get('ports'));
      const open = Buffer.alloc(2);
      open.writeUInt16LE(port);
      ws.send(Buffer.concat([Buffer.from([0]), open]));
      ws.send(Buffer.concat([Buffer.from([1]), open]));
      // The "pod": whatever listens on that loopback port.
      const pod = connect(port, '127.0.0.1');
      pod.on('data', (d: Buffer) => ws.send(Buffer.concat([Buffer.from([0]), d])));
      pod.on('end', () => ws.close());
      pod.on('error', () => ws.close());
      ws.on('message', (d: Buffer) => {
        if (d[0] === 0 && d.length > 1) pod.write(d.subarray(1));
      });
      ws.on('close', () => pod.destroy());
    });
    await new Promise((resolve) => kubelet.once('listening', resolve));
    const address = kubelet.address();
    kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      {
        name: 'test',
        server: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
        skipTLSVerify: true,
      },
      { name: 'test' },
    );
  });
  after(async () => {
    kubelet.close();
    await cds.close();
  });

  it('HTTP requests and a CDS watch through the local listener reach the pod port', async () => {
    const fwd = new PortForwarder(kc, { namespace: 'stunner-system', name: 'operator-abc' }, cdsPort, log);
    const local = await fwd.start();
    try {
      assert.equal(local.host, '127.0.0.1');
      const client = new CdsClient(`http://127.0.0.1:${local.port}`);
      // Several connections one after the other, each its own port-forward stream.
      for (let i = 0; i < 3; i++) assert.deepEqual(await client.getConfigs({ namespace: 'stunner' }), [config]);
      const stop = new AbortController();
      const seen: unknown[] = [];
      await client.watch(
        { namespace: 'stunner', name: 'udp-gateway' },
        (c) => {
          seen.push(c);
          stop.abort();
        },
        stop.signal,
        log,
      );
      assert.deepEqual(seen, [config]);
      // The trial connection of start(), the HTTP connection (kept alive across the GETs), the watch.
      assert.ok(asked.length >= 3, `${asked.length}`);
      for (const a of asked) {
        assert.equal(a, `/api/v1/namespaces/stunner-system/pods/operator-abc/portforward?ports=${cdsPort}`);
      }
    } finally {
      await fwd.close();
    }
  });

  it('a refused port-forward fails start() with STUNNERCTL_ERR_PORT_FORWARD naming the pod and port', async () => {
    const fwd = new PortForwarder(kc, { namespace: 'stunner', name: 'forbidden' }, cdsPort, log);
    await assert.rejects(
      fwd.start(),
      (e: unknown) =>
        e instanceof StunnerctlError &&
        e.code === 'STUNNERCTL_ERR_PORT_FORWARD' &&
        e.message.includes(`pod stunner/forbidden port ${cdsPort}`) &&
        e.message.includes('401'),
    );
    await fwd.close();
  });
});
