// Connection floods and slow handshakes against the stunnerd process (turn.md §5.4): hundreds of TCP
// connections to a TURN-TLS listener that never send a ClientHello, and TURN-TCP connections that
// send half a STUN header and stall, and TURN-TCP and TURN-TLS connections that trickle a byte a
// second and never complete a request. The TLS handshake timeout (10 s) and the deadline for a first
// complete request (10 s after accept or after the TLS handshake) close them; a legitimate TLS client
// is served throughout. A single source gets at most 256 connections per listener.
// SLOWLORIS_CONNECTIONS (default 300) and SLOWLORIS_TRICKLE (default 100) set the flood sizes.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { TurnClient } from '@stunner/client';
import { freePort, makeSelfSignedCert, waitUntil } from '@stunner/testing';
import { metricValue, startStunnerd } from './support/stunnerd-process.ts';

const N = Number(process.env.SLOWLORIS_CONNECTIONS ?? 300);
const TRICKLE = Number(process.env.SLOWLORIS_TRICKLE ?? 100);
/** A STUN header announcing 1000 bytes of attributes: at a byte a second it never completes in time. */
const SLOW_HEADER = Buffer.from([0x00, 0x01, 0x03, 0xe8, 0x21, 0x12, 0xa4, 0x42, ...Buffer.alloc(12, 7)]);

/** `count` TLS connections from 127.0.6.x that finish their handshake, then send nothing yet. */
function openTls(port: number, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<Socket>((resolve, reject) => {
          const tcp = connect({ port, host: '127.0.0.1', localAddress: `127.0.6.${(i % 250) + 1}` });
          const s = tlsConnect({ socket: tcp, rejectUnauthorized: false }, () => resolve(s));
          s.on('error', reject);
        }),
    ),
  );
}

function open(
  port: number,
  count: number,
  first?: Buffer,
  source = (i: number) => `127.0.4.${(i % 250) + 1}`,
): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect({ port, host: '127.0.0.1', localAddress: source(i) }, () => {
            if (first) s.write(first);
            resolve(s);
          });
          s.on('error', reject);
        }),
    ),
  );
}

describe('TLS/TCP connection flood and slowloris (stunnerd process)', { timeout: 120_000 }, () => {
  it(`${N} silent TLS, ${N} stalled TCP and ${2 * TRICKLE} trickling connections: closed by the deadlines; a TLS client served; 256 per source`, async (t) => {
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
    // Slowloris proper: a byte a second, so the idle timer never fires.
    const trickleStart = Date.now() - started;
    const trickling = [...(await open(tcpPort, TRICKLE)), ...(await openTls(tlsPort, TRICKLE))];
    let dripped = 0;
    const drip = setInterval(() => {
      for (const s of trickling)
        if (!s.destroyed && dripped < SLOW_HEADER.length) s.write(SLOW_HEADER.subarray(dripped, dripped + 1));
      dripped++;
    }, 1000);
    t.after(() => clearInterval(drip));
    const all = [...silent, ...stalled, ...trickling];
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
    await waitUntil(
      'the trickling TCP and TLS connections to be closed',
      () => (trickling.every((s) => closedAt.has(s)) ? true : undefined),
      30_000,
      250,
    );
    clearInterval(drip);
    const trickleMax = Math.max(...trickling.map((s) => closedAt.get(s)!)) - trickleStart;
    t.diagnostic(
      `silent TLS closed by ${tlsMax} ms, stalled TCP by ${tcpMax} ms, ${trickling.length} trickling (a byte a second, ${dripped} sent) by ${trickleMax} ms after they connected; RSS after ${daemon.rssKiB()} KiB`,
    );
    assert.ok(tlsMax < 15_000, `TLS handshake timeout: ${tlsMax} ms`);
    assert.ok(tcpMax < 40_000, `idle timeout: ${tcpMax} ms`);
    assert.ok(tcpMax < 15_000, `first-request deadline: ${tcpMax} ms`);
    assert.ok(dripped >= 5, 'the trickling clients kept sending');
    assert.ok(trickleMax < 20_000, `first-request deadline despite trickling: ${trickleMax} ms`);

    // The legitimate client's connection holds an allocation: it stays.
    await client.refresh(600);
    const after = await daemon.metrics();
    assert.equal(metricValue(after, 'stunner_listener_connections', 'name="tls"'), 1, 'only the legitimate TLS client');
    assert.equal(metricValue(after, 'stunner_listener_connections', 'name="tcp"'), 0);

    // One source gets at most 256 connections to a listener; the rest are closed at once.
    const crowd = await open(tcpPort, 300, undefined, () => '127.0.7.1');
    t.after(() => {
      for (const s of crowd) s.destroy();
    });
    await waitUntil(
      'the connections beyond the per-source cap to be closed',
      () => (crowd.filter((s) => s.destroyed || s.readableEnded).length >= 44 ? true : undefined),
      5_000,
      50,
    );
    await waitUntil(
      'the listener to count 256 connections from 127.0.7.1',
      async () =>
        metricValue(await daemon.metrics(), 'stunner_listener_connections', 'name="tcp"') === 256 ? true : undefined,
      5_000,
      100,
    );
    for (const s of crowd) s.destroy();
    t.diagnostic('300 connections from one source: 256 held, 44 closed on accept');
  });
});
