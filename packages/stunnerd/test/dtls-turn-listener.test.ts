import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { TurnClient } from '@stunner/client';
import { DtlsTurnListener, PeerFilter } from '@stunner/stunnerd';
import { freeUdpPortPair, makeSelfSignedCert, runUclient } from '@stunner/testing';

const REALM = 'stunner.l7mp.io';

// The TURN layer over DTLS with the @stunner/client DTLS transport and with coturn's uclient -S (an
// OpenSSL client that picks DTLS 1.2 or 1.0 at random per connection and retries a connection whose
// handshake fails: the listener answers its DTLS 1.0 hellos with a protocol_version alert);
// openssl s_client -dtls1_2 is covered in dtls-listener.test.ts.
describe('TURN-DTLS listener', () => {
  let echo: Socket;
  let echoPort: number;

  before(async () => {
    echo = createSocket('udp4');
    echo.on('message', (msg, rinfo) => echo.send(msg, rinfo.port, rinfo.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    echoPort = echo.address().port;
  });
  after(() => echo.close());

  for (const keyType of ['ecdsa', 'rsa'] as const) {
    it(`allocates, relays over a channel, and holds no allocation after close (${keyType.toUpperCase()} certificate)`, async () => {
      const cert = makeSelfSignedCert({ keyType });
      const filter = new PeerFilter({ clusters: [{ name: 'peer', type: 'STATIC', endpoints: ['127.0.0.1/32'] }] });
      const listener = new DtlsTurnListener({
        port: 0,
        cert: cert.cert,
        key: cert.key,
        relayAddress: '127.0.0.1',
        ipv6: false,
        auth: { type: 'static', realm: REALM, username: 'user', password: 'pass' },
        admitPeer: (address, port) => filter.admit(address, port),
      });
      const [bound] = await listener.start();
      const client = new TurnClient({
        host: '127.0.0.1',
        port: bound!.port,
        transport: 'dtls',
        username: 'user',
        password: 'pass',
        ca: cert.cert,
        servername: 'localhost',
      });
      try {
        const { relayed } = await client.allocate();
        assert.equal(relayed.address, '127.0.0.1');
        const peer = { family: 'IPv4' as const, address: '127.0.0.1', port: echoPort };
        await client.bindChannel(peer);
        for (const text of ['one', 'two', 'three']) {
          const got = once(client, 'data');
          client.send(peer, Buffer.from(text));
          assert.equal(((await got) as [Buffer])[0].toString(), text);
        }
        assert.equal(listener.engine.allocationCount, 1);
        assert.equal(listener.connections, 1);
        await client.close();
        assert.equal(listener.engine.allocationCount, 0);
      } finally {
        await client.close().catch(() => undefined);
        await listener.close();
      }
    });
  }

  describe('with coturn turnutils_uclient -S', () => {
    let peer: ChildProcess;
    let peerPort: number;
    before(async () => {
      peerPort = await freeUdpPortPair();
      peer = spawn('turnutils_peer', ['-L', '127.0.0.1', '-p', String(peerPort)], { stdio: 'ignore' });
    });
    after(() => peer?.kill('SIGTERM'));

    for (const keyType of ['ecdsa', 'rsa'] as const) {
      it(`relays with 0 lost messages (${keyType.toUpperCase()} certificate)`, { timeout: 90_000 }, async () => {
        const cert = makeSelfSignedCert({ keyType });
        const filter = new PeerFilter({ clusters: [{ name: 'peer', type: 'STATIC', endpoints: ['127.0.0.1/32'] }] });
        const listener = new DtlsTurnListener({
          port: 0,
          cert: cert.cert,
          key: cert.key,
          relayAddress: '127.0.0.1',
          ipv6: false,
          auth: { type: 'static', realm: REALM, username: 'user', password: 'pass' },
          admitPeer: (address, port) => filter.admit(address, port),
          engine: { legacyChannelNumbers: true },
        });
        const [bound] = await listener.start();
        const refused: string[] = [];
        try {
          const r = await runUclient(
            [
              '-S',
              '-u',
              'user',
              '-w',
              'pass',
              '-p',
              String(bound!.port),
              '-e',
              '127.0.0.1',
              '-r',
              String(peerPort),
            ].concat(['-c', '-m', '4', '-n', '20', '-l', '100', '-z', '20']),
            80_000,
          );
          assert.equal(r.lost, 0, r.output.slice(-1500));
          assert.ok(r.received >= 80, `${r.received} received`);
          refused.push(...r.output.split('\n').filter((l) => /cannot connect/.test(l)));
        } finally {
          await listener.close();
        }
        // Connections that drew DTLS 1.0 were refused at once and retried (nothing to assert on
        // their count: the draw is uclient's).
        assert.ok(Array.isArray(refused));
      });
    }
  });
});
