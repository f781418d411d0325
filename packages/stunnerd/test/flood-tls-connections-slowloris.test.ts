// Connection floods and slow handshakes against the stunnerd process (turn.md §5.4): hundreds of TCP
// connections to a TURN-TLS listener that never send a ClientHello, and TURN-TCP connections that
// send half a STUN header and stall. The TLS handshake timeout (10 s) and the idle timeout of a
// connection without an allocation (30 s) close them; a legitimate TLS client is served throughout.
// SLOWLORIS_CONNECTIONS (default 300) sets the flood size.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { TurnClient } from '@stunner/client';
import { freePort, makeSelfSignedCert, waitUntil } from '@stunner/testing';
import { metricValue, startStunnerd } from './support/stunnerd-process.ts';

const N = Number(process.env.SLOWLORIS_CONNECTIONS ?? 300);

function open(port: number, count: number, first?: Buffer): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect({ port, host: '127.0.0.1', localAddress: `127.0.4.${(i % 250) + 1}` }, () => {
            if (first) s.write(first);
            resolve(s);
          });
          s.on('error', reject);
        }),
    ),
  );
}

describe('TLS/TCP connection flood and slowloris (stunnerd process)', { timeout: 120_000 }, () => {
  it(`${N} silent TLS and ${N} stalled TCP connections: closed by the timeouts; a TLS client served`, async (t) => {
    const cert = makeSelfSignedCert();
    t.after(() => rmSync(dirname(cert.certPath), { recursive: true, force: true }));
    const [tlsPort, tcpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const daemon = await startStunnerd({
      listeners: [
        { name: 'tls', protocol: 'TURN-TLS', port: tlsPort, cert: b64(cert.cert), key: b64(cert.key) },
        { name: 'tcp', protocol: 'TURN-TCP', port: tcpPort },
      ],
      endpoints: ['127.0.0.1/32'],
      metricsPort,
    });
    t.after(() => daemon.kill());
    const rssBefore = daemon.rssKiB();
    const started = Date.now();
    const silent = await open(tlsPort, N);
    // Half a STUN header, then nothing: the framer waits for the rest.
    const stalled = await open(tcpPort, N, Buffer.from([0x00, 0x01, 0x00]));
    const all = [...silent, ...stalled];
    t.after(() => {
      for (const s of all) s.destroy();
    });
    const closedAt = new Map<Socket, number>();
    for (const s of all) s.on('close', () => closedAt.set(s, Date.now() - started));

    // While they hang: a legitimate TLS client allocates and refreshes.
    const client = new TurnClient({
      host: '127.0.0.1',
      port: tlsPort,
      transport: 'tls',
      insecure: true,
      username: 'user',
      password: 'pass',
    });
    t.after(() => client.close().catch(() => undefined));
    await client.allocate();
    await client.refresh(600);
    const text = await daemon.metrics();
    t.diagnostic(
      `open connections during the flood: tls ${metricValue(text, 'stunner_listener_connections', 'name="tls"')}, tcp ${metricValue(text, 'stunner_listener_connections', 'name="tcp"')}; RSS ${rssBefore} → ${daemon.rssKiB()} KiB`,
    );

    await waitUntil(
      'the silent TLS connections to be closed',
      () => (silent.every((s) => closedAt.has(s)) ? true : undefined),
      20_000,
      250,
    );
    const tlsMax = Math.max(...silent.map((s) => closedAt.get(s)!));
    await waitUntil(
      'the stalled TCP connections to be closed',
      () => (stalled.every((s) => closedAt.has(s)) ? true : undefined),
      45_000,
      250,
    );
    const tcpMax = Math.max(...stalled.map((s) => closedAt.get(s)!));
    t.diagnostic(`silent TLS closed by ${tlsMax} ms, stalled TCP by ${tcpMax} ms; RSS after ${daemon.rssKiB()} KiB`);
    assert.ok(tlsMax < 15_000, `TLS handshake timeout: ${tlsMax} ms`);
    assert.ok(tcpMax < 40_000, `idle timeout: ${tcpMax} ms`);
    // The legitimate client's connection holds an allocation: it stays.
    await client.refresh(600);
    const after = await daemon.metrics();
    assert.equal(metricValue(after, 'stunner_listener_connections', 'name="tls"'), 1, 'only the legitimate TLS client');
    assert.equal(metricValue(after, 'stunner_listener_connections', 'name="tcp"'), 0);
  });
});
