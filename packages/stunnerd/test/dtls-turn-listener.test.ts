import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { TurnClient } from '@stunner/client';
import { DtlsTurnListener, PeerFilter } from '@stunner/stunnerd';
import { makeSelfSignedCert } from '@stunner/testing';

const REALM = 'stunner.l7mp.io';

// coturn 4.6.1's turnutils_uclient -S offers DTLS 1.0 only (ClientHello version 0xfeff, CBC suites),
// which werift-dtls (DTLS 1.2, AES-GCM) cannot serve; openssl s_client -dtls1_2 is covered in
// dtls-listener.test.ts, and the TURN layer here with the @stunner/client DTLS transport.
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
});
