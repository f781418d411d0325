// RFC 6062 TCP allocations through the daemon: coturn's uclient -T (client to client over TCP relays)
// and our client to a TCP echo peer, over TURN-TCP and TURN-TLS; peers reached only through routes to
// clusters whose protocol is TCP, and UDP clusters keep admitting only UDP peers.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { validateStunnerConfig } from '@stunner/api';
import { TurnClient, type TurnClientError } from '@stunner/client';
import { LoggerFactory } from '@stunner/log';
import { Stunnerd } from '@stunner/stunnerd';
import { freeUdpPortPair, makeSelfSignedCert, runUclient } from '@stunner/testing';

const quiet = () => new LoggerFactory({ spec: 'all:ERROR', output: () => {} });
const cert = makeSelfSignedCert();

function config(tcp: number, tls: number, udp: number, clusterProtocol: 'TCP' | 'UDP') {
  const routes = ['media'];
  return validateStunnerConfig({
    version: 'v1',
    admin: { name: 'test/gw', healthcheck_endpoint: '' },
    auth: { type: 'static', credentials: { username: 'user', password: 'pass' } },
    listeners: [
      { name: 'tcp', protocol: 'TURN-TCP', address: '127.0.0.1', port: tcp, routes },
      {
        name: 'tls',
        protocol: 'TURN-TLS',
        address: '127.0.0.1',
        port: tls,
        routes,
        cert: Buffer.from(cert.cert).toString('base64'),
        key: Buffer.from(cert.key).toString('base64'),
      },
      { name: 'udp', protocol: 'TURN-UDP', address: '127.0.0.1', port: udp, routes },
    ],
    clusters: [{ name: 'media', type: 'STATIC', protocol: clusterProtocol, endpoints: ['127.0.0.1/32'] }],
  });
}

describe('RFC 6062 TCP relays through stunnerd', { timeout: 120_000 }, () => {
  let echo: Server;
  let echoPort: number;
  let ports: { tcp: number; tls: number; udp: number };
  let d: Stunnerd;
  before(async () => {
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoPort = (echo.address() as { port: number }).port;
    ports = {
      tcp: await freeUdpPortPair({ tcp: true }),
      tls: await freeUdpPortPair({ tcp: true }),
      udp: await freeUdpPortPair(),
    };
    d = new Stunnerd({ logger: quiet(), ipv6: false });
    await d.apply(config(ports.tcp, ports.tls, ports.udp, 'TCP'));
  });
  after(async () => {
    await d?.close();
    echo?.close();
  });

  for (const transport of ['tcp', 'tls'] as const) {
    it(`relays our client's bytes to a TCP echo peer and back over TURN-${transport.toUpperCase()}`, async () => {
      const c = new TurnClient({
        host: '127.0.0.1',
        port: ports[transport],
        transport,
        relayTransport: 'tcp',
        username: 'user',
        password: 'pass',
        ...(transport === 'tls' ? { ca: cert.cert, servername: 'localhost' } : {}),
      });
      try {
        await c.allocate();
        const socket = await c.connect({ address: '127.0.0.1', port: echoPort });
        const big = Buffer.alloc(200_000, 5);
        let got = 0;
        const all = new Promise<void>((resolve) =>
          socket.on('data', (d: Buffer) => {
            got += d.length;
            if (got >= big.length + 5) resolve();
          }),
        );
        socket.write('hello');
        socket.write(big);
        await all;
        assert.equal(got, big.length + 5);
        socket.destroy();
      } finally {
        await c.close();
      }
    });
  }

  it('passes coturn turnutils_uclient -T (TCP relays, client to client) with 0 lost messages', async () => {
    const r = await runUclient(
      ['-T', '-u', 'user', '-w', 'pass', '-p', String(ports.tcp), '-m', '4', '-n', '20', '-l', '100'],
      90_000,
    );
    assert.equal(r.lost, 0);
    assert.equal(r.received, r.sent);
    assert.ok(r.received >= 80, `${r.received} received`);
  });

  it('passes turnutils_uclient -T -S (TCP relays over TURN-TLS) with 0 lost messages', async () => {
    const r = await runUclient(
      ['-T', '-S', '-u', 'user', '-w', 'pass', '-p', String(ports.tls), '-m', '2', '-n', '20', '-l', '100'],
      90_000,
    );
    assert.equal(r.lost, 0);
    assert.ok(r.received >= 40, `${r.received} received`);
  });

  it('announces a peer that connects in, and takes it with accept()', async () => {
    const c = new TurnClient({
      host: '127.0.0.1',
      port: ports.tcp,
      transport: 'tcp',
      relayTransport: 'tcp',
      username: 'user',
      password: 'pass',
    });
    try {
      const { relayed } = await c.allocate();
      await c.createPermission('127.0.0.1');
      const attempt = once(c, 'connection-attempt', { signal: AbortSignal.timeout(5000) });
      const { connect } = await import('node:net');
      const peer = connect({ host: '127.0.0.1', port: relayed.port });
      const [, id] = (await attempt) as [unknown, number];
      const socket = await c.accept(id);
      const got = once(socket, 'data', { signal: AbortSignal.timeout(5000) });
      peer.write('from the peer');
      assert.equal(((await got) as [Buffer])[0].toString(), 'from the peer');
      socket.destroy();
      peer.destroy();
    } finally {
      await c.close();
    }
  });

  it('refuses TCP allocations without a TCP cluster, and UDP peers through a TCP cluster', async () => {
    const other = new Stunnerd({ logger: quiet(), ipv6: false });
    const p = {
      tcp: await freeUdpPortPair({ tcp: true }),
      tls: await freeUdpPortPair({ tcp: true }),
      udp: await freeUdpPortPair(),
    };
    try {
      await other.apply(config(p.tcp, p.tls, p.udp, 'UDP'));
      const tcpAlloc = new TurnClient({
        host: '127.0.0.1',
        port: p.tcp,
        transport: 'tcp',
        relayTransport: 'tcp',
        username: 'user',
        password: 'pass',
      });
      await assert.rejects(tcpAlloc.allocate(), (err: TurnClientError) => err.stunCode === 442);
    } finally {
      await other.close();
    }
    // The shared daemon routes only to a TCP cluster: a UDP allocation reaches no peer through it.
    const udp = new TurnClient({ host: '127.0.0.1', port: ports.udp, username: 'user', password: 'pass' });
    try {
      await udp.allocate();
      await assert.rejects(
        udp.bindChannel({ address: '127.0.0.1', port: echoPort }),
        (err: TurnClientError) => err.stunCode === 403,
      );
    } finally {
      await udp.close();
    }
  });
});
