import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { validateStunnerConfig } from '@stunner/api';
import { LoggerFactory } from '@stunner/log';
import { Stunnerd } from '@stunner/stunnerd';
import { freeUdpPortPair, makeSelfSignedCert, type WatchedProcess } from '@stunner/testing';
import { startUdpGreeter } from '../src/udp-greeter.ts';
import { greet, turncat } from './turncat-process.ts';

describe('turncat through our stunnerd to the UDP greeter', { timeout: 120_000 }, () => {
  let greeter: Socket;
  let peer: string;
  let port: number;
  let securePort: number;
  const daemon = new Stunnerd({ logger: new LoggerFactory({ spec: 'all:ERROR', output: () => {} }), ipv6: false });
  const running: WatchedProcess[] = [];

  before(async () => {
    greeter = await startUdpGreeter('127.0.0.1', 0);
    peer = `udp://127.0.0.1:${greeter.address().port}`;
    // TURN-TCP and TURN-TLS listen on the same ports as TURN-UDP and TURN-DTLS.
    [port, securePort] = [await freeUdpPortPair({ tcp: true }), await freeUdpPortPair({ tcp: true })];
    const cert = makeSelfSignedCert();
    const material = { cert: Buffer.from(cert.cert).toString('base64'), key: Buffer.from(cert.key).toString('base64') };
    const listener = (name: string, protocol: string, p: number, tls = false) => ({
      name,
      protocol,
      address: '127.0.0.1',
      port: p,
      routes: ['local/greeter'],
      ...(tls ? material : {}),
    });
    await daemon.apply(
      validateStunnerConfig({
        version: 'v1',
        admin: { name: 'local/gw', healthcheck_endpoint: '' },
        auth: { type: 'static', credentials: { username: 'user-1', password: 'pass-1' } },
        listeners: [
          listener('udp', 'TURN-UDP', port),
          listener('tcp', 'TURN-TCP', port),
          listener('tls', 'TURN-TLS', securePort, true),
          listener('dtls', 'TURN-DTLS', securePort, true),
        ],
        clusters: [{ name: 'local/greeter', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
      }),
    );
  });

  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    greeter.close();
    await daemon.close();
  });

  for (const transport of ['udp', 'tcp', 'tls', 'dtls'] as const) {
    it(`"Hello STUNner" in, greeting out over TURN-${transport.toUpperCase()}; the allocation ends with turncat`, async () => {
      const serverPort = transport === 'tls' || transport === 'dtls' ? securePort : port;
      const p = turncat(['-i', '-', `turn://user-1:pass-1@127.0.0.1:${serverPort}?transport=${transport}`, peer]);
      running.push(p);
      await greet(p);
      await greet(p, 2);
      assert.equal(p.stdout(), 'Greetings from STUNner!\n'.repeat(2));
      assert.equal(await daemon.allocationCount(), 1);
      await p.stop();
      assert.equal(await p.exited(), 0);
      assert.equal(await daemon.allocationCount(), 0);
    });
  }

  it('says 401 for wrong credentials', async () => {
    const p = turncat(['-', `turn://user-1:wrong@127.0.0.1:${port}?transport=udp`, peer]);
    running.push(p);
    assert.notEqual(await p.exited(), 0);
    assert.match(p.stderr(), /401/);
  });

  it('says 403 for a peer the routes do not admit', async () => {
    const p = turncat(['-', `turn://user-1:pass-1@127.0.0.1:${port}?transport=udp`, 'udp://127.0.0.2:9']);
    running.push(p);
    p.child.stdin!.write('Hello STUNner\n');
    assert.notEqual(await p.exited(), 0);
    assert.match(p.stderr(), /403/);
  });
});
